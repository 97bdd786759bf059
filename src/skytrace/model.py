"""Records that cross module lines: raw frame batches, position rows, events, flights.

This module owns the shapes that the stages of the pipeline hand to each other
(sources -> decode -> track -> flights -> store). It holds no logic beyond building,
slicing and joining those shapes, does no I/O and is safe to import anywhere.

Units are in the names; times are UTC epoch seconds (float64) everywhere inside skytrace.
"""

from __future__ import annotations

import enum
import math
import zlib
from dataclasses import dataclass, field
from typing import Final, Protocol

import numpy as np
import numpy.typing as npt

__all__ = [
    "MAX_FRAME_BYTES",
    "POSITION_DTYPE",
    "AircraftIdentity",
    "AirportCall",
    "Event",
    "EventKind",
    "Flight",
    "FrameBatch",
    "FrameKind",
    "IdentityLookup",
    "ReceiverStats",
    "Source",
    "empty_positions",
]

MAX_FRAME_BYTES: Final = 14
"""Longest Mode S reply (112 bits). Short replies (56 bits) use the first 7 bytes."""


class FrameKind(enum.IntEnum):
    """What kind of reply a raw frame carries (from the Beast type byte or the format)."""

    MODE_S = 0  # 56- or 112-bit Mode S reply
    MODE_AC = 1  # 2-byte Mode A/C reply
    MLAT = 2  # Mode S reply whose timestamp is the MLAT-result magic value (a computed position)


class Source(enum.IntEnum):
    """Where an aircraft's position or identity came from (readsb's "type" field)."""

    ADSB = 0  # DF17 extended squitter from a transponder
    ADSB_NT = 1  # DF18 CF=0/1: ADS-B from a non-transponder device
    ADSR = 2  # DF18 CF=6: ADS-B rebroadcast
    TISB = 3  # DF18 CF=2/3/5: TIS-B from ground radar
    MLAT = 4  # multilateration result
    MODE_S = 5  # Mode S replies only (no position of its own)
    OTHER = 6  # imported or otherwise unknown

    @property
    def label(self) -> str:
        """Name used in JSON and in aircraft.json's ``type`` field."""
        return _SOURCE_LABELS[self]


_SOURCE_LABELS: Final = {
    Source.ADSB: "adsb_icao",
    Source.ADSB_NT: "adsb_icao_nt",
    Source.ADSR: "adsr_icao",
    Source.TISB: "tisb_icao",
    Source.MLAT: "mlat",
    Source.MODE_S: "mode_s",
    Source.OTHER: "other",
}


@dataclass(slots=True)
class FrameBatch:
    """A batch of raw frames as numpy columns, aligned row by row.

    Columns (N rows):
      time_s            float64  arrival time, UTC epoch seconds
      receiver          uint32   receiver index (see ``receivers``; 0 when unknown)
      receiver_ticks    uint64   receiver's 12 MHz counter at reception; 0 when absent
      signal_dbfs       float32  signal level in dBFS; NaN when absent
      kind              uint8    FrameKind
      length            uint8    payload length in bytes: 2 (Mode A/C), 7 or 14
      payload           uint8    (N, 14) message bytes, left-aligned, zero padded

    ``receivers`` maps a receiver index to its name (feeder id); index 0 is "unknown"
    unless a source says otherwise. Batches are mutable containers but the stages never
    modify a batch they were given.
    """

    time_s: npt.NDArray[np.float64]
    receiver: npt.NDArray[np.uint32]
    receiver_ticks: npt.NDArray[np.uint64]
    signal_dbfs: npt.NDArray[np.float32]
    kind: npt.NDArray[np.uint8]
    length: npt.NDArray[np.uint8]
    payload: npt.NDArray[np.uint8]
    receivers: dict[int, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.time_s.shape[0])

    @classmethod
    def empty(cls, n: int = 0) -> FrameBatch:
        """A batch of ``n`` zeroed rows (signal NaN), for a producer to fill in place."""
        return cls(
            time_s=np.zeros(n, np.float64),
            receiver=np.zeros(n, np.uint32),
            receiver_ticks=np.zeros(n, np.uint64),
            signal_dbfs=np.full(n, np.nan, np.float32),
            kind=np.zeros(n, np.uint8),
            length=np.zeros(n, np.uint8),
            payload=np.zeros((n, MAX_FRAME_BYTES), np.uint8),
        )

    @classmethod
    def from_messages(
        cls,
        messages: list[bytes],
        time_s: npt.ArrayLike | None = None,
        receiver: int = 0,
    ) -> FrameBatch:
        """Build a batch from Mode S messages given as bytes (2, 7 or 14 long)."""
        n = len(messages)
        batch = cls.empty(n)
        for i, msg in enumerate(messages):
            size = min(len(msg), MAX_FRAME_BYTES)
            batch.payload[i, :size] = np.frombuffer(msg[:size], np.uint8)
            batch.length[i] = size
            if size == 2:
                batch.kind[i] = FrameKind.MODE_AC
        if time_s is not None:
            batch.time_s[:] = np.asarray(time_s, np.float64)
        batch.receiver[:] = receiver
        return batch

    def take(self, index: npt.ArrayLike) -> FrameBatch:
        """Rows selected by an integer index or boolean mask, as a new batch."""
        idx = np.asarray(index)
        return FrameBatch(
            time_s=self.time_s[idx],
            receiver=self.receiver[idx],
            receiver_ticks=self.receiver_ticks[idx],
            signal_dbfs=self.signal_dbfs[idx],
            kind=self.kind[idx],
            length=self.length[idx],
            payload=self.payload[idx],
            receivers=dict(self.receivers),
        )

    def __getitem__(self, key: slice) -> FrameBatch:
        if not isinstance(key, slice):
            raise TypeError("FrameBatch rows are taken with a slice or with take()")
        return self.take(np.arange(len(self))[key])

    @classmethod
    def concat(cls, batches: list[FrameBatch]) -> FrameBatch:
        """Join batches in order; receiver names are merged (later names win)."""
        if not batches:
            return cls.empty(0)
        receivers: dict[int, str] = {}
        for b in batches:
            receivers.update(b.receivers)
        return cls(
            time_s=np.concatenate([b.time_s for b in batches]),
            receiver=np.concatenate([b.receiver for b in batches]),
            receiver_ticks=np.concatenate([b.receiver_ticks for b in batches]),
            signal_dbfs=np.concatenate([b.signal_dbfs for b in batches]),
            kind=np.concatenate([b.kind for b in batches]),
            length=np.concatenate([b.length for b in batches]),
            payload=np.concatenate([b.payload for b in batches]),
            receivers=receivers,
        )

    def message_bytes(self, i: int) -> bytes:
        """The message of row ``i`` as bytes of its own length."""
        return bytes(self.payload[i, : int(self.length[i])])


