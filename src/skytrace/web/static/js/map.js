// The live map (/): every aircraft in view from the WebSocket /api/v1/live (a snapshot, then
// deltas for the bounding box sent at each moveend), filters, search, and the aircraft panel.
// Sets window.skytraceReady once the base map and the first aircraft are drawn.

import { config, createMap, esc, initSearch, legendHtml, utcTime, localTitle, viewBbox, api, sourceCode } from "./common.js";
import { AircraftLayer } from "./aircraft-layer.js";
import { AircraftPanel, rowReader } from "./panel.js";

const main = document.getElementById("main");
main.innerHTML = `
  <div class="map-wrap">
    <div id="map" class="map"></div>
    <div class="map-tools">
      <button class="btn filters-toggle" aria-expanded="false">Filters</button>
      <form class="filters" hidden>
        <label>Altitude (ft)
          <span class="pair"><input name="min_alt" type="number" step="1000" min="0" placeholder="min">
          <input name="max_alt" type="number" step="1000" min="0" placeholder="max"></span></label>
        <label>Operator <input name="operator" placeholder="e.g. KOR" maxlength="3"></label>
        <label>Type <input name="type" placeholder="e.g. A148" maxlength="4"></label>
        <label>Source <select name="source"><option value="">any</option><option value="0">ADS-B</option>
          <option value="4">MLAT</option><option value="3">TIS-B</option><option value="2">ADS-R</option>
          <option value="5">Mode S</option></select></label>
        <label class="check"><input name="military" type="checkbox"> military only</label>
        <label class="check"><input name="ground" type="checkbox" checked> show aircraft on the ground</label>
        <button type="reset" class="btn small">Clear</button>
      </form>
    </div>
    <div class="status-line" aria-live="polite"><span class="dot"></span><span class="status-text">connecting…</span></div>
    ${legendHtml({ mlat: true })}
  </div>
  <aside class="panel" hidden></aside>`;

// aircraft are drawn as soon as they arrive; the outlines join when the API has them
const map = await createMap(document.getElementById("map"), { center: [41, 128], zoom: 5, waitOutlines: false });
let outlinesDrawn = false;
const layer = new AircraftLayer().addTo(map);
const panel = new AircraftPanel(map, main.querySelector(".panel"), { onClose: () => layer.select(null) });
window.skytraceMap = map;
window.skytraceLayer = layer;

// per live message: parse + apply + draw, in ms (read by bench/bench_web_page.py)
window.skytraceStats = { updates: [] };
const state = { now: null, mode: config.live ? "connecting" : "history", version: null, fields: null, read: null, ready: false };

// ---- status line -------------------------------------------------------------------------

const statusText = main.querySelector(".status-text");
const statusDot = main.querySelector(".status-line .dot");
function renderStatus() {
  const n = layer.drawn.n;
  const total = layer.aircraft.size;
  const count = n === total ? `${n.toLocaleString("en-US")} aircraft` : `${n.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} aircraft`;
  const mode = { live: "live", connecting: "connecting…", history: "history only — no live feed", lost: "reconnecting…" }[state.mode];
  const t = state.now ? ` · data <span title="${localTitle(state.now)}">${utcTime(state.now)} UTC</span>` : "";
  statusText.innerHTML = `${count}${t} · ${mode}${state.mode === "history" ? ' · <a href="/playback">play back history</a>' : ""}`;
  statusDot.className = `dot dot-${state.mode}`;
}
// skytraceReady: the outlines and the first aircraft are drawn
function markReady() {
  if (state.ready || !state.gotData || !outlinesDrawn) return;
  state.ready = true;
  window.skytraceStats.readyMs = performance.now();
  window.skytraceReady = true;
}
map.whenOutlines.then(() => {
  outlinesDrawn = true;
  markReady();
});
layer.on("drawn", () => {
  renderStatus();
  if (state.gotData && window.skytraceStats.firstAircraftMs === undefined) {
    window.skytraceStats.firstAircraftMs = performance.now();
  }
  markReady();
});

// ---- filters -----------------------------------------------------------------------------

