"""A watch rule run over stored history: what it would have fired on (``skytrace watch test``).

The stored events of the window (and the flights they belong to) go through a fresh
``AlertEngine`` holding only that rule, in time order, exactly as the live pipeline hands
them over — so the answer is what the live run fired, for the same data. Rules with triggers
that need positions (squawk, circle/polygon areas, lost-contact) get the positions of the
aircraft they name; for such rules without named aircraft the positions of the flights the
events belong to are read. Reads only; nothing is delivered or journalled.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from skytrace.alerts.engine import Alert, AlertEngine, EngineOptions
from skytrace.alerts.rules import RuleBook, WatchRule
from skytrace.model import POSITION_DTYPE, Event, Flight, IdentityLookup

__all__ = ["run_over_history"]

_POSITION_TRIGGERS = {"squawk", "lost-contact"}


def _needs_positions(rule: WatchRule) -> bool:
    geometry = bool(rule.geometry_areas) and bool({"area-entry", "area-exit"} & set(rule.on))
    return geometry or bool(_POSITION_TRIGGERS & set(rule.on))


def run_over_history(
    rule: WatchRule,
    reader: Any,
    since_s: float | None = None,
    until_s: float | None = None,
    identities: IdentityLookup | None = None,
    areas: Any | None = None,
) -> list[Alert]:
    """Every alert ``rule`` fires over the stored history in [since_s, until_s]."""
    events: list[Event] = reader.events(start_s=since_s, end_s=until_s)
    flight_ids = sorted({e.flight_id for e in events if e.flight_id})
    flights: dict[str, Flight] = {}
    for fid in flight_ids:
        try:
            flights[fid] = reader.flight(fid)
        except Exception:  # a flight listed by an event but gone: the event still counts
            continue
    positions = np.zeros(0, POSITION_DTYPE)
    if _needs_positions(rule):
        positions = _positions(rule, reader, flights, since_s, until_s)
    engine = AlertEngine(RuleBook(None, [rule]), identities, areas, EngineOptions(), listeners=())
    out: list[Alert] = []
    # interleave events and positions by time, one position slice per event gap
    times = positions["time_s"]
    done = 0
    for ev in sorted(events, key=lambda e: (e.time_s, e.icao24, e.kind.value)):
        upto = int(np.searchsorted(times, ev.time_s, side="right"))
        if upto > done:
            out += engine.evaluate(positions[done:upto], _flights_of(positions[done:upto], flights))
            done = upto
        flight = flights.get(ev.flight_id)
        out += engine.evaluate(np.zeros(0, POSITION_DTYPE), [flight] if flight else [], [ev])
    if done < len(positions):
        out += engine.evaluate(positions[done:], _flights_of(positions[done:], flights))
    if until_s is not None and math.isfinite(until_s):
        out += engine.tick(until_s)
    return out


def _flights_of(positions: npt.NDArray[np.void], flights: dict[str, Flight]) -> list[Flight]:
    """The stored flights the positions fall in (so position-based alerts name them)."""
    if len(positions) == 0:
        return []
    out = []
    t0, t1 = float(positions["time_s"][0]), float(positions["time_s"][-1])
    addresses = set(np.unique(positions["icao24"]).tolist())
    for f in flights.values():
        if f.icao24 in addresses and f.first_seen_s <= t1 and f.last_seen_s >= t0:
            out.append(f)
    return out


def _positions(
    rule: WatchRule,
    reader: Any,
    flights: dict[str, Flight],
    since_s: float | None,
    until_s: float | None,
) -> npt.NDArray[np.void]:
    lo = -math.inf if since_s is None else since_s
    hi = math.inf if until_s is None else until_s
    spans: list[tuple[int, float, float]] = []
    if rule.hexes:
        spans = [(a, lo, hi) for a in sorted(rule.hexes)]
    else:
        spans = [
            (f.icao24, max(lo, f.first_seen_s), min(hi, f.last_seen_s)) for f in flights.values()
        ]
    parts = []
    for icao24, a, b in spans:
        a = a if math.isfinite(a) else 0.0
        b = b if math.isfinite(b) else 4_102_444_800.0  # 2100-01-01
        parts.append(reader.positions(icao24, a, b))
    if not parts:
        return np.zeros(0, POSITION_DTYPE)
    rows = np.concatenate(parts)
    return rows[np.argsort(rows["time_s"], kind="stable")]
