"""What a user types to name a flight or an aircraft, resolved against the store.

``facts``, ``track``, ``export`` and ``history`` take the same words: a flight id (any case,
``7277CF-20230912-0213``), an ICAO address (``7277cf``), a registration (``P-671``, dash
optional) or a callsign (``KOR151``, or a pattern ``KOR15?``). ``find_flights`` lists the
flights those name, oldest first; ``latest_flight`` picks the one a command without a time
window means; an unknown word is a ``StoreError`` that names the nearest known ones
(difflib), so a typo gets an answer instead of a blank.

Reads the store through ``StoreReader`` only; no printing.
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path

from skytrace.errors import SkytraceError, StoreError, UsageError
from skytrace.model import Flight
from skytrace.store import FlightQuery, StoreReader
from skytrace.store.catalog import ID_DATE_RE
from skytrace.store.present import parse_hex

__all__ = [
    "check_airport",
    "data_end_s",
    "find_flights",
    "latest_flight",
    "suggestions",
    "unknown_target",
]

MAX_SUGGESTIONS = 5


def find_flights(reader: StoreReader, target: str) -> list[Flight]:
    """Flights that ``target`` names (see the module docstring), oldest first; [] if none."""
    text = target.strip()
    if not text:
        return []
    if ID_DATE_RE.match(text.lower()) or text.count("-") == 2:
        try:
            return [reader.flight(text.lower())]
        except StoreError:
            return []
    icao24 = parse_hex(text)
    if icao24 is not None:
        found = reader.flights(FlightQuery(icao24=icao24))
        if found:
            return found
    found = reader.flights(FlightQuery(registration=text))
    if found:
        return found
    return reader.flights(FlightQuery(callsign=text))


def latest_flight(
    reader: StoreReader, target: str, start_s: float | None = None, end_s: float | None = None
) -> tuple[Flight, int]:
    """(the latest flight ``target`` names that overlaps [start_s, end_s], how many did).

    StoreError naming the nearest known ids, addresses, registrations and callsigns when
    ``target`` names none; StoreError when none overlaps the window.
    """
    flights = find_flights(reader, target)
    if not flights:
        raise StoreError(unknown_target(reader, target))
    lo = -math.inf if start_s is None else start_s
    hi = math.inf if end_s is None else end_s
    inside = [f for f in flights if f.first_seen_s <= hi and f.last_seen_s >= lo]
    if not inside:
        raise StoreError(
            f"{target!r} has {len(flights)} stored flight(s), none in the time window given"
        )
    return max(inside, key=lambda f: (f.first_seen_s, f.flight_id)), len(inside)


def suggestions(reader: StoreReader, target: str) -> list[str]:
    """The known flight ids, addresses, registrations and callsigns nearest to ``target``."""
    _, rows = reader.sql("SELECT flight_id, icao24, registration, callsigns FROM flights")
    words: dict[str, str] = {}
    for flight_id, icao24, registration, callsigns in rows:
        for word in (flight_id, icao24, registration, *(callsigns or ())):
            if word:
                words.setdefault(str(word).lower(), str(word))
    near = difflib.get_close_matches(target.strip().lower(), words, n=MAX_SUGGESTIONS, cutoff=0.6)
    return [words[w] for w in near]


def unknown_target(reader: StoreReader, target: str) -> str:
    """The error message for a target no stored flight matches, with the nearest words."""
    near = suggestions(reader, target)
    hint = f"; nearest: {', '.join(near)}" if near else ""
    return (
        f"no stored flight matches {target!r} (a flight id, hex address, registration or "
        f"callsign){hint}"
    )


def data_end_s(reader: StoreReader) -> float | None:
    """The time of the newest sighting in the store's flights (None when there are none)."""
    _, rows = reader.sql("SELECT max(last_seen_s) FROM flights")
    value = rows[0][0] if rows else None
    return None if value is None else float(value)


def check_airport(reader: StoreReader, code: str, data_dir: Path | None) -> str:
    """The ICAO code of an airport given as ICAO or IATA; UsageError when neither the
    reference data nor the store's flights know it (an unknown code is not an empty table)."""
    from skytrace.refdata import load_refdata

    key = code.strip().upper()
    try:
        return load_refdata(data_dir).airports.get(key).icao
    except SkytraceError:
        pass
    quoted = "'" + key.replace("'", "''") + "'"
    _, rows = reader.sql(
        f"SELECT count(*) FROM flights WHERE upper(origin_icao) = {quoted} "
        f"OR upper(destination_icao) = {quoted}"
    )
    if rows and rows[0][0]:
        return key
    raise UsageError(f"unknown airport {code!r}: give an ICAO (ZKPY) or IATA (FNJ) code")