const form = main.querySelector(".filters");
const toggle = main.querySelector(".filters-toggle");
toggle.addEventListener("click", () => {
  form.hidden = !form.hidden;
  toggle.setAttribute("aria-expanded", String(!form.hidden));
});
function applyFilters() {
  const f = Object.fromEntries(new FormData(form));
  const minAlt = f.min_alt === "" ? null : Number(f.min_alt);
  const maxAlt = f.max_alt === "" ? null : Number(f.max_alt);
  const op = (f.operator || "").trim().toUpperCase();
  const type = (f.type || "").trim().toUpperCase();
  const source = f.source === "" || f.source === undefined ? null : Number(f.source);
  const military = !!f.military;
  const ground = !!f.ground;
  const active = minAlt !== null || maxAlt !== null || op || type || source !== null || military || !ground;
  toggle.classList.toggle("active", !!active);
  if (!active) return layer.setFilter(null);
  layer.setFilter((a) => {
    if (!ground && a.onground === 1) return false;
    if (minAlt !== null && !(a.alt >= minAlt)) return false;
    if (maxAlt !== null && !(a.alt <= maxAlt) && a.onground !== 1) return false;
    if (op && a.operator !== op && !(a.callsign || "").startsWith(op)) return false;
    if (type && a.type !== type) return false;
    if (source !== null && sourceCode(a.source) !== source) return false;
    if (military && !a.military) return false;
    return true;
  });
}
form.addEventListener("input", applyFilters);
form.addEventListener("reset", () => setTimeout(applyFilters));

// ---- selection ---------------------------------------------------------------------------

function selectHex(hex, pan = false) {
  const a = layer.aircraft.get(hex);
  layer.select(hex);
  panel.open(hex, a);
  if (pan && a) centreOn(a);
  history.replaceState(null, "", `/?hex=${hex}`);
}
/** Centre an aircraft in the part of the map the panel leaves free. */
function centreOn(a) {
  map.setView([a.lat, a.lon], Math.max(map.getZoom(), 8), { animate: false });
  const sheet = main.querySelector(".panel");
  if (sheet.hidden) return;
  const r = sheet.getBoundingClientRect();
  const size = map.getSize();
  if (r.width >= size.x - 1) map.panBy([0, Math.min(r.height, size.y * 0.6) / 2], { animate: false });
  else map.panBy([r.width / 2, 0], { animate: false });
}

// the first view: the last one this browser saw, else every aircraft tracked (fitted once)
const VIEW_KEY = "skytrace.view";
let fitPending = !new URLSearchParams(location.search).get("hex");
try {
  const saved = JSON.parse(localStorage.getItem(VIEW_KEY) || "null");
  if (saved && fitPending) {
    map.setView([saved.lat, saved.lon], saved.zoom, { animate: false });
    fitPending = false;
  }
} catch (e) {
  /* no saved view */
}
map.on("moveend", () => {
  const c = map.getCenter();
  try {
    localStorage.setItem(VIEW_KEY, JSON.stringify({ lat: c.lat, lon: c.lng, zoom: map.getZoom() }));
  } catch (e) {
    /* private mode */
  }
});

function fitToAircraft(list) {
  const pts = list.filter((a) => Number.isFinite(a.lat) && Number.isFinite(a.lon));
  if (!pts.length) return;
  const q = (arr, f) => arr[Math.min(arr.length - 1, Math.max(0, Math.floor(f * (arr.length - 1))))];
  const lats = pts.map((a) => a.lat).sort((x, y) => x - y);
  const lons = pts.map((a) => a.lon).sort((x, y) => x - y);
  const trim = pts.length > 50 ? 0.02 : 0; // a few far-away outliers do not decide the view
  const bounds = L.latLngBounds([q(lats, trim), q(lons, trim)], [q(lats, 1 - trim), q(lons, 1 - trim)]);
  map.fitBounds(bounds.pad(0.15), { maxZoom: 7, animate: false });
}

layer.on("pick", (ev) => {
  if (ev.aircraft) selectHex(ev.aircraft.hex);
  else if (!document.body.classList.contains("phone")) {
    panel.close();
    history.replaceState(null, "", "/");
  }
});
panel.onClose = () => {
  layer.select(null);
  history.replaceState(null, "", "/");
};

initSearch((row) => {
  if (row.hex && layer.aircraft.has(row.hex)) {
    selectHex(row.hex, true);
    return true;
  }
  return false;
});

// ---- the live stream ---------------------------------------------------------------------

