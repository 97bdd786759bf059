// The altitude/speed profile: a small SVG chart of our own (no chart library). Altitude is
// a filled area (left axis, ft), ground speed a line (right axis, kt), time along the bottom
// in UTC. Ranges given in `inferred` ([[t0, t1], ...]) are hatched: not heard, inferred.

import { esc, utcTime } from "./common.js";

const M = { l: 40, r: 34, t: 10, b: 20 };

function niceStep(range, target) {
  const raw = range / target;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/**
 * Draw into `el`. points: [{t, alt, gs}] in time order (alt in ft, gs in kt, NaN/null gaps).
 * Returns the SVG element.
 */
export function profileChart(el, points, { inferred = [], cursorT = null } = {}) {
  // drawn at the element's own width so the labels keep their size
  const W = Math.max(280, Math.round(el.clientWidth || 640));
  const H = W < 420 ? 150 : 190;
  const pts = points.filter((p) => Number.isFinite(p.t));
  if (pts.length < 2) {
    el.innerHTML = '<div class="chart-empty muted">Not enough positions for a profile yet.</div>';
    return null;
  }
  const t0 = Math.min(pts[0].t, ...inferred.map((r) => r[0]));
  const t1 = Math.max(pts[pts.length - 1].t, ...inferred.map((r) => r[1]));
  const altMax = Math.max(1000, ...pts.map((p) => (Number.isFinite(p.alt) ? p.alt : 0)));
  const gsMax = Math.max(100, ...pts.map((p) => (Number.isFinite(p.gs) ? p.gs : 0)));
  const altStep = niceStep(altMax, 4);
  const altTop = Math.ceil(altMax / altStep) * altStep;
  const gsStep = niceStep(gsMax, 4);
  const gsTop = Math.ceil(gsMax / gsStep) * gsStep;
  const x = (t) => M.l + ((t - t0) / Math.max(1, t1 - t0)) * (W - M.l - M.r);
  const ya = (a) => H - M.b - (a / altTop) * (H - M.t - M.b);
  const yg = (g) => H - M.b - (g / gsTop) * (H - M.t - M.b);

  const parts = [];
  // grid and axes
  for (let a = 0; a <= altTop; a += altStep) {
    parts.push(`<line class="grid" x1="${M.l}" x2="${W - M.r}" y1="${ya(a)}" y2="${ya(a)}"/>`);
    parts.push(`<text class="axis alt" x="${M.l - 5}" y="${ya(a) + 3}" text-anchor="end">${a >= 1000 ? a / 1000 + "k" : a}</text>`);
  }
  for (let g = 0; g <= gsTop; g += gsStep) {
    parts.push(`<text class="axis gs" x="${W - M.r + 5}" y="${yg(g) + 3}">${g}</text>`);
  }
  const span = Math.max(60, t1 - t0);
  const tStep = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600].find((s) => span / s <= W / 90) || 43200;
  for (let t = Math.ceil(t0 / tStep) * tStep; t <= t1; t += tStep) {
    parts.push(`<line class="grid" x1="${x(t)}" x2="${x(t)}" y1="${M.t}" y2="${H - M.b}"/>`);
    parts.push(`<text class="axis" x="${x(t)}" y="${H - 6}" text-anchor="middle">${utcTime(t, false)}</text>`);
  }
  for (const [a, b] of inferred) {
    parts.push(`<rect class="inferred" x="${x(a)}" y="${M.t}" width="${Math.max(1, x(b) - x(a))}" height="${H - M.t - M.b}"><title>inferred: not heard</title></rect>`);
  }
  // altitude area, split at unknown altitudes
  let run = [];
  const flush = () => {
    if (run.length > 1) {
      const line = run.map((p) => `${x(p.t).toFixed(1)},${ya(p.alt).toFixed(1)}`).join(" ");
      parts.push(`<polygon class="alt-area" points="${x(run[0].t).toFixed(1)},${ya(0)} ${line} ${x(run[run.length - 1].t).toFixed(1)},${ya(0)}"/>`);
      parts.push(`<polyline class="alt-line" points="${line}"/>`);
    }
    run = [];
  };
  for (const p of pts) {
    if (Number.isFinite(p.alt)) run.push(p);
    else flush();
  }
  flush();
  const gsPts = pts.filter((p) => Number.isFinite(p.gs));
  if (gsPts.length > 1) {
    parts.push(`<polyline class="gs-line" points="${gsPts.map((p) => `${x(p.t).toFixed(1)},${yg(p.gs).toFixed(1)}`).join(" ")}"/>`);
  }
  if (Number.isFinite(cursorT)) {
    parts.push(`<line class="cursor" x1="${x(cursorT)}" x2="${x(cursorT)}" y1="${M.t}" y2="${H - M.b}"/>`);
  }
  el.innerHTML = `<svg class="profile" viewBox="0 0 ${W} ${H}" role="img"
    aria-label="${esc("altitude and speed profile")}">${parts.join("")}</svg>
    <div class="chart-key"><span class="key-alt">altitude (ft)</span><span class="key-gs">ground speed (kt)</span>${inferred.length ? '<span class="key-inf">inferred</span>' : ""}</div>`;
  return el.querySelector("svg");
}
