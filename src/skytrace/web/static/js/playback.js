// History playback (/playback?flight=<id> | ?t=<epoch or ISO>&bbox=S,W,N,E): positions from
// /api/v1/playback, played with a time slider at 1x-1000x, drawn by the same aircraft layer
// as the live map (positions interpolated between reports).

import { api, createMap, esc, initSearch, legendHtml, localTitle, params, route, utcDate, utcTime, viewBbox } from "./common.js";
import { AircraftLayer } from "./aircraft-layer.js";
import { altitudePolylines } from "./panel.js";

initSearch();
const main = document.getElementById("main");
main.innerHTML = `
  <div class="map-wrap">
    <div id="map" class="map"></div>
    <div class="map-tools">
      <form class="filters playback-form">
        <label>Start (UTC) <input name="start" type="text" required placeholder="YYYY-MM-DD HH:MM"
          pattern="\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}" title="UTC date and time, e.g. 2023-09-12 02:10"></label>
        <label>Length <select name="length"><option value="900">15 min</option><option value="3600" selected>1 hour</option>
          <option value="10800">3 hours</option><option value="21600">6 hours</option></select></label>
        <label class="check"><input name="area" type="checkbox"> only the area in view</label>
        <button class="btn primary" type="submit">Load</button>
        <div class="examples small"></div>
      </form>
    </div>
    <div class="player">
      <div class="player-row">
        <button class="btn play" disabled>▶ Play</button>
        <span class="clock">--:--:-- UTC</span>
        <label class="muted small">speed <select class="speed">
          <option>1</option><option>10</option><option selected>60</option><option>100</option><option>300</option><option>1000</option>
        </select>×</label>
        <span class="muted small info"></span>
      </div>
      <input class="slider" type="range" min="0" max="1" step="1" value="0" aria-label="time">
    </div>
    ${legendHtml({ mlat: true })}
  </div>`;

const map = await createMap(document.getElementById("map"), { center: [41, 128], zoom: 5 });
const layer = new AircraftLayer({ deadReckon: false }).addTo(map);
const trackLayer = L.layerGroup().addTo(map);
window.skytraceMap = map;
window.skytraceLayer = layer;

const form = main.querySelector(".playback-form");
const slider = main.querySelector(".slider");
const clock = main.querySelector(".clock");
const playBtn = main.querySelector(".play");
const speedSel = main.querySelector(".speed");
const info = main.querySelector(".info");

const MAX_ROWS = 400000;
const HIDE_AFTER_S = 60; // an aircraft not heard for this long (and not heard again soon) is hidden
const state = { tracks: [], t: 0, since: 0, until: 0, playing: false, lastMs: 0 };

function toInputValue(t) {
  return new Date(t * 1000).toISOString().slice(0, 16).replace("T", " ");
}
function fromInputValue(v) {
  return Date.parse(`${v.trim().replace(" ", "T")}:00Z`) / 1000;
}
function parseT(v) {
  if (!v) return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const t = Date.parse(v.endsWith("Z") || v.includes("+") ? v : `${v}Z`);
  return Number.isFinite(t) ? t / 1000 : null;
}

/** Rows (time order) -> per-aircraft column arrays. */
function buildTracks(fields, rows) {
  const i = Object.fromEntries(fields.map((f, k) => [f, k]));
  const byHex = new Map();
  for (const r of rows) {
    const hex = r[i.hex];
    let tr = byHex.get(hex);
    if (!tr) {
      tr = { hex, t: [], lat: [], lon: [], alt: [], gs: [], trk: [], gnd: [], callsign: "", squawk: null, source: null, obj: null };
      byHex.set(hex, tr);
    }
    if (r[i.lat] === null || r[i.lon] === null) continue;
    tr.t.push(r[i.time_s]);
    tr.lat.push(r[i.lat]);
    tr.lon.push(r[i.lon]);
    tr.alt.push(r[i.altitude_ft]);
    tr.gs.push(r[i.groundspeed_kt]);
    tr.trk.push(r[i.track_deg]);
    tr.gnd.push(r[i.onground]);
    if (r[i.callsign]) tr.callsign = r[i.callsign];
    if (r[i.source]) tr.source = r[i.source];
  }
  const tracks = [...byHex.values()].filter((tr) => tr.t.length);
  for (const tr of tracks) {
    tr.obj = { hex: tr.hex, callsign: tr.callsign, type: "", category: "", source: tr.source, registration: "", operator: "", military: false, t: 0 };
  }
  return tracks;
}