let ws = null;
let backoffMs = 1000;
function sendBbox() {
  const bbox = fitPending ? [-90, -180, 90, 180] : viewBbox(map);
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ bbox }));
}
map.on("moveend", sendBbox);

function onMessage(msg) {
  const tMs = performance.now();
  if (msg.now !== undefined && msg.now !== null) state.now = msg.now;
  if (msg.fields) state.read = rowReader(msg.fields);
  if (!state.read) state.read = rowReader(["hex", "lat", "lon", "track_deg", "altitude_ft", "groundspeed_kt", "callsign", "type_code", "category", "source", "onground", "vertical_rate_fpm", "squawk", "registration", "operator", "military"]);
  if (msg.type === "snapshot") {
    const list = (msg.aircraft || msg.rows || []).map((r) => state.read(r, tMs));
    layer.setAll(list);
    state.gotData = true;
    if (fitPending) {
      fitPending = false;
      fitToAircraft(list);
      sendBbox();
    }
  } else if (msg.type === "delta") {
    if (msg.remove) layer.remove(msg.remove.map((h) => String(h).toLowerCase()));
    if (msg.upsert) layer.upsert(msg.upsert.map((r) => state.read(r, tMs)));
    state.gotData = true;
  } else if (msg.type === "event") {
    showEvent(msg.event);
  }
  if (panel.hex && layer.aircraft.has(panel.hex)) panel.live = layer.aircraft.get(panel.hex);
}

function connect() {
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v1/live`;
  ws = new WebSocket(url);
  ws.onopen = () => {
    backoffMs = 1000;
    state.mode = "live";
    sendBbox();
    renderStatus();
  };
  ws.onmessage = (ev) => {
    const t0 = performance.now();
    let msg;
    try {
      msg = JSON.parse(ev.data);
      onMessage(msg);
    } catch (e) {
      console.warn("bad live message", e);
      return;
    }
    if (msg.type === "snapshot" || msg.type === "delta") {
      layer.redraw(); // draw the update now rather than on the next animation frame
      const stats = window.skytraceStats;
      stats.updates.push(performance.now() - t0);
      if (stats.updates.length > 100) stats.updates.shift();
    }
  };
  ws.onclose = () => {
    state.mode = "lost";
    renderStatus();
    setTimeout(connect, backoffMs);
    backoffMs = Math.min(15000, backoffMs * 2);
  };
}

// events (takeoff, landing, emergency...) as small toasts
const toasts = document.createElement("div");
toasts.className = "toasts";
main.querySelector(".map-wrap").appendChild(toasts);
function showEvent(ev) {
  if (!ev) return;
  const kind = ev.kind || ev.type || "event";
  if (!/emergency|takeoff|landing|go_around/i.test(kind)) return;
  const div = document.createElement("div");
  div.className = `toast toast-${esc(kind)}`;
  const hex = typeof ev.icao24 === "string" ? ev.icao24.toLowerCase() : Number.isFinite(ev.icao24) ? ev.icao24.toString(16).padStart(6, "0") : "";
  const a = layer.aircraft.get(hex);
  const who = (a && (a.callsign || a.registration)) || hex.toUpperCase();
  div.innerHTML = `<b>${esc(kind.replace("_", " "))}</b> ${esc(who)} ${esc(ev.value ?? "")} <span class="muted">${utcTime(ev.time_s)}Z</span>`;
  div.addEventListener("click", () => hex && selectHex(hex, true));
  toasts.prepend(div);
  while (toasts.children.length > 4) toasts.lastChild.remove();
  setTimeout(() => div.remove(), 12000);
}

if (config.live) {
  connect();
} else {
  // history only: no live feed; the map is drawn empty and says so
  state.gotData = true;
  try {
    const status = await api("status");
    if (status && status.mode === "live") {
      state.mode = "connecting";
      connect();
    }
  } catch (e) {
    /* the status line already says history only */
  }
  layer.redraw();
}

// deep link: /?hex=7277cf opens the panel once the aircraft is known
const wanted = new URLSearchParams(location.search).get("hex");
if (wanted) {
  const tryOpen = () => {
    if (layer.aircraft.has(wanted)) {
      layer.off("drawn", tryOpen); // first: selecting redraws, which fires "drawn" again
      selectHex(wanted, true);
    }
  };
  layer.on("drawn", tryOpen);
  panel.open(wanted, null);
}
renderStatus();
