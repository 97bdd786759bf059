// One aircraft (/aircraft/{hex}): who it is and its flights, newest first.

import { api, esc, initSearch, params, showError } from "./common.js";
import { flightsTable } from "./flights-table.js";

initSearch();
const main = document.getElementById("main");
main.innerHTML = '<section class="page-body"><div class="doc"><div class="empty">Loading…</div></div></section>';
const doc = main.querySelector(".doc");
const hex = params.hex;

try {
  const body = await api(`aircraft/${encodeURIComponent(hex)}/history`);
  const id = body.identity || {};
  let live = null;
  try {
    live = await api(`aircraft/${encodeURIComponent(hex)}`);
  } catch (e) {
    live = null; // not tracked now (404) or no live feed (503)
  }
  const flights = [...body.flights].sort((a, b) => (b.first_seen_s || 0) - (a.first_seen_s || 0));
  doc.innerHTML = `
    <div class="doc-head"><div>
      <h1>${esc(id.registration || hex.toUpperCase())} <span class="muted">${esc(id.typecode || "")}</span></h1>
      <div class="sub">${esc([id.type_description, id.operator_name, id.country].filter(Boolean).join(" · ") || "no reference data")}
        · hex ${esc(body.hex.toUpperCase())}${id.military ? " · military" : ""}</div></div>
      ${live ? `<a class="btn primary" href="/?hex=${esc(body.hex)}">● Live now — show on map</a>` : ""}
    </div>
    <div class="card"><h2>Flights <span class="muted">${flights.length}${body.next ? "+" : ""}</span></h2>
      ${flightsTable(flights, ["date", "callsign", "from", "to", "off", "on", "time"])}</div>`;
} catch (e) {
  showError(doc, e);
}
window.skytraceReady = true;
