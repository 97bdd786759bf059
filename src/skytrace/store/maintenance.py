"""Store maintenance: bring stored flights and aircraft up to date with new reference data.

``update_aircraft_identities(data_dir, lookup)`` re-resolves who every stored aircraft is —
registration, type, country, operator — with an ``IdentityLookup`` (skytrace.refdata
implements it; the store does not import refdata), for reference data imported after the
flights were recorded. Each flight is identified with its first callsign (the operator from
the callsign's designator, else the aircraft database's), exactly as the pipeline does when it
records; a field the lookup leaves unknown keeps its stored value, one it knows replaces it.
Changed flights are upserted by ``flight_id`` and the ``aircraft`` table gets every stored
address, through the one writer (``Store.open``: it fails with StoreError while another
process, e.g. ``skytrace serve``, holds the store). Positions, events and airports are not
touched.

Not thread-safe; run it while nothing else writes the store.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from skytrace.model import AircraftIdentity, Flight, IdentityLookup, empty_positions
from skytrace.store.reader import FlightQuery, open_reader
from skytrace.store.writer import Store

__all__ = ["IdentityUpdate", "update_aircraft_identities"]

_FIELDS = ("registration", "typecode", "type_description", "country")


@dataclass(frozen=True, slots=True)
class IdentityUpdate:
    """What ``update_aircraft_identities`` did."""

    flights: int  # stored flights looked at
    flights_changed: int  # flights whose identity fields changed
    aircraft: int  # addresses written to the aircraft table


def _reidentified(flight: Flight, ident: AircraftIdentity) -> Flight:
    values = {name: getattr(ident, name) or getattr(flight, name) for name in _FIELDS}
    if ident.operator_icao:
        values |= {
            "operator_icao": ident.operator_icao,
            "operator_name": ident.operator_name,
            "operator_source": ident.operator_source,
        }
    return replace(flight, **values)


def update_aircraft_identities(data_dir: Path, lookup: IdentityLookup) -> IdentityUpdate:
    """Re-resolve the identities of every stored flight and aircraft (module docstring)."""
    reader = open_reader(data_dir)
    try:
        flights = reader.flights(FlightQuery())
    finally:
        reader.close()
    changed: list[Flight] = []
    latest: dict[int, Flight] = {}
    for f in flights:
        new = _reidentified(f, lookup.identify(f.icao24, f.callsigns[0] if f.callsigns else ""))
        if new != f:
            changed.append(new)
        if f.icao24 not in latest or f.last_seen_s > latest[f.icao24].last_seen_s:
            latest[f.icao24] = new
    identities = [
        lookup.identify(icao24, f.callsigns[-1] if f.callsigns else "")
        for icao24, f in sorted(latest.items())
    ]
    with Store.open(Path(data_dir)) as store:
        if changed:
            store.write(empty_positions(0), changed)
        if identities:
            store.upsert_aircraft(identities)
    return IdentityUpdate(len(flights), len(changed), len(identities))
