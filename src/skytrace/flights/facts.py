"""A flight in one sentence, with the evidence for every number in it.

``describe(flight, positions, events)`` returns ``FlightFacts``: the sentence and a tuple of
``Evidence`` items (what was seen, when, from which source). Numbers in the sentence come
from the Flight record (built from positions) or straight from the positions; nothing is
filled in from expectations. Uncertainty is said in words: "about" for estimated times,
"probably" / "possibly" for airport calls below confidence 0.9 / 0.6, "inferred" with what
was actually seen. Times are UTC. Pure; thread-safe. ``stored_facts(history, flight_id)``
does the same for a flight in a history (any object with the StoreReader methods
``flight``, ``positions`` and ``events``): what ``skytrace facts`` and the HTTP API share.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt

from skytrace.flights.geo import compass_word
from skytrace.geo import bearing_deg, haversine_km
from skytrace.model import AirportCall, Event, EventKind, Flight, Source

__all__ = ["Evidence", "FlightFacts", "FlightHistory", "describe", "stored_facts"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """One thing the facts rest on."""

    topic: str  # "identity", "takeoff", "landing", "positions", "coverage", "area", "event"
    text: str
    time_s: float = math.nan
    source: str = ""  # "positions", "aircraft-db", "callsign", "events"


@dataclass(frozen=True, slots=True)
class FlightFacts:
    flight_id: str
    sentence: str
    evidence: tuple[Evidence, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (NaN times become None)."""
        items = []
        for e in self.evidence:
            d = asdict(e)
            d["time_s"] = None if math.isnan(e.time_s) else e.time_s
            d["time_utc"] = None if math.isnan(e.time_s) else _iso(e.time_s)
            items.append(d)
        return {"flight_id": self.flight_id, "sentence": self.sentence, "evidence": items}


def _dt(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _iso(t: float) -> str:
    return _dt(t).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _hm(t: float) -> str:
    return f"{_dt(t):%H:%M} UTC"


def _ft(x: float) -> str:
    return f"{round(x / 100.0) * 100:,.0f} ft"


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60.0)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _place(call: AirportCall, city_of: Callable[[str], str] | None) -> str:
    """The airport as people name it: its name, the city when the name lacks it, the code.

    "Vladivostok International Airport (UHWW)"; "Sunan International Airport, Pyongyang
    (ZKPY)".
    """
    name = call.name or call.icao
    city = city_of(call.icao) if city_of is not None and call.icao else ""
    if city and city.lower() not in name.lower():
        name = f"{name}, {city}"
    return f"{name} ({call.icao})" if call.icao and call.icao != name else name


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


ALONG_BORDER_MIN: Final = 3  # this many back-and-forth crossings of one border: said as one
ALONG_BORDER_GAP_S: Final = 600.0  # ... when each follows the one before within this


def _crossings(
    each: Sequence[tuple[float, str, tuple[str, str] | None]],
) -> list[tuple[float, str]]:
    """The crossings of ``_each_crossing`` as the sentence says them: (time, phrase), in
    time order.

    Each crossing once ("crossed from X into Y", "entered the airspace of Y", "left the
    airspace of X"), except a route that follows a border: ``ALONG_BORDER_MIN`` or more
    crossings back and forth between the same two countries, each within
    ``ALONG_BORDER_GAP_S`` of the one before, are one phrase ("crossed the border between X
    and Y 14 times between 06:27 and 06:47 UTC, flying along it"; the evidence lists each).
    """
    said: list[tuple[float, str]] = []
    run: list[tuple[float, str, str]] = []

    def flush() -> None:
        if len(run) >= ALONG_BORDER_MIN:
            a, b = run[0][1], run[0][2]
            ends = f", ending in {b}" if run[-1][2] == b else ""
            said.append(
                (
                    run[0][0],
                    f"crossed the border between {a} and {b} {len(run)} times between "
                    f"{_dt(run[0][0]):%H:%M} and {_hm(run[-1][0])}, flying along it{ends}",
                )
            )
        else:
            said.extend((t, f"crossed from {x} into {y} at {_hm(t)}") for t, x, y in run)
        run.clear()

    for time_s, text, pair in each:
        if pair is None:
            flush()
            said.append((time_s, f"{text} at {_hm(time_s)}"))
            continue
        if run and (
            {pair[0], pair[1]} != {run[0][1], run[0][2]}
            or pair[0] != run[-1][2]
            or time_s - run[-1][0] > ALONG_BORDER_GAP_S
        ):
            flush()
        run.append((time_s, pair[0], pair[1]))
    flush()
    return said


