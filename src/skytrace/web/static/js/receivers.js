// Receivers (/receivers): each receiver with its statistics, and the area the network heard
// positions in (0.25° cells shaded by how many positions were heard there, last 24 h stored).

import { api, createMap, esc, initSearch, num, showError, timeHtml } from "./common.js";

initSearch();
const main = document.getElementById("main");
main.innerHTML = `<section class="page-body"><div class="doc">
  <div class="doc-head"><div><h1>Receivers</h1><div class="sub">Who feeds this skytrace, how much, how well, and where it hears aircraft.</div></div></div>
  <div class="map-card"><div id="map" class="map"></div></div>
  <p class="muted small coverage-note"></p>
  <div class="card table-wrap receivers-table"><div class="empty">Loading…</div></div>
</div></section>`;
const doc = main.querySelector(".doc");

let body;
try {
  body = await api("receivers");
} catch (e) {
  showError(doc.querySelector(".receivers-table"), e);
  window.skytraceReady = true;
  throw e;
}
const receivers = body.receivers || [];
const map = await createMap(document.getElementById("map"), { center: [40, 128], zoom: 4 });
const group = L.featureGroup().addTo(map);
const cov = body.coverage;
if (cov && cov.cells && cov.cells.length) {
  const c = cov.cell_deg;
  const max = Math.max(...cov.cells.map((x) => x[2]));
  for (const [s, w, n] of cov.cells) {
    const f = Math.log1p(n) / Math.log1p(max);
    L.rectangle([[s, w], [s + c, w + c]], { stroke: false, fillColor: "#4fb3ff", fillOpacity: 0.12 + 0.55 * f, interactive: false }).addTo(group);
  }
  doc.querySelector(".coverage-note").innerHTML = `Shaded: where positions were heard, ${timeHtml(cov.since_s, { date: true })} – ${timeHtml(cov.until_s, { date: true })} (${c}° cells, the whole network).`;
}
const svg = L.svg(); // markers as SVG elements (hover and tests find them)
for (const r of receivers) {
  if (Number.isFinite(r.lat) && Number.isFinite(r.lon)) {
    L.circleMarker([r.lat, r.lon], { renderer: svg, className: "receiver-marker", radius: 6, color: "#fff", weight: 2, fillColor: r.connected ? "#3ddc84" : "#8d9aa8", fillOpacity: 1 })
      .bindTooltip(esc(r.name || `#${r.receiver}`), { direction: "top" })
      .addTo(group);
  }
}
if (group.getLayers().length) map.fitBounds(group.getBounds(), { padding: [20, 20], maxZoom: 8 });
doc.querySelector(".receivers-table").innerHTML = receivers.length
  ? `<table><thead><tr><th>Receiver</th><th>State</th><th>Frames/s</th><th>Frames</th><th>Bad frames</th><th>Last frame</th><th>Clock</th><th>Position</th></tr></thead><tbody>
    ${receivers
      .map(
        (r) => `<tr><td><b>${esc(r.name || `#${r.receiver}`)}</b> <span class="muted">${esc(r.address || "")}</span></td>
      <td>${r.connected ? '<span class="mark mark-observed">connected</span>' : '<span class="muted">not connected</span>'}</td>
      <td>${num(r.frames_per_s, 1)}</td><td>${num(r.frames)}</td>
      <td>${num(r.bad_frames)}${r.frames ? ` <span class="muted">(${((100 * r.bad_frames) / Math.max(1, r.frames + r.bad_frames)).toFixed(1)}%)</span>` : ""}</td>
      <td>${timeHtml(r.last_frame_s, { date: true, seconds: true })}</td>
      <td>${Number.isFinite(r.clock_rate_hz) ? `${(r.clock_rate_hz / 1e6).toFixed(6)} MHz` : '<span class="muted">—</span>'}</td>
      <td>${Number.isFinite(r.lat) ? `${r.lat.toFixed(3)}, ${r.lon.toFixed(3)}` : '<span class="muted">unknown</span>'}</td></tr>`,
      )
      .join("")}</tbody></table>`
  : '<div class="empty">No receivers known yet.</div>';
window.skytraceReady = true;
