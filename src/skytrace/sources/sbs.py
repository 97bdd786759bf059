"""SBS-1 BaseStation lines in (port 30003 of dump1090/readsb, or a BaseStation log).

Layout, one comma-separated line per message (fields numbered from 1)::

    1 "MSG"   2 transmission type 1..8   3 session id   4 aircraft id   5 hex ident (ICAO)
    6 flight id   7 date generated   8 time generated   9 date logged   10 time logged
    11 callsign   12 altitude (ft)   13 ground speed (kt)   14 track (deg)   15 lat   16 lon
    17 vertical rate (ft/min)   18 squawk   19 alert (squawk change)   20 emergency
    21 SPI (ident)   22 on ground        flags: -1 / 1 true, 0 false, empty unknown

    MSG,1 identification (callsign)      MSG,2 surface position     MSG,3 airborne position
    MSG,4 airborne velocity               MSG,5 surveillance altitude MSG,6 surveillance ident
    MSG,7 air-to-air (altitude)           MSG,8 all-call (no data)

SBS carries decoded values, not raw frames, so it cannot go through the decoder or the
tracker's multi-receiver fusion. It joins the pipeline after them: ``SbsParser.feed`` returns
an ``SbsBatch`` whose ``positions`` are ``POSITION_DTYPE`` rows (source ``Source.OTHER``,
carrying the latest callsign / squawk / speed seen for that aircraft on this connection), and
whose ``updates`` are ``SbsUpdate`` records (identity, squawk, flags) for every line. The server
and replay hand the positions to the runtime's sinks (store, outputs) directly.

Time: with ``use_message_time`` the generated date/time fields are read as UTC (BaseStation
logs); otherwise (the default for live feeds, whose senders often write local time) every
line gets the arrival time passed to ``feed``.

``feed`` never raises for bad data; malformed lines are counted. Not thread-safe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt

from skytrace.model import POSITION_DTYPE, Source, empty_positions

__all__ = ["SbsBatch", "SbsCounters", "SbsParser", "SbsUpdate"]

_N_FIELDS: Final = 22


class SbsUpdate(NamedTuple):
    """The decoded values of one SBS line; NaN / "" / None where the line is empty."""

    time_s: float
    icao24: int
    transmission: int  # 1..8
    callsign: str
    altitude_ft: float
    groundspeed_kt: float
    track_deg: float
    lat: float
    lon: float
    vertical_rate_fpm: float
    squawk: str  # four octal digits as text, "" unknown
    alert: bool | None
    emergency: bool | None
    spi: bool | None
    onground: bool | None


@dataclass(slots=True)
class SbsBatch:
    positions: npt.NDArray[np.void]
    updates: list[SbsUpdate] = field(default_factory=list)


@dataclass(slots=True)
class SbsCounters:
    bytes_in: int = 0
    lines: int = 0
    positions: int = 0
    bad_lines: int = 0


@dataclass(slots=True)
class _Latest:
    callsign: str = ""
    squawk: str = ""
    altitude_ft: float = math.nan
    groundspeed_kt: float = math.nan
    track_deg: float = math.nan
    vertical_rate_fpm: float = math.nan


class SbsParser:
    """Feed chunks of SBS-1 text; get positions and per-line updates back."""

    def __init__(self, *, use_message_time: bool = False, max_line_bytes: int = 512) -> None:
        self.use_message_time = use_message_time
        self.max_line_bytes = max_line_bytes
        self.counters = SbsCounters()
        self._tail = b""
        self._latest: dict[int, _Latest] = {}

    def feed(self, chunk: bytes, now_s: float = math.nan) -> SbsBatch:
        self.counters.bytes_in += len(chunk)
        buf = self._tail + bytes(chunk)
        cut = buf.rfind(b"\n")
        if cut < 0:
            self._tail = buf
            lines: list[bytes] = []
        else:
            self._tail = buf[cut + 1 :]
            lines = buf[:cut].split(b"\n")
        if len(self._tail) > self.max_line_bytes:
            self.counters.bad_lines += 1
            self._tail = b""
        return self._parse(lines, now_s)

    def flush(self, now_s: float = math.nan) -> SbsBatch:
        """End of stream: parse an unterminated last line."""
        tail, self._tail = self._tail, b""
        return self._parse([tail] if tail.strip() else [], now_s)

    def _parse(self, lines: list[bytes], now_s: float) -> SbsBatch:
        updates: list[SbsUpdate] = []
        for raw in lines:
            line = raw.strip()
            if not line:
                continue
            self.counters.lines += 1
            upd = self._line(line, now_s)
            if upd is None:
                self.counters.bad_lines += 1
            else:
                updates.append(upd)
        with_pos = [u for u in updates if u.lat == u.lat and u.lon == u.lon]
        rows = empty_positions(len(with_pos))
        for i, u in enumerate(with_pos):
            latest = self._latest[u.icao24]
            rows[i]["icao24"] = u.icao24
            rows[i]["time_s"] = u.time_s
            rows[i]["lat"] = u.lat
            rows[i]["lon"] = u.lon
            rows[i]["altitude_ft"] = (
                u.altitude_ft if u.altitude_ft == u.altitude_ft else (latest.altitude_ft)
            )
            rows[i]["groundspeed_kt"] = latest.groundspeed_kt
            rows[i]["track_deg"] = latest.track_deg
            rows[i]["vertical_rate_fpm"] = latest.vertical_rate_fpm
            rows[i]["onground"] = bool(u.onground) or u.transmission == 2
            rows[i]["source"] = Source.OTHER
            rows[i]["n_receivers"] = 1
            rows[i]["squawk"] = latest.squawk.encode("ascii")
            rows[i]["callsign"] = latest.callsign.encode("ascii", "replace")[:8]
        self.counters.positions += len(rows)
        return SbsBatch(positions=rows.astype(POSITION_DTYPE, copy=False), updates=updates)

    def _line(self, line: bytes, now_s: float) -> SbsUpdate | None:
        try:
            f = line.decode("ascii").split(",")
        except UnicodeDecodeError:
            return None
        if len(f) < 11 or f[0] != "MSG":
            return None
        f += [""] * (_N_FIELDS - len(f))
        try:
            transmission = int(f[1])
            icao24 = int(f[4].strip(), 16)
        except ValueError:
            return None
        if not 1 <= transmission <= 8 or not 0 <= icao24 < 1 << 24:
            return None
        try:
            t = _message_time(f[6], f[7]) if self.use_message_time else now_s
            upd = SbsUpdate(
                time_s=t,
                icao24=icao24,
                transmission=transmission,
                callsign=f[10].strip(),
                altitude_ft=_num(f[11]),
                groundspeed_kt=_num(f[12]),
                track_deg=_num(f[13]),
                lat=_num(f[14]),
                lon=_num(f[15]),
                vertical_rate_fpm=_num(f[16]),
                squawk=f[17].strip(),
                alert=_flag(f[18]),
                emergency=_flag(f[19]),
                spi=_flag(f[20]),
                onground=_flag(f[21]),
            )
        except ValueError:
            return None
        if upd.lat == upd.lat and not (abs(upd.lat) <= 90 and abs(upd.lon) <= 180):
            return None
        latest = self._latest.setdefault(icao24, _Latest())
        if upd.callsign:
            latest.callsign = upd.callsign
        if upd.squawk:
            latest.squawk = upd.squawk
        for name in ("altitude_ft", "groundspeed_kt", "track_deg", "vertical_rate_fpm"):
            value = getattr(upd, name)
            if value == value:
                setattr(latest, name, value)
        return upd


def _num(text: str) -> float:
    text = text.strip()
    return float(text) if text else math.nan


def _flag(text: str) -> bool | None:
    text = text.strip()
    if not text:
        return None
    return text not in ("0",)


def _message_time(date: str, time: str) -> float:
    text = f"{date.strip()} {time.strip()} +0000"
    return datetime.strptime(text, "%Y/%m/%d %H:%M:%S.%f %z").timestamp()
