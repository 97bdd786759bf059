// A table of flights (airport board, aircraft history): times UTC, local on hover.

import { duration, esc, timeHtml, utcDate } from "./common.js";

const end = (c) => (c && c.icao ? `<a href="/airport/${esc(c.icao)}">${esc(c.icao)}</a>${c.method === "inferred" ? '<span class="mark mark-inferred" title="inferred, not seen on the ground">inf</span>' : ""}` : '<span class="muted">?</span>');

/** columns: any of date, callsign, aircraft, from, to, off, on, time */
export function flightsTable(flights, columns) {
  if (!flights.length) return '<div class="empty">No flights.</div>';
  const head = { date: "Date", callsign: "Flight", aircraft: "Aircraft", from: "From", to: "To", off: "Off", on: "On", time: "Time" };
  const cell = (f, c) => {
    const link = `/flight/${encodeURIComponent(f.flight_id)}`;
    switch (c) {
      case "date":
        return `<td>${esc(utcDate(f.takeoff_s ?? f.first_seen_s))}</td>`;
      case "callsign":
        return `<td><a href="${link}"><b>${esc((f.callsigns || [])[0] || f.flight_id)}</b></a></td>`;
      case "aircraft":
        return `<td><a href="/aircraft/${esc(f.hex)}">${esc(f.registration || f.hex.toUpperCase())}</a> <span class="muted">${esc(f.typecode || "")} ${esc(f.operator_icao || "")}</span></td>`;
      case "from":
        return `<td>${end(f.departure)}</td>`;
      case "to":
        return `<td>${end(f.arrival)}</td>`;
      case "off":
        return `<td>${timeHtml(f.takeoff_s)}</td>`;
      case "on":
        return `<td>${timeHtml(f.landing_s)}</td>`;
      case "time":
        return `<td>${esc(duration(f.duration_s))}</td>`;
      default:
        return "<td></td>";
    }
  };
  return `<div class="table-wrap"><table class="flights"><thead><tr>${columns.map((c) => `<th>${head[c]}</th>`).join("")}</tr></thead>
    <tbody>${flights.map((f) => `<tr>${columns.map((c) => cell(f, c)).join("")}</tr>`).join("")}</tbody></table></div>`;
}
