"""Readers of decoded-track files from elsewhere, into POSITION_DTYPE rows.

Formats (``TrackFormat``; detected from the extension and the column names when not given):

- ``opensky`` — OpenSky state vectors, CSV or Parquet: ``time`` (epoch s), ``icao24`` (hex),
  ``lat``, ``lon``, ``baroaltitude`` and ``geoaltitude`` (metres), ``velocity`` (m/s),
  ``heading`` (deg), ``vertrate`` (m/s), ``callsign``, ``onground``, ``squawk``.
- ``traffic`` — the traffic library's columns, CSV or Parquet: ``timestamp`` (epoch s or ISO
  8601; naive times are UTC), ``icao24``, ``latitude``, ``longitude``, ``altitude`` and
  ``geoaltitude`` (ft), ``groundspeed`` (kt), ``track``, ``vertical_rate`` (ft/min),
  ``callsign``, optional ``onground``, ``squawk``.
- ``fr24`` — Flightradar24 exports. CSV from flight playback (``Timestamp, UTC, Callsign,
  Position "lat,lon", Altitude (ft), Speed (kt), Direction``), CSV archive rows
  (``snapshot_id, altitude, heading, latitude, longitude, speed, squawk, vert_speed,
  on_ground``) and playback JSON (a ``track`` list of points with ``latitude``,
  ``longitude``, ``altitude.feet``, ``speed.kts``, ``heading``, ``verticalSpeed.fpm``,
  ``squawk``, ``timestamp``). FR24 CSV has no ICAO address: pass ``icao24``. Altitude 0 means
  on the ground; without a vertical speed column it is derived from consecutive altitudes
  (rows at most 120 s apart).
- ``readsb`` — readsb/tar1090 ``trace_full_*.json`` (optionally gzip-compressed):
  ``icao``, ``timestamp`` and ``trace`` rows ``[dt, lat, lon, alt_ft | "ground", gs_kt,
  track, flags, vrate_fpm, details | null, type, geom_alt_ft, ...]``; the callsign and squawk
  come from the last ``details`` seen.

Bad rows (a required value — time, address, latitude, longitude — missing or unreadable, or
a position out of range) are counted with their line number (CSV line, JSON trace index,
Parquet row + 1) and dropped; every good row is kept. A value no aircraft has (``LIMITS``:
an altitude of 1e12 or -99,999 ft, an infinite speed or vertical rate, a track past 360°) is
made unknown (NaN) and its row reported as kept. A file that cannot be read at all raises
SourceError.

Bounds (a hostile or broken file stops with a SourceError naming the limit, never a
traceback or gigabytes of memory): at most ``$SKYTRACE_MAX_INPUT_MB`` MiB of input after
decompression (default 256; gzip is decompressed in bounded steps), at most
``$SKYTRACE_MAX_INPUT_ROWS`` rows per file (default 1,000,000), JSON no deeper than Python's
recursion limit. Output rows are sorted by time. Not thread-safe per call; no state.
"""

from __future__ import annotations

import csv
import enum
import gzip
import io
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from skytrace.errors import SourceError
from skytrace.model import POSITION_DTYPE, Source, empty_positions

__all__ = ["BadRow", "TrackFile", "TrackFormat", "detect_format", "read_tracks"]

FT_PER_M: Final = 1 / 0.3048
KT_PER_M_S: Final = 3600 / 1852
FPM_PER_M_S: Final = 60 / 0.3048

# Values no aircraft has (closed ranges); outside them a value is made unknown and reported.
LIMITS: Final = {
    "altitude_ft": (-2_000.0, 130_000.0),  # Mode S Gillham altitude ends at 126,750 ft
    "geo_altitude_ft": (-2_000.0, 130_000.0),
    "groundspeed_kt": (0.0, 4_000.0),  # ADS-B's supersonic encoding ends at 4,092 kt
    "track_deg": (0.0, 360.0),
    "vertical_rate_fpm": (-40_000.0, 40_000.0),  # ADS-B encodes at most ±32,640 ft/min
}
MAX_INPUT_ENV: Final = "SKYTRACE_MAX_INPUT_MB"
MAX_ROWS_ENV: Final = "SKYTRACE_MAX_INPUT_ROWS"
_DEFAULT_MAX_INPUT_MB: Final = 256
_DEFAULT_MAX_ROWS: Final = 1_000_000
_STEP_BYTES: Final = 1 << 20


