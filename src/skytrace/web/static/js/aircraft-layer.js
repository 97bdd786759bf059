// The aircraft layer: one canvas over the map, pre-rotated sprites (72 headings) per icon
// category and altitude colour, dead reckoning between updates, callsign labels when zoomed
// in, and a hand-written hit test (nearest aircraft within HIT_PX). Leaflet moves the canvas
// with the map pane while panning and it is redrawn once at moveend (../shared/notes/web-map.md:
// the fastest of the measured ways to draw 25,000 aircraft without a GPU).

import { altBand, bandColor } from "./common.js";

const SPRITE_PX = 22;
const SMALL_SPRITE_PX = 14; // zoomed out over a crowded sky: 40 % of the pixels to blit
const SMALL_MAX_ZOOM = 4;
const SMALL_MIN_AIRCRAFT = 5000;
const HEADINGS = 72;
const HIT_PX = 10;
const LABEL_MIN_ZOOM = 7;
const LABEL_MAX_DRAWN = 1500;
const LABEL_ALWAYS_MAX_DRAWN = 40; // so few on screen that every one gets its label
const MLAT_SOURCE = 4; // skytrace.model.Source.MLAT, as rows of numbers carry it
export const MLAT_COLOR = "#f5c542";
const ANIMATE_MAX_DRAWN = 3000; // above this, redraw on data only (no per-frame motion)
const DEAD_RECKON_MAX_S = 8;
const ANIMATE_INTERVAL_MS = 100;

export const CATEGORIES = ["jet", "prop", "heli", "ground"];

// Type designators of common turboprops and pistons: the icon shape when the ADS-B
// emitter category alone cannot tell (A1-A3 cover both).
const PROP_TYPES = new Set(
  ("AT43 AT44 AT45 AT46 AT72 AT73 AT75 AT76 DH8A DH8B DH8C DH8D SF34 JS31 JS32 JS41 E110 E120 " +
    "B190 B350 BE20 BE9L C208 C408 PC12 PC6T DHC6 DHC7 AN24 AN26 AN30 AN32 AN12 AN2 IL18 Y12 MA60 " +
    "L410 D228 D328 F27 F50 SB20 SW4 P180 TBM7 TBM8 TBM9 C172 C182 C152 P28A SR22 DA40 DA42 BN2P " +
    "C130 C30J A400 P3 E314 KODI M28 CN35 C295 Y8 Y9 AN28 AN38 IL114").split(" "),
);
const HELI_PREFIXES = ["EC", "AS3", "AS5", "AS6", "H1", "H2", "B06", "B4", "B2", "S76", "S92", "A109", "A119", "A139", "A169", "A189", "R22", "R44", "R66", "MI8", "MI17", "MI2", "KA", "UH", "AH", "CH", "NH90", "EH10", "BK17"];

/** Icon category index (into CATEGORIES) from the ADS-B emitter category and type code. */
export function categoryOf(category, typeCode) {
  const cat = (category || "").toUpperCase();
  const type = (typeCode || "").toUpperCase();
  if (cat === "A7") return 2;
  if (cat.startsWith("C")) return 3;
  if (type && HELI_PREFIXES.some((p) => type.startsWith(p))) return 2;
  if (type && PROP_TYPES.has(type)) return 1;
  if (cat === "A1" || cat === "B1" || cat === "B4" || cat === "B2") return 1;
  return 0;
}

// Outlines in a 22 px box, nose up, centred on (0, 0).
const SHAPES = {
  jet: [[0, -10], [1.6, -7], [1.6, -3], [10, 2], [10, 3.6], [1.6, 1.4], [1.2, 6], [4.6, 8.6], [4.6, 9.8], [0, 8.8], [-4.6, 9.8], [-4.6, 8.6], [-1.2, 6], [-1.6, 1.4], [-10, 3.6], [-10, 2], [-1.6, -3], [-1.6, -7]],
  prop: [[0, -9.5], [1.5, -7.5], [1.5, -3.5], [10, -3], [10, -0.2], [1.5, 0.4], [1, 6], [4.2, 7], [4.2, 8.6], [0, 8], [-4.2, 8.6], [-4.2, 7], [-1, 6], [-1.5, 0.4], [-10, -0.2], [-10, -3], [-1.5, -3.5], [-1.5, -7.5]],
};

