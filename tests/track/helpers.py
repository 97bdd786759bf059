"""Test helpers: real frames of long_flight.csv as a FrameBatch, and crafted ES frames.

The crafted frames are real Mode S bytes (DO-260B layouts, CRC-24 parity) built here so that
the tests run them through the real decoder: airborne position (TC11), surface position
(TC7), identification (TC4), airborne velocity (TC19 ST1) and DF5 identity (squawk, SPI).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from skytrace.decode import decode_batch
from skytrace.model import FrameBatch

_GEN = 0x1FFF409


def crc24(data: bytes) -> int:
    """CRC-24 (Mode S parity) of ``data``."""
    reg = 0
    for byte in data:
        reg ^= byte << 16
        for _ in range(8):
            reg <<= 1
            if reg & 0x1000000:
                reg ^= _GEN
    return reg & 0xFFFFFF


def long_flight(path: Path, limit: int | None = None) -> FrameBatch:
    """Frames of long_flight.csv (``unix_ts,hexBeastFrame``; message = frame[9:])."""
    times: list[float] = []
    frames: list[bytes] = []
    with path.open() as fh:
        for line in fh:
            ts, hexframe = line.strip().split(",")
            frames.append(bytes.fromhex(hexframe))
            times.append(float(ts))
            if limit is not None and len(frames) >= limit:
                break
    batch = FrameBatch.from_messages([f[9:] for f in frames], times)
    sig = np.array([f[8] for f in frames], np.float64)
    with np.errstate(divide="ignore"):
        batch.signal_dbfs[:] = 20.0 * np.log10(np.maximum(sig, 1) / 255.0)
    batch.receiver_ticks[:] = [int.from_bytes(f[2:8], "big") for f in frames]
    return batch


# --- CPR encoding (DO-260B A.1.7.4), for crafting positions


def _nl(lat: float) -> int:
    if abs(lat) >= 87.0:
        return 1
    a = 1 - math.cos(math.pi / 30.0)
    b = math.cos(math.radians(abs(lat))) ** 2
    return math.floor(2 * math.pi / math.acos(1 - a / b))


def cpr_encode(lat: float, lon: float, odd: bool, surface: bool = False) -> tuple[int, int]:
    span = 90.0 if surface else 360.0
    i = 1 if odd else 0
    dlat = span / (60 - i)
    yz = math.floor(2**17 * ((lat % dlat) / dlat) + 0.5)
    rlat = dlat * (yz / 2**17 + math.floor(lat / dlat))
    nl = _nl(rlat) - i
    dlon = span / nl if nl > 0 else span
    xz = math.floor(2**17 * ((lon % dlon) / dlon) + 0.5)
    return yz & 0x1FFFF, xz & 0x1FFFF


def _alt_code(altitude_ft: float) -> int:
    n = round((altitude_ft + 1000) / 25)
    return ((n & 0x7F0) << 1) | 0x10 | (n & 0xF)


def _es(icao: int, me: int, df: int = 17, ca: int = 5) -> bytes:
    head = bytes([(df << 3) | ca]) + icao.to_bytes(3, "big") + me.to_bytes(7, "big")
    return head + crc24(head).to_bytes(3, "big")


def airborne_position(
    icao: int, lat: float, lon: float, altitude_ft: float, odd: bool, df: int = 17, cf: int = 5
) -> bytes:
    """TC11 airborne position; ``df=18, cf=2`` makes it a fine TIS-B report."""
    yz, xz = cpr_encode(lat, lon, odd)
    me = (11 << 51) | (_alt_code(altitude_ft) << 36) | (int(odd) << 34) | (yz << 17) | xz
    return _es(icao, me, df=df, ca=cf)


def surface_position(icao: int, lat: float, lon: float, odd: bool, movement: int = 1) -> bytes:
    yz, xz = cpr_encode(lat, lon, odd, surface=True)
    me = (7 << 51) | (movement << 44) | (int(odd) << 34) | (yz << 17) | xz
    return _es(icao, me, ca=4)


_CHARS = "#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######"


def identification(icao: int, callsign: str, category: int = 3, df: int = 17, cf: int = 5) -> bytes:
    """TC4 identification; ``df=18, cf=1`` makes it ES/NT from a non-ICAO address."""
    me = (4 << 51) | (category << 48)
    for k, ch in enumerate(f"{callsign:<8}"[:8]):
        me |= _CHARS.index(ch) << (42 - 6 * k)
    return _es(icao, me, df=df, ca=cf)


def velocity(icao: int, groundspeed_kt: float, track_deg: float, rate_fpm: float = 0) -> bytes:
    ve = groundspeed_kt * math.sin(math.radians(track_deg))
    vn = groundspeed_kt * math.cos(math.radians(track_deg))
    me = (19 << 51) | (1 << 48)
    me |= (int(ve < 0) << 42) | ((round(abs(ve)) + 1) << 32)
    me |= (int(vn < 0) << 31) | ((round(abs(vn)) + 1) << 21)
    me |= (1 << 20) | (int(rate_fpm < 0) << 19) | ((round(abs(rate_fpm) / 64) + 1) << 10)
    return _es(icao, me)


def _squawk_code(squawk: str) -> int:
    a, b, c, d = (int(x) for x in squawk)
    bits = {
        "C1": c & 1, "A1": a & 1, "C2": (c >> 1) & 1, "A2": (a >> 1) & 1,
        "C4": (c >> 2) & 1, "A4": (a >> 2) & 1, "B1": b & 1, "D1": d & 1,
        "B2": (b >> 1) & 1, "D2": (d >> 1) & 1, "B4": (b >> 2) & 1, "D4": (d >> 2) & 1,
    }  # fmt: skip
    order = ["C1", "A1", "C2", "A2", "C4", "A4", "X", "B1", "D1", "B2", "D2", "B4", "D4"]
    code = 0
    for name in order:
        code = (code << 1) | bits.get(name, 0)
    return code


def identity_reply(icao: int, squawk: str, spi: bool = False) -> bytes:
    """DF5 surveillance identity reply; the parity field is CRC xor address."""
    fs = 5 if spi else 0
    head = ((5 << 27) | (fs << 24) | _squawk_code(squawk)).to_bytes(4, "big")
    return head + (crc24(head) ^ icao).to_bytes(3, "big")


def batch(
    messages: list[bytes], times: list[float], receiver: int | list[int] = 0
) -> tuple[FrameBatch, object]:
    """A FrameBatch of ``messages`` and its decoded columns (real decoder)."""
    frames = FrameBatch.from_messages(messages, times)
    frames.receiver[:] = receiver
    frames.signal_dbfs[:] = -20.0
    return frames, decode_batch(frames)


class AirportsData:
    """An AirportFinder over the airportsdata package (nearest reference point)."""

    def __init__(self) -> None:
        import airportsdata

        table = airportsdata.load("ICAO")
        self.codes = list(table)
        self.lat = np.array([table[c]["lat"] for c in self.codes], np.float64)
        self.lon = np.array([table[c]["lon"] for c in self.codes], np.float64)
        self.calls = 0

    def distances_km(self, lat: float, lon: float) -> np.ndarray:
        p1, p2 = np.radians(lat), np.radians(self.lat)
        h = (
            np.sin((p2 - p1) / 2) ** 2
            + np.cos(p1) * np.cos(p2) * np.sin(np.radians(self.lon - lon) / 2) ** 2
        )
        return 2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(h, 1.0)))

    def nearest_airport(
        self, lat: float, lon: float, max_distance_km: float
    ) -> tuple[str, float, float] | None:
        self.calls += 1
        d = self.distances_km(lat, lon)
        i = int(np.argmin(d))
        if d[i] > max_distance_km:
            return None
        return self.codes[i], float(self.lat[i]), float(self.lon[i])


def move(lat: float, lon: float, track_deg: float, distance_km: float) -> tuple[float, float]:
    """Point ``distance_km`` from (lat, lon) along ``track_deg`` (spherical earth)."""
    r = distance_km / 6371.0088
    p1, l1, th = math.radians(lat), math.radians(lon), math.radians(track_deg)
    p2 = math.asin(math.sin(p1) * math.cos(r) + math.cos(p1) * math.sin(r) * math.cos(th))
    l2 = l1 + math.atan2(
        math.sin(th) * math.sin(r) * math.cos(p1), math.cos(r) - math.sin(p1) * math.sin(p2)
    )
    return math.degrees(p2), (math.degrees(l2) + 540.0) % 360.0 - 180.0


def straight_flight(
    icao: int,
    lat: float,
    lon: float,
    track_deg: float,
    groundspeed_kt: float,
    altitude_ft: float,
    t0: float,
    n: int,
    step_s: float = 0.5,
) -> tuple[list[bytes], list[float], list[tuple[float, float]]]:
    """Alternating even/odd airborne positions (and a velocity message every 10th)."""
    msgs: list[bytes] = []
    times: list[float] = []
    truth: list[tuple[float, float]] = []
    for i in range(n):
        t = t0 + i * step_s
        la, lo = move(lat, lon, track_deg, groundspeed_kt * 1.852 / 3600.0 * i * step_s)
        if i % 10 == 0:
            msgs.append(velocity(icao, groundspeed_kt, track_deg))
            times.append(t - 0.01)
        msgs.append(airborne_position(icao, la, lo, altitude_ft, odd=bool(i % 2)))
        times.append(t)
        truth.append((la, lo))
    return msgs, times, truth


def synthetic_fleet(n: int, t0: float = 0.0, seed: int = 1) -> FrameBatch:
    """``n`` aircraft, each sending identification and two confirming position pairs."""
    from skytrace import encode

    rng = np.random.default_rng(seed)
    icao = rng.choice(np.arange(1, 1 << 24), size=n, replace=False).astype(np.uint32)
    lat = rng.uniform(-60.0, 60.0, n)
    lon = rng.uniform(-180.0, 180.0, n)
    alt = rng.uniform(1000.0, 40000.0, n).round(-2)
    parts = [encode.identification(icao, "TEST1", category=3)]
    for k in range(4):
        parts.append(encode.airborne_position(icao, lat + 0.001 * k, lon, alt, odd=k % 2))
    batch = FrameBatch.empty(5 * n)
    for k, m in enumerate(parts):
        batch.payload[k::5] = m.payload
        batch.length[k::5] = m.length
        batch.time_s[k::5] = t0 + np.arange(n) * 1e-4 + k
    order = np.argsort(batch.time_s, kind="stable")
    return batch.take(order)
