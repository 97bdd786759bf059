// An airport (/airport/{code}?date=YYYY-MM-DD): its departures and arrivals that UTC day.

import { api, esc, initSearch, params, showError, utcDate } from "./common.js";
import { flightsTable } from "./flights-table.js";

initSearch();
const main = document.getElementById("main");
main.innerHTML = '<section class="page-body"><div class="doc"></div></section>';
const doc = main.querySelector(".doc");
const code = params.code;

async function load(date) {
  doc.innerHTML = `<div class="empty">Loading ${esc(code)}…</div>`;
  let body;
  try {
    body = await api(`airports/${encodeURIComponent(code)}`, { date });
  } catch (e) {
    showError(doc, e);
    window.skytraceReady = true;
    return;
  }
  const a = body.airport || {};
  doc.innerHTML = `
    <div class="doc-head">
      <div><h1>${esc(a.icao || code)}${a.iata ? ` <span class="muted">/ ${esc(a.iata)}</span>` : ""}</h1>
        <div class="sub">${esc([a.name, a.city, a.country].filter(Boolean).join(" · "))}</div></div>
      <form class="date-form"><label class="muted">Date (UTC) <input type="date" name="date" value="${esc(body.date)}" required></label></form>
    </div>
    <div class="split">
      <div class="card"><h2>Departures <span class="muted">${body.departures.length}</span></h2>${flightsTable(body.departures, ["callsign", "aircraft", "to", "off", "time"])}</div>
      <div class="card"><h2>Arrivals <span class="muted">${body.arrivals.length}</span></h2>${flightsTable(body.arrivals, ["callsign", "aircraft", "from", "on", "time"])}</div>
    </div>
    <p class="muted small">Times UTC (local time on hover). <span class="mark mark-inferred">inf</span> = airport inferred, not seen on the ground.</p>`;
  doc.querySelector(".date-form input").addEventListener("change", (ev) => {
    const d = ev.target.value;
    if (!d) return;
    history.replaceState(null, "", `/airport/${encodeURIComponent(code)}?date=${d}`);
    load(d);
  });
  window.skytraceReady = true;
}

load(params.date || utcDate(Date.now() / 1000));
