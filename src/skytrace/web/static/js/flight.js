// One flight (/flight/{id}): its track on the map (observed stretches coloured by altitude,
// inferred takeoff/landing legs dashed from/to the airport, reception gaps dotted), the
// profile, the facts sentence with its evidence table, the events, and the exports.

import { api, createMap, duration, esc, initSearch, legendHtml, num, params, rowsAsObjects, showError, timeHtml, utcDate } from "./common.js";
import { profileChart } from "./chart.js";
import { airportEnd, altitudePolylines } from "./panel.js";

initSearch();
const main = document.getElementById("main");
const id = params.flight_id;
main.innerHTML = `<section class="page-body"><div class="doc"><div class="empty">Loading flight ${esc(id)}…</div></div></section>`;
const doc = main.querySelector(".doc");

let flightBody;
let trackBody;
try {
  [flightBody, trackBody] = await Promise.all([api(`flights/${encodeURIComponent(id)}`), api(`flights/${encodeURIComponent(id)}/track`)]);
} catch (e) {
  showError(doc, e);
  window.skytraceReady = true;
  throw e;
}

const f = flightBody.flight;
const facts = flightBody.facts || {};
const events = flightBody.events || [];
const points = rowsAsObjects(trackBody.fields, trackBody.positions).map((p) => ({
  t: p.time_s,
  lat: p.lat,
  lon: p.lon,
  alt: p.altitude_ft,
  gs: p.groundspeed_kt,
  onground: p.onground,
}));
const segments = trackBody.segments || [];
const callsign = (f.callsigns || [])[0] || "";
const enc = encodeURIComponent(f.flight_id);
const start = Number.isFinite(f.takeoff_s) ? f.takeoff_s : f.first_seen_s;
const end = Number.isFinite(f.landing_s) ? f.landing_s : f.last_seen_s;

doc.innerHTML = `
  <div class="doc-head">
    <div>
      <h1>${esc(callsign || f.flight_id)} <span class="muted">${esc(f.departure?.icao || "?")} → ${esc(f.arrival?.icao || "?")}</span></h1>
      <div class="sub">${esc([f.registration, f.typecode, f.type_description, f.operator_name].filter(Boolean).join(" · "))}
        · <a href="/aircraft/${esc(f.hex)}">${esc(f.hex.toUpperCase())}</a> · ${esc(utcDate(start))} · flight <code>${esc(f.flight_id)}</code></div>
    </div>
    <div class="exports" aria-label="exports">
      <a href="/playback?flight=${enc}" class="play-link">▶ Replay</a>
      ${["csv", "geojson", "kml", "parquet"].map((fmt) => `<a href="/api/v1/flights/${enc}/export?format=${fmt}" download>${fmt.toUpperCase()}</a>`).join("")}
    </div>
  </div>
  <div class="split">
    <div>
      <div class="map-card"><div id="map" class="map"></div>${legendHtml()}</div>
      <div class="line-key"><span><i></i>heard (coloured by altitude)</span><span><i class="dashed"></i>inferred, not heard</span></div>
      <div class="card" style="margin-top:14px"><h3>Profile</h3><div class="chart"></div></div>
    </div>
    <div>
      <div class="card facts">
        <h3>What the data shows</h3>
        <p class="sentence">${esc(facts.sentence || "")}</p>
      </div>
      <div class="card">
        <div class="route">
          <div class="route-end"><span class="label">from</span>${airportEnd(f.departure, f.takeoff_s)}</div>
          <div class="route-end"><span class="label">to</span>${airportEnd(f.arrival, f.landing_s)}</div>
        </div>
        <dl class="kv" style="margin-top:12px">
          <dt>Flight time</dt><dd>${esc(duration(f.duration_s ?? end - start))} <span class="muted">${esc(f.duration_kind || "")}</span></dd>
          <dt>First / last seen</dt><dd>${timeHtml(f.first_seen_s, { seconds: true })} – ${timeHtml(f.last_seen_s, { seconds: true })}</dd>
          <dt>Distance flown</dt><dd>${num(f.distance_flown_km, 0, "km")}</dd>
          <dt>Max altitude</dt><dd>${num(f.max_altitude_ft, 0, "ft")}</dd>
          <dt>Positions</dt><dd>${num(f.n_positions)} (${esc((f.sources || []).join(", "))})</dd>
          <dt>Receivers</dt><dd>${f.receivers_heard ? `${num(f.receivers_heard)} heard it, ` : ""}up to ${num(f.n_receivers)} per position</dd>
        </dl>
      </div>
    </div>
  </div>
  <h2>Evidence</h2>
  <div class="card table-wrap"><table class="evidence">
    <thead><tr><th>Topic</th><th>Time</th><th>What was seen</th><th>Source</th></tr></thead>
    <tbody>${(facts.evidence || []).map((e) => `<tr><td>${esc(e.topic)}</td><td>${timeHtml(e.time_s, { seconds: true })}</td><td>${esc(e.text)}</td><td class="muted">${esc(e.source)}</td></tr>`).join("") || '<tr><td colspan="4" class="empty">No evidence recorded.</td></tr>'}</tbody>
  </table></div>
  <h2>Events</h2>
  <div class="card table-wrap"><table class="events">
    <thead><tr><th>Time</th><th>Event</th><th>Detail</th><th>Altitude</th></tr></thead>
    <tbody>${events.map((e) => `<tr><td>${timeHtml(e.time_s, { seconds: true })}</td><td>${esc(e.kind)}</td><td>${esc(e.value ?? "")}</td><td>${num(e.altitude_ft, 0, "ft")}</td></tr>`).join("") || '<tr><td colspan="4" class="empty">No events.</td></tr>'}</tbody>
  </table></div>`;