def _env_limit(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    try:
        value = float(text) if text else default
    except ValueError:
        raise SourceError(f"${name}={text!r} is not a number") from None
    if not value > 0:
        raise SourceError(f"${name}={text!r} must be positive")
    return value


def _max_rows() -> int:
    return int(_env_limit(MAX_ROWS_ENV, _DEFAULT_MAX_ROWS))


def _check_rows(path: Path, n: int) -> None:
    limit = _max_rows()
    if n > limit:
        raise SourceError(
            f"{path}: more than {limit:,} rows; split the file or set ${MAX_ROWS_ENV}"
        )


class TrackFormat(enum.StrEnum):
    OPENSKY = "opensky"
    TRAFFIC = "traffic"
    FR24 = "fr24"
    READSB = "readsb"


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int  # 1-based line (CSV, header = line 1), trace index + 1, or Parquet row + 1
    reason: str
    kept: bool = False  # True: an optional value was unreadable, the position was kept


@dataclass(slots=True)
class TrackFile:
    """What one file gave: the positions kept and the rows that were not."""

    path: Path
    format: TrackFormat
    positions: npt.NDArray[np.void]
    rows_read: int
    bad: list[BadRow] = field(default_factory=list)


Columns = dict[str, npt.NDArray[Any]]


def _open_bytes(path: Path, head: int | None = None) -> bytes:
    """The file's bytes (gunzipped), at most the input limit (or the first ``head`` bytes)."""
    limit = int(_env_limit(MAX_INPUT_ENV, _DEFAULT_MAX_INPUT_MB) * (1 << 20))
    want = limit + 1 if head is None else head
    gz = False
    try:
        with path.open("rb") as raw:
            gz = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            if gz:
                with gzip.GzipFile(fileobj=raw) as unzipped:
                    data = _read_up_to(unzipped, want)
            else:
                data = raw.read(want)
    except OSError as exc:
        if gz and not isinstance(exc, FileNotFoundError | PermissionError):
            raise SourceError(f"{path}: broken gzip data: {exc}") from exc
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except EOFError as exc:
        raise SourceError(f"{path}: broken gzip data: {exc}") from exc
    if head is None and len(data) > limit:
        raise SourceError(
            f"{path}: more than {limit / (1 << 20):,.0f} MiB of input (after decompression); "
            f"set ${MAX_INPUT_ENV} to allow more"
        )
    return data


def _read_up_to(f: gzip.GzipFile, n: int) -> bytes:
    """At most ``n`` bytes, decompressed in bounded steps (a bomb stops at ``n``); grown in
    place, so the peak is about the bytes kept, not twice."""
    out = bytearray()
    while len(out) < n:
        part = f.read(min(_STEP_BYTES, n - len(out)))
        if not part:
            break
        out += part
    return out  # type: ignore[return-value]  # bytes-like: json and decode take it as is


def _read_csv(path: Path) -> tuple[Columns, npt.NDArray[np.int64]]:
    """All columns as strings (lower-cased names) and the file line of each row."""
    try:
        text = _open_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not a text (UTF-8) CSV file: {exc.reason}") from exc
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise SourceError(f"{path}: empty or unreadable CSV") from exc
    names = [h.strip().lower() for h in header]
    width = len(names)
    rows: list[list[str]] = []
    lines: list[int] = []
    limit = _max_rows()
    try:
        for row in reader:
            if not row:
                continue
            lines.append(reader.line_num)
            rows.append((row + [""] * width)[:width] if len(row) != width else row)
            if len(rows) > limit:
                _check_rows(path, len(rows))
    except csv.Error as exc:
        raise SourceError(f"{path}: CSV broken near line {reader.line_num}: {exc}") from exc
    cols: Columns = {}
    arr = np.array(rows, dtype=object).reshape(len(rows), width)
    for i, name in enumerate(names):
        cols[name] = arr[:, i]
    return cols, np.asarray(lines, np.int64)


def _read_parquet(path: Path) -> tuple[Columns, npt.NDArray[np.int64]]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        _check_rows(path, pq.ParquetFile(path).metadata.num_rows)
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise SourceError(f"{path}: not a readable Parquet file: {exc}") from exc
    cols: Columns = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_timestamp(col.type):
            col = pc.divide(pc.cast(pc.cast(col, pa.timestamp("us", "UTC")), pa.int64()), 1e6)
        if pa.types.is_dictionary(col.type):
            col = pc.cast(col, col.type.value_type)
        cols[name.lower()] = np.asarray(col.to_numpy(zero_copy_only=False), dtype=object)
    return cols, np.arange(1, table.num_rows + 1, dtype=np.int64)


def _floats(values: npt.NDArray[Any]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Floats (NaN for empty / null) and a mask of values present but unreadable."""
    out = np.full(len(values), np.nan)
    bad = np.zeros(len(values), np.bool_)
    try:
        filled = np.where(
            [v is None or v == "" or (isinstance(v, float) and math.isnan(v)) for v in values],
            "nan",
            values,
        )
        return filled.astype(np.float64), bad
    except (ValueError, TypeError):
        pass
    for i, v in enumerate(values):
        if v is None or v == "":
            continue
        try:
            out[i] = float(v)
        except (ValueError, TypeError):
            bad[i] = True
    return out, bad


def _times(values: npt.NDArray[Any]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Epoch seconds from numbers or ISO 8601 text (naive = UTC)."""
    out, bad = _floats(values)
    if not bad.any():
        return out, bad
    for i in np.flatnonzero(bad):
        try:
            t = datetime.fromisoformat(str(values[i]).strip().replace(" UTC", "+00:00"))
        except ValueError:
            continue
        if t.tzinfo is None:
            t = t.replace(tzinfo=UTC)
        out[i] = t.timestamp()
        bad[i] = False
    return out, bad


def _hex_addresses(
    values: npt.NDArray[Any],
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.bool_]]:
    uniq, inverse = np.unique(
        np.asarray([str(v).strip().lower() for v in values]), return_inverse=True
    )
    codes = np.zeros(len(uniq), np.int64)
    for k, u in enumerate(uniq):
        try:
            codes[k] = int(u.removeprefix("~"), 16) if 0 < len(u) <= 7 else -1
        except ValueError:
            codes[k] = -1
    vals = codes[inverse]
    bad = (vals < 0) | (vals > 0xFFFFFF)
    return np.where(bad, 0, vals).astype(np.uint32), bad


def _bools(values: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    return np.asarray([str(v).strip().lower() in ("true", "1", "1.0", "t", "yes") for v in values])


def _text(values: npt.NDArray[Any], width: int) -> npt.NDArray[np.bytes_]:
    out = []
    for v in values:
        s = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()
        if s.endswith(".0") and s[:-2].isdigit():
            s = s[:-2]  # squawk stored as a float
        out.append(s.upper().encode("ascii", "replace")[:width])
    return np.asarray(out, dtype=f"S{width}")


def _derived_rate_fpm(
    icao: npt.NDArray[np.uint32], t: npt.NDArray[np.float64], alt: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """ft/min from the altitude change since the previous row of the same aircraft."""
    rate = np.full(len(t), np.nan)
    if len(t) < 2:
        return rate
    order = np.lexsort((t, icao))
    ti, ai, ic = t[order], alt[order], icao[order]
    dt = np.diff(ti)
    ok = (ic[1:] == ic[:-1]) & (dt > 0) & (dt <= 120)
    r = np.where(ok, np.diff(ai) / np.where(dt > 0, dt, 1) * 60.0, np.nan)
    rate[order[1:]] = r
    return rate


@dataclass(slots=True)
class _Mapped:
    """Columns in skytrace units before validation (all length n)."""

    time_s: npt.NDArray[np.float64]
    icao24: npt.NDArray[np.uint32]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    bad: list[tuple[npt.NDArray[np.bool_], str]]  # rows dropped
    extra: dict[str, npt.NDArray[Any]] = field(default_factory=dict)
    soft: list[tuple[npt.NDArray[np.bool_], str]] = field(default_factory=list)  # rows kept


def _col(cols: Columns, *names: str) -> npt.NDArray[Any] | None:
    for n in names:
        if n in cols:
            return cols[n]
    return None


def _need(cols: Columns, path: Path, fmt: str, *names: str) -> None:
    missing = [n for n in names if n not in cols]
    if missing:
        raise SourceError(
            f"{path}: not a {fmt} file: missing column(s) {', '.join(missing)} "
            f"(found: {', '.join(sorted(cols)) or 'none'})"
        )


def _tabular(cols: Columns, path: Path, fmt: TrackFormat, icao24: int | None) -> _Mapped:
    n = len(next(iter(cols.values()))) if cols else 0
    bad: list[tuple[npt.NDArray[np.bool_], str]] = []
    soft: list[tuple[npt.NDArray[np.bool_], str]] = []

    def num(name: str | None, scale: float = 1.0) -> npt.NDArray[np.float64]:
        values = cols.get(name) if name else None
        if values is None:
            return np.full(n, np.nan)
        v, b = _floats(values)
        soft.append((b, f"unreadable {name} (kept as unknown)"))
        return v * scale

    def addresses() -> npt.NDArray[np.uint32]:
        col = _col(cols, "icao24", "aircraft_id", "hex", "icao")
        if col is None:
            if icao24 is None:
                raise SourceError(
                    f"{path}: the file has no ICAO address column: give one with --icao24 HEX"
                )
            return np.full(n, icao24, np.uint32)
        a, b = _hex_addresses(col)
        bad.append((b, "bad icao24"))
        return a

    def times(name: str) -> npt.NDArray[np.float64]:
        t, b = _times(cols[name])
        bad.append((b | ~np.isfinite(t), f"bad {name}"))
        return t

    if fmt == TrackFormat.OPENSKY:
        _need(cols, path, fmt, "time", "icao24", "lat", "lon")
        m = _Mapped(times("time"), addresses(), num("lat"), num("lon"), bad)
        m.extra = {
            "altitude_ft": num("baroaltitude", FT_PER_M),
            "geo_altitude_ft": num("geoaltitude", FT_PER_M),
            "groundspeed_kt": num("velocity", KT_PER_M_S),
            "track_deg": num("heading"),
            "vertical_rate_fpm": num("vertrate", FPM_PER_M_S),
        }
    elif fmt == TrackFormat.TRAFFIC:
        _need(cols, path, fmt, "timestamp", "icao24", "latitude", "longitude")
        m = _Mapped(times("timestamp"), addresses(), num("latitude"), num("longitude"), bad)
        m.extra = {
            "altitude_ft": num("altitude"),
            "geo_altitude_ft": num("geoaltitude"),
            "groundspeed_kt": num("groundspeed"),
            "track_deg": num("track"),
            "vertical_rate_fpm": num("vertical_rate"),
        }
    else:  # FR24 CSV: playback export or archive rows
        if "position" in cols:
            _need(cols, path, "FR24 playback CSV", "timestamp", "altitude")
            lat = np.full(n, np.nan)
            lon = np.full(n, np.nan)
            pos_bad = np.zeros(n, np.bool_)
            for i, p in enumerate(cols["position"]):
                try:
                    a, b = str(p).split(",")
                    lat[i], lon[i] = float(a), float(b)
                except ValueError:
                    pos_bad[i] = True
            bad.append((pos_bad, "bad position"))
            m = _Mapped(times("timestamp"), addresses(), lat, lon, bad)
            speed, track = num("speed"), num("direction")
        else:
            _need(cols, path, "FR24 archive CSV", "snapshot_id", "latitude", "longitude")
            m = _Mapped(times("snapshot_id"), addresses(), num("latitude"), num("longitude"), bad)
            speed, track = num("speed"), num("heading")
        alt = num("altitude")
        m.extra = {
            "altitude_ft": alt,
            "groundspeed_kt": speed,
            "track_deg": track,
            "vertical_rate_fpm": num("vert_speed")
            if "vert_speed" in cols
            else (_derived_rate_fpm(m.icao24, m.time_s, alt)),
            "onground_from_altitude": alt <= 0,
        }
    if "onground" in cols or "on_ground" in cols:
        m.extra["onground"] = _bools(_col(cols, "onground", "on_ground"))  # type: ignore[arg-type]
    if (cs := _col(cols, "callsign")) is not None:
        m.extra["callsign"] = _text(cs, 8)
    if (sq := _col(cols, "squawk")) is not None:
        m.extra["squawk"] = _text(sq, 4)
    m.soft = soft
    return m


def _json(data: bytes, path: Path, what: str) -> Any:
    try:
        return json.loads(data)
    except ValueError as exc:
        raise SourceError(f"{path}: not {what}: {str(exc)[:200]}") from exc
    except RecursionError:
        raise SourceError(f"{path}: not {what}: JSON nested too deeply") from None


def _address(text: object, path: Path) -> int:
    """A 24-bit ICAO address from hex text (``~`` marks a non-ICAO address)."""
    s = str(text).strip().lower().removeprefix("~")
    try:
        value = int(s, 16) if 0 < len(s) <= 6 else -1
    except ValueError:
        value = -1
    if not 0 <= value <= 0xFFFFFF:
        raise SourceError(f"{path}: ICAO address {str(text)[:20]!r} is not six hex digits")
    return value


def _readsb(data: bytes, path: Path) -> tuple[_Mapped, npt.NDArray[np.int64]]:
    doc = _json(data, path, "a readsb trace file")
    try:
        base = float(doc["timestamp"])
        icao = _address(doc["icao"], path)
        trace = doc["trace"]
        if not isinstance(trace, list):
            raise TypeError("trace is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        raise SourceError(f"{path}: not a readsb trace file: {str(exc)[:200]}") from exc
    n = len(trace)
    _check_rows(path, n)
    t, lat, lon = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    alt, gs, trk, vr = (np.full(n, np.nan) for _ in range(4))
    geo = np.full(n, np.nan)
    ground = np.zeros(n, np.bool_)
    src = np.full(n, int(Source.OTHER), np.uint8)
    calls: list[str] = []
    squawks: list[str] = []
    callsign = squawk = ""
    bad = np.zeros(n, np.bool_)
    labels = {s.label: int(s) for s in Source}
    for i, row in enumerate(trace):
        try:
            t[i] = base + float(row[0])
            lat[i], lon[i] = float(row[1]), float(row[2])
            if row[3] == "ground":
                ground[i] = True
            elif row[3] is not None:
                alt[i] = float(row[3])
            gs[i] = float(row[4]) if row[4] is not None else math.nan
            trk[i] = float(row[5]) if row[5] is not None else math.nan
            vr[i] = float(row[7]) if len(row) > 7 and row[7] is not None else math.nan
            details = row[8] if len(row) > 8 else None
            if isinstance(details, dict):
                callsign = str(details.get("flight", callsign) or "").strip()
                squawk = str(details.get("squawk", squawk) or "")
            if len(row) > 9 and isinstance(row[9], str):
                src[i] = labels.get(row[9], int(Source.OTHER))
            if len(row) > 10 and row[10] is not None:
                geo[i] = float(row[10])
        except (TypeError, ValueError, IndexError):
            bad[i] = True
        calls.append(callsign)
        squawks.append(squawk)
    m = _Mapped(t, np.full(n, icao, np.uint32), lat, lon, [(bad, "bad trace row")])
    m.extra = {
        "altitude_ft": alt,
        "geo_altitude_ft": geo,
        "groundspeed_kt": gs,
        "track_deg": trk,
        "vertical_rate_fpm": vr,
        "onground": ground,
        "source": src,
        "callsign": _text(np.asarray(calls, dtype=object), 8),
        "squawk": _text(np.asarray(squawks, dtype=object), 4),
    }
    return m, np.arange(1, n + 1, dtype=np.int64)


def _fr24_json(
    data: bytes, path: Path, icao24: int | None
) -> tuple[_Mapped, npt.NDArray[np.int64]]:
    doc = _json(data, path, "JSON")
    flight = _find(doc, "track")
    if flight is None:
        raise SourceError(f"{path}: not an FR24 JSON export (no 'track' list found)")
    track = flight["track"]
    hexcode = _dig(flight, "aircraft", "identification", "modes")
    callsign = str(_dig(flight, "identification", "callsign") or "")
    if hexcode:
        icao24 = _address(hexcode, path)
    if icao24 is None:
        raise SourceError(f"{path}: the file has no ICAO address: give one with --icao24 HEX")
    n = len(track)
    _check_rows(path, n)
    cols: dict[str, list[Any]] = {
        k: [] for k in ("t", "lat", "lon", "alt", "gs", "trk", "vr", "sq")
    }
    for p in track:
        p = p if isinstance(p, dict) else {}
        cols["t"].append(p.get("timestamp"))
        cols["lat"].append(p.get("latitude"))
        cols["lon"].append(p.get("longitude"))
        cols["alt"].append(_unit(p.get("altitude"), "feet"))
        cols["gs"].append(_unit(p.get("speed"), "kts"))
        cols["trk"].append(p.get("heading"))
        cols["vr"].append(_unit(p.get("verticalSpeed"), "fpm"))
        cols["sq"].append(p.get("squawk"))
    arr = {k: np.asarray(v, dtype=object) for k, v in cols.items()}
    t, tb = _times(arr["t"])
    lat, lb = _floats(arr["lat"])
    lon, ob = _floats(arr["lon"])
    alt = _floats(arr["alt"])[0]
    m = _Mapped(
        t,
        np.full(n, icao24, np.uint32),
        lat,
        lon,
        [(tb | ~np.isfinite(t), "bad timestamp"), (lb | ob, "bad position")],
    )
    m.extra = {
        "altitude_ft": alt,
        "groundspeed_kt": _floats(arr["gs"])[0],
        "track_deg": _floats(arr["trk"])[0],
        "vertical_rate_fpm": _floats(arr["vr"])[0],
        "onground_from_altitude": alt <= 0,
        "squawk": _text(arr["sq"], 4),
        "callsign": _text(np.asarray([callsign] * n, dtype=object), 8),
    }
    return m, np.arange(1, n + 1, dtype=np.int64)


def _unit(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else value


def _dig(doc: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(k)
    return doc


def _find(doc: Any, key: str, depth: int = 0) -> dict[str, Any] | None:
    """The first dict (depth-first, shallow) holding a list under ``key``."""
    if depth > 6:
        return None
    if isinstance(doc, dict):
        if isinstance(doc.get(key), list):
            return doc
        for v in doc.values():
            found = _find(v, key, depth + 1)
            if found is not None:
                return found
    return None


def detect_format(path: Path) -> TrackFormat:
    """The format of ``path`` from its name and first bytes / column names."""
    name = path.name.lower()
    if name.endswith((".json", ".json.gz")) or name.startswith("trace_full"):
        head = _open_bytes(path, head=4096)
        return TrackFormat.READSB if b'"trace"' in head else TrackFormat.FR24
    if name.endswith((".parquet", ".pq")):
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            names = {n.lower() for n in pq.read_schema(path).names}
        except (OSError, pa.ArrowException) as exc:
            raise SourceError(f"{path}: not a readable Parquet file: {exc}") from exc
    else:
        text = _open_bytes(path, head=4096).decode("utf-8-sig", "replace")
        names = (
            {h.strip().strip('"').lower() for h in text.splitlines()[0].split(",")}
            if (text)
            else set()
        )
    if {"baroaltitude", "lat", "lon"} <= names:
        return TrackFormat.OPENSKY
    if {"latitude", "longitude", "timestamp"} <= names and "position" not in names:
        return TrackFormat.TRAFFIC
    if "position" in names or "snapshot_id" in names:
        return TrackFormat.FR24
    raise SourceError(
        f"{path}: cannot tell the format from its columns "
        f"({', '.join(sorted(names)) or 'none'}); give --format"
    )


def read_tracks(
    path: str | Path, format: TrackFormat | str | None = None, icao24: int | None = None
) -> TrackFile:
    """Positions of one file (see the module docstring); SourceError if unreadable."""
    path = Path(path)
    fmt = TrackFormat(format) if format else detect_format(path)
    is_parquet = path.name.lower().endswith((".parquet", ".pq"))
    if fmt == TrackFormat.READSB:
        m, lines = _readsb(_open_bytes(path), path)
    elif fmt == TrackFormat.FR24 and not path.name.lower().endswith((".csv", ".csv.gz")):
        m, lines = _fr24_json(_open_bytes(path), path, icao24)
    else:
        cols, lines = _read_parquet(path) if is_parquet else _read_csv(path)
        m = _tabular(cols, path, fmt, icao24)
    return _finish(path, fmt, m, lines)


def _finish(path: Path, fmt: TrackFormat, m: _Mapped, lines: npt.NDArray[np.int64]) -> TrackFile:
    n = len(m.time_s)
    reasons: list[str | None] = [None] * n
    checks: Sequence[tuple[npt.NDArray[np.bool_], str]] = [
        *m.bad,
        (~np.isfinite(m.time_s), "time missing or not a number"),
        (~np.isfinite(m.lat) | (np.abs(m.lat) > 90), "latitude missing or out of range"),
        (~np.isfinite(m.lon) | (np.abs(m.lon) > 180), "longitude missing or out of range"),
    ]
    bad_mask = np.zeros(n, np.bool_)
    for mask, reason in checks:
        for i in np.flatnonzero(mask & ~bad_mask):
            reasons[i] = reason
        bad_mask |= mask
    good = ~bad_mask
    for name, (lo, hi) in LIMITS.items():
        values = m.extra.get(name)
        if values is None:
            continue
        with np.errstate(invalid="ignore"):
            impossible = ~np.isnan(values) & ~((values >= lo) & (values <= hi))
        if impossible.any():
            m.soft.append((impossible, f"{name} outside [{lo:g}, {hi:g}] (kept as unknown)"))
            values[impossible] = np.nan
    rows = empty_positions(int(good.sum()))
    rows["time_s"] = m.time_s[good]
    rows["icao24"] = m.icao24[good]
    rows["lat"] = m.lat[good]
    rows["lon"] = m.lon[good]
    for name, values in m.extra.items():
        if name != "onground_from_altitude":
            rows[name] = values[good]
    if "onground" not in m.extra and "onground_from_altitude" in m.extra:
        rows["onground"] = m.extra["onground_from_altitude"][good]
        rows["altitude_ft"][rows["onground"]] = np.nan  # "0" means on the ground, not 0 ft
    if "source" not in m.extra:
        rows["source"] = int(Source.OTHER)
    rows = rows[np.argsort(rows["time_s"], kind="stable")]
    bad = [BadRow(int(lines[i]), str(reasons[i])) for i in np.flatnonzero(bad_mask)]
    for mask, reason in m.soft:
        bad += [BadRow(int(lines[i]), reason, kept=True) for i in np.flatnonzero(mask & good)]
    bad.sort(key=lambda b: b.line)
    return TrackFile(path, fmt, rows.astype(POSITION_DTYPE), n, bad)
