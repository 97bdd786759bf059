"""Flight detection live (``FlightDetector``) and over history (``detect_flights``).

Both run the same code: ``segment`` cuts rows into pieces and ``build_flight`` turns a
piece into a Flight and its events. Over history this runs once over all rows sorted by
(icao24, time_s). Live, each aircraft keeps the rows of its current piece (everything since
its last cut); each batch appends the new rows and re-segments that buffer. Because every
cut depends only on rows up to it (see ``segment``), the live flights equal the history
flights for the same positions, and their events are the same set.

Live lifecycle: a flight *opens* once its piece qualifies (enough airborne rows) and is
re-sent at most every ``live_refresh_s`` of data time while it grows; it *closes* at a
confirmed landing, when a later row is separated from it by a splitting gap, when no row has
come for the gap timeout (``min_stop_gap_s`` after a landing-like last row, else
``max_cruise_gap_s``), or at ``close_all``. Not thread-safe: one detector is driven by one
task; time comes only from the arguments. ``open_flights``, ``track`` and ``track_parts``
list the open flights and give the whole current flight's positions of an aircraft.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from skytrace.flights.airports import FieldIndex
from skytrace.flights.build import build_flights
from skytrace.flights.columns import Cols
from skytrace.flights.config import FlightConfig
from skytrace.flights.heard import HeardBy
from skytrace.flights.record import Context
from skytrace.flights.segment import (
    CLOSED_BY_END,
    classify_ground,
    landing_like_timeout_s,
    segment,
)
from skytrace.model import POSITION_DTYPE, Event, EventKind, Flight, IdentityLookup
from skytrace.pipeline import FlightUpdate
from skytrace.track.receivers import ReceiverLists

__all__ = ["FlightDetector", "detect_flights"]


def _context(
    airports: Any | None,
    areas: Any | None,
    identities: IdentityLookup | None,
    config: FlightConfig | None,
) -> Context:
    fields = None
    if airports is not None:
        try:
            fields = FieldIndex(airports)
        except TypeError:
            fields = None  # no vectorized arrays: ground state from flags only
    return Context(config or FlightConfig(), airports, fields, areas, identities)


def _order(rows: npt.NDArray[np.void]) -> npt.NDArray[np.intp] | None:
    """Row order by (icao24, time_s), stable; None when ``rows`` are in that order already.

    Equal to ``np.lexsort((time_s, icao24))``, computed as a stable sort by time (nearly
    free on the nearly time-ordered rows the store returns: numpy's stable sort of floats
    is a timsort) followed by a stable radix sort by address.
    """
    if len(rows) < 2:
        return None
    # contiguous copies: the sorts below run several times faster on them than on strided
    # views of the records
    icao, t = np.ascontiguousarray(rows["icao24"]), np.ascontiguousarray(rows["time_s"])
    if bool(np.all(t[1:] >= t[:-1])):
        # in (icao24, time) order exactly when the addresses never decrease
        if bool(np.all(icao[1:] >= icao[:-1])):
            return None
        return _by_address(icao)
    d_icao = icao[1:].astype(np.int64) - icao[:-1]
    if bool(np.all((d_icao > 0) | ((d_icao == 0) & (t[1:] >= t[:-1])))):
        return None
    by_time = np.argsort(t, kind="stable")
    return np.asarray(by_time[_by_address(icao[by_time])])


def _by_address(icao: npt.NDArray[np.uint32]) -> npt.NDArray[np.intp]:
    """Stable order of ``icao`` by address.

    Addresses are 24-bit: number the ones present in address order through a 16 M-entry
    table, then one 16-bit radix pass sorts them (numpy's stable sort of 16-bit keys is a
    radix sort; a 32-bit sort is several times slower). Two 16-bit passes otherwise.
    """
    if int(icao.max()) <= 0xFFFFFF:
        present = np.zeros(1 << 24, np.bool_)
        present[icao] = True
        ids = np.flatnonzero(present)
        if ids.size <= 1 << 16:
            number = np.zeros(1 << 24, np.uint16)
            number[ids] = np.arange(ids.size, dtype=np.uint16)
            return np.asarray(np.argsort(number[icao], kind="stable"))
    lo = np.argsort((icao & 0xFFFF).astype(np.uint16), kind="stable")
    hi = np.argsort((icao[lo] >> 16).astype(np.uint16), kind="stable")
    return np.asarray(lo[hi])


def detect_flights(
    positions: npt.NDArray[np.void],
    airports: Any | None = None,
    areas: Any | None = None,
    identities: IdentityLookup | None = None,
    config: FlightConfig | None = None,
) -> tuple[list[Flight], list[Event]]:
    """All flights in ``positions`` (any order, any mix of aircraft) and their events.

    Every flight is closed: the end of the rows ends the flights still in the air.
    """
    ctx = _context(airports, areas, identities, config)
    rows = np.asarray(positions)
    if len(rows) == 0:
        return [], []
    cols = Cols.from_rows(rows, _order(rows))
    segs, ground = segment(cols, ctx.config, ctx.fields)
    built = build_flights(cols, ground, segs[segs["qualified"]], ctx, final=True)
    flights = [f for f, _ in built]
    events = [x for _, evs in built for x in evs]
    flights.sort(key=lambda f: (f.first_seen_s, f.icao24))
    events.sort(key=lambda e: (e.time_s, e.icao24, e.kind.value, e.value))
    return flights, events


@dataclass(slots=True)
class _Work:
    """An aircraft whose new rows may change its flights: re-segmented with the others."""

    icao24: int
    ac: _Aircraft
    new: npt.NDArray[np.void]  # its rows of the batch
    ground: npt.NDArray[np.bool_]  # their ground state
    news: bool  # an emergency squawk its flight has not reported


@dataclass(slots=True)
class _Aircraft:
    rows: npt.NDArray[np.void]
    ground: npt.NDArray[np.bool_] | None = None
    flight: Flight | None = None  # the open flight, once it qualified
    sent_s: float = -np.inf  # data time the open record was last sent
    emitted: set[tuple[str, float, str]] = field(default_factory=set)
    deadline_s: float = np.inf  # close the open piece if no row comes before this
    deadline_exact: bool = True  # False: deadline_s is a lower bound, to be refined
    pending: list[npt.NDArray[np.void]] = field(default_factory=list)  # airborne rows to append
    t_last: float = -np.inf

    def consolidate(self) -> None:
        """Append the pending rows (all airborne) to the buffer."""
        if self.pending:
            n_new = sum(len(p) for p in self.pending)
            self.rows = np.concatenate([self.rows, *self.pending])
            if self.ground is not None:
                self.ground = np.concatenate([self.ground, np.zeros(n_new, np.bool_)])
            self.pending = []


class FlightDetector:
    """Live flight detection over the tracker's positions (see the module docstring)."""

    def __init__(
        self,
        airports: Any | None = None,
        areas: Any | None = None,
        identities: IdentityLookup | None = None,
        config: FlightConfig | None = None,
    ) -> None:
        self._ctx = _context(airports, areas, identities, config)
        self._aircraft: dict[int, _Aircraft] = {}
        self._heard = HeardBy()
        self._closed: list[int] = []  # aircraft closed in this update: their tallies go
        self._emergency_codes = np.array(
            [c.encode() for c in self._ctx.config.events.emergency_squawks], "S4"
        )

    @property
    def config(self) -> FlightConfig:
        return self._ctx.config

    def update(
        self,
        positions: npt.NDArray[np.void],
        now_s: float,
        receivers: ReceiverLists | None = None,
    ) -> FlightUpdate:
        """Take one batch of positions (time-ordered); return what opened, changed, closed.

        ``receivers``, aligned with ``positions``, are the receivers that heard each one (the
        tracker's ``TrackOutput.receivers``): with them flights count the distinct receivers
        that heard them (``Flight.receivers_heard``; 0 unknown).
        """
        out = FlightUpdate()
        rows = np.asarray(positions)
        if receivers is not None and len(rows):
            self._heard.add(rows["icao24"], rows["time_s"], receivers)
        if len(rows):
            rows = rows.astype(POSITION_DTYPE, copy=False)
            rows = rows[np.argsort(rows["icao24"], kind="stable")]
            work = self._take(rows)
            if work:
                self._resegment(work, out)
        for icao24 in [k for k, ac in self._aircraft.items() if now_s >= ac.deadline_s]:
            ac = self._aircraft[icao24]
            if not ac.deadline_exact:
                ac.consolidate()
                self._set_deadline(ac)
                if now_s < ac.deadline_s:
                    continue
            self._close(icao24, out)
        self._forget_closed()
        return out

    def _set_deadline(self, ac: _Aircraft) -> None:
        ac.deadline_exact = True
        if len(ac.rows) == 0:
            ac.deadline_s = ac.t_last  # nothing left open: forget the aircraft
            return
        last = ac.rows[-1:]
        ground = bool(ac.ground[-1]) if ac.ground is not None else bool(last["onground"][0])
        ac.deadline_s = float(last["time_s"][0]) + landing_like_timeout_s(
            last, ground, self._ctx.config, self._ctx.fields
        )

    def close_all(self, now_s: float) -> FlightUpdate:
        """End of input: close every open flight."""
        out = FlightUpdate()
        for icao24 in list(self._aircraft):
            self._close(icao24, out)
        self._forget_closed()
        return out

    def current(self, icao24: int) -> Flight | None:
        """The open flight of an aircraft, up to its latest row, or None."""
        ac = self._aircraft.get(icao24)
        if ac is None or ac.flight is None:
            return None
        ac.consolidate()
        cols = Cols.from_rows(ac.rows)
        segs, ground = segment(cols, self._ctx.config, self._ctx.fields, ac.ground)
        ((flight, _),) = build_flights(cols, ground, segs[-1:], self._ctx, final=False)
        return self._with_receivers(flight)

    def open_flights(self) -> list[Flight]:
        """The record of every open flight, as last sent (see ``live_refresh_s``).

        Cheap (no rebuild): a record's ``last_seen_s`` and counts may lag the aircraft's
        latest row by up to ``live_refresh_s`` of data time; ``current`` rebuilds one exactly.
        """
        return [ac.flight for ac in self._aircraft.values() if ac.flight is not None]

    def open_flight(self, icao24: int) -> Flight | None:
        """The record of one aircraft's open flight, as last sent (None: it has none)."""
        ac = self._aircraft.get(icao24)
        return None if ac is None else ac.flight

    def track(self, icao24: int) -> npt.NDArray[np.void]:
        """The positions of an aircraft's current flight, oldest first (POSITION_DTYPE rows).

        These are the rows the detector keeps for the aircraft: every row since its last cut
        (a landing, a splitting gap, a closed flight), so for an open flight the whole flight
        from its first row (taxi-out included). While the aircraft is parked or taxiing
        without a flight, only the last ``max_taxi_s`` of rows are kept. The buffer is
        bounded by the flight itself (one row per accepted position: a 15-hour flight heard
        every second is ~54,000 rows, ~4 MB) and is dropped when the flight closes. Empty
        when the aircraft has no rows here. A new array, owned by the caller.
        """
        parts = self.track_parts().get(icao24)
        if not parts:
            return np.empty(0, POSITION_DTYPE)
        return np.concatenate(parts)

    def track_parts(self) -> dict[int, tuple[npt.NDArray[np.void], ...]]:
        """For every aircraft, the arrays whose concatenation is ``track(icao24)``.

        The detector never changes a buffer array in place (new rows make new arrays), so
        the references returned here stay valid and unchanged after the call: another thread
        may concatenate them later while this detector goes on. Building the mapping costs
        one tuple per aircraft, no copy of rows.
        """
        return {
            icao24: (ac.rows, *ac.pending)
            for icao24, ac in self._aircraft.items()
            if len(ac.rows) or ac.pending
        }

    # -- internals --------------------------------------------------------------------

    def _take(self, rows: npt.NDArray[np.void]) -> list[_Work]:
        """Append a batch's rows (sorted by address) to their aircraft.

        Airborne rows that continue an open flight without a long gap cannot cut it (cuts
        need ground rows or a splitting gap) and are only kept for later; the aircraft whose
        rows may change their flights are returned, to be re-segmented together. What decides
        is computed over the whole batch at once; per aircraft only scalars are compared.
        """
        ctx = self._ctx
        seg_cfg = ctx.config.segmentation
        icao, t = rows["icao24"], rows["time_s"]
        starts = np.flatnonzero(np.concatenate(([True], icao[1:] != icao[:-1])))
        ends = np.append(starts[1:], len(rows))
        ground = classify_ground(rows, ctx.config, ctx.fields)
        any_ground = np.logical_or.reduceat(ground, starts)
        any_emergency = np.logical_or.reduceat(
            np.isin(rows["squawk"], self._emergency_codes), starts
        )
        step = np.diff(t, prepend=t[0])
        step[starts] = 0.0
        max_step = np.maximum.reduceat(step, starts)
        work: list[_Work] = []
        for i, (icao24, s, e, t_first, t_end, gap) in enumerate(
            zip(
                icao[starts].tolist(),
                starts.tolist(),
                ends.tolist(),
                t[starts].tolist(),
                t[ends - 1].tolist(),
                max_step.tolist(),
                strict=True,
            )
        ):
            ac = self._aircraft.get(icao24)
            if ac is None:
                ac = self._aircraft[icao24] = _Aircraft(rows=np.zeros(0, POSITION_DTYPE))
            new = rows[s:e]
            # an emergency squawk not yet reported is news to send at once (an alert on it
            # must not wait for the next refresh)
            news = bool(any_emergency[i]) and self._emergency_news(ac, new)
            if (
                ac.flight is not None
                and not any_ground[i]
                and not news
                and t_first >= ac.t_last
                and max(gap, t_first - ac.t_last) < seg_cfg.min_stop_gap_s
                and t_end - ac.sent_s < ctx.config.live_refresh_s
            ):
                ac.pending.append(new)
                ac.t_last = t_end
                ac.deadline_s = ac.t_last + seg_cfg.min_stop_gap_s
                ac.deadline_exact = False
                continue
            work.append(_Work(icao24, ac, new, ground[s:e], news))
        return work

    def _resegment(self, work: list[_Work], out: FlightUpdate) -> None:
        """Re-segment the buffers of the aircraft in ``work`` (one pass over all of them):
        send the pieces a cut completed, keep the rows of the current piece, and send the
        open flight when it is new, has news, or is due for a refresh."""
        ctx = self._ctx
        bufs: list[npt.NDArray[np.void]] = []
        grounds: list[npt.NDArray[np.bool_]] = []
        for w in work:
            ac = w.ac
            ac.consolidate()
            buf = np.concatenate([ac.rows, w.new])
            if len(ac.rows) and w.new["time_s"][0] < ac.rows["time_s"][-1]:
                buf = buf[np.argsort(buf["time_s"], kind="stable")]
                g = classify_ground(buf, ctx.config, ctx.fields)
            elif ac.ground is not None:
                g = np.concatenate([ac.ground, w.ground])
            elif len(ac.rows) == 0:
                g = w.ground
            else:
                g = classify_ground(buf, ctx.config, ctx.fields)
            bufs.append(buf)
            grounds.append(g)
        sizes = np.array([len(b) for b in bufs], np.int64)
        offsets = np.concatenate(([0], np.cumsum(sizes)))
        cols = Cols.from_rows(np.concatenate(bufs) if len(bufs) > 1 else bufs[0])
        segs, ground = segment(cols, ctx.config, ctx.fields, np.concatenate(grounds))
        # whose piece: the empty piece segment() appends after a final confirmed stop
        # belongs to the last aircraft
        owner = np.minimum(
            np.searchsorted(offsets, segs["piece_start"], side="right") - 1, len(work) - 1
        )
        first_seg = np.searchsorted(owner, np.arange(len(work)))
        last_seg = np.append(first_seg[1:], len(segs)) - 1
        # Every piece but an aircraft's last open one is complete; a last piece that a stop
        # closed is complete too (its rows end at the confirming row).
        open_last = segs["closed_by"][last_seg] == CLOSED_BY_END
        complete = np.ones(len(segs), np.bool_)
        complete[last_seg[open_last]] = False
        done_idx = np.flatnonzero(complete & segs["qualified"])
        done = iter(build_flights(cols, ground, segs[done_idx], ctx, final=True))
        n_done = np.bincount(owner[done_idx], minlength=len(work))
        n_complete = np.bincount(owner[complete], minlength=len(work))

        to_send: list[int] = []
        for i, w in enumerate(work):
            ac = w.ac
            for _ in range(int(n_done[i])):
                flight, evs = next(done)
                self._emit(ac, flight, evs, out)
            if n_complete[i]:
                ac.flight, ac.sent_s, ac.emitted = None, -np.inf, set()
            lo, hi = int(offsets[i]), int(offsets[i + 1])
            buf, g = bufs[i], ground[lo:hi]
            p = int(segs["piece_start"][last_seg[i]]) - lo if open_last[i] else hi - lo
            keep_from = p
            if not (~g[p:]).any():
                # parked / taxiing: rows older than max_taxi_s can never join a flight
                tb = buf["time_s"]
                max_taxi_s = ctx.config.segmentation.max_taxi_s
                keep_from = p + int(np.searchsorted(tb[p:], tb[-1] - max_taxi_s))
            ac.rows, ac.ground = buf[keep_from:], g[keep_from:]
            ac.t_last = float(buf["time_s"][-1])
            self._set_deadline(ac)
            if open_last[i] and segs["qualified"][last_seg[i]]:
                # ground rows under an open flight may settle its landing: look at once, not
                # after live_refresh_s, so a landing is reported seconds after touchdown
                landing_news = ac.flight is not None and ac.flight.arrival is None
                news = (landing_news and bool(w.ground.any())) or w.news
                if ac.flight is None or news or ac.t_last - ac.sent_s >= ctx.config.live_refresh_s:
                    to_send.append(i)
        if to_send:
            built = build_flights(cols, ground, segs[last_seg[to_send]], ctx, final=False)
            for i, (flight, evs) in zip(to_send, built, strict=True):
                ac = work[i].ac
                ac.flight, ac.sent_s = self._emit(ac, flight, evs, out), ac.t_last
        if len(self._heard):
            # the receivers' tallies start where the aircraft's rows now start
            since = [float(w.ac.rows["time_s"][0]) if len(w.ac.rows) else np.inf for w in work]
            self._heard.trim(np.array([w.icao24 for w in work]), np.array(since))

    def _emergency_news(self, ac: _Aircraft, new: npt.NDArray[np.void]) -> bool:
        """Whether ``new`` holds an emergency squawk the aircraft's flight has not reported."""
        codes = self._emergency_codes
        hit = np.isin(new["squawk"], codes)
        if not hit.any():
            return False
        reported = {v for kind, _, v in ac.emitted if kind == EventKind.EMERGENCY.value}
        return any(
            c.decode("ascii", "replace") not in reported for c in np.unique(new["squawk"][hit])
        )

    def _with_receivers(self, flight: Flight) -> Flight:
        """The record with the distinct receivers that heard it (unchanged when no receiver
        lists came with the positions)."""
        if not len(self._heard):
            return flight
        n = self._heard.count(flight.icao24, flight.first_seen_s, flight.last_seen_s)
        return replace(flight, receivers_heard=n)

    def _forget_closed(self) -> None:
        if self._closed:
            self._heard.forget(np.array(self._closed))
            self._closed = []

    def _close(self, icao24: int, out: FlightUpdate) -> None:
        ac = self._aircraft.pop(icao24)
        self._closed.append(icao24)
        ac.consolidate()
        if len(ac.rows) == 0:
            return
        cols = Cols.from_rows(ac.rows)
        segs, ground = segment(cols, self._ctx.config, self._ctx.fields, ac.ground)
        if segs[-1]["qualified"]:
            ((flight, evs),) = build_flights(cols, ground, segs[-1:], self._ctx, final=True)
            self._emit(ac, flight, evs, out)

    def _emit(self, ac: _Aircraft, flight: Flight, evs: list[Event], out: FlightUpdate) -> Flight:
        """Send a flight record (with the receivers that heard it, when known) and the
        events it has not sent; returns the record sent."""
        flight = self._with_receivers(flight)
        out.flights.append(flight)
        for e in evs:
            key = (e.kind.value, e.time_s, e.value)
            if key not in ac.emitted:
                ac.emitted.add(key)
                out.events.append(e)
        return flight
