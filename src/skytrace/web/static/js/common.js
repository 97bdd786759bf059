// Shared by every page: configuration, the JSON API, UTC time formatting, altitude colours,
// the offline base map (country outlines, FIR lines) and the search box in the top bar.

export const config = JSON.parse(document.getElementById("skytrace-config").textContent);
export const params = config.params || {};

// ---- the API ----------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export async function api(path, query) {
  const url = new URL(path.startsWith("/") ? path : `/api/v1/${path}`, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  }
  const res = await fetch(url, { headers: { Accept: "application/json" } });
  let body = null;
  try {
    body = await res.json();
  } catch (e) {
    body = null;
  }
  if (!res.ok) {
    const err = (body && body.error) || {};
    throw new ApiError(res.status, err.code || "error", err.message || res.statusText, err.field);
  }
  return body;
}

/** Rows of a {"fields": [...], "rows"|"aircraft": [[...]]} answer as objects. */
export function rowsAsObjects(fields, rows) {
  return (rows || []).map((r) => {
    const o = {};
    fields.forEach((f, i) => (o[f] = r[i]));
    return o;
  });
}

// ---- formatting -------------------------------------------------------------------------

const pad = (n) => String(n).padStart(2, "0");

export function utcTime(t, seconds = true) {
  if (t === null || t === undefined || !Number.isFinite(t)) return "";
  const d = new Date(t * 1000);
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return seconds ? `${hm}:${pad(d.getUTCSeconds())}` : hm;
}

