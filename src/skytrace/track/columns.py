"""Aircraft state as numpy columns indexed by a slot, plus the address -> slot index.

One Python object per aircraft costs ~1-2 KB before it holds any value; 25,000 aircraft as
columns cost a few hundred bytes each. ``StateColumns`` owns:

- the column arrays (one per field, length = capacity, grown by doubling),
- the sorted address index (``icao`` sorted + slot) used with ``np.searchsorted`` so a batch
  maps its addresses to slots in one call,
- the free list of slots released by expiry.

Column names carry units like the rest of skytrace. Float columns use NaN for unknown, integer
columns a sentinel given in the spec. A dtype with a shape (``"(8,)u4"``) makes a 2-D column
(capacity x 8): the per-aircraft receiver table. Not thread-safe: owned by one Tracker.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt

__all__ = ["COLUMN_SPECS", "RECEIVER_SLOTS", "StateColumns"]

_NAN: Final = float("nan")
RECEIVER_SLOTS: Final = 8  # receivers remembered per aircraft (8 x 12 bytes)

# name -> (dtype, fill value for an empty slot)
COLUMN_SPECS: Final[dict[str, tuple[str, object]]] = {
    "icao24": ("u4", 0),
    "live": ("?", False),
    "first_seen_s": ("f8", _NAN),
    "last_seen_s": ("f8", _NAN),
    "messages": ("u4", 0),
    "confirmed": ("?", False),  # address confirmed by a DF11/17/18 reply with CRC ok
    "source": ("u1", 5),  # Source of the aircraft (best recent), MODE_S until better
    "rssi_dbfs": ("f4", _NAN),
    "n_receivers": ("u2", 0),
    # receivers that heard the aircraft recently: RECEIVER_SLOTS (receiver, last heard) pairs,
    # NaN time = empty entry (see receivers.merge_recent)
    "recv_id": (f"({RECEIVER_SLOTS},)u4", 0),
    "recv_time_s": (f"({RECEIVER_SLOTS},)f8", _NAN),
    # identity / transponder
    "callsign": ("S8", b""),
    "callsign_time_s": ("f8", _NAN),
    "category": ("U2", ""),  # emitter category as readsb prints it ("A3"), "" unknown
    "squawk": ("i2", -1),  # 4 octal digits as decimal, -1 unknown
    "squawk_time_s": ("f8", _NAN),
    "emergency_state": ("i1", -1),
    "spi": ("?", False),
    "alert": ("?", False),
    "version": ("i1", -1),
    # altitude and motion
    "alt_baro_ft": ("f4", _NAN),
    "alt_baro_time_s": ("f8", _NAN),
    "alt_geom_ft": ("f4", _NAN),
    "alt_geom_time_s": ("f8", _NAN),
    "geo_minus_baro_ft": ("f4", _NAN),  # TC19's GNSS-minus-baro difference, latest
    "geo_minus_baro_time_s": ("f8", _NAN),
    "onground": ("i1", -1),
    "groundspeed_kt": ("f4", _NAN),
    "track_deg": ("f4", _NAN),
    "velocity_time_s": ("f8", _NAN),
    "ias_kt": ("f4", _NAN),
    "tas_kt": ("f4", _NAN),
    "mach": ("f4", _NAN),
    "heading_deg": ("f4", _NAN),
    "heading_magnetic": ("?", True),  # TC31 HRD; magnetic until an aircraft says true north
    "heading_commb": ("?", False),  # the last heading came from Comm-B 6,0 (always magnetic)
    "air_time_s": ("f8", _NAN),
    "baro_rate_fpm": ("f4", _NAN),
    "geom_rate_fpm": ("f4", _NAN),
    "rate_time_s": ("f8", _NAN),
    # autopilot / navigation
    "nav_qnh_hpa": ("f4", _NAN),
    "nav_altitude_mcp_ft": ("f4", _NAN),
    "nav_altitude_fms_ft": ("f4", _NAN),
    "nav_heading_deg": ("f4", _NAN),
    "nav_time_s": ("f8", _NAN),
    # accuracy / integrity
    "nic": ("i1", -1),
    "nac_p": ("i1", -1),
    "sil": ("i1", -1),
    "gva": ("i1", -1),
    "sda": ("i1", -1),
    # last accepted (reliable) position: the reference of local decoding and plausibility
    "pos_valid": ("?", False),
    "pos_lat": ("f8", _NAN),
    "pos_lon": ("f8", _NAN),
    "pos_time_s": ("f8", _NAN),
    "pos_alt_ft": ("f4", _NAN),
    "pos_surface": ("?", False),
    "pos_source": ("u1", 5),
    "pos_nic": ("i1", -1),
    "reject_run": ("u1", 0),  # rejections in a row since the last accepted position
    # last CPR halves (carried across batches for global pairing)
    "even_lat17": ("i4", -1),
    "even_lon17": ("i4", -1),
    "even_time_s": ("f8", _NAN),
    "even_surface": ("?", False),
    "odd_lat17": ("i4", -1),
    "odd_lon17": ("i4", -1),
    "odd_time_s": ("f8", _NAN),
    "odd_surface": ("?", False),
    # trail ring position
    "trail_head": ("u2", 0),
    "trail_count": ("u2", 0),
    "trail_last_s": ("f8", _NAN),
}

TRAIL_DTYPE: Final = np.dtype(
    [
        ("time_s", "f8"),
        ("lat", "f8"),
        ("lon", "f8"),
        ("altitude_ft", "f4"),
        ("groundspeed_kt", "f4"),
        ("track_deg", "f4"),
        ("onground", "?"),
        ("source", "u1"),
    ]
)


class StateColumns:
    """Column arrays of aircraft state, the sorted address index and the free slots."""

    def __init__(self, capacity: int, trail_points: int) -> None:
        self.capacity = 0
        self.trail_points = trail_points
        self.col: dict[str, npt.NDArray[Any]] = {
            name: np.empty(0, dtype) for name, (dtype, _) in COLUMN_SPECS.items()
        }
        self.trail = np.zeros((0, trail_points), TRAIL_DTYPE)
        self.index_icao = np.empty(0, np.uint32)  # sorted addresses of live slots
        self.index_slot = np.empty(0, np.int32)
        self.free: list[int] = []
        self.n_live = 0
        self._grow(capacity)

    def _grow(self, capacity: int) -> None:
        old = self.capacity
        for name, (dtype, fill) in COLUMN_SPECS.items():
            new = np.empty(capacity, dtype)
            new[:old] = self.col[name]
            new[old:] = fill
            self.col[name] = new
        trail = np.zeros((capacity, self.trail_points), TRAIL_DTYPE)
        trail[:old] = self.trail
        self.trail = trail
        # new slots are handed out lowest first
        self.free.extend(range(capacity - 1, old - 1, -1))
        self.capacity = capacity

    def lookup(self, icao: npt.NDArray[np.uint32]) -> npt.NDArray[np.int32]:
        """Slot of each address, -1 where the address is not tracked."""
        if self.index_icao.size == 0:
            return np.full(icao.shape, -1, np.int32)
        pos = np.searchsorted(self.index_icao, icao)
        pos = np.minimum(pos, self.index_icao.size - 1)
        found = self.index_icao[pos] == icao
        return np.where(found, self.index_slot[pos], -1).astype(np.int32)

    def add(self, icao: npt.NDArray[np.uint32], time_s: npt.NDArray[np.float64]) -> None:
        """Allocate slots for new (unique, untracked) addresses first seen at ``time_s``."""
        n = int(icao.size)
        if n == 0:
            return
        if n > len(self.free):
            self._grow(max(self.capacity * 2, self.capacity + n))
        slots = np.array([self.free.pop() for _ in range(n)], np.int32)
        for name, (_, fill) in COLUMN_SPECS.items():
            self.col[name][slots] = fill
        self.col["icao24"][slots] = icao
        self.col["live"][slots] = True
        self.col["first_seen_s"][slots] = time_s
        self.col["last_seen_s"][slots] = time_s
        self.n_live += n
        self._reindex(
            np.concatenate([self.index_icao, icao]), np.concatenate([self.index_slot, slots])
        )

    def remove(self, slots: npt.NDArray[np.int32]) -> None:
        """Release slots (expired aircraft); their values are reset when reused."""
        if slots.size == 0:
            return
        self.col["live"][slots] = False
        self.free.extend(int(s) for s in slots)
        self.n_live -= int(slots.size)
        keep = ~np.isin(self.index_slot, slots)
        self._reindex(self.index_icao[keep], self.index_slot[keep])

    def _reindex(self, icao: npt.NDArray[np.uint32], slots: npt.NDArray[np.int32]) -> None:
        order = np.argsort(icao, kind="stable")
        self.index_icao = icao[order]
        self.index_slot = slots[order]

    def live_slots(self) -> npt.NDArray[np.int32]:
        """Slots of tracked aircraft in address order."""
        return self.index_slot

    def nbytes(self) -> int:
        """Bytes held by state columns and the index (the trail is counted apart)."""
        total = sum(int(a.nbytes) for a in self.col.values())
        return total + int(self.index_icao.nbytes + self.index_slot.nbytes) + 8 * len(self.free)

    def trail_nbytes(self) -> int:
        return int(self.trail.nbytes)
