"""What the HTTP API and the pages see of the live pipeline: the LiveView seam.

This module owns the read-only shapes that cross from the pipeline thread to the readers
(skytrace.api, skytrace.web, benchmarks): ``LiveSnapshot`` (an immutable picture of every
aircraft tracked now), ``LiveAircraft`` (one aircraft in full detail, with the whole current
flight's track), ``LIVE_AIRCRAFT_DTYPE`` (the compact per-aircraft row) and the ``LiveView``
Protocol that skytrace.live.runtime.LiveRuntime implements.

Readers never touch the tracker or the flight detector: the pipeline thread publishes a new
snapshot (at most about once a second, plus on demand), and readers take the latest one with
a reference read. Every array in a snapshot is read-only (``flags.writeable`` is False) and
the snapshot is a frozen dataclass, so it can be shared by any number of threads.

Times are UTC epoch seconds. ``now_s`` is the live clock: the time of the latest data,
advanced by the wall clock while no frames arrive, so that aircraft age and disappear.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from skytrace.model import POSITION_DTYPE, AircraftIdentity, Event, Flight, ReceiverStats

if TYPE_CHECKING:
    from skytrace.track.snapshot import AircraftState

__all__ = [
    "LIVE_AIRCRAFT_DTYPE",
    "LiveAircraft",
    "LiveSnapshot",
    "LiveView",
    "empty_live_aircraft",
    "frozen_array",
]

LIVE_AIRCRAFT_DTYPE: Final = np.dtype(
    [
        ("icao24", np.uint32),  # 24-bit address; bit 24 set for non-ICAO (TIS-B) addresses
        ("lat", np.float64),  # degrees WGS84, NaN when no recent position
        ("lon", np.float64),  # degrees WGS84, NaN when no recent position
        ("altitude_ft", np.float32),  # barometric, NaN unknown
        ("onground", np.int8),  # -1 unknown, 0 airborne, 1 on ground
        ("groundspeed_kt", np.float32),  # NaN unknown
        ("track_deg", np.float32),  # true track over ground, NaN unknown
        ("vertical_rate_fpm", np.float32),  # barometric (else geometric) rate, NaN unknown
        ("callsign", "S8"),  # b"" unknown
        ("squawk", np.uint16),  # the four octal digits read as decimal, e.g. 7700; 0 = none
        ("category", "S2"),  # emitter category, e.g. b"A3"; b"" unknown
        ("source", np.uint8),  # skytrace.model.Source of the latest message
        ("last_seen_s", np.float64),  # latest message, UTC epoch seconds
        ("last_position_s", np.float64),  # latest position, NaN when none
        ("n_receivers", np.uint16),  # receivers that heard the latest message
        ("type_code", "S4"),  # ICAO type designator from reference data, b"" unknown
        ("registration", "S10"),  # from reference data, b"" unknown
        ("operator", "S3"),  # ICAO operator designator (callsign or aircraft db), b"" unknown
        ("military", np.bool_),  # reference data says military
        ("emergency", np.uint8),  # 0 none, else the ES emergency state (1 general ... 6 downed)
    ]
)
"""One row per aircraft tracked now, in a LiveSnapshot. Compact: about 100 bytes a row."""


def empty_live_aircraft(n: int = 0) -> npt.NDArray[np.void]:
    """``n`` LIVE_AIRCRAFT_DTYPE rows with unknown values (NaN, b"", 0, onground -1)."""
    rows = np.zeros(n, LIVE_AIRCRAFT_DTYPE)
    for name in ("lat", "lon", "altitude_ft", "groundspeed_kt", "track_deg", "vertical_rate_fpm"):
        rows[name] = np.nan
    rows["last_position_s"] = np.nan
    rows["onground"] = -1
    return rows


def frozen_array(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``values`` marked read-only (in place) and returned: safe to share between threads."""
    values.flags.writeable = False
    return values


@dataclass(frozen=True)
class LiveSnapshot:
    """The live picture at one moment; immutable and shared by every reader.

    ``aircraft`` holds one LIVE_AIRCRAFT_DTYPE row per aircraft tracked at ``now_s`` (departed
    aircraft are gone), sorted by icao24, read-only. ``document`` is the readsb/tar1090
    aircraft.json document of the same moment (treat it as read-only). ``version`` grows by
    one with every publish.

    ``document`` may be given as a zero-argument function instead of the dict: it is then
    built on first access, once, in the thread that first reads it (LiveRuntime does this:
    at 25,000 aircraft the document costs far more than the rest of a publish, and most
    snapshots are never asked for it).
    """

    now_s: float  # the live clock, UTC epoch seconds
    wall_s: float  # wall-clock time of the publish
    version: int
    aircraft: npt.NDArray[np.void]
    document: dict[str, Any]
    receivers: list[ReceiverStats] = field(default_factory=list)
    open_flights: list[Flight] = field(default_factory=list)
    # receiver index -> what multilateration knows of it (ReceiverSyncState.as_json); empty
    # when MLAT is off
    mlat_receivers: dict[int, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if callable(self.document):
            builder = self.document
            object.__delattr__(self, "document")  # read through __getattr__ until built
            object.__setattr__(self, "_document_builder", builder)
            object.__setattr__(self, "_document_lock", threading.Lock())

    def __getattr__(self, name: str) -> Any:
        # only reached when ``document`` is not built yet (or for unknown names)
        if name != "document" or "_document_builder" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        with self.__dict__["_document_lock"]:
            if "document" not in self.__dict__:
                object.__setattr__(self, "document", self.__dict__["_document_builder"]())
        return self.__dict__["document"]


@dataclass(frozen=True, slots=True)
class LiveAircraft:
    """One aircraft in full detail, as of the latest published moment.

    ``track`` holds the POSITION_DTYPE rows of the whole current flight (or, when no flight
    is open, the rows the flight detector keeps for the aircraft since its last cut), time
    ordered, read-only.
    """

    state: AircraftState
    identity: AircraftIdentity | None
    flight: Flight | None
    track: npt.NDArray[np.void] = field(
        default_factory=lambda: frozen_array(np.empty(0, POSITION_DTYPE))
    )
    receiver_ids: list[int] = field(default_factory=list)


@runtime_checkable
class LiveView(Protocol):
    """The live pipeline as readers see it. Every method is safe to call from any thread
    and returns quickly (no method waits for the pipeline to process a batch)."""

    def snapshot(self) -> LiveSnapshot:
        """The latest published snapshot (a reference read)."""
        ...

    def aircraft(self, icao24: int) -> LiveAircraft | None:
        """One aircraft in full detail, or None when it is not tracked now."""
        ...

    def events_since(self, seq: int, limit: int = 1000) -> tuple[list[tuple[int, Event]], int]:
        """Events with sequence number >= ``seq`` (at most ``limit``), and the next ``seq``.

        Sequence numbers start at 0 and grow by one per event. The buffer is bounded: when
        ``seq`` is older than the oldest event kept, the answer starts at the oldest kept
        (``stats()["events_dropped"]`` counts what was dropped). Pass the returned next
        ``seq`` to the following call.
        """
        ...

    async def wait(self, version: int, timeout_s: float) -> int:
        """Wait until a snapshot newer than ``version`` (or an event) is published, or
        ``timeout_s`` passes; returns the latest snapshot version. Does not block the loop."""
        ...

    def stats(self) -> dict[str, Any]:
        """Ingest counters: frames, batches, queue_depth, queue_full (back-pressure pauses),
        lag_s, events, events_dropped, snapshot_version, store ("writing" / "off" /
        "failing: message"), errors."""
        ...