export function utcDate(t) {
  if (t === null || t === undefined || !Number.isFinite(t)) return "";
  const d = new Date(t * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

export function localTitle(t) {
  if (t === null || t === undefined || !Number.isFinite(t)) return "";
  return `local time: ${new Date(t * 1000).toLocaleString()}`;
}

/** A <time> element: UTC shown, local time on hover. */
export function timeHtml(t, { date = false, seconds = false } = {}) {
  if (t === null || t === undefined || !Number.isFinite(t)) return '<span class="muted">—</span>';
  const iso = new Date(t * 1000).toISOString();
  const text = (date ? `${utcDate(t)} ` : "") + utcTime(t, seconds);
  return `<time datetime="${iso}" title="${esc(localTitle(t))}">${text}<small>Z</small></time>`;
}

export function duration(s) {
  if (s === null || s === undefined || !Number.isFinite(s)) return "";
  const m = Math.round(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h ${pad(m % 60)} min` : `${m} min`;
}

export function esc(v) {
  return String(v ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );
}

export function num(v, digits = 0, unit = "") {
  if (v === null || v === undefined || !Number.isFinite(v)) return '<span class="muted">—</span>';
  const s = v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit ? `${s}<small> ${unit}</small>` : s;
}

export const hexOf = (v) => (typeof v === "number" ? v.toString(16).padStart(6, "0") : String(v || "").toLowerCase());

// skytrace.model.Source values and their aircraft.json labels
export const SOURCES = { 0: "ADS-B", 1: "ADS-B (non-transponder)", 2: "ADS-R", 3: "TIS-B", 4: "MLAT", 5: "Mode S", 6: "other" };
const SOURCE_LABELS = {
  adsb_icao: 0, adsb_icao_nt: 1, adsr_icao: 2, tisb_icao: 3, mlat: 4, mode_s: 5, other: 6,
};
export function sourceCode(v) {
  if (typeof v === "number") return v;
  return SOURCE_LABELS[v] ?? 6;
}
export function sourceName(v) {
  return SOURCES[sourceCode(v)] ?? String(v ?? "");
}

// ---- altitude colours -------------------------------------------------------------------

export const ALT_MAX_FT = 40000;
export const ALT_BANDS = 16; // colour index 1..16 for 0..40,000 ft; 0 = on the ground; 17 unknown
export const GROUND_COLOR = "#8a939c";
export const UNKNOWN_COLOR = "#d8dde3";

function hueFor(altFt) {
  // orange at the ground, through yellow, green, cyan, blue to magenta at 40,000 ft
  const f = Math.min(1, Math.max(0, altFt / ALT_MAX_FT));
  return 22 + f * 278;
}

export function bandColor(i) {
  if (i === 0) return GROUND_COLOR;
  if (i > ALT_BANDS) return UNKNOWN_COLOR;
  const altFt = ((i - 0.5) / ALT_BANDS) * ALT_MAX_FT;
  const hue = hueFor(altFt);
  // blues and violets look darker than yellows at the same lightness: lift them
  const light = 56 + 12 * Math.max(0, 1 - Math.abs(hue - 245) / 55);
  return `hsl(${hue.toFixed(0)}, 90%, ${light.toFixed(0)}%)`;
}

export function altBand(altFt, onground) {
  if (onground === 1 || onground === true) return 0;
  if (altFt === null || altFt === undefined || !Number.isFinite(altFt)) return ALT_BANDS + 1;
  return 1 + Math.min(ALT_BANDS - 1, Math.max(0, Math.floor((altFt / ALT_MAX_FT) * ALT_BANDS)));
}

export function altColor(altFt, onground) {
  return bandColor(altBand(altFt, onground));
}

export function legendHtml({ mlat = false } = {}) {
  const stops = [];
  for (let i = 1; i <= ALT_BANDS; i++) stops.push(bandColor(i));
  const mlatKey = mlat
    ? `<span class="legend-mlat" title="positions computed from the receivers' clocks (multilateration), not reported by the aircraft"><i></i>MLAT position</span>`
    : "";
  return `<div class="legend" title="altitude colours">
    <span class="legend-ground"><i style="background:${GROUND_COLOR}"></i>ground</span>
    <span class="legend-bar" style="background:linear-gradient(90deg,${stops.join(",")})"></span>
    <span class="legend-ticks"><b>0</b><b>10k</b><b>20k</b><b>30k</b><b>40k ft</b></span>
    ${mlatKey}
  </div>`;
}

// ---- the base map -----------------------------------------------------------------------

let countriesPromise = null;
function countriesJson() {
  countriesPromise = countriesPromise || api("geo/countries");
  return countriesPromise;
}

/**
 * A Leaflet map on `el` with the offline base map: water (the container's colour), land
 * from /api/v1/geo/countries and FIR lines from /api/v1/geo/firs as a toggle. An online tile
 * layer is added under them only when the server configured one.
 * Resolves when the outlines are drawn, or at once with waitOutlines: false (then
 * `map.whenOutlines` resolves when they are).
 */
export async function createMap(el, { center = [40, 128], zoom = 5, firs = true, waitOutlines = true } = {}) {
  const map = L.map(el, {
    center,
    zoom,
    minZoom: 2,
    maxZoom: 15,
    worldCopyJump: false,
    zoomControl: true,
    attributionControl: true,
    preferCanvas: true,
  });
  map.attributionControl.setPrefix("");
  map.createPane("outlines").style.zIndex = 250;
  const renderer = L.canvas({ pane: "outlines", padding: 0.2 });
  if (config.tile_url) {
    L.tileLayer(config.tile_url, { attribution: config.tile_attribution || "", maxZoom: 18 }).addTo(
      map,
    );
  }
  map.whenOutlines = addOutlines(map, renderer, firs);
  if (waitOutlines) await map.whenOutlines;
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
  return map;
}

/** Countries (and FIR lines as a toggle) under everything else; resolves when drawn. */
async function addOutlines(map, renderer, firs) {
  const overlays = {};
  let countries = null;
  try {
    const geo = await countriesJson();
    countries = L.geoJSON(geo, {
      renderer,
      interactive: false,
      style: () => ({ className: "land", weight: 0.7, color: "var(--border-line)", fillOpacity: 1 }),
    });
    // canvas renderers cannot read CSS variables: resolve them once
    const css = getComputedStyle(document.documentElement);
    countries.setStyle({
      color: css.getPropertyValue("--land-line").trim(),
      fillColor: css.getPropertyValue("--land").trim(),
      fillOpacity: config.tile_url ? 0.0 : 1,
      weight: 0.8,
    });
    countries.addTo(map);
    map.attributionControl.addAttribution("Outlines: Natural Earth");
  } catch (e) {
    console.warn("country outlines unavailable:", e.message);
  }
  if (firs) {
    try {
      const geo = await api("geo/firs");
      if (geo && geo.features && geo.features.length) {
        const css = getComputedStyle(document.documentElement);
        overlays["FIR boundaries"] = L.geoJSON(geo, {
          renderer,
          interactive: false,
          style: () => ({
            color: css.getPropertyValue("--fir-line").trim(),
            weight: 1,
            dashArray: "4 4",
            fill: false,
          }),
        });
      }
    } catch (e) {
      console.warn("FIR lines unavailable:", e.message);
    }
  }
  if (Object.keys(overlays).length) L.control.layers(null, overlays, { position: "topright" }).addTo(map);
}

/** [S, W, N, E] of the map view, padded, clamped to the world. */
export function viewBbox(map, padRatio = 0.15) {
  const b = map.getBounds().pad(padRatio);
  let w = b.getWest();
  let e = b.getEast();
  if (e - w >= 360) {
    w = -180;
    e = 180;
  } else {
    w = ((((w + 180) % 360) + 360) % 360) - 180;
    e = ((((e + 180) % 360) + 360) % 360) - 180;
  }
  const s = Math.max(-90, b.getSouth());
  const n = Math.min(90, b.getNorth());
  return [s, w, n, e].map((v) => Math.round(v * 1000) / 1000);
}

// ---- search box -------------------------------------------------------------------------

/** Normalise /api/v1/search's answer into [{kind, label, detail, href, hex}] rows. */
export function searchRows(body) {
  const out = [];
  const groups = body && (body.matches || body);
  const list = Array.isArray(groups) ? groups : null;
  const add = (kind, m) => {
    const hex = m.hex || m.icao24 || "";
    if (kind === "flight") {
      const id = m.flight_id || m.id;
      out.push({
        kind,
        label: `${m.callsign || (m.callsigns || [])[0] || id}`,
        detail: [route(m), m.registration, m.typecode || m.type_code, utcDate(m.takeoff_s ?? m.first_seen_s)]
          .filter(Boolean)
          .join(" · "),
        href: `/flight/${encodeURIComponent(id)}`,
      });
    } else if (kind === "airport") {
      const code = m.icao || m.code || m.iata;
      out.push({ kind, label: `${code}${m.iata ? " / " + m.iata : ""}`, detail: m.name || "", href: `/airport/${code}` });
    } else if (kind === "live") {
      out.push({
        kind,
        label: m.callsign || m.registration || hexOf(hex),
        detail: [m.registration, m.type_code || m.typecode, hexOf(hex)].filter(Boolean).join(" · "),
        href: `/?hex=${hexOf(hex)}`,
        hex: hexOf(hex),
      });
    } else {
      out.push({
        kind: "aircraft",
        label: m.registration || hexOf(hex),
        detail: [hexOf(hex), m.typecode || m.type_code, m.operator_name || m.operator].filter(Boolean).join(" · "),
        href: `/aircraft/${hexOf(hex)}`,
        hex: hexOf(hex),
      });
    }
  };
  if (list) {
    for (const m of list) add(m.kind || m.type || "aircraft", m);
  } else if (groups) {
    // live matches are compact rows named by live_fields
    const live = groups.live_fields ? rowsAsObjects(groups.live_fields, groups.live) : groups.live || [];
    for (const m of live) add("live", m);
    for (const m of groups.flights || []) add("flight", m);
    for (const m of groups.aircraft || []) add("aircraft", m);
    for (const m of groups.airports || []) add("airport", m);
  }
  return out;
}

export function route(f) {
  const end = (c) => (c ? (typeof c === "string" ? c : (c.icao || "?") + (c.method === "inferred" ? "*" : "")) : "?");
  const from = f.departure ?? f.origin ?? f.from;
  const to = f.arrival ?? f.destination ?? f.to;
  if (!from && !to) return "";
  return `${end(from)} → ${end(to)}`;
}

/**
 * Wire the top bar's search box. `onPick(row)` may handle a pick (return true) — the map
 * page selects live aircraft in place; otherwise the browser follows the row's link.
 */
export function initSearch(onPick) {
  const form = document.querySelector("form.search");
  if (!form) return;
  const input = form.querySelector("input");
  const box = form.querySelector(".search-results");
  let rows = [];
  let timer = 0;
  let seq = 0;
  const pick = (row) => {
    box.hidden = true;
    if (onPick && onPick(row)) return;
    location.href = row.href;
  };
  const render = () => {
    if (!rows.length) {
      box.innerHTML = `<div class="search-empty">No match for “${esc(input.value)}”</div>`;
    } else {
      box.innerHTML = rows
        .slice(0, 12)
        .map(
          (r, i) => `<a href="${esc(r.href)}" data-i="${i}" class="search-row">
            <span class="badge badge-${r.kind}">${r.kind}</span>
            <b>${esc(r.label)}</b><span class="muted">${esc(r.detail)}</span></a>`,
        )
        .join("");
    }
    box.hidden = false;
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) {
      box.hidden = true;
      return;
    }
    timer = setTimeout(async () => {
      const mine = ++seq;
      try {
        const body = await api("search", { q });
        if (mine !== seq) return;
        rows = searchRows(body);
        render();
      } catch (e) {
        if (mine !== seq) return;
        rows = [];
        box.innerHTML = `<div class="search-empty">${esc(e.message)}</div>`;
        box.hidden = false;
      }
    }, 180);
  });
  box.addEventListener("click", (ev) => {
    const a = ev.target.closest("a[data-i]");
    if (!a) return;
    ev.preventDefault();
    pick(rows[Number(a.dataset.i)]);
  });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (rows.length) pick(rows[0]);
  });
  document.addEventListener("click", (ev) => {
    if (!form.contains(ev.target)) box.hidden = true;
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") box.hidden = true;
  });
}

export function showError(el, e) {
  el.innerHTML = `<div class="error-box">${esc(e.status ? `${e.status}: ${e.message}` : e.message || e)}</div>`;
}
