"""SBS-1 BaseStation lines out (port 30003), the layout Virtual Radar Server and PlanePlotter read.

One line per message, CR LF terminated, 22 comma-separated fields (see skytrace.sources.sbs
for their meaning)::

    MSG,<tt>,1,1,<HEX>,1,<date>,<time>,<date>,<time>,<callsign>,<alt>,<gs>,<trk>,<lat>,<lon>,
        <vr>,<squawk>,<alert>,<emergency>,<spi>,<ground>

Dates and times are UTC (``YYYY/MM/DD``, ``HH:MM:SS.mmm``); flags are -1 true / 0 false /
empty unknown. What produces which line:

    decoded frames  DF17/18 TC1-4 -> MSG,1 (callsign)      TC19 -> MSG,4 (speed, track, rate)
                    DF4/20 -> MSG,5 (altitude, flags)       DF5/21 -> MSG,6 (squawk, flags)
                    DF0/16 -> MSG,7 (altitude)              DF11 -> MSG,8
    positions       tracker rows -> MSG,3 (airborne) / MSG,2 (on ground), lat/lon/altitude

ES and DF11 lines need a good CRC. DF0/4/5/16/20/21 carry their address in the parity, so
they are written only for addresses that sent a parity-checked reply in the last
``verified_window_s`` (the same guard readsb applies). Positions come from the tracker, which
has already paired CPR frames and checked plausibility: this module decodes nothing itself.

Pure formatting plus a small address memory; not thread-safe.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from skytrace.model import FrameBatch

__all__ = ["SbsFormatter"]


def _stamp(time_s: float) -> tuple[str, str]:
    if not math.isfinite(time_s):
        time_s = 0.0
    dt = datetime.fromtimestamp(time_s, UTC)
    return dt.strftime("%Y/%m/%d"), dt.strftime("%H:%M:%S.") + f"{dt.microsecond // 1000:03d}"


def _num(value: float, fmt: str = "{:.0f}") -> str:
    return "" if not math.isfinite(value) else fmt.format(value)


def _flag(value: bool | None) -> str:
    return "" if value is None else ("-1" if value else "0")


def _line(tt: int, icao: int, time_s: float, **f: str) -> str:
    d, t = _stamp(time_s)
    fields = [
        f.get("callsign", ""),
        f.get("alt", ""),
        f.get("gs", ""),
        f.get("trk", ""),
        f.get("lat", ""),
        f.get("lon", ""),
        f.get("vr", ""),
        f.get("squawk", ""),
        f.get("alert", ""),
        f.get("emergency", ""),
        f.get("spi", ""),
        f.get("ground", ""),
    ]
    return f"MSG,{tt},1,1,{icao:06X},1,{d},{t},{d},{t}," + ",".join(fields) + "\r\n"


class SbsFormatter:
    """Turns decoded frames and tracker positions into SBS-1 lines."""

    def __init__(self, verified_window_s: float = 60.0) -> None:
        self.verified_window_s = verified_window_s
        self._verified: dict[int, float] = {}

    def remember(self, frames: FrameBatch, decoded: Any) -> npt.NDArray[np.bool_]:
        """Note the addresses of parity-checked replies (vectorized); returns which rows."""
        df = np.asarray(decoded["df"])
        crc_ok = np.asarray(decoded["crc_ok"]) & decoded.mask("crc_ok")
        verified: npt.NDArray[np.bool_] = (
            np.asarray(decoded.ok) & crc_ok & np.isin(df, (11, 17, 18))
        )
        rows = np.flatnonzero(verified)
        if rows.size:
            # Latest time per address: sort by time, keep the last row of each address.
            order = rows[np.argsort(frames.time_s[rows], kind="stable")]
            icao = np.asarray(decoded["icao"])[order]
            addr, last = np.unique(icao[::-1], return_index=True)
            times = frames.time_s[order][::-1][last]
            self._verified.update(zip(addr.tolist(), times.tolist(), strict=True))
        return verified

    def frames(self, frames: FrameBatch, decoded: Any) -> str:
        """Lines for the decoded frames of one batch (MSG,1 and 4-8)."""
        n = len(frames)
        if n == 0:
            return ""
        df = np.asarray(decoded["df"])
        icao = np.asarray(decoded["icao"])
        ok = np.asarray(decoded.ok)
        times = frames.time_s
        verified = self.remember(frames, decoded)
        cutoff = float(np.nanmax(times)) - self.verified_window_s if n else 0.0
        tc = np.asarray(decoded["typecode"])
        out: list[str] = []
        cols = {name: decoded[name] for name in ("altitude_ft", "squawk", "callsign")}
        masks = {name: decoded.mask(name) for name in ("squawk", "callsign", "alert", "spi")}
        for i in np.flatnonzero(ok).tolist():
            d = int(df[i])
            a = int(icao[i])
            t = float(times[i])
            if d in (17, 18):
                if not verified[i]:
                    continue
                code = int(tc[i])
                if 1 <= code <= 4 and masks["callsign"][i]:
                    cs = bytes(cols["callsign"][i]).decode("ascii", "replace").strip()
                    out.append(_line(1, a, t, callsign=cs))
                elif code == 19:
                    out.append(self._velocity(decoded, i, a, t))
            elif d == 11:
                if verified[i]:
                    out.append(_line(8, a, t, ground=self._ground(decoded, i)))
            elif d in (0, 4, 5, 16, 20, 21):
                if self._verified.get(a, -math.inf) < cutoff:
                    continue
                flags = self._flags(decoded, i, masks)
                if d in (4, 20):
                    alt = _num(float(cols["altitude_ft"][i]))
                    out.append(_line(5, a, t, alt=alt, **flags))
                elif d in (5, 21):
                    sq = f"{int(cols['squawk'][i]):04d}" if masks["squawk"][i] else ""
                    out.append(_line(6, a, t, squawk=sq, **flags))
                else:
                    alt = _num(float(cols["altitude_ft"][i]))
                    out.append(_line(7, a, t, alt=alt, ground=self._ground(decoded, i)))
        if len(self._verified) > 100_000:
            self._verified = {k: v for k, v in self._verified.items() if v >= cutoff}
        return "".join(out)

    def positions(self, positions: npt.NDArray[np.void]) -> str:
        """MSG,3 (airborne) / MSG,2 (surface) lines for tracker position rows."""
        out = []
        for row in positions:
            ground = bool(row["onground"])
            out.append(
                _line(
                    2 if ground else 3,
                    int(row["icao24"]),
                    float(row["time_s"]),
                    callsign=bytes(row["callsign"]).decode("ascii", "replace").strip(),
                    alt=_num(float(row["altitude_ft"])),
                    gs=_num(float(row["groundspeed_kt"])) if ground else "",
                    trk=_num(float(row["track_deg"]), "{:.1f}") if ground else "",
                    lat=f"{float(row['lat']):.5f}",
                    lon=f"{float(row['lon']):.5f}",
                    ground=_flag(ground),
                )
            )
        return "".join(out)

    @staticmethod
    def _ground(decoded: Any, i: int) -> str:
        g = int(decoded["onground"][i])
        return "" if g < 0 else _flag(g == 1)

    def _flags(self, decoded: Any, i: int, masks: dict[str, Any]) -> dict[str, str]:
        sq = int(decoded["squawk"][i]) if masks["squawk"][i] else -1
        return {
            "alert": _flag(bool(decoded["alert"][i])) if masks["alert"][i] else "",
            "emergency": _flag(sq in (7500, 7600, 7700)) if sq >= 0 else "",
            "spi": _flag(bool(decoded["spi"][i])) if masks["spi"][i] else "",
            "ground": self._ground(decoded, i),
        }

    @staticmethod
    def _velocity(decoded: Any, i: int, icao: int, t: float) -> str:
        return _line(
            4,
            icao,
            t,
            gs=_num(float(decoded["groundspeed_kt"][i])),
            trk=_num(float(decoded["track_deg"][i]), "{:.1f}"),
            vr=_num(float(decoded["vertical_rate_fpm"][i])),
        )