function drawShape(ctx, kind, color) {
  ctx.fillStyle = color;
  ctx.strokeStyle = "rgba(10,14,20,0.85)";
  ctx.lineWidth = 1.1;
  ctx.beginPath();
  if (kind === "heli") {
    ctx.ellipse(0, -1, 3.2, 5, 0, 0, Math.PI * 2);
    ctx.moveTo(0.9, 3);
    ctx.rect(-0.9, 3, 1.8, 6.5);
    ctx.rect(-3, 8.3, 6, 1.5);
    ctx.fill();
    ctx.stroke();
    ctx.beginPath();
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.3;
    ctx.moveTo(-8, -7);
    ctx.lineTo(8, 5);
    ctx.moveTo(8, -7);
    ctx.lineTo(-8, 5);
    ctx.stroke();
    return;
  }
  if (kind === "ground") {
    ctx.roundRect(-3.5, -5.5, 7, 11, 2);
    ctx.fill();
    ctx.stroke();
    return;
  }
  const pts = SHAPES[kind];
  ctx.moveTo(pts[0][0], pts[0][1]);
  for (let i = 1; i < pts.length; i++) ctx.lineTo(pts[i][0], pts[i][1]);
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
}

const spriteCache = new Map();

/** A strip of HEADINGS rotations of one icon in one colour (built on first use). */
function sprites(catIndex, band, size) {
  const key = (size * 10 + catIndex) * 100 + band;
  let strip = spriteCache.get(key);
  if (strip) return strip;
  const ratio = Math.min(2, window.devicePixelRatio || 1);
  const px = Math.round(size * ratio);
  strip = document.createElement("canvas");
  strip.width = px * HEADINGS;
  strip.height = px;
  const ctx = strip.getContext("2d");
  const kind = CATEGORIES[catIndex];
  const color = bandColor(band);
  for (let h = 0; h < HEADINGS; h++) {
    ctx.save();
    ctx.translate(h * px + px / 2, px / 2);
    ctx.scale((ratio * size) / SPRITE_PX, (ratio * size) / SPRITE_PX);
    if (kind !== "ground") ctx.rotate((h * 360) / HEADINGS * (Math.PI / 180));
    drawShape(ctx, kind, color);
    ctx.restore();
  }
  strip.px = px;
  spriteCache.set(key, strip);
  return strip;
}

const D2R = Math.PI / 180;

/**
 * The aircraft on a map. Each aircraft is a plain object:
 * {hex, lat, lon, track, alt, gs, vr, callsign, type, category, source, onground, squawk,
 *  registration, operator, military, t (ms, performance.now() of the report)}.
 */
