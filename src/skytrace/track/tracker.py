"""The tracker: decoded frame batches from any number of receivers -> aircraft state,
trusted positions and events.

Per batch (``ingest``), in this order, each step on whole columns:

1. usable rows: decoded, parity checked for DF11/17/18; address/parity formats kept aside;
2. de-duplication across receivers (``dedup``);
3. address acceptance: a new aircraft is created only by a DF11/17/18 reply whose parity
   matched without correction, or by an address/parity reply at or above
   ``strong_signal_dbfs``; other replies of unknown addresses are counted and dropped;
4. rows sorted once by (slot, time); per-aircraft counters, signal, source;
5. events from transitions (squawk 7500/7600/7700, ES emergency, IDENT, callsign);
6. positions: pairing + CPR (``positions.resolve``), plausibility (``plausibility.accept``);
7. state columns updated with the last value of each field per aircraft; trail appended;
   the receivers of the batch's messages merged into each aircraft's receiver table.

State lives in numpy columns indexed by slot (``columns.StateColumns``); records
(``AircraftState``) and the aircraft.json document are built on demand (``snapshot``).
Time is passed in (``now_s``), never read from a clock. Not thread-safe: one tracker is
driven by one task.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from skytrace.errors import UsageError
from skytrace.model import (
    POSITION_DTYPE,
    Event,
    EventKind,
    FrameBatch,
    FrameKind,
    IdentityLookup,
    Source,
    empty_positions,
)
from skytrace.pipeline import TrackOutput
from skytrace.track import snapshot as _snapshot
from skytrace.track.batchrows import BatchRows as _Rows
from skytrace.track.batchrows import CachedColumns as _CachedColumns
from skytrace.track.batchrows import current as _current
from skytrace.track.batchrows import fresh as _fresh
from skytrace.track.batchrows import last_of_runs as _last_of_runs
from skytrace.track.batchrows import latest as _latest
from skytrace.track.batchrows import squawk_text as _squawk_text
from skytrace.track.columns import StateColumns
from skytrace.track.config import TrackerConfig
from skytrace.track.dedup import DedupCarry, deduplicate
from skytrace.track.plausibility import Pending, accept
from skytrace.track.positions import (
    AirportFinder,
    PositionRows,
    RejectReason,
    resolve,
    run_starts,
)
from skytrace.track.receivers import ReceiverLists, merge_recent

__all__ = ["AirportFinder", "Tracker", "TrackerStats"]

_PARITY_DFS: Final = np.array([0, 4, 5, 16, 20, 21])
_EMERGENCY_SQUAWKS: Final = np.array([7500, 7600, 7700])
_NON_ICAO_FLAG: Final = 1 << 24  # addresses that are not ICAO 24-bit (TIS-B/ADS-R anonymous)


@dataclass(slots=True)
class TrackerStats:
    """Counters since the tracker was built (rejected positions by RejectReason value)."""

    frames: int = 0
    undecoded: int = 0  # labelled by the decoder (bad length, unknown DF, Mode A/C ...)
    bad_parity: int = 0  # DF11/17/18 whose parity did not match
    ignored_format: int = 0  # formats the tracker does not use (DF19, DF24 ...)
    bad_time: int = 0  # frames whose time_s is NaN or infinite
    duplicates: int = 0  # copies of a reply heard by another receiver
    unconfirmed_address: int = 0  # address/parity replies of addresses not (yet) confirmed
    corrected_new_address: int = 0  # CRC-corrected replies of an unknown address
    messages: int = 0  # replies used
    positions: int = 0  # positions accepted and handed on
    positions_unresolved: int = 0  # CPR halves still waiting for a partner or a reference
    rejected: dict[str, int] = field(default_factory=lambda: {r.value: 0 for r in RejectReason})
    appeared: int = 0
    expired: int = 0

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())


class Tracker:
    """Fuses decoded frame batches into aircraft state, positions and events."""

    def __init__(
        self,
        config: TrackerConfig | None = None,
        identities: IdentityLookup | None = None,
        airports: AirportFinder | None = None,
    ) -> None:
        self.config = config if config is not None else TrackerConfig()
        self.identities = identities
        self.airports = airports
        self.stats = TrackerStats()
        self._state = StateColumns(self.config.initial_capacity, self.config.trail_max_points)
        self._pending: dict[int, list[Pending]] = {}
        self._dedup_carry = DedupCarry()
        self._strong_seen: dict[int, float] = {}  # unknown address -> last strong reply time
        # receiver -> (lat, lon): its configured position, else the last position it heard
        self._receiver_fixed: dict[int, tuple[float, float]] = {}
        self._receiver_area: dict[int, tuple[float, float]] = {}

    # ------------------------------------------------------------------ public API

    def set_receiver_position(self, receiver: int, lat: float, lon: float) -> None:
        """A receiver's own position (Beast type-5 frame or configuration)."""
        self._receiver_fixed[int(receiver)] = (float(lat), float(lon))

    def __len__(self) -> int:
        return self._state.n_live

    def ingest(self, frames: FrameBatch, decoded: Any, now_s: float) -> TrackOutput:
        """Take one batch (frames and their decoded columns, aligned row by row)."""
        n = len(frames)
        if len(decoded) != n:
            raise UsageError(f"decoded batch has {len(decoded)} rows for {n} frames")
        self.stats.frames += n
        if n == 0:
            return TrackOutput(empty_positions(0), [], receivers=ReceiverLists.empty())
        decoded = _CachedColumns(decoded)
        rows = self._usable_rows(frames, decoded)
        dd = deduplicate(frames, rows, self.config.dedup_window_s, self._dedup_carry)
        self._dedup_carry = dd.carry
        self.stats.duplicates += dd.duplicates
        rows = dd.keep
        events: list[Event] = []
        b = self._accept_addresses(frames, decoded, rows, dd.n_receivers, dd.signal_dbfs, events)
        self._update_receivers(b, dd.receivers, frames, decoded, dd.late_rows, now_s)
        if b is None:
            events.sort(key=lambda e: e.time_s)
            return TrackOutput(empty_positions(0), events, receivers=ReceiverLists.empty())
        self.stats.messages += int(b.slot.size)
        self._update_counters(b)
        self._transition_events(b, decoded, events)
        positions, receivers = self._positions(b, decoded, events, dd.receivers)
        self._update_fields(b, decoded)
        events.sort(key=lambda e: e.time_s)
        return TrackOutput(positions, events, receivers=receivers)

    def expire(self, now_s: float) -> list[Event]:
        """Drop aircraft silent for ``aircraft_expire_s`` (LOST events); stale positions stop
        being references; lone candidates never confirmed within ``confirm_max_gap_s`` are
        rejected as ``unconfirmed`` (POSITION_REJECTED events)."""
        horizon = now_s - self.config.strong_signal_repeat_s
        self._strong_seen = {a: t for a, t in self._strong_seen.items() if t >= horizon}
        st = self._state
        live = st.live_slots()
        if live.size == 0:
            return []
        col = st.col
        stale_pos = col["pos_valid"][live] & (
            now_s - col["pos_time_s"][live] > self.config.position_stale_s
        )
        col["pos_valid"][live[stale_pos]] = False
        heard = col["recv_time_s"][live]
        old = heard < now_s - self.config.position_stale_s
        if old.any():
            heard[old] = np.nan
            col["recv_time_s"][live] = heard
        gone = live[now_s - col["last_seen_s"][live] > self.config.aircraft_expire_s]
        events = [
            Event(
                time_s=float(now_s),
                icao24=int(col["icao24"][s]),
                kind=EventKind.LOST,
                lat=float(col["pos_lat"][s]),
                lon=float(col["pos_lon"][s]),
                altitude_ft=float(col["alt_baro_ft"][s]),
            )
            for s in gone.tolist()
        ]
        # candidates no later decode confirmed in time: rejected as unconfirmed
        gone_set = set(gone.tolist())
        for s in list(self._pending):
            waiting = self._pending[s]
            if now_s - waiting[-1].fix[2] <= self.config.confirm_max_gap_s and s not in gone_set:
                continue
            del self._pending[s]
            for w in waiting:
                lat, lon, t, alt = w.fix[:4]
                self.stats.rejected[RejectReason.UNCONFIRMED.value] += 1
                events.append(
                    Event(
                        time_s=t,
                        icao24=int(col["icao24"][s]),
                        kind=EventKind.POSITION_REJECTED,
                        value=RejectReason.UNCONFIRMED.value,
                        lat=lat,
                        lon=lon,
                        altitude_ft=alt,
                    )
                )
        st.remove(gone)
        self.stats.expired += int(gone.size)
        return events

    def snapshot(self, now_s: float) -> dict[str, Any]:
        """The readsb/tar1090 aircraft.json document of every tracked aircraft."""
        return _snapshot.build_document(
            self._state, now_s, self.stats.messages, self.config, self.identities
        )

    def copy_state(self) -> _snapshot.StateCopy:
        """A read-only copy of every tracked aircraft's state, for readers in other threads."""
        return _snapshot.copy_state(self._state)

    def aircraft(self, icao24: int) -> _snapshot.AircraftState | None:
        """The state of one aircraft as a typed record, or None when not tracked."""
        slot = int(self._state.lookup(np.array([icao24], np.uint32))[0])
        if slot < 0:
            return None
        return _snapshot.aircraft_state(self._state, slot, self.identities)

    def trail(self, icao24: int) -> npt.NDArray[np.void]:
        """Recent accepted positions of one aircraft, oldest first (POSITION_DTYPE rows)."""
        st = self._state
        slot = int(st.lookup(np.array([icao24], np.uint32))[0])
        if slot < 0:
            return empty_positions(0)
        k = st.trail_points
        count = int(st.col["trail_count"][slot])
        head = int(st.col["trail_head"][slot])
        ring = st.trail[slot, (head - count + np.arange(count)) % k]
        out = empty_positions(count)
        out["icao24"] = icao24
        for name in ("time_s", "lat", "lon", "altitude_ft", "groundspeed_kt", "track_deg"):
            out[name] = ring[name]
        out["onground"] = ring["onground"]
        out["source"] = ring["source"]
        out["n_receivers"] = 1
        return out

    def memory_bytes(self) -> tuple[int, int]:
        """(state bytes, trail bytes) held in numpy arrays."""
        return self._state.nbytes(), self._state.trail_nbytes()

    # ------------------------------------------------------------------ steps

    def _usable_rows(self, frames: FrameBatch, decoded: Any) -> npt.NDArray[np.intp]:
        df = decoded["df"]
        decoded_ok = decoded.ok & (frames.kind != FrameKind.MODE_AC)
        self.stats.undecoded += int(np.count_nonzero(~decoded_ok))
        squitter = (df == 11) | (df == 17) | (df == 18)
        parity_ok = decoded["crc_ok"] & decoded.mask("crc_ok")
        parity_fmt = np.isin(df, _PARITY_DFS)
        bad = decoded_ok & squitter & ~parity_ok
        self.stats.bad_parity += int(np.count_nonzero(bad))
        usable = decoded_ok & ((squitter & parity_ok) | parity_fmt)
        # a frame without a usable time cannot be paired, checked or expired
        bad_time = ~np.isfinite(frames.time_s)
        if bad_time.any():
            self.stats.bad_time += int(np.count_nonzero(bad_time & usable))
            usable &= ~bad_time
        self.stats.ignored_format += int(np.count_nonzero(decoded_ok & ~squitter & ~parity_fmt))
        rows = np.flatnonzero(usable)
        t = frames.time_s[rows]
        if t.size > 1 and (np.diff(t) < 0).any():
            rows = rows[np.argsort(t, kind="stable")]
        return rows

    def _accept_addresses(
        self,
        frames: FrameBatch,
        decoded: Any,
        rows: npt.NDArray[np.intp],
        n_receivers: npt.NDArray[np.uint16],
        signal_dbfs: npt.NDArray[np.float32],
        events: list[Event],
    ) -> _Rows | None:
        st = self._state
        cfg = self.config
        icao, df = _addresses(decoded, rows)
        verified = (
            decoded["icao_verified"][rows]
            & decoded["crc_ok"][rows]
            & ~(decoded["crc_corrected"][rows] & decoded.mask("crc_corrected")[rows])
        )
        time_s = frames.time_s[rows]
        slot = st.lookup(icao)
        unknown = slot < 0
        if unknown.any():
            strong = unknown & np.isin(df, _PARITY_DFS) & (signal_dbfs >= cfg.strong_signal_dbfs)
            creators = unknown & verified
            if strong.any():
                creators |= self._repeated_strong(icao, time_s, strong)
            if creators.any():
                c_icao = icao[creators]
                c_time = time_s[creators]
                new_icao, first = np.unique(c_icao, return_index=True)  # rows are time-ordered
                st.add(new_icao, c_time[first])
                self.stats.appeared += int(new_icao.size)
                events.extend(
                    Event(time_s=float(t), icao24=int(a), kind=EventKind.APPEARED)
                    for a, t in zip(new_icao.tolist(), c_time[first].tolist(), strict=True)
                )
                # rows before an address's first creating reply stay unconfirmed
                pos = np.searchsorted(new_icao, icao[unknown])
                pos = np.minimum(pos, new_icao.size - 1)
                made = new_icao[pos] == icao[unknown]
                late_enough = made & (time_s[unknown] >= c_time[first][pos])
                fresh = st.lookup(icao[unknown])
                slot[unknown] = np.where(late_enough, fresh, -1)
            still = slot < 0
            corrected = still & decoded["crc_corrected"][rows] & decoded.mask("crc_corrected")[rows]
            self.stats.corrected_new_address += int(np.count_nonzero(corrected))
            self.stats.unconfirmed_address += int(np.count_nonzero(still & ~corrected))
        keep = slot >= 0
        if not keep.any():
            return None
        sel = np.flatnonzero(keep)
        key = slot[sel]
        if self._state.capacity <= 1 << 16:
            key = key.astype(np.uint16)  # numpy's stable sort is a radix sort for 16-bit keys
        order = sel[np.argsort(key, kind="stable")]  # (slot, time): rows are time-ordered
        di = rows[order]
        source = np.full(order.size, Source.MODE_S, np.uint8)
        es = (df[order] == 17) | (df[order] == 18)
        if "es_source" in decoded:
            source = np.where(es, decoded["es_source"][di], source).astype(np.uint8)
        source[frames.kind[di] == FrameKind.MLAT] = Source.MLAT
        # a verified squitter confirms an aircraft created by a strong parity reply
        st.col["confirmed"][slot[order][verified[order]]] = True
        return _Rows(
            di=di,
            slot=slot[order],
            time_s=time_s[order],
            signal_dbfs=signal_dbfs[order],
            n_receivers=n_receivers[order],
            receiver=frames.receiver[di],
            source=source,
            es=es,
            msg=order,
        )

    def _repeated_strong(
        self,
        icao: npt.NDArray[np.uint32],
        time_s: npt.NDArray[np.float64],
        strong: npt.NDArray[np.bool_],
    ) -> npt.NDArray[np.bool_]:
        """Strong address/parity replies whose address was heard strong before, within
        ``strong_signal_repeat_s``: those may create an aircraft. One corrupted reply yields a
        random address; the same wrong address twice is very unlikely."""
        window = self.config.strong_signal_repeat_s
        rows = np.flatnonzero(strong)
        ok = np.zeros(icao.size, bool)
        seen = self._strong_seen
        for r, a, t in zip(rows.tolist(), icao[rows].tolist(), time_s[rows].tolist(), strict=True):
            before = seen.get(a)
            if before is not None and 0.0 <= t - before <= window:
                ok[r] = True
            seen[a] = t
        return ok

    def _update_receivers(
        self,
        b: _Rows | None,
        lists: ReceiverLists,
        frames: FrameBatch,
        decoded: Any,
        late: npt.NDArray[np.intp],
        now_s: float,
    ) -> None:
        """Merge the receivers of the batch's messages into each aircraft's table, and those
        of copies of messages handed on in an earlier batch (they still tell who hears it)."""
        slots, times, recvs = [], [], []
        if b is not None:
            if lists.ids.size == lists.offsets.size - 1:
                # one receiver per message (one feed, or no copies): no expansion needed
                slots.append(b.slot)
                times.append(b.time_s)
                recvs.append(lists.ids[b.msg])
            else:
                mine = lists.take(b.msg)
                per = mine.lengths()
                slots.append(np.repeat(b.slot, per))
                times.append(np.repeat(b.time_s, per))
                recvs.append(mine.ids)
        if late.size:
            icao, _ = _addresses(decoded, late)
            slot = self._state.lookup(icao)
            ok = slot >= 0
            slots.append(slot[ok])
            times.append(frames.time_s[late[ok]])
            recvs.append(frames.receiver[late[ok]])
        if not slots:
            return
        col = self._state.col
        merge_recent(
            col["recv_id"],
            col["recv_time_s"],
            np.concatenate(slots) if len(slots) > 1 else slots[0],
            np.concatenate(recvs) if len(recvs) > 1 else recvs[0],
            np.concatenate(times) if len(times) > 1 else times[0],
            now_s - self.config.position_stale_s,
            presorted=len(slots) == 1 and b is not None,  # b's rows: by (slot, time)
        )

    def _update_counters(self, b: _Rows) -> None:
        col = self._state.col
        last = _last_of_runs(b.slot)
        s_last = b.slot[last]
        counts = np.bincount(b.slot, minlength=self._state.capacity)
        col["messages"][:] = col["messages"] + counts[: self._state.capacity]
        col["last_seen_s"][s_last] = np.maximum(col["last_seen_s"][s_last], b.time_s[last])
        col["n_receivers"][s_last] = b.n_receivers[last]
        has_sig = ~np.isnan(b.signal_dbfs)
        if has_sig.any():
            power = np.bincount(
                b.slot[has_sig],
                weights=10.0 ** (b.signal_dbfs[has_sig] / 10.0),
                minlength=self._state.capacity,
            )
            n_sig = np.bincount(b.slot[has_sig], minlength=self._state.capacity)
            heard = np.flatnonzero(n_sig)
            col["rssi_dbfs"][heard] = 10.0 * np.log10(power[heard] / n_sig[heard])
        # the aircraft's source: its latest ES/MLAT message; Mode S only until it has one
        rich = b.source != Source.MODE_S
        if rich.any():
            idx = np.flatnonzero(rich)
            lr = idx[_last_of_runs(b.slot[idx])]
            col["source"][b.slot[lr]] = b.source[lr]

    def _transition_events(self, b: _Rows, decoded: Any, events: list[Event]) -> None:
        col = self._state.col
        icao_col = col["icao24"]

        def changed(name: str, state_name: str) -> tuple[npt.NDArray[np.intp], Any, Any]:
            valid = decoded.mask(name)[b.di]
            if name == "callsign":
                valid &= decoded[name][b.di] != b""
            idx = np.flatnonzero(valid)
            if idx.size == 0:
                return idx, None, None
            values = decoded[name][b.di[idx]]
            slots = b.slot[idx]
            prev = np.empty_like(values)
            prev[1:] = values[:-1]
            first = np.ones(idx.size, bool)
            first[1:] = slots[1:] != slots[:-1]
            prev[first] = col[state_name][slots[first]].astype(values.dtype)
            return idx, values, prev

        idx, sq, prev = changed("squawk", "squawk")
        if idx.size:
            hit = np.isin(sq, _EMERGENCY_SQUAWKS) & (sq != prev)
            for j in np.flatnonzero(hit).tolist():
                r = idx[j]
                events.append(self._event(b, r, EventKind.EMERGENCY, f"{int(sq[j]):04d}"))
        idx, es, prev = changed("emergency_state", "emergency_state")
        if idx.size:
            hit = (es > 0) & (es != prev)
            for j in np.flatnonzero(hit).tolist():
                value = _snapshot.EMERGENCY_NAMES.get(int(es[j]), "reserved")
                events.append(self._event(b, idx[j], EventKind.EMERGENCY, value))
        idx, spi, prev = changed("spi", "spi")
        if idx.size:
            for j in np.flatnonzero(spi & ~prev).tolist():
                events.append(self._event(b, idx[j], EventKind.IDENT))
        idx, cs, prev = changed("callsign", "callsign")
        if idx.size:
            for j in np.flatnonzero(cs != prev).tolist():
                text = bytes(cs[j]).decode("ascii", "replace").strip()
                events.append(self._event(b, idx[j], EventKind.CALLSIGN, text))
        del icao_col

    def _event(self, b: _Rows, r: int, kind: EventKind, value: str = "") -> Event:
        col = self._state.col
        s = int(b.slot[r])
        return Event(
            time_s=float(b.time_s[r]),
            icao24=int(col["icao24"][s]),
            kind=kind,
            value=value,
            lat=float(col["pos_lat"][s]) if col["pos_valid"][s] else float("nan"),
            lon=float(col["pos_lon"][s]) if col["pos_valid"][s] else float("nan"),
            altitude_ft=float(col["alt_baro_ft"][s]),
        )

    def _positions(
        self, b: _Rows, decoded: Any, events: list[Event], lists: ReceiverLists
    ) -> tuple[npt.NDArray[np.void], ReceiverLists]:
        """Accepted positions, time-ordered, and the receivers of each one's message."""
        cfg = self.config
        st = self._state
        col = st.col
        fmt_all = decoded["cpr_format"][b.di]
        is_pos = fmt_all >= 0
        if not is_pos.any():
            return empty_positions(0), ReceiverLists.empty()
        p = np.flatnonzero(is_pos)
        pdi = b.di[p]
        gs = decoded["groundspeed_kt"]
        j = _latest(b, ~np.isnan(gs[b.di]), p)
        gs_p = np.where(j >= 0, gs[b.di[j]], col["groundspeed_kt"][b.slot[p]]).astype(np.float32)
        prow = PositionRows(
            row=p,
            slot=b.slot[p],
            time_s=b.time_s[p],
            fmt=fmt_all[p],
            lat17=decoded["cpr_lat"][pdi].astype(np.int64),
            lon17=decoded["cpr_lon"][pdi].astype(np.int64),
            surface=decoded["surface"][pdi].astype(bool),
            altitude_ft=decoded["altitude_ft"][pdi].astype(np.float32),
            groundspeed_kt=gs_p,
            source=b.source[p],
            receiver=b.receiver[p],
        )
        area = dict(self._receiver_area)
        area.update(self._receiver_fixed)
        cand = resolve(cfg, col, prow, area, self.airports)
        self.stats.positions_unresolved += cand.unresolved
        for r, why in zip(cand.failed_row.tolist(), cand.failed_reason, strict=True):
            self._reject(b, r, why, events)

        rows = self._position_rows(b, decoded, cand)
        cand_recv = lists.take(b.msg[cand.row])
        acc = accept(cfg, cand, rows, col, self._pending, cand_recv)
        for rej in acc.rejected:
            self.stats.rejected[rej.reason.value] += 1
            events.append(
                Event(
                    time_s=rej.time_s,
                    icao24=int(col["icao24"][rej.slot]),
                    kind=EventKind.POSITION_REJECTED,
                    value=rej.reason.value,
                    lat=rej.lat,
                    lon=rej.lon,
                    altitude_ft=rej.altitude_ft,
                )
            )
        out = rows[acc.accepted]
        out_recv = cand_recv.take(acc.accepted)
        if acc.released:
            out = np.concatenate([np.array(acc.released, POSITION_DTYPE), out])
            released = ReceiverLists.from_lists(acc.released_receivers)
            out_recv = ReceiverLists.concat([released, out_recv])
        self._update_references(cand, acc, prow)
        self._append_trail(out)
        if out.size:
            order = np.argsort(out["time_s"], kind="stable")
            out = out[order]
            out_recv = out_recv.take(order)
            # the receiver's area for first surface fixes: the last position it heard
            acc_recv = cand.receiver[acc.accepted]
            for recv in np.unique(acc_recv).tolist():
                last = int(acc.accepted[np.flatnonzero(acc_recv == recv)[-1]])
                self._receiver_area[int(recv)] = (float(cand.lat[last]), float(cand.lon[last]))
        self.stats.positions += int(out.size)
        return out, out_recv

    def _reject(self, b: _Rows, r: int, why: RejectReason, events: list[Event]) -> None:
        self.stats.rejected[why.value] += 1
        events.append(self._event(b, r, EventKind.POSITION_REJECTED, why.value))

    def _position_rows(self, b: _Rows, decoded: Any, cand: Any) -> npt.NDArray[np.void]:
        """POSITION_DTYPE rows of the candidates, each field the value current at the
        position's time: the latest heard at or before it (in this batch, else the aircraft's
        state), NaN when that is older than ``field_stale_s``. GNSS altitude is the newer of
        a direct GNSS altitude (TC20-22) and the position's barometric altitude plus the latest
        GNSS-minus-baro difference (TC19)."""
        col = self._state.col
        r = cand.row
        slot = cand.slot
        t = cand.time_s
        max_age = self.config.field_stale_s
        out = empty_positions(r.size)
        out["icao24"] = col["icao24"][slot]
        out["time_s"] = t
        out["lat"] = cand.lat
        out["lon"] = cand.lon
        out["altitude_ft"] = cand.altitude_ft
        gs_here = decoded["groundspeed_kt"][b.di]
        _, gs_s = _current(b, r, gs_here, col["groundspeed_kt"][slot], col["velocity_time_s"][slot])
        out["groundspeed_kt"] = np.where(_fresh(gs_s, t, max_age), cand.groundspeed_kt, np.nan)
        for name, state_name, time_name in (
            ("track_deg", "track_deg", "velocity_time_s"),
            ("vertical_rate_fpm", "baro_rate_fpm", "rate_time_s"),
        ):
            value, when = _current(
                b, r, decoded[name][b.di], col[state_name][slot], col[time_name][slot]
            )
            out[name] = np.where(_fresh(when, t, max_age), value, np.nan)
        direct, direct_s = _current(
            b, r, decoded["geo_altitude_ft"][b.di], col["alt_geom_ft"][slot],
            col["alt_geom_time_s"][slot],
        )  # fmt: skip
        if "geo_minus_baro_ft" in _filled(decoded):
            delta_here = decoded["geo_minus_baro_ft"][b.di]
        else:
            delta_here = np.full(b.di.size, np.nan, np.float32)
        delta, delta_s = _current(
            b, r, delta_here, col["geo_minus_baro_ft"][slot], col["geo_minus_baro_time_s"][slot]
        )
        derived = cand.altitude_ft + delta
        use_delta = _fresh(delta_s, t, max_age) & ~np.isnan(derived)
        use_delta &= ~(direct_s > delta_s)
        geo = np.where(_fresh(direct_s, t, max_age), direct, np.nan)
        out["geo_altitude_ft"] = np.where(use_delta, derived, geo)
        out["onground"] = cand.surface
        out["source"] = cand.source
        out["n_receivers"] = b.n_receivers[r]
        j = _latest(b, decoded.mask("squawk")[b.di], r)
        sq = np.where(j >= 0, decoded["squawk"][b.di[j]].astype(np.int32), col["squawk"][slot])
        out["squawk"] = _squawk_text(sq)
        j = _latest(b, decoded.mask("callsign")[b.di], r)
        out["callsign"] = np.where(j >= 0, decoded["callsign"][b.di[j]], col["callsign"][slot])
        return out

    def _update_references(self, cand: Any, acc: Any, prow: PositionRows) -> None:
        col = self._state.col
        # the CPR halves of every position message (accepted or not) for later pairing
        for fmt, prefix in ((0, "even"), (1, "odd")):
            idx = np.flatnonzero(prow.fmt == fmt)
            if idx.size:
                last = idx[_last_of_runs(prow.slot[idx])]
                s = prow.slot[last]
                col[f"{prefix}_lat17"][s] = prow.lat17[last]
                col[f"{prefix}_lon17"][s] = prow.lon17[last]
                col[f"{prefix}_time_s"][s] = prow.time_s[last]
                col[f"{prefix}_surface"][s] = prow.surface[last]
        a = acc.accepted
        if a.size:
            last = a[_last_of_runs(cand.slot[a])]
            s = cand.slot[last]
            col["pos_valid"][s] = True
            col["pos_lat"][s] = cand.lat[last]
            col["pos_lon"][s] = cand.lon[last]
            col["pos_time_s"][s] = cand.time_s[last]
            col["pos_alt_ft"][s] = cand.altitude_ft[last]
            col["pos_surface"][s] = cand.surface[last]
            col["pos_source"][s] = cand.source[last]
            col["reject_run"][s] = 0
            col["onground"][s[cand.surface[last]]] = 1
        for s, (ref, run) in acc.fold_refs.items():
            col["reject_run"][s] = min(run, 255)
            if ref is None:
                col["pos_valid"][s] = False
                continue
            col["pos_valid"][s] = True
            col["pos_lat"][s], col["pos_lon"][s], col["pos_time_s"][s] = ref[0], ref[1], ref[2]
            col["pos_alt_ft"][s] = ref[3]
            col["pos_surface"][s] = ref[5]

    def _append_trail(self, out: npt.NDArray[np.void]) -> None:
        if out.size == 0:
            return
        st = self._state
        col = st.col
        slot = st.lookup(out["icao24"])
        order = np.lexsort((out["time_s"], slot))
        slot = slot[order]
        rows = out[order]
        start = run_starts(slot)
        rank = np.arange(slot.size) - start
        last = _last_of_runs(slot)
        count = np.repeat(rank[last] + 1, np.diff(np.append(0, last + 1)))
        k = st.trail_points
        keep = rank >= count - k
        slot, rows, rank, count = slot[keep], rows[keep], rank[keep], count[keep]
        skip = np.maximum(count - k, 0)
        head = col["trail_head"][slot].astype(np.int64)
        pos = (head + rank - skip) % k
        ring = st.trail
        for name in ("time_s", "lat", "lon", "altitude_ft", "groundspeed_kt", "track_deg"):
            ring[name][slot, pos] = rows[name]
        ring["onground"][slot, pos] = rows["onground"]
        ring["source"][slot, pos] = rows["source"]
        lr = _last_of_runs(slot)
        s = slot[lr]
        written = np.minimum(count[lr], k)
        col["trail_head"][s] = (col["trail_head"][s] + written) % k
        col["trail_count"][s] = np.minimum(col["trail_count"][s] + written, k)

    def _update_fields(self, b: _Rows, decoded: Any) -> None:
        col = self._state.col
        filled = _filled(decoded)
        for name, state_name, time_name in _FIELD_UPDATES:
            if name not in filled:
                continue
            values = decoded[name]
            if values.dtype.kind == "f":
                # gather first: NaN marks absence, no full-length mask needed
                here = values[b.di]
                self._set_last(b, ~np.isnan(here), state_name, here, time_name, aligned=True)
            else:
                self._set_last(b, decoded.mask(name)[b.di], state_name, values, time_name)
        valid = decoded["onground"][b.di] >= 0
        if valid.any():
            self._set_last(b, valid, "onground", decoded["onground"])
        # vertical rate: barometric or GNSS by its source bit
        if "vertical_rate_fpm" in filled:
            valid = decoded.mask("vertical_rate_fpm")[b.di]
            baro = decoded["vertical_rate_source"][b.di] == 1
            rate = decoded["vertical_rate_fpm"]
            self._set_last(b, valid & baro, "baro_rate_fpm", rate, "rate_time_s")
            self._set_last(b, valid & ~baro, "geom_rate_fpm", rate, "rate_time_s")
        # GNSS altitude from TC19's GNSS-minus-baro difference when no TC20-22 position
        # gives it directly (readsb does the same)
        if "geo_minus_baro_ft" in filled:
            delta = decoded["geo_minus_baro_ft"][b.di]
            idx = np.flatnonzero(~np.isnan(delta))
            if idx.size:
                last = idx[_last_of_runs(b.slot[idx])]
                s = b.slot[last]
                col["geo_minus_baro_ft"][s] = delta[last]
                col["geo_minus_baro_time_s"][s] = b.time_s[last]
                alt = col["alt_baro_ft"][s] + delta[last]
                known = ~np.isnan(alt)
                col["alt_geom_ft"][s[known]] = alt[known]
                col["alt_geom_time_s"][s[known]] = b.time_s[last][known]
        # Comm-B 6,0 heading is magnetic whatever the ES heading reference says
        if "heading_deg" in filled:
            valid = ~np.isnan(decoded["heading_deg"][b.di])
            self._set_last(b, valid, "heading_commb", decoded["df"] >= 20)
        # heading reference (TC31 HRD): 0 true north, 1 magnetic north
        if "hrd" in filled:
            valid = decoded.mask("hrd")[b.di]
            self._set_last(b, valid, "heading_magnetic", decoded["hrd"])

    def _set_last(
        self,
        b: _Rows,
        valid: npt.NDArray[np.bool_],
        state_name: str,
        values: npt.NDArray[Any],
        time_name: str = "",
        aligned: bool = False,
    ) -> None:
        """Set ``state_name`` of each aircraft to its last valid value of the batch.

        ``values`` is the decoded column, or (``aligned``) already gathered at ``b``'s rows.
        """
        idx = np.flatnonzero(valid)
        if idx.size == 0:
            return
        last = idx[_last_of_runs(b.slot[idx])]
        s = b.slot[last]
        self._state.col[state_name][s] = values[last] if aligned else values[b.di[last]]
        if time_name:
            self._state.col[time_name][s] = b.time_s[last]


