"""The alert engine: watch rules evaluated on the pipeline's events, positions and flights.

``AlertEngine`` is a pipeline sink (``write(positions, flights, events)``); each call returns
nothing and hands every new ``Alert`` to the engine's listeners (the delivery dispatcher, the
alert log, the live push stream, the demo's console). ``tick(now_s)`` fires lost-contact
alerts when no data comes at all.

What fires what:

    event kind (skytrace.model.EventKind)       trigger
    appeared                                    first-seen
    takeoff / landing                           takeoff / landing (observed or inferred: the
                                                alert says which, with the estimated time)
    area_entry / area_exit                      area-entry / area-exit (country:, fir:, area:)
    emergency                                   emergency (value: squawk or ES state)
    callsign                                    callsign-change
    positions with a listed squawk              squawk
    positions inside / outside a rule's circle  area-entry / area-exit, at the exact crossing
    or polygon, held for ``area_dwell_s``       (bisected on the segment, as flights do)
    nothing heard for ``lost_minutes``          lost-contact

Each alert fires once per rule, trigger, flight and area (or value): an aircraft flickering
at the edge of coverage or of an area, or an emergency reported by two stages, fires once.
Without a flight the aircraft and its UTC day stand for it. Rules are indexed by their most
selective field (aircraft, operator, type, callsign prefix, area), so an event is checked only
against the few rules that can match it.

Not thread-safe: one engine is driven by the pipeline's thread; listeners must not block
(the dispatcher queues). Units: UTC epoch seconds, feet, degrees.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from skytrace.alerts.rules import AreaSpec, RuleBook, WatchRule
from skytrace.model import (
    POSITION_DTYPE,
    AircraftIdentity,
    Event,
    EventKind,
    Flight,
    IdentityLookup,
)

__all__ = ["Alert", "AlertEngine", "EngineOptions"]

log = logging.getLogger(__name__)

TRIGGER_OF: Final = {
    EventKind.APPEARED: "first-seen",
    EventKind.TAKEOFF: "takeoff",
    EventKind.LANDING: "landing",
    EventKind.AREA_ENTRY: "area-entry",
    EventKind.AREA_EXIT: "area-exit",
    EventKind.EMERGENCY: "emergency",
    EventKind.CALLSIGN: "callsign-change",
}
_DAY_S: Final = 86_400.0


@dataclass(frozen=True, slots=True)
class Alert:
    """One rule firing on one aircraft: what, when, who, which flight, and how sure."""

    alert_id: str  # stable: the same data gives the same id
    rule: str
    trigger: str  # one of rules.TRIGGERS
    time_s: float  # when it happened (estimated for inferred takeoffs/landings)
    icao24: int
    value: str = ""  # airport, area key, squawk, callsign ...
    event_id: str = ""  # the pipeline event it came from ("" for position-based triggers)
    flight: Flight | None = None
    identity: AircraftIdentity | None = None
    callsign: str = ""
    lat: float = math.nan
    lon: float = math.nan
    altitude_ft: float = math.nan
    method: str = ""  # observed / inferred for takeoff and landing; "" otherwise
    confidence: float = math.nan
    fired_s: float = math.nan  # data time at which the engine fired it

    @property
    def hex(self) -> str:
        return f"{self.icao24:06x}"

    @property
    def flight_id(self, at_s: float | None = None) -> str:
        """The current flight's id ("" none); with ``at_s``, only if the flight spans it
        (a minute of slack either side: an event may come from a stage a batch ahead)."""
        f = self.flight
        if f is None:
            return ""
        if at_s is not None and not (f.first_seen_s - 60.0 <= at_s <= f.last_seen_s + 60.0):
            return ""
        return f.flight_id


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """Named parameters of the engine (units in the names)."""

    area_dwell_s: float = 20.0  # a rule geometry's inside/outside must hold this long
    rearm_s: float = _DAY_S  # without a flight, the same alert fires again after this
    flight_memory_s: float = 6 * 3600.0  # closed flights are forgotten after this
    area_bisections: int = 12


@dataclass(slots=True)
class _Subject:
    """What the engine knows of one aircraft right now."""

    icao24: int
    callsign: str = ""
    last_seen_s: float = -math.inf
    lat: float = math.nan
    lon: float = math.nan
    altitude_ft: float = math.nan
    flight: Flight | None = None
    identity: AircraftIdentity | None = None
    identity_callsign: str | None = None
    lost_fired: set[str] = field(default_factory=set)

    def flight_id(self, at_s: float | None = None) -> str:
        """The current flight's id ("" none); with ``at_s``, only if the flight spans it
        (a minute of slack either side: an event may come from a stage a batch ahead)."""
        f = self.flight
        if f is None:
            return ""
        if at_s is not None and not (f.first_seen_s - 60.0 <= at_s <= f.last_seen_s + 60.0):
            return ""
        return f.flight_id


@dataclass(slots=True)
class _Index:
    """Rules by trigger and by their most selective field."""

    version: int = -1
    by_key: dict[tuple[str, str, object], list[WatchRule]] = field(
        default_factory=lambda: defaultdict(list)
    )
    generic: dict[str, list[WatchRule]] = field(default_factory=lambda: defaultdict(list))
    squawk_codes: npt.NDArray[np.bytes_] = field(default_factory=lambda: np.zeros(0, "S4"))
    squawk_rules: list[WatchRule] = field(default_factory=list)
    geometry_rules: list[tuple[WatchRule, AreaSpec]] = field(default_factory=list)
    lost_rules: list[WatchRule] = field(default_factory=list)


@dataclass(slots=True)
class _GeoState:
    """Which aircraft are (confirmed) inside one rule geometry, which have a change pending,
    and the last position of each (for bisecting the next crossing)."""

    known: set[int] = field(default_factory=set)
    inside: set[int] = field(default_factory=set)
    pending: dict[int, tuple[bool, dict[str, Any]]] = field(default_factory=dict)
    last: dict[int, npt.NDArray[np.void]] = field(default_factory=dict)

    def known_array(self) -> npt.NDArray[np.int64]:
        return np.fromiter(self.known, np.int64, len(self.known))

    def inside_array(self) -> npt.NDArray[np.int64]:
        return np.fromiter(self.inside, np.int64, len(self.inside))

    def pending_array(self) -> npt.NDArray[np.int64]:
        return np.fromiter(self.pending, np.int64, len(self.pending))


def _selector(rule: WatchRule) -> tuple[str, list[object]] | None:
    """The field a rule is indexed under and its keys (None: checked for every event)."""
    if rule.hexes or rule.registrations:
        return "aircraft", [*rule.hexes, *rule.registrations]
    if rule.operator:
        return "operator", list(rule.operator)
    if rule.type:
        return "type", list(rule.type)
    prefixes = [p[:3] for p in rule.callsign]
    if prefixes and all(len(p) == 3 and not set(p) & set("*?[") for p in prefixes):
        return "cs3", list[object](prefixes)
    return None


class AlertEngine:
    """Evaluates watch rules on what the pipeline hands its sinks (see the module docstring).

    ``identities`` names the aircraft (registration, type, operator, flags); ``areas`` answers
    which country/FIR a point is in (for rules that filter other triggers by area).
    """

    def __init__(
        self,
        rules: RuleBook,
        identities: IdentityLookup | None = None,
        areas: Any | None = None,
        options: EngineOptions | None = None,
        listeners: Iterable[Callable[[Alert], None]] = (),
    ) -> None:
        self.book = rules
        self.identities = identities
        self.areas = areas
        self.options = options or EngineOptions()
        self.listeners: list[Callable[[Alert], None]] = list(listeners)
        self.now_s = -math.inf
        self.fired = 0
        self.listener_errors = 0
        self._index = _Index()
        self._subjects: dict[int, _Subject] = {}
        self._done: dict[tuple[str, str, str, str], float] = {}
        self._geo: dict[tuple[str, str], _GeoState] = {}  # (rule, area key) -> state

    # ---- the sink -----------------------------------------------------------------------

    def write(
        self,
        positions: npt.NDArray[np.void],
        flights: Sequence[Flight],
        events: Sequence[Event],
    ) -> None:
        self.evaluate(positions, flights, events)

    def evaluate(
        self,
        positions: npt.NDArray[np.void],
        flights: Sequence[Flight] = (),
        events: Sequence[Event] = (),
        now_s: float | None = None,
    ) -> list[Alert]:
        """Every alert these results fire (also handed to the listeners)."""
        self.book.reload()
        index = self._indexed()
        if len(positions):
            self.now_s = max(self.now_s, float(positions["time_s"].max()))
        if now_s is not None:
            self.now_s = max(self.now_s, now_s)
        self._remember(positions, flights)
        out: list[Alert] = []
        for ev in sorted(events, key=lambda e: (e.time_s, e.icao24, e.kind.value)):
            out += self._on_event(index, ev)
        if len(positions):
            out += self._on_squawks(index, positions)
            out += self._on_geometry(index, positions)
        out += self._on_silence(index)
        self._forget()
        for alert in out:
            self._emit(alert)
        return out

    def tick(self, now_s: float) -> list[Alert]:
        """Advance the clock with no data (lost-contact, geometry dwell)."""
        return self.evaluate(np.zeros(0, POSITION_DTYPE), (), (), now_s)

    # ---- rules ----------------------------------------------------------------------------

    def _indexed(self) -> _Index:
        if self._index.version == self.book.version:
            return self._index
        index = _Index(version=self.book.version)
        codes: set[bytes] = set()
        for rule in self.book.rules():
            if not rule.enabled:
                continue
            sel = _selector(rule)
            for trig in rule.on:
                if sel is None:
                    index.generic[trig].append(rule)
                else:
                    for key in sel[1]:
                        index.by_key[(trig, sel[0], key)].append(rule)
            if "squawk" in rule.on and rule.squawk:
                index.squawk_rules.append(rule)
                codes.update(c.encode() for c in rule.squawk)
            if {"area-entry", "area-exit"} & set(rule.on):
                index.geometry_rules += [(rule, a) for a in rule.geometry_areas]
            if "lost-contact" in rule.on:
                index.lost_rules.append(rule)
        index.squawk_codes = np.array(sorted(codes), "S4")
        self._index = index
        return index

    def _candidates(self, index: _Index, trigger: str, subject: _Subject) -> list[WatchRule]:
        ident = self._identity(subject)
        keys: list[tuple[str, object]] = [("aircraft", subject.icao24)]
        if ident is not None:
            if ident.registration:
                keys.append(("aircraft", ident.registration.upper().replace(" ", "")))
            if ident.operator_icao:
                keys.append(("operator", ident.operator_icao))
            if ident.typecode:
                keys.append(("type", ident.typecode.upper()))
        if subject.callsign:
            keys.append(("operator", subject.callsign[:3].upper()))
            keys.append(("cs3", subject.callsign[:3].upper()))
        found: dict[str, WatchRule] = {}
        for name, key in keys:
            for rule in index.by_key.get((trigger, name, key), ()):
                found[rule.name] = rule
        for rule in index.generic.get(trigger, ()):
            found[rule.name] = rule
        return list(found.values())

    def _matches(
        self,
        rule: WatchRule,
        subject: _Subject,
        trigger: str,
        value: str,
        lat: float,
        lon: float,
    ) -> bool:
        ident = self._identity(subject)
        if rule.hexes or rule.registrations:
            reg = ident.registration.upper().replace(" ", "") if ident else ""
            if subject.icao24 not in rule.hexes and reg not in rule.registrations:
                return False
        operator = ident.operator_icao if ident else ""
        by_callsign = subject.callsign[:3].upper()
        if rule.operator and operator not in rule.operator and by_callsign not in rule.operator:
            return False
        if rule.type and (ident is None or ident.typecode.upper() not in rule.type):
            return False
        if rule.callsign and not rule.callsign_matches(subject.callsign):
            return False
        if rule.military and not (ident is not None and ident.military):
            return False
        if rule.interesting and not (ident is not None and ident.interesting):
            return False
        if rule.squawk and trigger in ("emergency", "squawk") and value not in rule.squawk:
            return False
        flight = subject.flight
        if rule.route_from and not _at(flight.departure if flight else None, rule.route_from):
            return False
        if rule.route_to and not _at(flight.arrival if flight else None, rule.route_to):
            return False
        if rule.airport:
            ends = (flight.departure, flight.arrival) if flight else ()
            if value.upper() not in rule.airport and not any(_at(e, rule.airport) for e in ends):
                return False
        if rule.areas:
            # a rule watching area entries/exits names the areas those are about; a rule
            # without such triggers asks where its other triggers happen ("landing in RU")
            area_rule = "area-entry" in rule.on or "area-exit" in rule.on
            if trigger in ("area-entry", "area-exit"):
                if value not in {a.key for a in rule.areas}:
                    return False
            elif not area_rule and not self._inside_any(rule.areas, lat, lon):
                return False
        return True

    def _inside_any(self, areas: Sequence[AreaSpec], lat: float, lon: float) -> bool:
        if not (math.isfinite(lat) and math.isfinite(lon)):
            return False
        for area in areas:
            if area.geometry is not None:
                import shapely

                if shapely.contains_xy(area.geometry, lon, lat):
                    return True
            elif self.areas is not None and area.kind in ("country", "fir"):
                look = self.areas.countries_at if area.kind == "country" else self.areas.firs_at
                if f"{area.kind}:{look([lat], [lon])[0]}" == area.key:
                    return True
        return False

    # ---- what the pipeline says -----------------------------------------------------------

    def _remember(self, positions: npt.NDArray[np.void], flights: Sequence[Flight]) -> None:
        if len(positions):
            icao = positions["icao24"]
            last = len(icao) - 1 - np.unique(icao[::-1], return_index=True)[1]
            rows = positions[last]
            for a, t, la, lo, al, cs in zip(
                rows["icao24"].tolist(), rows["time_s"].tolist(), rows["lat"].tolist(),
                rows["lon"].tolist(), rows["altitude_ft"].tolist(), rows["callsign"].tolist(),
                strict=True,
            ):  # fmt: skip
                s = self._subject(a)
                if t >= s.last_seen_s:
                    s.last_seen_s, s.lat, s.lon, s.altitude_ft = t, la, lo, al
                    text = cs.decode("ascii", "replace").strip()
                    if text:
                        s.callsign = text
                    s.lost_fired.clear()
        for f in flights:
            s = self._subject(f.icao24)
            if (
                s.flight is None
                or f.flight_id == s.flight.flight_id
                or f.first_seen_s >= (s.flight.first_seen_s)
            ):
                s.flight = f
            if f.callsigns and not s.callsign:
                s.callsign = f.callsigns[-1]

    def _subject(self, icao24: int) -> _Subject:
        s = self._subjects.get(icao24)
        if s is None:
            s = self._subjects[icao24] = _Subject(icao24)
        return s

    def _identity(self, s: _Subject) -> AircraftIdentity | None:
        if self.identities is None:
            return None
        if s.identity is None or s.identity_callsign != s.callsign:
            try:
                s.identity = self.identities.identify(s.icao24, s.callsign)
            except Exception:  # a broken lookup must not stop alerts
                log.exception("identity lookup failed for %06x", s.icao24)
                s.identity = AircraftIdentity(s.icao24)
            s.identity_callsign = s.callsign
        return s.identity

    def _on_event(self, index: _Index, ev: Event) -> list[Alert]:
        trigger = TRIGGER_OF.get(ev.kind)
        if trigger is None:
            return []
        s = self._subject(ev.icao24)
        if ev.kind == EventKind.CALLSIGN and ev.value:
            s.callsign = ev.value
        out = []
        for rule in self._candidates(index, trigger, s):
            if not self._matches(rule, s, trigger, ev.value, ev.lat, ev.lon):
                continue
            fid = ev.flight_id or s.flight_id(ev.time_s)
            alert = self._fire(rule, trigger, s, ev.value, ev.time_s, fid, ev)
            if alert is not None:
                out.append(alert)
        return out

    def _on_squawks(self, index: _Index, positions: npt.NDArray[np.void]) -> list[Alert]:
        if not index.squawk_rules:
            return []
        hit = np.flatnonzero(np.isin(positions["squawk"], index.squawk_codes))
        if hit.size == 0:
            return []
        rows = positions[hit]
        # the first row of each (aircraft, squawk) in this batch
        pairs = np.unique(rows[["icao24", "squawk"]], return_index=True)[1]
        rows = rows[np.sort(pairs)]
        out = []
        for icao, code, t, lat, lon, alt in zip(
            rows["icao24"].tolist(), rows["squawk"].tolist(), rows["time_s"].tolist(),
            rows["lat"].tolist(), rows["lon"].tolist(), rows["altitude_ft"].tolist(),
            strict=True,
        ):  # fmt: skip
            s = self._subject(icao)
            value = code.decode("ascii", "replace")
            for rule in index.squawk_rules:
                if value in rule.squawk and self._matches(rule, s, "squawk", value, lat, lon):
                    alert = self._fire(
                        rule, "squawk", s, value, t, s.flight_id(), None, lat, lon, alt
                    )
                    if alert is not None:
                        out.append(alert)
        return out

    def _on_geometry(self, index: _Index, positions: npt.NDArray[np.void]) -> list[Alert]:
        """Entry/exit of rule circles and polygons: positions checked against each geometry
        (vectorized); an aircraft whose side differs from its confirmed side gets a pending
        change at the crossing (bisected on its segment), confirmed when the new side has held
        ``area_dwell_s`` and dropped if it flips back sooner."""
        if not index.geometry_rules or len(positions) == 0:
            return []
        import shapely

        out: list[Alert] = []
        order = np.lexsort((positions["time_s"], positions["icao24"]))
        rows = positions[order]
        icao = rows["icao24"].astype(np.int64)
        for rule, area in index.geometry_rules:
            sel = np.arange(len(rows))
            if rule.hexes and not rule.registrations:
                sel = np.flatnonzero(np.isin(icao, np.fromiter(rule.hexes, np.int64)))
            if sel.size == 0:
                continue
            inside = shapely.contains_xy(area.geometry, rows["lon"][sel], rows["lat"][sel])
            state = self._geo.setdefault((rule.name, area.key), _GeoState())
            keys, starts = np.unique(icao[sel], return_index=True)
            ends = np.append(starts[1:], sel.size)
            # only aircraft with something to decide: new ones, pending ones, or any row on
            # the other side of their confirmed state
            known = np.isin(keys, state.known_array())
            was_in = np.isin(keys, state.inside_array())
            pending = np.isin(keys, state.pending_array())
            differs = np.logical_or.reduceat(inside != np.repeat(was_in, ends - starts), starts)
            busy = np.flatnonzero(~known | pending | differs)
            for k in busy.tolist():
                a, lo, hi = int(keys[k]), int(starts[k]), int(ends[k])
                self._geo_aircraft(rule, area, state, a, rows[sel[lo:hi]], inside[lo:hi], out)
        return out

    def _geo_aircraft(
        self,
        rule: WatchRule,
        area: AreaSpec,
        state: _GeoState,
        icao24: int,
        rows: npt.NDArray[np.void],
        inside: npt.NDArray[np.bool_],
        out: list[Alert],
    ) -> None:
        from skytrace.flights.events import area_crossings

        lookup = _geometry_lookup(area)
        for i in range(len(rows)):
            now_in = bool(inside[i])
            prev = state.last.get(icao24)
            state.last[icao24] = rows[i : i + 1].copy()
            if icao24 not in state.known:
                state.known.add(icao24)  # first sight: its side is what it is, no alert
                if now_in:
                    state.inside.add(icao24)
                continue
            confirmed = icao24 in state.inside
            pend = state.pending.get(icao24)
            if pend is None and now_in != confirmed and prev is not None:
                pair = np.concatenate([prev, rows[i : i + 1]])
                old = np.array([area.key if confirmed else ""], dtype=object)
                at = area_crossings(pair, np.array([0]), np.array([1]), old, lookup,
                                    self.options.area_bisections)[0]  # fmt: skip
                state.pending[icao24] = pend = (now_in, at)
            elif pend is not None and now_in != pend[0]:
                del state.pending[icao24]  # flicked back before the dwell: nothing happened
                continue
            if pend is None:
                continue
            if float(rows["time_s"][i]) - pend[1]["time_s"] < self.options.area_dwell_s:
                continue
            del state.pending[icao24]
            (state.inside.add if pend[0] else state.inside.discard)(icao24)
            trigger = "area-entry" if pend[0] else "area-exit"
            at = pend[1]
            s = self._subject(icao24)
            if trigger in rule.on and self._matches(
                rule, s, trigger, area.key, at["lat"], at["lon"]
            ):
                alert = self._fire(
                    rule, trigger, s, area.key, at["time_s"], s.flight_id(), None,
                    at["lat"], at["lon"], at["altitude_ft"],
                )  # fmt: skip
                if alert is not None:
                    out.append(alert)

    def _on_silence(self, index: _Index) -> list[Alert]:
        out: list[Alert] = []
        for rule in index.lost_rules:
            limit_s = rule.lost_minutes * 60.0
            for s in list(self._subjects.values()):
                if rule.name in s.lost_fired or not math.isfinite(s.last_seen_s):
                    continue
                if self.now_s - s.last_seen_s < limit_s:
                    continue
                if not self._matches(rule, s, "lost-contact", "", s.lat, s.lon):
                    continue
                s.lost_fired.add(rule.name)
                minutes = f"{(self.now_s - s.last_seen_s) / 60:.0f} min"
                alert = self._fire(
                    rule, "lost-contact", s, minutes, s.last_seen_s, s.flight_id(), None,
                    s.lat, s.lon, s.altitude_ft, dedupe_value="",
                )  # fmt: skip
                if alert is not None:
                    out.append(alert)
        return out

    # ---- firing ---------------------------------------------------------------------------

    def _fire(
        self,
        rule: WatchRule,
        trigger: str,
        s: _Subject,
        value: str,
        time_s: float,
        flight_id: str,
        event: Event | None,
        lat: float = math.nan,
        lon: float = math.nan,
        altitude_ft: float = math.nan,
        dedupe_value: str | None = None,
    ) -> Alert | None:
        day = math.floor(time_s / _DAY_S) if math.isfinite(time_s) else 0
        occasion = flight_id or f"{s.icao24:06x}-day{day}"
        keep = value if dedupe_value is None else dedupe_value
        if trigger in ("takeoff", "landing", "first-seen", "lost-contact", "callsign-change"):
            keep = "" if trigger != "callsign-change" else value
        key = (rule.name, trigger, keep, occasion)
        if key in self._done:
            return None
        self._done[key] = self.now_s
        flight = s.flight if s.flight is not None and s.flight.flight_id == flight_id else None
        method, confidence = "", math.nan
        if trigger in ("takeoff", "landing") and flight is not None:
            call = flight.departure if trigger == "takeoff" else flight.arrival
            if call is not None:
                method, confidence = call.method, call.confidence
        if event is not None:
            lat, lon, altitude_ft = event.lat, event.lon, event.altitude_ft
        digest = hashlib.sha1("|".join(map(str, key)).encode()).hexdigest()[:16]
        self.fired += 1
        return Alert(
            alert_id=digest,
            rule=rule.name,
            trigger=trigger,
            time_s=time_s,
            icao24=s.icao24,
            value=value,
            event_id=event.event_id if event is not None else "",
            flight=flight,
            identity=self._identity(s),
            callsign=s.callsign,
            lat=lat,
            lon=lon,
            altitude_ft=altitude_ft,
            method=method,
            confidence=confidence,
            fired_s=self.now_s,
        )

    def _emit(self, alert: Alert) -> None:
        for listener in self.listeners:
            try:
                listener(alert)
            except Exception:  # one bad listener must not stop the others
                self.listener_errors += 1
                log.exception("alert listener failed")

    def _forget(self) -> None:
        """Drop state older than the memory windows (bounded memory over a long run)."""
        horizon = self.now_s - max(self.options.rearm_s, self.options.flight_memory_s)
        if len(self._done) > 100_000 or len(self._subjects) > 200_000:
            self._done = {k: t for k, t in self._done.items() if t >= horizon}
            self._subjects = {a: s for a, s in self._subjects.items() if s.last_seen_s >= horizon}


def _at(call: Any, codes: Sequence[str]) -> bool:
    if call is None:
        return False
    return bool(call.icao and call.icao.upper() in codes) or bool(
        call.iata and call.iata.upper() in codes
    )


def _geometry_lookup(area: AreaSpec) -> Callable[[Any, Any], Any]:
    import shapely

    def lookup(lats: Any, lons: Any) -> npt.NDArray[Any]:
        hit = shapely.contains_xy(area.geometry, np.asarray(lons), np.asarray(lats))
        return np.where(hit, area.key, "").astype(object)

    return lookup