def _each_crossing(
    events: Sequence[Event], name_of: Callable[[str], str]
) -> list[tuple[float, str, tuple[str, str] | None]]:
    """Country border crossings, each said once: (time, "crossed from X into Y" | "entered
    the airspace of Y" | "left the airspace of X", (X, Y) for a crossing else None). An exit
    and an entry within a second are one crossing; the same event stored twice is said
    once."""
    seen: set[tuple[str, str, float]] = set()
    entries: list[Event] = []
    exits: list[Event] = []
    for e in sorted(events, key=lambda e: e.time_s):
        if not e.value.startswith("country:"):
            continue
        key = (str(e.kind), e.value, round(e.time_s, 1))
        if key in seen:
            continue
        seen.add(key)
        if e.kind == EventKind.AREA_ENTRY:
            entries.append(e)
        elif e.kind == EventKind.AREA_EXIT:
            exits.append(e)
    out: list[tuple[float, str, tuple[str, str] | None]] = []
    for entry in entries:
        into = name_of(entry.value[8:])
        match = next((x for x in exits if abs(x.time_s - entry.time_s) <= 1.0), None)
        if match is not None:
            exits.remove(match)
            left = name_of(match.value[8:])
            out.append((entry.time_s, f"crossed from {left} into {into}", (left, into)))
        else:
            out.append((entry.time_s, f"entered the airspace of {into}", None))
    out += [(x.time_s, f"left the airspace of {name_of(x.value[8:])}", None) for x in exits]
    return sorted(out, key=lambda c: c[0])


def _hedge(call: AirportCall) -> str:
    """ "probably " / "possibly " for an inferred airport below 0.9 / 0.6 confidence; an
    observed one (seen on the ground there) is stated plainly."""
    if call.method == "observed" or call.confidence >= 0.9:
        return ""
    return "probably " if call.confidence >= 0.6 else "possibly "


def _airborne(rows: npt.NDArray[np.void]) -> npt.NDArray[np.void]:
    air = rows[~rows["onground"]]
    return air if len(air) else rows


def _seen_clause(call: AirportCall, row: np.void, verb: str, first: bool) -> str:
    """ "first seen 38 km north-east climbing through 9,800 ft", from the position itself."""
    dist = float(haversine_km(call.lat, call.lon, row["lat"], row["lon"]))
    direction = compass_word(float(bearing_deg(call.lat, call.lon, row["lat"], row["lon"])))
    alt = float(row["altitude_ft"])
    what = "first seen" if first else "last seen"
    through = f" {verb} through {_ft(alt)}" if alt == alt else ""
    return f"{what} {dist:.0f} km {direction}{through}"