export const AircraftLayer = L.Layer.extend({
  initialize(options) {
    L.setOptions(this, options);
    this.aircraft = new Map();
    this.filter = null;
    this.selected = null;
    this.deadReckon = options?.deadReckon ?? true;
    this.drawn = { n: 0, xs: new Float32Array(0), ys: new Float32Array(0), refs: [], mlat: [] };
    this.lastDrawMs = 0;
    this.drawCount = 0;
  },

  onAdd(map) {
    this._map = map;
    this._canvas = L.DomUtil.create("canvas", "aircraft-canvas leaflet-zoom-animated");
    // its own pane above trails and tracks (overlayPane, 400), below tooltips and popups
    if (!map.getPane("aircraft")) map.createPane("aircraft").style.zIndex = 450;
    map.getPane("aircraft").appendChild(this._canvas);
    map.on("moveend zoomend resize viewreset", this.redraw, this);
    map.on("zoomanim", this._onZoomAnim, this);
    map.on("click", this._onClick, this);
    map.on("mousemove", this._onMove, this);
    this._frame = 0;
    this._loop = (ts) => {
      this._frame = requestAnimationFrame(this._loop);
      if (this._dirty) this.redraw();
      else if (this.deadReckon && this.drawn.n > 0 && this.drawn.n <= ANIMATE_MAX_DRAWN && ts - this.lastDrawMs >= ANIMATE_INTERVAL_MS) {
        this.redraw();
      }
    };
    this._frame = requestAnimationFrame(this._loop);
    this.redraw();
  },

  onRemove(map) {
    cancelAnimationFrame(this._frame);
    map.off("moveend zoomend resize viewreset", this.redraw, this);
    map.off("zoomanim", this._onZoomAnim, this);
    map.off("click", this._onClick, this);
    map.off("mousemove", this._onMove, this);
    L.DomUtil.remove(this._canvas);
  },

  /** Replace every aircraft. */
  setAll(list) {
    this.aircraft.clear();
    for (const a of list) this.aircraft.set(a.hex, a);
    this._dirty = true;
  },

  upsert(list) {
    for (const a of list) this.aircraft.set(a.hex, a);
    this._dirty = true;
  },

  remove(hexes) {
    for (const h of hexes) this.aircraft.delete(h);
    this._dirty = true;
  },

  setFilter(fn) {
    this.filter = fn;
    this.redraw();
  },

  select(hex) {
    this.selected = hex;
    this.redraw();
  },

  /** Where an aircraft is drawn now (dead reckoned), as [lat, lon]. */
  positionOf(a, nowMs = performance.now()) {
    let lat = a.lat;
    let lon = a.lon;
    if (this.deadReckon && a.onground !== 1 && Number.isFinite(a.gs) && Number.isFinite(a.track) && a.gs > 30) {
      const dt = Math.min(DEAD_RECKON_MAX_S, Math.max(0, (nowMs - a.t) / 1000));
      const nm = (a.gs * dt) / 3600;
      lat += (nm / 60) * Math.cos(a.track * D2R);
      lon += ((nm / 60) * Math.sin(a.track * D2R)) / Math.max(0.05, Math.cos(a.lat * D2R));
    }
    return [lat, lon];
  },

  redraw() {
    const map = this._map;
    if (!map || !this._canvas) return;
    const t0 = performance.now();
    const size = map.getSize();
    const ratio = Math.min(2, window.devicePixelRatio || 1);
    const canvas = this._canvas;
    if (canvas.width !== size.x * ratio || canvas.height !== size.y * ratio) {
      canvas.width = size.x * ratio;
      canvas.height = size.y * ratio;
      canvas.style.width = `${size.x}px`;
      canvas.style.height = `${size.y}px`;
    }
    const topLeft = map.containerPointToLayerPoint([0, 0]);
    L.DomUtil.setPosition(canvas, topLeft);
    this._topLeftLatLng = map.containerPointToLatLng([0, 0]);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, size.x, size.y);

    const zoom = map.getZoom();
    const scale = 256 * Math.pow(2, zoom);
    const origin = map.getPixelBounds().min;
    const n = this.aircraft.size;
    if (this.drawn.xs.length < n) {
      this.drawn.xs = new Float32Array(n * 1.5 + 16);
      this.drawn.ys = new Float32Array(n * 1.5 + 16);
    }
    const xs = this.drawn.xs;
    const ys = this.drawn.ys;
    const refs = this.drawn.refs;
    refs.length = 0;
    let k = 0;
    const spritePx = zoom <= SMALL_MAX_ZOOM && n >= SMALL_MIN_AIRCRAFT ? SMALL_SPRITE_PX : SPRITE_PX;
    const half = spritePx / 2;
    const filter = this.filter;
    const nowMs = performance.now();
    let selectedAt = null;
    // motion between reports only while few enough are drawn to animate them
    const reckon = this.deadReckon && n <= ANIMATE_MAX_DRAWN;
    const mlat = []; // drawn aircraft whose position is multilaterated: ringed
    for (const a of this.aircraft.values()) {
      if (!Number.isFinite(a.lat) || !Number.isFinite(a.lon)) continue;
      if (filter && !filter(a)) continue;
      let lat = a.lat;
      let lon = a.lon;
      if (reckon) [lat, lon] = this.positionOf(a, nowMs);
      const s = Math.sin(Math.max(-85.05, Math.min(85.05, lat)) * D2R);
      let x = ((lon + 180) / 360) * scale - origin.x;
      const y = (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * scale - origin.y;
      if (y < -half || y > size.y + half) continue;
      if (x < -half) x += scale;
      else if (x > size.x + half) x -= scale;
      if (x < -half || x > size.x + half) continue;
      if (a._cat === undefined) a._cat = categoryOf(a.category, a.type);
      const band = altBand(a.alt, a.onground);
      const strip = sprites(a._cat, band, spritePx);
      const h = Number.isFinite(a.track) ? Math.round(a.track / (360 / HEADINGS)) % HEADINGS : 0;
      ctx.drawImage(strip, h * strip.px, 0, strip.px, strip.px, (x - half) | 0, (y - half) | 0, spritePx, spritePx);
      xs[k] = x;
      ys[k] = y;
      refs.push(a);
      if (a.source === "mlat" || a.source === MLAT_SOURCE) mlat.push(k);
      k++;
      if (a.hex === this.selected) selectedAt = [x, y];
    }
    this.drawn.n = k;
    this.drawn.mlat = mlat.map((i) => refs[i].hex);
    if ((zoom >= LABEL_MIN_ZOOM && k <= LABEL_MAX_DRAWN) || k <= LABEL_ALWAYS_MAX_DRAWN) {
      ctx.font = "600 11px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
      ctx.textBaseline = "middle";
      ctx.lineJoin = "round";
      const dark = document.documentElement.dataset.theme !== "light";
      ctx.lineWidth = 3;
      ctx.strokeStyle = dark ? "rgba(8,12,18,0.9)" : "rgba(255,255,255,0.95)";
      ctx.fillStyle = dark ? "#e9eef5" : "#1b2430";
      for (let i = 0; i < k; i++) {
        const a = refs[i];
        const text = a.callsign || a.registration || a.hex;
        ctx.strokeText(text, xs[i] + half + 1, ys[i]);
        ctx.fillText(text, xs[i] + half + 1, ys[i]);
      }
      // icons again, over the labels: a neighbour's label never hides an aircraft
      for (let i = 0; i < k; i++) {
        const a = refs[i];
        const strip = sprites(a._cat, altBand(a.alt, a.onground), spritePx);
        const h = Number.isFinite(a.track) ? Math.round(a.track / (360 / HEADINGS)) % HEADINGS : 0;
        ctx.drawImage(strip, h * strip.px, 0, strip.px, strip.px, (xs[i] - half) | 0, (ys[i] - half) | 0, spritePx, spritePx);
      }
    }
    if (mlat.length) {
      // a dashed ring: the position was computed from receivers' clocks, not reported
      ctx.save();
      ctx.setLineDash([3, 2]);
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = MLAT_COLOR;
      ctx.beginPath();
      for (const i of mlat) {
        ctx.moveTo(xs[i] + half + 1, ys[i]);
        ctx.arc(xs[i], ys[i], half + 1, 0, Math.PI * 2);
      }
      ctx.stroke();
      ctx.restore();
    }
    if (selectedAt) {
      ctx.beginPath();
      ctx.arc(selectedAt[0], selectedAt[1], 14, 0, Math.PI * 2);
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
      ctx.lineWidth = 1;
      ctx.strokeStyle = "rgba(0,0,0,0.6)";
      ctx.stroke();
    }
    this.lastDrawMs = performance.now();
    this.lastDrawCostMs = this.lastDrawMs - t0;
    this.drawCount++;
    this._dirty = false;
    this.fire("drawn", { count: k });
  },

  _onZoomAnim(ev) {
    if (!this._topLeftLatLng) return;
    const scale = this._map.getZoomScale(ev.zoom, this._map.getZoom());
    const offset = this._map._latLngToNewLayerPoint(this._topLeftLatLng, ev.zoom, ev.center);
    L.DomUtil.setTransform(this._canvas, offset, scale);
  },

  /** The aircraft drawn nearest to a container point, within HIT_PX, or null. */
  hitTest(point) {
    const { xs, ys, refs, n } = this.drawn;
    let best = null;
    let bestD = HIT_PX * HIT_PX;
    for (let i = 0; i < n; i++) {
      const dx = xs[i] - point.x;
      const dy = ys[i] - point.y;
      const d = dx * dx + dy * dy;
      if (d <= bestD) {
        bestD = d;
        best = refs[i];
      }
    }
    return best;
  },

  _onClick(ev) {
    const a = this.hitTest(ev.containerPoint);
    this.fire("pick", { aircraft: a });
  },

  _onMove(ev) {
    const a = this.hitTest(ev.containerPoint);
    this._map.getContainer().style.cursor = a ? "pointer" : "";
  },
});

