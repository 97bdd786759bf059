// The aircraft panel (a side panel on wide screens, a bottom sheet on phones): who the
// aircraft is, what it does now, its current flight with observed/inferred ends, the
// profile of the flight so far, and its trail drawn on the map.

import { api, altColor, duration, esc, hexOf, num, route, sourceName, timeHtml } from "./common.js";
import { profileChart } from "./chart.js";

/** Compact live row fields -> the layer's aircraft object. */
export function rowReader(fields) {
  const i = Object.fromEntries(fields.map((f, k) => [f, k]));
  const g = (r, name) => (i[name] === undefined ? null : r[i[name]]);
  return (r, tMs) => ({
    hex: String(g(r, "hex")).toLowerCase(),
    lat: g(r, "lat"),
    lon: g(r, "lon"),
    track: g(r, "track_deg"),
    alt: g(r, "altitude_ft"),
    gs: g(r, "groundspeed_kt"),
    callsign: g(r, "callsign") || "",
    type: g(r, "type_code") || "",
    category: g(r, "category") || "",
    source: g(r, "source"),
    onground: g(r, "onground") === true ? 1 : g(r, "onground") === false ? 0 : -1,
    vr: g(r, "vertical_rate_fpm"),
    squawk: g(r, "squawk"),
    registration: g(r, "registration") || "",
    operator: g(r, "operator") || "",
    military: !!g(r, "military"),
    t: tMs,
  });
}

/** One end of a flight: "ZKPY (inferred, 72%)" with the evidence on hover. */
export function airportEnd(call, time) {
  if (!call || !call.icao) return '<span class="end-place muted">unknown</span><span class="end-time"></span>';
  const mark = call.method === "observed" ? "observed" : call.method === "inferred" ? "inferred" : call.method;
  const conf = Number.isFinite(call.confidence) ? ` ${Math.round(call.confidence * 100)}%` : "";
  const name = call.name ? `<span class="muted">${esc(call.name)}</span>` : "";
  return `<span class="end-place"><a href="/airport/${esc(call.icao)}" title="${esc(call.evidence || "")}"><b>${esc(call.icao)}</b></a>
    ${name} <span class="mark mark-${esc(call.method)}" title="${esc(call.evidence || "")}">${esc(mark)}${conf}</span></span>
    <span class="end-time">${time !== undefined ? timeHtml(time) : ""}</span>`;
}

function first(...vals) {
  for (const v of vals) if (v !== undefined && v !== null && v !== "") return v;
  return null;
}

/** The trail answer ([[t, lat, lon, alt, gs], ...] or objects) as points. */
export function trailPoints(trail) {
  return (trail || []).map((p) =>
    Array.isArray(p) ? { t: p[0], lat: p[1], lon: p[2], alt: p[3], gs: p[4] } : { t: p.t ?? p.time_s, lat: p.lat, lon: p.lon, alt: p.altitude_ft ?? p.alt, gs: p.groundspeed_kt ?? p.gs },
  );
}

/** Draw points as polylines coloured by altitude band (one polyline per colour run). */
export function altitudePolylines(points, { weight = 3, opacity = 0.95, dashed = false, layer = null, onground = null, renderer = undefined, className = "" } = {}) {
  const group = layer || L.layerGroup();
  let run = [];
  let color = null;
  const flush = () => {
    if (run.length > 1) L.polyline(run, { color, weight, opacity, dashArray: dashed ? "6 6" : null, interactive: false, renderer, className }).addTo(group);
  };
  for (const p of points) {
    if (!Number.isFinite(p.lat) || !Number.isFinite(p.lon)) continue;
    const c = altColor(p.alt, onground ? onground(p) : p.alt !== null && p.alt !== undefined && p.alt <= 0 ? 1 : 0);
    if (c !== color) {
      if (run.length) {
        const last = run[run.length - 1];
        flush();
        run = [last];
      }
      color = c;
    }
    run.push([p.lat, p.lon]);
  }
  flush();
  return group;
}

export class AircraftPanel {
  constructor(map, container, { onClose } = {}) {
    this.map = map;
    this.el = container;
    this.onClose = onClose;
    this.hex = null;
    this.trail = L.layerGroup().addTo(map);
    this.timer = 0;
    this.seq = 0;
  }

  close() {
    this.hex = null;
    clearInterval(this.timer);
    this.trail.clearLayers();
    this.el.hidden = true;
    document.body.classList.remove("panel-open");
    if (this.onClose) this.onClose();
  }

  /** Open (or refresh) the panel for one aircraft; `live` is its row on the map, if any. */
  async open(hex, live) {
    hex = hexOf(hex);
    if (this.hex !== hex) {
      clearInterval(this.timer);
      this.timer = setInterval(() => this.refresh(), 5000);
    }
    this.hex = hex;
    this.live = live || null;
    this.el.hidden = false;
    document.body.classList.add("panel-open");
    if (live) this.render(null, live);
    await this.refresh();
  }