def describe(
    flight: Flight,
    positions: npt.NDArray[np.void],
    events: Sequence[Event],
    country_name: Callable[[str], str] | None = None,
    airport_city: Callable[[str], str] | None = None,
) -> FlightFacts:
    """The sentence and evidence of ``flight`` from its ``positions`` and ``events``.

    ``country_name`` names a country code, ``airport_city`` gives an airport's city (ICAO in,
    "" when unknown; it must not raise); without them codes and airport names are used as
    they are.
    """
    rows = (
        positions[
            (positions["icao24"] == flight.icao24)
            & (positions["time_s"] >= flight.first_seen_s)
            & (positions["time_s"] <= flight.last_seen_s)
        ]
        if len(positions)
        else positions
    )
    air = _airborne(rows) if len(rows) else rows
    name_of = country_name or (lambda code: code)
    evidence: list[Evidence] = []
    parts: list[str] = []

    # who
    who = (
        " ".join(
            x
            for x in (
                flight.operator_name,
                flight.type_description or flight.typecode,
                flight.registration,
            )
            if x
        )
        or "Aircraft"
    )
    cs = f", callsign {', '.join(flight.callsigns)}" if flight.callsigns else ""
    subject = f"{who} ({flight.hex.upper()}{cs})"
    idparts = []
    desc = f"({flight.type_description})" if flight.type_description else ""
    if flight.registration or flight.typecode:
        idparts.append(
            f"registration {flight.registration or 'unknown'}, type "
            f"{flight.typecode or 'unknown'} {desc}".rstrip()
            + " from the aircraft database"
        )
    if flight.operator_name:
        via = {
            "callsign": "from the callsign's ICAO designator",
            "aircraft-db": "from the aircraft database",
        }.get(flight.operator_source, "source unknown")
        idparts.append(f"operator {flight.operator_name} ({flight.operator_icao}) {via}")
    if idparts:
        evidence.append(Evidence("identity", "; ".join(idparts), source=flight.operator_source))

    # takeoff
    dep, arr = flight.departure, flight.arrival
    start_s = flight.takeoff_s if flight.takeoff_s == flight.takeoff_s else flight.first_seen_s
    date = f"on {_dt(start_s):%Y-%m-%d}"
    if (
        dep is not None
        and dep.method in ("observed", "inferred")
        and flight.takeoff_s == flight.takeoff_s
    ):
        about = "about " if dep.method == "inferred" else ""
        place = f"{_hedge(dep)}from {_place(dep, airport_city)}"
        text = f"took off {place} {date} at {about}{_hm(flight.takeoff_s)}"
        if dep.method == "inferred" and len(air):
            text += f" — inferred: {_seen_clause(dep, air[0], 'climbing', True)} —"
        elif dep.runway:
            text += f", observed on runway {dep.runway},"
        parts.append(text)
        evidence.append(
            Evidence(
                "takeoff",
                f"{dep.evidence}; confidence {dep.confidence:.2f}; candidates {_cands(dep)}",
                flight.takeoff_s,
                "positions",
            )
        )
    else:
        alt = float(air["altitude_ft"][0]) if len(air) else math.nan
        at = f" at {_ft(alt)}" if alt == alt else ""
        parts.append(f"was first seen {date} at {_hm(flight.first_seen_s)}{at} (takeoff not seen)")
        if dep is not None:
            evidence.append(Evidence("takeoff", dep.evidence, flight.first_seen_s, "positions"))

    # landing
    if flight.status == "open":
        parts.append(f"is still flying (last seen {_hm(flight.last_seen_s)})")
    elif (
        arr is not None
        and arr.method in ("observed", "inferred")
        and flight.landing_s == flight.landing_s
    ):
        about = "about " if arr.method == "inferred" else ""
        where = f"{_hedge(arr)}at {_place(arr, airport_city)}"
        text = f"landed {where} at {about}{_hm(flight.landing_s)}"
        if arr.method == "inferred" and len(air):
            text += f" — inferred: {_seen_clause(arr, air[-1], 'descending', False)}"
        elif arr.runway:
            text += f", observed on runway {arr.runway}"
        else:
            text += ", observed on the ground"
        parts.append(text)
        evidence.append(
            Evidence(
                "landing",
                f"{arr.evidence}; confidence {arr.confidence:.2f}; candidates {_cands(arr)}",
                flight.landing_s,
                "positions",
            )
        )
    else:
        alt = float(air["altitude_ft"][-1]) if len(air) else math.nan
        at = f" at {_ft(alt)}" if alt == alt else ""
        parts.append(f"was last seen at {_hm(flight.last_seen_s)}{at} (landing not seen)")
        if arr is not None:
            evidence.append(Evidence("landing", arr.evidence, flight.last_seen_s, "positions"))

    sentence = f"{subject} {parts[0]} and {parts[1]}"
    tail: list[str] = []
    if flight.takeoff_s == flight.takeoff_s and flight.landing_s == flight.landing_s:
        inferred = any(c is not None and c.method == "inferred" for c in (dep, arr))
        tail.append(
            f"flight time {'about ' if inferred else ''}"
            f"{_duration(flight.landing_s - flight.takeoff_s)}"
        )
    else:
        tail.append(f"seen for {_duration(flight.last_seen_s - flight.first_seen_s)}")
    n_rx = (
        f", heard by {_plural(flight.receivers_heard, 'receiver')}"
        if flight.receivers_heard
        else f", heard by up to {_plural(flight.n_receivers, 'receiver')}"
    )
    # The positions handed in, when there are any: what a track of this flight returns.
    n_positions = len(rows) if len(positions) else flight.n_positions
    # multilaterated positions are computed from several receivers' times, not reported by
    # the aircraft: say so (and their receiver count is not that of a heard position)
    n_mlat = int(np.count_nonzero(rows["source"] == Source.MLAT)) if len(rows) else 0
    if n_mlat and n_mlat == len(rows):
        tail.append(f"{_plural(n_positions, 'position')}, all multilaterated")
    else:
        mlat = f" ({n_mlat:,} multilaterated)" if n_mlat else ""
        tail.append(f"{_plural(n_positions, 'position')}{mlat}{n_rx if flight.n_receivers else ''}")
    each_crossing = _each_crossing(events, name_of)
    tail += [text for _, text in _crossings(each_crossing)]
    sentence = sentence.rstrip(",—").rstrip() + "; " + "; ".join(tail) + "."
    sentence = sentence.replace(" —;", " —").replace(",;", ";").replace(" — and", " — and")

    # positions, coverage, other events
    top = flight.max_altitude_ft
    max_alt = _ft(top) if top == top else "unknown"
    src = Counter(int(s) for s in rows["source"]) if len(rows) else Counter()
    mix = ", ".join(f"{_label(k)} {v:,}" for k, v in src.most_common())
    if dep is not None and arr is not None and dep.icao and arr.icao:
        between = f"between {dep.icao} and {arr.icao}"
    else:
        between = "between the first and last positions"
    gc = (
        f", {flight.gc_distance_km:,.0f} km great-circle {between}"
        if flight.gc_distance_km == flight.gc_distance_km
        else ""
    )
    heard = (
        f"{_plural(flight.receivers_heard, 'receiver')} heard it, "
        if flight.receivers_heard
        else ""
    )
    evidence.append(
        Evidence(
            "positions",
            f"{_plural(n_positions, 'position')} from {_iso(flight.first_seen_s)} to "
            f"{_iso(flight.last_seen_s)} ({mix or 'none stored'}); {heard}up to "
            f"{_plural(flight.n_receivers, 'receiver')} per position; max altitude {max_alt}; "
            f"{flight.distance_flown_km:,.0f} km flown{gc}",
            flight.first_seen_s,
            "positions",
        )
    )
    for a, b in flight.gaps:
        evidence.append(
            Evidence(
                "coverage",
                f"no positions for {_duration(b - a)} from {_hm(a)} to {_hm(b)}",
                a,
                "positions",
            )
        )
    for time_s, text, _ in each_crossing:  # every one, even along a border
        where = next(
            (f" ({e.lat:.3f}, {e.lon:.3f})" for e in events if abs(e.time_s - time_s) < 1e-6), ""
        )
        evidence.append(Evidence("area", f"{text} at {_hm(time_s)}{where}", time_s, "events"))
    said: set[tuple[str, str, float]] = set()
    for e in sorted(events, key=lambda e: e.time_s):
        key = (str(e.kind), e.value, round(e.time_s, 1))
        if key in said:
            continue  # the same event stored twice is said once
        said.add(key)
        if e.kind in (EventKind.AREA_ENTRY, EventKind.AREA_EXIT):
            kind, _, code = e.value.partition(":")
            if kind == "country":
                continue  # said above, as crossings
            what = f"FIR {code}"
            verb = "entered" if e.kind == EventKind.AREA_ENTRY else "left"
            evidence.append(
                Evidence(
                    "area",
                    f"{verb} {what} at {_hm(e.time_s)} ({e.lat:.3f}, {e.lon:.3f})",
                    e.time_s,
                    "events",
                )
            )
        elif e.kind in (EventKind.GO_AROUND, EventKind.TOUCH_AND_GO, EventKind.EMERGENCY):
            evidence.append(
                Evidence(
                    "event",
                    f"{e.kind.value.replace('_', '-')} {e.value} at {_hm(e.time_s)}".replace(
                        "  ", " "
                    ),
                    e.time_s,
                    "events",
                )
            )
    return FlightFacts(flight.flight_id, sentence, tuple(evidence))