POSITION_DTYPE: Final = np.dtype(
    [
        ("icao24", np.uint32),  # 24-bit address
        ("time_s", np.float64),  # UTC epoch seconds of the position
        ("lat", np.float64),  # degrees WGS84
        ("lon", np.float64),  # degrees WGS84
        ("altitude_ft", np.float32),  # barometric altitude, NaN unknown
        ("geo_altitude_ft", np.float32),  # GNSS altitude, NaN unknown
        ("groundspeed_kt", np.float32),  # NaN unknown
        ("track_deg", np.float32),  # true track over ground, NaN unknown
        ("vertical_rate_fpm", np.float32),  # NaN unknown
        ("onground", np.bool_),  # surface position or on-ground flag
        ("source", np.uint8),  # Source
        ("n_receivers", np.uint16),  # receivers that heard the message(s) of this position
        ("squawk", "S4"),  # last squawk known at that time, b"" unknown
        ("callsign", "S8"),  # last callsign known at that time, b"" unknown
    ]
)
"""One row per accepted position: what track hands to flights and store."""


def empty_positions(n: int = 0) -> npt.NDArray[np.void]:
    """An array of ``n`` position rows with unknown values set to NaN / empty."""
    rows = np.zeros(n, POSITION_DTYPE)
    for name in (
        "altitude_ft",
        "geo_altitude_ft",
        "groundspeed_kt",
        "track_deg",
        "vertical_rate_fpm",
    ):
        rows[name] = np.nan
    return rows


@dataclass(frozen=True, slots=True)
class AircraftIdentity:
    """Who an aircraft is, from reference data; every field may be unknown ("").

    ``operator_source`` says where the operator came from: "callsign" (the callsign's ICAO
    designator, e.g. KOR151 -> KOR), "aircraft-db" (the imported aircraft database) or
    "unknown".
    """

    icao24: int
    registration: str = ""
    typecode: str = ""  # ICAO type designator, e.g. "A148"
    type_description: str = ""  # e.g. "ANTONOV An-148"
    type_class: str = ""  # ICAO description class, e.g. "L2J"
    wake_category: str = ""  # "L", "M", "H", "J"
    country: str = ""  # country of registration, from the ICAO address block
    operator_icao: str = ""
    operator_name: str = ""
    operator_source: str = "unknown"
    # where registration/type came from when not the aircraft database ("readsb trace",
    # "FR24 export", "OpenSky metadata"); "" = the aircraft database or nowhere
    identity_source: str = ""
    military: bool = False
    interesting: bool = False
    pia: bool = False
    ladd: bool = False


class IdentityLookup(Protocol):
    """Reference data as the tracker and flight detection see it (refdata implements it)."""

    def identify(self, icao24: int, callsign: str = "") -> AircraftIdentity: ...