const inferred = segments.filter((s) => s.kind === "inferred" && Number.isFinite(s.start_s) && Number.isFinite(s.end_s)).map((s) => [s.start_s, s.end_s]);
profileChart(doc.querySelector(".chart"), points, { inferred });

const map = await createMap(document.getElementById("map"), { firs: true });
const track = L.featureGroup().addTo(map);
const svg = L.svg({ padding: 0.5 }); // SVG, not canvas: the track's parts stay inspectable
const onground = (p) => (p.onground === true || p.onground === 1 ? 1 : 0);
const drawnSegments = [];
for (const s of segments) {
  if (s.kind === "observed") {
    altitudePolylines(points.slice(s.first, s.last + 1), { weight: 3, layer: track, onground, renderer: svg, className: "observed-line" });
    drawnSegments.push("observed");
  } else if (s.kind === "gap") {
    const a = points[s.from_index];
    const b = points[s.to_index];
    if (a && b) L.polyline([[a.lat, a.lon], [b.lat, b.lon]], { color: "#8d9aa8", weight: 2, dashArray: "2 6", className: "gap-line", renderer: svg }).addTo(track);
    drawnSegments.push("gap");
  } else if (s.kind === "inferred" && s.from && s.to) {
    L.polyline([s.from, s.to], { color: "#f2b84b", weight: 3, dashArray: "7 6", className: "inferred-line", renderer: svg })
      .bindTooltip(`inferred ${esc(s.phase || "")}: ${esc(s.airport || "")} (${Math.round((s.confidence || 0) * 100)}%) — not heard`, { sticky: true })
      .addTo(track);
    drawnSegments.push("inferred");
  }
}
if (!segments.length) altitudePolylines(points, { weight: 3, layer: track, onground, renderer: svg, className: "observed-line" });
for (const [call, label] of [[f.departure, "departure"], [f.arrival, "arrival"]]) {
  if (call && call.icao && Number.isFinite(call.lat)) {
    L.circleMarker([call.lat, call.lon], { radius: 4, color: "#fff", weight: 1.5, fillColor: call.method === "observed" ? "#6fd08c" : "#f2b84b", fillOpacity: 1 })
      .bindTooltip(`${esc(call.icao)} <span class="mark mark-${esc(call.method)}">${esc(call.method)}</span>`, { permanent: true, direction: label === "departure" ? "left" : "top", offset: label === "departure" ? [-6, 0] : [0, -6], className: "airport-label" })
      .addTo(track);
  }
}
if (track.getLayers().length) map.fitBounds(track.getBounds(), { padding: [30, 30] });
document.body.dataset.segments = drawnSegments.join(" ");
window.skytraceReady = true;