  async refresh() {
    const hex = this.hex;
    if (!hex) return;
    const mine = ++this.seq;
    try {
      const body = await api(`aircraft/${encodeURIComponent(hex)}`);
      if (mine !== this.seq || hex !== this.hex) return;
      this.render(body, this.live);
    } catch (e) {
      if (mine !== this.seq) return;
      if (!this.live) this.el.innerHTML = `<div class="panel-inner"><button class="close" aria-label="Close">×</button><div class="error-box">${esc(e.message)}</div></div>`;
      this.el.querySelector(".close")?.addEventListener("click", () => this.close());
    }
  }

  render(body, live) {
    body = body || {};
    const st = body.state || {};
    const id = body.identity || {};
    const fl = body.flight || null;
    const a = live || {};
    const hex = this.hex;
    const reg = first(id.registration, st.registration, a.registration);
    const callsign = first(st.callsign, a.callsign);
    const type = first(id.typecode, id.type_code, st.type_code, st.typecode, a.type);
    const typeName = first(id.type_description, id.description, st.type_description);
    const operator = first(id.operator_name, fl && fl.operator_name, st.operator, a.operator);
    const country = first(id.country_name, id.country, st.country, fl && fl.country);
    const alt = first(st.altitude_ft, a.alt);
    const og = st.onground ?? a.onground;
    const onground = og === 1 || og === true ? true : og === 0 || og === false ? false : null;
    const gs = first(st.groundspeed_kt, a.gs);
    const trk = first(st.track_deg, a.track);
    const vr = first(st.baro_rate_fpm, st.geom_rate_fpm, st.vertical_rate_fpm, a.vr);
    const squawk = first(st.squawk, a.squawk);
    const source = first(st.source, a.source);
    const receivers = body.receivers || [];
    const rxNames = receivers.map((r) => (typeof r === "object" ? r.name || `#${r.receiver}` : String(r)));
    const rx = esc(rxNames.length || first(st.n_receivers, a.n_receivers) || "");
    const sq = squawk && ["7500", "7600", "7700"].includes(String(squawk)) ? `<b class="alert">${esc(squawk)}</b>` : esc(squawk ?? "—");
    let flightHtml = '<p class="muted">No open flight.</p>';
    if (fl) {
      const id = fl.flight_id || fl.id;
      flightHtml = `<div class="route">
          <div class="route-end"><span class="label">from</span>${airportEnd(fl.departure, fl.takeoff_s)}</div>
          <div class="route-end"><span class="label">to</span>${fl.arrival && fl.arrival.icao ? airportEnd(fl.arrival, fl.landing_s) : '<span class="end-place muted">not landed yet</span><span></span>'}</div>
        </div>
        <p class="muted small">${fl.status === "open" ? "in flight" : esc(fl.status || "")} · ${duration((body.now ?? st.last_seen_s ?? fl.last_seen_s) - (Number.isFinite(fl.takeoff_s) ? fl.takeoff_s : fl.first_seen_s))} so far ·
          <a href="/flight/${encodeURIComponent(id)}">flight page</a> · <a href="/playback?flight=${encodeURIComponent(id)}">replay</a></p>`;
    }
    this.el.innerHTML = `<div class="panel-inner">
      <button class="close" aria-label="Close">×</button>
      <div class="panel-head">
        <div class="panel-title"><span class="reg" data-field="registration">${esc(reg || hex.toUpperCase())}</span>
          <span class="callsign">${esc(callsign || "")}</span></div>
        <div class="panel-sub">${esc([type, typeName].filter(Boolean).join(" · ") || "type unknown")}</div>
        <div class="panel-sub">${esc(operator || "operator unknown")}${country ? ` · ${esc(country)}` : ""}</div>
      </div>
      <dl class="facts-grid">
        <div><dt>Altitude</dt><dd>${onground === true ? "on ground" : num(alt, 0, "ft")}</dd></div>
        <div><dt>Ground speed</dt><dd>${num(gs, 0, "kt")}</dd></div>
        <div><dt>Track</dt><dd>${num(trk, 0, "°")}</dd></div>
        <div><dt>Vertical rate</dt><dd>${num(vr, 0, "ft/min")}</dd></div>
        <div><dt>Squawk</dt><dd>${sq}</dd></div>
        <div><dt>Source</dt><dd>${esc(sourceName(source))}</dd></div>
        <div><dt>Hex</dt><dd><a href="/aircraft/${esc(hex)}">${esc(hex.toUpperCase())}</a></dd></div>
        <div><dt>Receivers</dt><dd>${rx || "—"}</dd></div>
      </dl>
      ${rxNames.length ? `<p class="muted small rx-names">Heard by ${esc(rxNames.join(", "))}</p>` : ""}
      <h3>Current flight</h3>
      ${flightHtml}
      <h3>Profile</h3>
      <div class="chart"></div>
    </div>`;
    this.el.querySelector(".close").addEventListener("click", () => this.close());
    const points = trailPoints(body.trail || body.track);
    if (body.trail || body.track) {
      profileChart(this.el.querySelector(".chart"), points);
      this.trail.clearLayers();
      altitudePolylines(points, { weight: 2, opacity: 0.7, layer: this.trail });
    } else {
      this.el.querySelector(".chart").innerHTML = '<div class="muted small">loading…</div>';
    }
  }
}