@dataclass(frozen=True, slots=True)
class ReceiverStats:
    """What is known of one receiver (feeder): identity, place, traffic, clock.

    ``clock_rate_hz`` is the measured rate of its 12 MHz counter (NaN until measured) and
    ``clock_offset_s`` maps it to UTC: utc = ticks / clock_rate_hz + clock_offset_s.
    """

    receiver: int  # index used in FrameBatch.receiver
    name: str
    connected_since_s: float = float("nan")
    last_frame_s: float = float("nan")
    frames: int = 0
    bad_frames: int = 0
    bytes_in: int = 0
    frames_per_s: float = 0.0
    lat: float = float("nan")
    lon: float = float("nan")
    clock_rate_hz: float = float("nan")
    clock_offset_s: float = float("nan")
    address: str = ""  # peer address of the connection, "" for files
    connected: bool = False  # a connection from or to this receiver is open now
    garbage_bytes: int = 0  # bytes that were not part of any valid frame


class EventKind(enum.StrEnum):
    """Kinds of event the pipeline emits (stored as these strings)."""

    APPEARED = "appeared"
    LOST = "lost"
    EMERGENCY = "emergency"  # value: squawk 7500/7600/7700 or ES emergency state
    IDENT = "ident"
    CALLSIGN = "callsign"  # value: new callsign
    POSITION_REJECTED = "position_rejected"  # value: reason
    TAKEOFF = "takeoff"  # value: airport ICAO or ""
    LANDING = "landing"  # value: airport ICAO or ""
    GO_AROUND = "go_around"  # value: airport ICAO of the dip
    TOUCH_AND_GO = "touch_and_go"  # value: airport ICAO of the short ground contact
    AREA_ENTRY = "area_entry"  # value: "country:RU" / "fir:UHHH" / "area:<name>"
    AREA_EXIT = "area_exit"
    COVERAGE_LOST = "coverage_lost"
    COVERAGE_REGAINED = "coverage_regained"


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to one aircraft at one time."""

    time_s: float
    icao24: int
    kind: EventKind
    value: str = ""
    flight_id: str = ""
    lat: float = float("nan")
    lon: float = float("nan")
    altitude_ft: float = float("nan")

    @property
    def hex(self) -> str:
        return f"{self.icao24:06x}"

    @property
    def event_id(self) -> str:
        """A stable id: the same event of the same data (replayed, or seen by another process)
        gets the same id, e.g. ``7277cf-1694484786500-takeoff-3a1f`` (address, time in ms,
        kind, a checksum of the value)."""
        value = zlib.crc32(self.value.encode("utf-8")) & 0xFFFF
        return f"{self.icao24:06x}-{round(self.time_s * 1000)}-{self.kind}-{value:04x}"


@dataclass(frozen=True, slots=True)
class AirportCall:
    """Where a flight took off or landed, how that was decided and how sure it is.

    ``method`` is "observed" (positions on or near the ground at the airport),
    "inferred" (first/last position airborne near it, climbing/descending) or
    "unknown" (no airport within limits; ``icao`` is then "").
    """

    icao: str
    iata: str
    name: str
    lat: float
    lon: float
    method: str
    confidence: float  # 0..1
    distance_km: float  # from the decisive position to the airport reference point
    height_above_field_ft: float  # of the decisive position; NaN when unknown
    runway: str = ""
    evidence: str = ""  # one sentence: what was seen, e.g. "first seen 38 km NE climbing ..."
    candidates: tuple[tuple[str, float, float], ...] = ()  # (icao, distance_km, score)
    # ± seconds of an inferred takeoff/landing time; NaN when not estimated (observed: the
    # wheel time itself, or no time at all)
    time_uncertainty_s: float = math.nan


@dataclass(frozen=True, slots=True)
class Flight:
    """One flight of one aircraft: takeoff (or first sight) to landing (or last sight).

    ``status`` is "open" while the flight may still get positions, "closed" after.
    Where a field comes from reference data, ``*_source`` says which source gave it.
    """

    flight_id: str
    icao24: int
    status: str
    first_seen_s: float
    last_seen_s: float
    departure: AirportCall | None = None
    arrival: AirportCall | None = None
    takeoff_s: float = float("nan")
    landing_s: float = float("nan")
    callsigns: tuple[str, ...] = ()
    registration: str = ""
    typecode: str = ""
    type_description: str = ""
    country: str = ""
    operator_icao: str = ""
    operator_name: str = ""
    operator_source: str = ""  # "callsign" / "aircraft-db" / "unknown"
    distance_flown_km: float = 0.0
    gc_distance_km: float = float("nan")
    max_altitude_ft: float = float("nan")
    n_positions: int = 0
    n_receivers: int = 0  # the most receivers that heard one position
    receivers_heard: int = 0  # distinct receivers that heard the flight (0: not known)
    sources: tuple[str, ...] = ()
    gaps: tuple[tuple[float, float], ...] = ()  # (start_s, end_s) reception gaps in flight
    source_counts: tuple[tuple[str, int], ...] = ()  # positions per source, most first

    @property
    def hex(self) -> str:
        return f"{self.icao24:06x}"

    @property
    def duration_s(self) -> float:
        """Takeoff to landing when both are known, else first to last seen."""
        start = self.takeoff_s if self.takeoff_s == self.takeoff_s else self.first_seen_s
        end = self.landing_s if self.landing_s == self.landing_s else self.last_seen_s
        return end - start
