"""The simulation loop: traffic state -> transmitted replies -> frames heard by receivers.

Owns the per-tick work, all vectorized over aircraft and frames:

1. ``traffic.state(t)`` for every active aircraft;
2. which replies each aircraft transmits in [t, t + dt): evenly spaced at fixed rates with a
   per-aircraft phase (``RATES_PER_S``: airborne position 2/s alternating even/odd CPR,
   velocity 2/s, identification 0.2/s, aircraft status 0.2/s, operational status 0.2/s,
   target state 0.4/s, DF11 squitter 1/s, and interrogation replies DF4 0.5/s, DF5 0.2/s,
   DF20 0.4/s cycling BDS 2,0/4,0/5,0/6,0, DF21 0.1/s; on the ground: surface position 2/s
   when moving and 0.2/s when still, identification, DF11, DF4/DF5 with flight status 1);
   each reply is sent at a random instant in the tick, the position moved along the track to
   that instant;
3. encoding every reply with ``skytrace.encode`` (one call per kind per tick);
4. fan-out to the receivers in range (pairs refreshed every ``pairs_every_s``), with
   propagation delay, signal level, loss, bit errors and each receiver's 12 MHz clock;
5. one ``FrameBatch`` per tick, sorted by arrival time.

Receiver ``i`` of the network is index ``i + 1`` in ``FrameBatch.receiver`` (0 stays
"unknown"). Deterministic for a seed; not thread-safe.

For multilateration (``mode_s_only``, ``keep_truth``): the aircraft whose addresses are in
``mode_s_only`` send no extended squitter at all (no ADS-B position, velocity or identity),
only DF11 acquisition squitters and the DF4/5/20/21 replies; with ``keep_truth`` every reply
they send is recorded with its transmit time and true position (``truth()``), so that MLAT
fixes can be compared with where the aircraft really was. With both off the output is
unchanged (no extra random draws).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final, Protocol

import numpy as np
import numpy.typing as npt

from skytrace import encode
from skytrace.encode.frames import Messages
from skytrace.model import FrameBatch, FrameKind
from skytrace.simulate.radio import Pairs, ReceiverNetwork
from skytrace.simulate.traffic import Kinematics, TrafficState

__all__ = ["RATES_PER_S", "TRUTH_DTYPE", "FrameGenerator", "GeneratorStats", "TrafficLike"]

TRUTH_DTYPE: Final = np.dtype(
    [
        ("icao24", np.uint32),
        ("time_s", np.float64),  # transmit time, UTC epoch seconds
        ("lat", np.float64),
        ("lon", np.float64),
        ("altitude_ft", np.float64),
        ("df", np.uint8),
    ]
)
"""Where a Mode-S-only aircraft was when it sent each reply (``FrameGenerator.truth``)."""

_TRUTH_DF: Final = {"df4": 4, "df5": 5, "df20": 20, "df21": 21, "df11": 11}

RATES_PER_S: Final = {
    "position": 2.0,
    "velocity": 2.0,
    "identification": 0.2,
    "status": 0.2,
    "opstatus": 0.2,
    "target": 0.4,
    "df11": 1.0,
    "df4": 0.5,
    "df5": 0.2,
    "df20": 0.4,
    "df21": 0.1,
    "surface_still": 0.2,
}

_EMERGENCY: Final = {7700: 1, 7600: 4, 7500: 5}


class TrafficLike(Protocol):
    def state(self, t_s: float) -> TrafficState: ...

    def sample(
        self, aircraft: npt.NDArray[np.int64], t_s: npt.NDArray[np.float64]
    ) -> Kinematics: ...


@dataclass(slots=True)
class GeneratorStats:
    ticks: int = 0
    transmitted: int = 0
    frames: int = 0
    lost: int = 0
    bit_errors: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class _Sent:
    """Replies transmitted in one tick: their messages, sender row and send time."""

    parts: list[Messages] = field(default_factory=list)
    rows: list[npt.NDArray[np.int64]] = field(default_factory=list)
    times: list[npt.NDArray[np.float64]] = field(default_factory=list)
    at: list[Kinematics] = field(default_factory=list)  # where the sender was, per reply


@dataclass(slots=True)
class _Picked:
    """Replies of one kind in one tick: sender row, sequence number, time, kinematics there."""

    rows: npt.NDArray[np.int64]
    seq: npt.NDArray[np.int64]
    time_s: npt.NDArray[np.float64]
    at: Kinematics


class FrameGenerator:
    """Turns traffic into frames heard by a receiver network, one tick at a time."""

    def __init__(
        self,
        traffic: TrafficLike,
        network: ReceiverNetwork,
        rng: np.random.Generator,
        *,
        tick_s: float = 2.0,
        pairs_every_s: float = 5.0,
        replies: bool = True,
        jitter_s: float = 0.05,
        mode_s_only: frozenset[int] = frozenset(),
        keep_truth: bool = False,
    ) -> None:
        self.traffic = traffic
        self.network = network
        self.rng = rng
        self.tick_s = tick_s
        self.pairs_every_s = pairs_every_s
        self.replies = replies
        self.jitter_s = jitter_s
        self.stats = GeneratorStats()
        self.mode_s_only = np.array(sorted(mode_s_only), np.uint32)
        self.keep_truth = keep_truth
        self._truth: list[npt.NDArray[np.void]] = []
        self.receiver_names = {i + 1: name for i, name in enumerate(network.names)}
        self._pairs: Pairs | None = None
        self._pairs_rows: npt.NDArray[np.int64] = np.zeros(0, np.int64)
        self._pairs_time = -np.inf

    def run(self, start_s: float, end_s: float) -> Iterator[FrameBatch]:
        """Batches for every tick from ``start_s`` up to ``end_s``."""
        n_ticks = int(np.ceil((end_s - start_s) / self.tick_s))
        for k in range(n_ticks):
            yield self.tick(start_s + k * self.tick_s)

    def _phase(self, icao24: npt.NDArray[np.uint32], salt: int) -> npt.NDArray[np.float64]:
        # A fixed fraction per aircraft and kind so that replies are spread, not simultaneous.
        mixed = (icao24.astype(np.uint64) * np.uint64(2654435761) + np.uint64(salt * 40503)) % 1000
        return np.asarray(mixed / 1000.0, np.float64)

    def _pick(
        self, st: TrafficState, t0: float, kind: str, salt: int, mask: npt.NDArray[np.bool_]
    ) -> _Picked:
        """Replies of ``kind`` sent in [t0, t0 + tick): the k-th at (k - phase) / rate + jitter."""
        rate = RATES_PER_S[kind]
        phase = self._phase(st.icao24, salt)
        first = np.floor(t0 * rate + phase).astype(np.int64) + 1
        last = np.floor((t0 + self.tick_s) * rate + phase).astype(np.int64)
        counts = np.where(mask, np.maximum(last - first + 1, 0), 0)
        rows = np.repeat(np.arange(len(st)), counts)
        within = np.arange(rows.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
        seq = first[rows] + within
        jitter = self.rng.uniform(-self.jitter_s, self.jitter_s, rows.shape[0])
        # Sent at least 4 ms before the tick ends: with propagation (< 3.4 ms for 1,000 km)
        # every frame of this tick still arrives before any frame of the next one.
        time_s = np.clip((seq - phase[rows]) / rate + jitter, t0, t0 + self.tick_s - 0.004)
        at = self.traffic.sample(st.aircraft[rows], time_s)
        return _Picked(rows, seq, time_s, at)

    def truth(self) -> npt.NDArray[np.void]:
        """TRUTH_DTYPE rows of every reply of a Mode-S-only aircraft so far (``keep_truth``)."""
        if not self._truth:
            return np.zeros(0, TRUTH_DTYPE)
        return np.concatenate(self._truth)

    def _record_truth(self, st: TrafficState, kind: str, p: _Picked) -> None:
        icao = st.icao24[p.rows]
        mine = np.isin(icao, self.mode_s_only)
        if not mine.any():
            return
        rows = np.zeros(int(mine.sum()), TRUTH_DTYPE)
        rows["icao24"] = icao[mine]
        rows["time_s"] = p.time_s[mine]
        rows["lat"] = p.at.lat[mine]
        rows["lon"] = p.at.lon[mine]
        rows["altitude_ft"] = p.at.altitude_ft[mine]
        rows["df"] = _TRUTH_DF[kind]
        self._truth.append(rows)

    def _emit(self, sent: _Sent, kind: str, msgs: Messages, p: _Picked) -> None:
        if p.rows.shape[0] == 0:
            return
        sent.parts.append(msgs)
        sent.rows.append(p.rows)
        sent.times.append(p.time_s)
        sent.at.append(p.at)
        self.stats.by_kind[kind] = self.stats.by_kind.get(kind, 0) + int(p.rows.shape[0])

    def _transmit(self, st: TrafficState, t0: float) -> _Sent:
        sent = _Sent()
        # extended squitters only from aircraft with ADS-B (all of them unless mode_s_only)
        es = ~np.isin(st.icao24, self.mode_s_only)
        air = ~st.onground & es
        everyone = np.ones(len(st), bool)
        ca = np.where(st.onground, 4, 5)

        p = self._pick(st, t0, "position", 1, air)
        msgs = encode.airborne_position(
            st.icao24[p.rows], p.at.lat, p.at.lon, p.at.altitude_ft, p.seq % 2 == 1
        )
        self._emit(sent, "airborne_position", msgs, p)

        moving = st.onground & (st.groundspeed_kt > 1.0) & es
        for kind, salt, mask in (
            ("position", 2, moving),
            ("surface_still", 3, st.onground & ~moving & es),
        ):
            p = self._pick(st, t0, kind, salt, mask)
            msgs = encode.surface_position(
                st.icao24[p.rows],
                p.at.lat,
                p.at.lon,
                p.at.groundspeed_kt,
                p.at.track_deg,
                p.seq % 2 == 1,
            )
            self._emit(sent, "surface_position", msgs, p)

        p = self._pick(st, t0, "velocity", 4, air)
        msgs = encode.airborne_velocity(
            st.icao24[p.rows], p.at.groundspeed_kt, p.at.track_deg, p.at.vertical_rate_fpm
        )
        self._emit(sent, "velocity", msgs, p)

        p = self._pick(st, t0, "identification", 5, es)
        msgs = encode.identification(
            st.icao24[p.rows], st.callsign[p.rows], category=st.category[p.rows], ca=ca[p.rows]
        )
        self._emit(sent, "identification", msgs, p)

        p = self._pick(st, t0, "status", 6, air)
        squawk = st.squawk[p.rows]
        emergency = np.zeros(squawk.shape[0], np.int64)
        for code, state in _EMERGENCY.items():
            emergency[squawk == code] = state
        self._emit(
            sent,
            "aircraft_status",
            encode.aircraft_status(st.icao24[p.rows], squawk, emergency=emergency),
            p,
        )

        p = self._pick(st, t0, "opstatus", 7, air)
        self._emit(sent, "operational_status", encode.operational_status(st.icao24[p.rows]), p)

        p = self._pick(st, t0, "target", 8, air)
        selected = np.round(p.at.altitude_ft / 1000.0) * 1000.0
        msgs = encode.target_state(st.icao24[p.rows], selected, 1013.2, p.at.track_deg)
        self._emit(sent, "target_state", msgs, p)

        p = self._pick(st, t0, "df11", 9, everyone)
        self._emit(sent, "df11", encode.all_call(st.icao24[p.rows], ca=ca[p.rows]), p)
        if self.keep_truth:
            self._record_truth(st, "df11", p)

        if self.replies:
            self._replies(sent, st, t0)
        return sent

    def _replies(self, sent: _Sent, st: TrafficState, t0: float) -> None:
        everyone = np.ones(len(st), bool)
        p = self._pick(st, t0, "df4", 10, everyone)
        msgs = encode.surveillance_altitude(
            st.icao24[p.rows], p.at.altitude_ft, flight_status=p.at.onground.astype(np.int64)
        )
        self._emit(sent, "df4", msgs, p)
        if self.keep_truth:
            self._record_truth(st, "df4", p)

        p = self._pick(st, t0, "df5", 11, everyone)
        msgs = encode.surveillance_identity(
            st.icao24[p.rows], st.squawk[p.rows], flight_status=p.at.onground.astype(np.int64)
        )
        self._emit(sent, "df5", msgs, p)
        if self.keep_truth:
            self._record_truth(st, "df5", p)

        air = ~st.onground
        p = self._pick(st, t0, "df20", 12, air)
        # Ground stations ask for one register at a time; cycle through the four we model.
        register = p.seq % 4
        at = p.at
        selected = np.round(at.altitude_ft / 1000.0) * 1000.0
        mb = np.select(
            [register == 0, register == 1, register == 2],
            [
                encode.bds20(st.callsign[p.rows]),
                encode.bds40(selected, selected, 1013.2),
                encode.bds50(0.0, at.track_deg, at.groundspeed_kt, 0.0, at.groundspeed_kt),
            ],
            encode.bds60(
                at.track_deg,
                at.groundspeed_kt * 0.6,
                at.groundspeed_kt / 600.0,
                at.vertical_rate_fpm,
                at.vertical_rate_fpm,
            ),
        )
        self._emit(sent, "df20", encode.commb_altitude(st.icao24[p.rows], at.altitude_ft, mb), p)
        if self.keep_truth:
            self._record_truth(st, "df20", p)

        p = self._pick(st, t0, "df21", 13, air)
        msgs = encode.commb_identity(
            st.icao24[p.rows], st.squawk[p.rows], encode.bds20(st.callsign[p.rows])
        )
        self._emit(sent, "df21", msgs, p)
        if self.keep_truth:
            self._record_truth(st, "df21", p)

    def tick(self, t0: float) -> FrameBatch:
        """All frames heard in [t0, t0 + tick_s)."""
        st = self.traffic.state(t0)
        self.stats.ticks += 1
        if len(st) == 0:
            return self._empty()
        if (
            self._pairs is None
            or t0 - self._pairs_time >= self.pairs_every_s
            or not np.array_equal(self._pairs_rows, st.aircraft)
        ):
            self._pairs = self.network.pairs(st.lat, st.lon, st.altitude_ft)
            self._pairs_rows = st.aircraft.copy()
            self._pairs_time = t0
        pairs = self._pairs
        sent = self._transmit(st, t0)
        if not sent.parts:
            return self._empty()
        msgs = Messages.concat(sent.parts)
        rows = np.concatenate(sent.rows)
        t_tx = np.concatenate(sent.times)
        self.stats.transmitted += len(msgs)

        counts = pairs.count[rows]
        msg_idx = np.repeat(np.arange(rows.shape[0]), counts)
        within = np.arange(msg_idx.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
        pair = np.repeat(pairs.start[rows], counts) + within
        rx = pairs.receiver[pair]
        dist = pairs.distance_km[pair]
        signal = self.network.signal_dbfs(dist, self.rng)
        keep = ~self.network.lost(signal, self.rng)
        self.stats.lost += int((~keep).sum())
        msg_idx, rx, dist, signal = msg_idx[keep], rx[keep], dist[keep], signal[keep]

        n = msg_idx.shape[0]
        if self.network.slant_range:
            lat = np.concatenate([a.lat for a in sent.at])[msg_idx]
            lon = np.concatenate([a.lon for a in sent.at])[msg_idx]
            alt = np.concatenate([a.altitude_ft for a in sent.at])[msg_idx]
            time_s = t_tx[msg_idx] + self.network.slant_propagation_s(rx, lat, lon, alt)
        else:
            time_s = t_tx[msg_idx] + self.network.propagation_s(dist)
        order = np.argsort(time_s, kind="stable")
        msg_idx, rx, signal, time_s = msg_idx[order], rx[order], signal[order], time_s[order]
        payload = msgs.payload[msg_idx]
        length = msgs.length[msg_idx]
        self._bit_errors(payload, length)
        self.stats.frames += n
        return FrameBatch(
            time_s=time_s,
            receiver=(rx + 1).astype(np.uint32),
            receiver_ticks=self.network.ticks(rx, time_s, self.rng),
            signal_dbfs=signal.astype(np.float32),
            kind=np.full(n, FrameKind.MODE_S, np.uint8),
            length=length,
            payload=payload,
            receivers=self.receiver_names,
        )

    def _bit_errors(self, payload: npt.NDArray[np.uint8], length: npt.NDArray[np.uint8]) -> None:
        n = payload.shape[0]
        if n == 0 or self.network.bit_error_rate <= 0:
            return
        hit = np.flatnonzero(self.rng.random(n) < self.network.bit_error_rate)
        bit = (self.rng.random(hit.shape[0]) * length[hit].astype(np.float64) * 8).astype(np.int64)
        payload[hit, bit // 8] ^= (np.uint8(0x80) >> (bit % 8).astype(np.uint8)).astype(np.uint8)
        self.stats.bit_errors += int(hit.shape[0])

    def _empty(self) -> FrameBatch:
        batch = FrameBatch.empty(0)
        batch.receivers = self.receiver_names
        return batch
