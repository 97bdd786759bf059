"""Building what the pipeline thread publishes: the snapshot and the detail behind it.

``publish`` runs in the pipeline thread, between batches, and reads the tracker and the
flight detector (which only that thread touches). It copies what readers need into
read-only objects — ``Published``: the LiveSnapshot, a StateCopy of every tracked aircraft,
the references to each aircraft's current-flight rows and the open flights — so that readers
in other threads answer from them without touching the pipeline.

Cost at 25,000 aircraft: one column copy, the compact rows, one identity lookup per new
(address, callsign) pair (``IdentityCache``). The aircraft.json document is not built here:
the snapshot builds it from the copy when a reader first asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from skytrace.live.view import LiveSnapshot, empty_live_aircraft, frozen_array
from skytrace.model import Flight, IdentityLookup, ReceiverStats
from skytrace.track.config import TrackerConfig
from skytrace.track.snapshot import StateCopy, build_document

__all__ = ["IdentityCache", "Published", "live_rows", "publish"]

_ICAO_MASK: Final = 0xFFFFFF
_SQUAWK_EMERGENCY: Final = {7500: 5, 7600: 4, 7700: 1}  # squawk -> ES emergency state


_IDENTITY_DTYPE: Final = np.dtype(
    [("type_code", "S4"), ("registration", "S10"), ("operator", "S3"), ("military", np.bool_)]
)


class IdentityCache:
    """Reference-data identity columns of the tracked aircraft, looked up once per
    (address, callsign) pair.

    Kept as arrays sorted by address, one entry per aircraft of the latest call: a publish
    finds every aircraft with one ``searchsorted`` and calls ``identify`` only for addresses
    new to the table or whose callsign changed. Used by the pipeline thread only.
    """

    def __init__(self, identities: IdentityLookup | None) -> None:
        self._identities = identities
        self._icao = np.empty(0, np.uint32)
        self._callsign = np.empty(0, "S8")
        self._columns = np.zeros(0, _IDENTITY_DTYPE)

    @property
    def lookup(self) -> IdentityLookup | None:
        """The reference data behind the cache (safe to use from any thread)."""
        return self._identities

    def columns(
        self, icao24: npt.NDArray[np.uint32], callsign: npt.NDArray[np.bytes_]
    ) -> npt.NDArray[np.void]:
        """Identity rows (type_code, registration, operator, military) for ``icao24``
        (ascending, unique) flying as ``callsign`` (S8), aligned with them."""
        n = icao24.size
        pos = np.minimum(np.searchsorted(self._icao, icao24), max(self._icao.size - 1, 0))
        if self._icao.size:
            hit = (self._icao[pos] == icao24) & (self._callsign[pos] == callsign)
            out = np.where(hit, self._columns[pos], np.zeros(1, _IDENTITY_DTYPE))
        else:
            hit = np.zeros(n, np.bool_)
            out = np.zeros(n, _IDENTITY_DTYPE)
        for i in np.flatnonzero(~hit).tolist():
            out[i] = self._identify(int(icao24[i]), callsign[i])
        # keep exactly the aircraft of this call (the table never outgrows the live picture)
        self._icao, self._callsign, self._columns = icao24.copy(), callsign.copy(), out.copy()
        return out

    def _identify(self, icao24: int, raw: bytes) -> tuple[bytes, bytes, bytes, bool]:
        if self._identities is None:
            return (b"", b"", b"", False)
        ident = self._identities.identify(
            icao24 & _ICAO_MASK, raw.decode("ascii", "replace").strip()
        )
        return (
            ident.typecode.encode("ascii", "replace")[:4],
            ident.registration.encode("ascii", "replace")[:10],
            ident.operator_icao.encode("ascii", "replace")[:3],
            bool(ident.military),
        )


def live_rows(
    state: StateCopy, now_s: float, cfg: TrackerConfig, identities: IdentityCache
) -> npt.NDArray[np.void]:
    """LIVE_AIRCRAFT_DTYPE rows of every aircraft in ``state`` (address order), read-only.

    Position fields are NaN when the latest position is older than ``position_stale_s``
    at ``now_s`` (as aircraft.json leaves lat/lon out then); ``last_position_s`` keeps it.
    """
    c = state.col
    n = len(state)
    rows = empty_live_aircraft(n)
    if n == 0:
        return frozen_array(rows)
    icao = c["icao24"]
    rows["icao24"] = icao
    has_pos = c["pos_valid"].astype(bool) & (now_s - c["pos_time_s"] <= cfg.position_stale_s)
    rows["lat"] = np.where(has_pos, c["pos_lat"], np.nan)
    rows["lon"] = np.where(has_pos, c["pos_lon"], np.nan)
    rows["last_position_s"] = np.where(c["pos_valid"].astype(bool), c["pos_time_s"], np.nan)
    rows["altitude_ft"] = c["alt_baro_ft"]
    rows["onground"] = c["onground"]
    rows["groundspeed_kt"] = c["groundspeed_kt"]
    rows["track_deg"] = c["track_deg"]
    baro = c["baro_rate_fpm"]
    rows["vertical_rate_fpm"] = np.where(np.isnan(baro), c["geom_rate_fpm"], baro)
    rows["callsign"] = c["callsign"]
    squawk = c["squawk"].astype(np.int64)
    rows["squawk"] = np.clip(squawk, 0, None)
    rows["category"] = c["category"].astype("S2")  # emitter categories are ASCII
    rows["source"] = c["source"]
    rows["last_seen_s"] = c["last_seen_s"]
    rows["n_receivers"] = c["n_receivers"]
    state_em = c["emergency_state"].astype(np.int64)
    emergency = np.clip(state_em, 0, 7)
    for code, value in _SQUAWK_EMERGENCY.items():
        emergency = np.where((state_em <= 0) & (squawk == code), value, emergency)
    rows["emergency"] = emergency
    ident = identities.columns(icao, c["callsign"])
    for name in _IDENTITY_DTYPE.names or ():
        rows[name] = ident[name]
    return frozen_array(rows)


@dataclass(frozen=True, slots=True)
class Published:
    """One publish: the snapshot and the read-only detail ``LiveView.aircraft`` answers from."""

    snapshot: LiveSnapshot
    state: StateCopy
    tracks: dict[int, tuple[npt.NDArray[np.void], ...]] = field(default_factory=dict)
    flights: dict[int, Flight] = field(default_factory=dict)  # open flight by address


def _mlat_receivers(runtime: Any, receivers: list[ReceiverStats]) -> dict[int, dict[str, Any]]:
    """What the MLAT stage knows of each receiver (read here, in the pipeline thread that
    changes it); empty when MLAT is off."""
    pipeline = getattr(runtime, "pipeline", None)
    mlat = getattr(pipeline, "mlat", None)
    if mlat is None:
        return {}
    names = {r.receiver: r.name for r in receivers}
    return {s.receiver: s.as_json() for s in mlat.receiver_states(names)}


def publish(
    runtime: Any,
    now_s: float,
    wall_s: float,
    version: int,
    receivers: list[ReceiverStats],
    identities: IdentityCache,
) -> Published:
    """Copy the live state of ``runtime`` (skytrace.app.Runtime) at ``now_s``; pipeline thread."""
    tracker = runtime.tracker
    state: StateCopy = tracker.copy_state()
    cfg: TrackerConfig = tracker.config
    messages = int(tracker.stats.messages)
    refdata = identities.lookup

    def document() -> dict[str, Any]:  # built from the copy, by the first reader that asks
        return build_document(state, now_s, messages, cfg, refdata)

    detector = runtime.flights
    open_flights: list[Flight] = detector.open_flights() if detector is not None else []
    tracks = detector.track_parts() if detector is not None else {}
    snapshot = LiveSnapshot(
        now_s=float(now_s),
        wall_s=float(wall_s),
        version=version,
        aircraft=live_rows(state, now_s, cfg, identities),
        document=document,
        receivers=list(receivers),
        open_flights=sorted(open_flights, key=lambda f: (f.first_seen_s, f.icao24)),
        mlat_receivers=_mlat_receivers(runtime, receivers),
    )
    return Published(
        snapshot=snapshot,
        state=state,
        tracks=tracks,
        flights={f.icao24: f for f in open_flights},
    )