function bisect(ts, t) {
  let lo = 0;
  let hi = ts.length - 1;
  if (t < ts[0]) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ts[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Where every aircraft is at time t (interpolated), as layer objects. */
function frameAt(t) {
  const out = [];
  for (const tr of state.tracks) {
    const k = bisect(tr.t, t);
    if (k < 0) continue;
    const last = k === tr.t.length - 1;
    if (last && t - tr.t[k] > HIDE_AFTER_S) continue;
    const a = tr.obj;
    let f = 0;
    if (!last) {
      const span = tr.t[k + 1] - tr.t[k];
      if (span > 5 * HIDE_AFTER_S && t - tr.t[k] > HIDE_AFTER_S) continue; // a reception gap
      f = span > 0 ? (t - tr.t[k]) / span : 0;
    }
    const lerp = (arr) => (last || arr[k] === null || arr[k + 1] === null ? arr[k] : arr[k] + (arr[k + 1] - arr[k]) * f);
    a.lat = lerp(tr.lat);
    a.lon = lerp(tr.lon);
    a.alt = lerp(tr.alt);
    a.gs = tr.gs[k];
    a.track = tr.trk[k];
    a.onground = tr.gnd[k] === true || tr.gnd[k] === 1 ? 1 : 0;
    out.push(a);
  }
  return out;
}

function show(t) {
  state.t = Math.max(state.since, Math.min(state.until, t));
  const list = frameAt(state.t);
  layer.setAll(list);
  layer.redraw();
  slider.value = String(Math.round(state.t));
  clock.innerHTML = `<span title="${esc(localTitle(state.t))}">${utcDate(state.t)} ${utcTime(state.t)} UTC</span>`;
  info.textContent = `${list.length} aircraft`;
}

function tick(ms) {
  if (!state.playing) return;
  const dt = state.lastMs ? (ms - state.lastMs) / 1000 : 0;
  state.lastMs = ms;
  const next = state.t + dt * Number(speedSel.value);
  if (next >= state.until) {
    show(state.until);
    setPlaying(false);
    return;
  }
  show(next);
  requestAnimationFrame(tick);
}

function setPlaying(on) {
  state.playing = on;
  playBtn.textContent = on ? "❚❚ Pause" : "▶ Play";
  state.lastMs = 0;
  if (on) {
    if (state.t >= state.until) show(state.since);
    requestAnimationFrame(tick);
  }
}
playBtn.addEventListener("click", () => setPlaying(!state.playing));
slider.addEventListener("input", () => show(Number(slider.value)));

async function load(query, { fit = false } = {}) {
  setPlaying(false);
  info.textContent = "loading…";
  playBtn.disabled = true;
  let rows = [];
  let fields = null;
  let body = await api("playback", query);
  fields = body.fields;
  rows = body.rows;
  const window0 = [body.since_s, body.until_s];
  while (body.next && rows.length < MAX_ROWS) {
    body = await api(body.next);
    rows = rows.concat(body.rows);
  }
  state.tracks = buildTracks(fields, rows);
  state.since = window0[0];
  state.until = window0[1];
  slider.min = String(Math.floor(state.since));
  slider.max = String(Math.ceil(state.until));
  playBtn.disabled = !rows.length;
  form.start.value = toInputValue(state.since);
  if (!rows.length) {
    info.textContent = "no positions stored in this window";
    layer.setAll([]);
    layer.redraw();
    return;
  }
  if (fit) {
    const b = L.latLngBounds(state.tracks.flatMap((tr) => [[tr.lat[0], tr.lon[0]], [tr.lat[tr.lat.length - 1], tr.lon[tr.lon.length - 1]]]));
    if (b.isValid()) map.fitBounds(b, { padding: [40, 40], maxZoom: 9 });
  }
  show(state.since);
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const since = fromInputValue(form.start.value);
  if (!Number.isFinite(since)) {
    info.textContent = "start: give a UTC date and time, e.g. 2023-09-12 02:10";
    return;
  }
  const until = since + Number(form.length.value);
  trackLayer.clearLayers();
  const q = { since: String(since), until: String(until) };
  if (form.area.checked) q.bbox = viewBbox(map, 0).join(",");
  history.replaceState(null, "", `/playback?t=${since}${q.bbox ? `&bbox=${q.bbox}` : ""}`);
  try {
    await load(q);
  } catch (e) {
    info.textContent = e.message;
  }
});

async function examples() {
  // the flights of the latest stored day, the demo's KOR151 first when present
  const box = form.querySelector(".examples");
  try {
    const body = await api("flights", { limit: 200 });
    const flights = body.flights || [];
    flights.sort((a, b) => (/^KOR151/.test((b.callsigns || [])[0]) - /^KOR151/.test((a.callsigns || [])[0])) || (b.first_seen_s - a.first_seen_s));
    box.innerHTML = flights.length
      ? `<div class="muted">Replay a flight:</div>${flights
          .slice(0, 5)
          .map((f) => `<div><a href="/playback?flight=${encodeURIComponent(f.flight_id)}">${esc((f.callsigns || [])[0] || f.flight_id)}</a> <span class="muted">${esc(route(f))} ${esc(utcDate(f.first_seen_s))}</span></div>`)
          .join("")}`
      : "";
    return flights;
  } catch (e) {
    return [];
  }
}

try {
  const flights = await examples();
  if (params.flight) {
    const fb = await api(`flights/${encodeURIComponent(params.flight)}/track`);
    const pts = fb.positions.map((p) => ({ t: p[0], lat: p[1], lon: p[2], alt: p[3] }));
    altitudePolylines(pts, { weight: 2, layer: trackLayer });
    trackLayer.eachLayer((l) => l.setStyle({ opacity: 0.35 }));
    await load({ flight: params.flight }, { fit: true });
  } else {
    let t = parseT(params.t);
    if (t === null && flights.length) {
      const latest = flights.reduce((a, b) => (b.last_seen_s > a.last_seen_s ? b : a));
      const seed = flights.find((f) => /^KOR151/.test((f.callsigns || [])[0]));
      t = Math.floor(((seed || latest).first_seen_s - 300) / 60) * 60;
    }
    if (t === null) t = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3600;
    form.start.value = toInputValue(t);
    const q = { since: String(t), until: String(t + Number(form.length.value)) };
    if (params.bbox) q.bbox = params.bbox;
    await load(q, { fit: !params.bbox });
  }
} catch (e) {
  info.textContent = e.message;
}
window.skytracePlayback = { show, state };
window.skytraceReady = true;