# decoded column -> state column, time column set with it ("" none)
_FIELD_UPDATES: Final = (
    ("altitude_ft", "alt_baro_ft", "alt_baro_time_s"),
    ("geo_altitude_ft", "alt_geom_ft", "alt_geom_time_s"),
    ("groundspeed_kt", "groundspeed_kt", "velocity_time_s"),
    ("track_deg", "track_deg", "velocity_time_s"),
    ("ias_kt", "ias_kt", "air_time_s"),
    ("tas_kt", "tas_kt", "air_time_s"),
    ("mach", "mach", "air_time_s"),
    ("heading_deg", "heading_deg", "air_time_s"),
    ("nav_qnh_hpa", "nav_qnh_hpa", "nav_time_s"),
    ("nav_altitude_mcp_ft", "nav_altitude_mcp_ft", "nav_time_s"),
    ("nav_altitude_fms_ft", "nav_altitude_fms_ft", "nav_time_s"),
    ("nav_heading_deg", "nav_heading_deg", "nav_time_s"),
    ("callsign", "callsign", "callsign_time_s"),
    ("category", "category", ""),
    ("squawk", "squawk", "squawk_time_s"),
    ("emergency_state", "emergency_state", ""),
    ("spi", "spi", ""),
    ("alert", "alert", ""),
    ("version", "version", ""),
    ("nic", "nic", ""),
    ("nac_p", "nac_p", ""),
    ("sil", "sil", ""),
    ("gva", "gva", ""),
    ("sda", "sda", ""),
)


def _addresses(
    decoded: Any, rows: npt.NDArray[np.intp]
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[Any]]:
    """(address, DF) of ``rows``; non-ICAO DF18 addresses get bit 24 set."""
    icao = decoded["icao"][rows].astype(np.uint32)
    df = decoded["df"][rows]
    if "non_icao_address" in decoded:
        anon = decoded["non_icao_address"][rows] & (df == 18)
        icao = np.where(anon, icao | _NON_ICAO_FLAG, icao).astype(np.uint32)
    return icao, df


def _filled(decoded: Any) -> frozenset[str]:
    """Columns some row of the batch filled (all known columns when the batch cannot say)."""
    names = getattr(decoded, "filled_names", None)
    if names is None:
        names = [name for name, _, _ in _FIELD_UPDATES if name in decoded]
    return frozenset(names)