def _cands(call: AirportCall) -> str:
    if not call.candidates:
        return "none"
    return ", ".join(f"{c[0]} {c[1]:.1f} km (score {c[2]:.2f})" for c in call.candidates)


def _label(source: int) -> str:
    try:
        return Source(source).label
    except ValueError:
        return str(source)


LOOSE_EVENT_S: Final = 60.0  # how long before a flight's first position its loose events count


class FlightHistory(Protocol):
    """What ``stored_facts`` reads (skytrace.store.StoreReader has these methods)."""

    def flight(self, flight_id: str) -> Flight: ...

    def positions(self, icao24: int, start_s: float, end_s: float) -> npt.NDArray[np.void]: ...

    def events(
        self,
        flight_id: str | None = None,
        icao24: int | None = None,
        start_s: float | None = None,
        end_s: float | None = None,
    ) -> list[Event]: ...


def stored_facts(
    history: FlightHistory,
    flight_id: str,
    country_name: Callable[[str], str] | None = None,
    airport_city: Callable[[str], str] | None = None,
) -> FlightFacts:
    """Facts of a flight read from ``history`` (its errors, e.g. an unknown id, propagate)."""
    flight = history.flight(flight_id.strip().lower())
    positions = history.positions(flight.icao24, flight.first_seen_s, flight.last_seen_s)
    events = history.events(flight_id=flight.flight_id)
    # events reported before the flight existed (an emergency squawked at first sight, often
    # in a surveillance reply heard just before the first position) are the aircraft's, in
    # the flight's time: they belong to its facts too
    loose = history.events(icao24=flight.icao24, start_s=flight.first_seen_s - LOOSE_EVENT_S,
                           end_s=flight.last_seen_s)  # fmt: skip
    events = sorted(events + [e for e in loose if not e.flight_id], key=lambda e: e.time_s)
    return describe(flight, positions, events, country_name, airport_city)
