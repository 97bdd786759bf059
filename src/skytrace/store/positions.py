"""Position history on disk: hour-partitioned Parquet files, their encodings and compaction.

Layout (under ``<data_dir>/store/positions/``)::

    2023-09-12/02/seg-000017.npy         a flushed segment of hour 02:00-03:00 UTC: raw
                                         POSITION_DTYPE rows (.npy), unsorted, short-lived
    2023-09-12/02/sorted-000016.parquet  the hour's compacted file: every segment <= 16, sorted

The directory listing is the state, no manifest: in one hour directory the live files are the
newest ``sorted-K`` file plus every ``seg-N`` with ``N > K``. Everything else (older sorted
files, segments already merged, ``*.tmp``) is garbage that recovery deletes. Because a file
only ever appears by an atomic rename of a complete, fsync'ed temporary, a crash at any moment
leaves either the old or the new state, both readable by that rule.

Parquet columns (names follow traffic / OpenSky where they mean the same)::

    icao24        string (dictionary)   6 lower-case hex digits; files sort by it, then time
    timestamp     timestamp[ms, UTC]    delta encoded
    latitude      float64 -> float32    degrees WGS84 (float32: < 1 m at any latitude)
    longitude     float32               degrees WGS84
    altitude      float32               barometric, ft; null = unknown
    geoaltitude   float32               GNSS, ft; null = unknown
    groundspeed   float32               kt; null = unknown
    track         float32               degrees true; null = unknown
    vertical_rate float32               ft/min; null = unknown
    onground      bool
    callsign      string (dictionary)   null = unknown
    squawk        string (dictionary)   4 octal digits; null = unknown
    source        string (dictionary)   skytrace.model.Source label, e.g. "adsb_icao"
    receivers     uint16                receivers that heard the position

Floats are written with BYTE_STREAM_SPLIT and zstd, the timestamp with DELTA_BINARY_PACKED,
one row group per 65,536 rows with its own small dictionaries. Segments are plain ``.npy``
files because they live at most an hour and must be cheap to write and to read back for
compaction; readers convert them on the fly (they hold at most the open hour).
Every Parquet file is written with page checksums (CRC-32 per data page) and every segment
ends with a CRC-32 trailer, so ``verify_file`` notices damage (zeroed or flipped bytes) that
would otherwise read back as silently wrong rows. A file that fails verification is never
deleted: ``quarantine`` moves it to ``store/quarantine/`` for a person to look at.

Exact duplicate positions (same address, time to the millisecond, latitude and longitude as
stored) are removed when an hour is compacted (``dedupe_sorted``): re-ingesting a file adds
nothing, and frames of one read that share an arrival time are stored once.

Functions here are pure file operations with no shared state; the writer thread of
``skytrace.store.writer`` is their only caller that modifies files.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from skytrace.errors import DamagedFileError
from skytrace.model import POSITION_DTYPE, Source

__all__ = [
    "HOUR_S",
    "PARQUET_SCHEMA",
    "HourFiles",
    "compact_hour",
    "dedupe_sorted",
    "fsync_dir",
    "hour_dir",
    "hour_start_s",
    "list_hours",
    "live_files",
    "positions_to_table",
    "quarantine",
    "read_file",
    "read_segments",
    "recover_hour",
    "sort_rows",
    "table_to_positions",
    "verify_file",
    "write_segment",
    "write_sorted",
]

HOUR_S: Final = 3600
ROW_GROUP_ROWS: Final = 65_536  # small groups: a one-aircraft read prunes to one or two
SORTED_ZSTD_LEVEL: Final = 5  # 6 saves 0.05 byte/position for 18% more CPU

# (parquet column, POSITION_DTYPE field, stored resolution; 0 = as float32)
_FLOAT_COLUMNS: Final = (
    ("altitude", "altitude_ft", 0.0),
    ("geoaltitude", "geo_altitude_ft", 0.0),
    ("groundspeed", "groundspeed_kt", 1 / 8),  # ADS-B sends 1 kt (or 4 kt supersonic)
    ("track", "track_deg", 1 / 64),  # from 1 kt components: ~0.1 deg at 450 kt
    ("vertical_rate", "vertical_rate_fpm", 0.0),
)
_SOURCE_LABELS: Final = [s.label for s in sorted(Source)]
_SOURCE_BY_LABEL: Final = {s.label: int(s) for s in Source}

PARQUET_SCHEMA: Final = pa.schema(
    [
        ("icao24", pa.dictionary(pa.int32(), pa.string())),
        ("timestamp", pa.timestamp("ms", tz="UTC")),
        ("latitude", pa.float32()),
        ("longitude", pa.float32()),
        ("altitude", pa.float32()),
        ("geoaltitude", pa.float32()),
        ("groundspeed", pa.float32()),
        ("track", pa.float32()),
        ("vertical_rate", pa.float32()),
        ("onground", pa.bool_()),
        ("callsign", pa.dictionary(pa.int32(), pa.string())),
        ("squawk", pa.dictionary(pa.int32(), pa.string())),
        ("source", pa.dictionary(pa.int32(), pa.string())),
        ("receivers", pa.uint16()),
    ]
)

_SEG_RE: Final = re.compile(r"^seg-(\d{6,})\.(?:parquet|npy)$")
_SORTED_RE: Final = re.compile(r"^sorted-(\d{6,})\.parquet$")


def hour_start_s(time_s: float) -> int:
    return int(time_s // HOUR_S) * HOUR_S


def hour_dir(root: Path, hour_s: int) -> Path:
    """``root/YYYY-MM-DD/HH`` for the hour starting at ``hour_s`` (UTC)."""
    t = datetime.fromtimestamp(hour_s, tz=UTC)
    return root / t.strftime("%Y-%m-%d") / t.strftime("%H")


def _dir_hour_s(path: Path) -> int | None:
    try:
        t = datetime.strptime(f"{path.parent.name} {path.name} +0000", "%Y-%m-%d %H %z")
    except ValueError:
        return None
    return int(t.timestamp())


def list_hours(root: Path) -> list[tuple[int, Path]]:
    """Every hour directory under ``root`` as (hour start s, path), oldest first."""
    out: list[tuple[int, Path]] = []
    if not root.is_dir():
        return out
    for day in root.iterdir():
        if not day.is_dir():
            continue
        for hour in day.iterdir():
            h = _dir_hour_s(hour)
            if h is not None and hour.is_dir():
                out.append((h, hour))
    out.sort()
    return out


# -- conversion -------------------------------------------------------------------------------


def _string_dictionary(values: npt.NDArray[np.bytes_]) -> pa.DictionaryArray:
    """Fixed-width bytes -> dictionary<string> with null for b"" (unique values decoded once).

    The bytes are viewed as one unsigned integer each and hash-encoded by Arrow, so finding
    the distinct values costs no string sort.
    """
    width = values.dtype.itemsize
    as_int = np.ascontiguousarray(values).view(f"u{width}")
    encoded = pa.array(as_int).dictionary_encode()
    uniq = encoded.dictionary.to_numpy(zero_copy_only=False).astype(f"u{width}")
    labels = [u.decode("ascii", "replace").strip() for u in uniq.view(values.dtype).tolist()]
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    empty = np.array([lbl == "" for lbl in labels], dtype=bool)
    mask = empty[indices] if empty.any() else None
    return pa.DictionaryArray.from_arrays(
        pa.array(indices, pa.int32(), mask=mask), pa.array(labels, pa.string())
    )


def _float_column(values: npt.NDArray[np.floating], step: float = 0.0) -> pa.Array:
    v = np.asarray(values, dtype=np.float32)
    if step:
        # A power-of-two step leaves the low mantissa bits zero, which zstd then removes.
        v = np.round(v / np.float32(step)) * np.float32(step)
    nan = np.isnan(v)
    return pa.array(v, mask=nan if nan.any() else None)


def positions_to_table(rows: npt.NDArray[np.void]) -> pa.Table:
    """POSITION_DTYPE rows -> an Arrow table in the Parquet schema (no sorting)."""
    encoded = pa.array(rows["icao24"].astype(np.uint32)).dictionary_encode()
    icao_dict = pa.DictionaryArray.from_arrays(
        encoded.indices.cast(pa.int32()),
        pa.array([f"{a:06x}" for a in encoded.dictionary.to_pylist()]),
    )
    time_ms = np.round(rows["time_s"] * 1000.0).astype(np.int64)
    source = np.clip(rows["source"].astype(np.int32), 0, len(_SOURCE_LABELS) - 1)
    columns: list[pa.Array] = [
        icao_dict,
        pa.array(time_ms, pa.int64()).cast(pa.timestamp("ms", tz="UTC")),
        pa.array(rows["lat"].astype(np.float32)),
        pa.array(rows["lon"].astype(np.float32)),
    ]
    columns.extend(_float_column(rows[name], step) for _, name, step in _FLOAT_COLUMNS)
    columns.extend(
        [
            pa.array(rows["onground"].astype(bool)),
            _string_dictionary(rows["callsign"]),
            _string_dictionary(rows["squawk"]),
            pa.DictionaryArray.from_arrays(pa.array(source), pa.array(_SOURCE_LABELS)),
            pa.array(rows["n_receivers"].astype(np.uint16)),
        ]
    )
    return pa.Table.from_arrays(columns, schema=PARQUET_SCHEMA)


def _plain(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    return column


def table_to_positions(table: pa.Table) -> npt.NDArray[np.void]:
    """An Arrow table in the Parquet schema (any column order) -> POSITION_DTYPE rows."""
    n = table.num_rows
    out = np.zeros(n, POSITION_DTYPE)
    if n == 0:
        return out
    out["icao24"] = _addresses(table.column("icao24"))
    ts = _plain(table.column("timestamp"))
    micros = ts.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
    out["time_s"] = micros.to_numpy(zero_copy_only=False) / 1e6
    out["lat"] = _plain(table.column("latitude")).to_numpy(zero_copy_only=False)
    out["lon"] = _plain(table.column("longitude")).to_numpy(zero_copy_only=False)
    for col, name, _ in _FLOAT_COLUMNS:
        arr = _plain(table.column(col)).cast(pa.float32())
        out[name] = arr.fill_null(np.nan).to_numpy(zero_copy_only=False)
    out["onground"] = _plain(table.column("onground")).fill_null(False).to_numpy(False)
    for col in ("callsign", "squawk"):
        vals = _plain(table.column(col)).fill_null("").to_numpy(zero_copy_only=False)
        out[col] = np.asarray(vals, dtype=out.dtype[col])
    src = _plain(table.column("source")).fill_null(Source.OTHER.label).to_pylist()
    lut = {label: code for label, code in _SOURCE_BY_LABEL.items()}
    out["source"] = np.array([lut.get(s, int(Source.OTHER)) for s in src], np.uint8)
    out["n_receivers"] = _plain(table.column("receivers")).fill_null(0).to_numpy(False)
    return out


# -- files --------------------------------------------------------------------------------------


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _writer_options(zstd_level: int) -> dict[str, object]:
    return {
        "compression": "zstd",
        "compression_level": zstd_level,
        "use_dictionary": ["icao24", "callsign", "squawk", "source", "onground", "receivers"],
        "column_encoding": {
            "timestamp": "DELTA_BINARY_PACKED",
            **{
                name: "BYTE_STREAM_SPLIT"
                for name in ("latitude", "longitude", *(c for c, _, _ in _FLOAT_COLUMNS))
            },
        },
        "write_statistics": True,
        "write_page_checksum": True,
    }


@dataclass(frozen=True, slots=True)
class HourFiles:
    """What one hour directory holds, split by the live-file rule."""

    hour_s: int
    path: Path
    sorted_file: Path | None
    sorted_seq: int
    segments: tuple[tuple[int, Path], ...]  # live segments (seq > sorted_seq), in seq order
    garbage: tuple[Path, ...]  # merged segments, older sorted files, temporaries

    @property
    def live(self) -> list[Path]:
        files = [self.sorted_file] if self.sorted_file is not None else []
        return files + [p for _, p in self.segments]

    @property
    def next_seq(self) -> int:
        last = max([self.sorted_seq, *(s for s, _ in self.segments)])
        return last + 1


def scan_hour(hour_s: int, path: Path) -> HourFiles:
    sorted_files: list[tuple[int, Path]] = []
    segments: list[tuple[int, Path]] = []
    garbage: list[Path] = []
    for f in path.iterdir() if path.is_dir() else ():
        if m := _SEG_RE.match(f.name):
            segments.append((int(m.group(1)), f))
        elif m := _SORTED_RE.match(f.name):
            sorted_files.append((int(m.group(1)), f))
        elif f.name.endswith(".tmp"):
            garbage.append(f)
    sorted_files.sort()
    segments.sort()
    sorted_seq, sorted_file = sorted_files[-1] if sorted_files else (-1, None)
    garbage.extend(p for _, p in sorted_files[:-1])
    garbage.extend(p for s, p in segments if s <= sorted_seq)
    live = tuple((s, p) for s, p in segments if s > sorted_seq)
    return HourFiles(hour_s, path, sorted_file, sorted_seq, live, tuple(garbage))


def live_files(root: Path, start_s: float | None = None, end_s: float | None = None) -> list[Path]:
    """Live Parquet files of the hours overlapping [start_s, end_s] (all hours when None)."""
    files: list[Path] = []
    for hour_s, path in list_hours(root):
        if start_s is not None and hour_s + HOUR_S <= start_s:
            continue
        if end_s is not None and hour_s > end_s:
            continue
        files.extend(scan_hour(hour_s, path).live)
    return files


_SEG_TRAILER: Final = b"SKYCRC32"  # + 4 bytes CRC-32 of everything before the trailer


def write_segment(
    root: Path, hour_s: int, rows: npt.NDArray[np.void], seq: int
) -> tuple[Path, npt.NDArray[np.void]]:
    """Write POSITION_DTYPE rows as ``seg-<seq>.npy`` of their hour (temp, fsync, rename).

    The file is a plain ``.npy`` followed by a 12-byte trailer (``SKYCRC32`` and the CRC-32
    of the ``.npy`` bytes). Returns the file and the rows as written. On any error (a full
    disk) the temporary file is removed and nothing else changed.
    """
    path = hour_dir(root, hour_s)
    new_dir = not path.is_dir()
    path.mkdir(parents=True, exist_ok=True)
    if new_dir:
        fsync_dir(path.parent)
        fsync_dir(path.parent.parent)
    target = path / f"seg-{seq:06d}.npy"
    tmp = target.with_name(target.name + ".tmp")
    # Unsorted: one sort of the whole hour at compaction costs less CPU than sorting each
    # segment and merging (measured: 1.7 vs 2.2 CPU-s for 5 M rows).
    rows = np.ascontiguousarray(rows, dtype=POSITION_DTYPE)
    buf = io.BytesIO()
    np.save(buf, rows, allow_pickle=False)
    data = buf.getbuffer()
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.write(_SEG_TRAILER + zlib.crc32(data).to_bytes(4, "little"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path)
    return target, rows


def _read_segment(path: Path) -> npt.NDArray[np.void]:
    data = path.read_bytes()
    n = len(_SEG_TRAILER) + 4
    if len(data) >= n and data[-n:-4] == _SEG_TRAILER:
        body = memoryview(data)[:-n]
        if zlib.crc32(body) != int.from_bytes(data[-4:], "little"):
            raise DamagedFileError(path, "segment checksum does not match its contents")
    else:  # a segment written before trailers existed
        body = memoryview(data)
    try:
        rows: npt.NDArray[np.void] = np.load(io.BytesIO(body), allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise DamagedFileError(path, f"not a readable segment ({exc})") from exc
    if rows.dtype != POSITION_DTYPE:
        raise DamagedFileError(path, "does not hold position rows")
    return rows


def read_file(path: Path) -> npt.NDArray[np.void]:
    """POSITION_DTYPE rows of one live file (segment or sorted Parquet), checksums verified.

    Raises ``DamagedFileError`` naming the file when it does not read back whole.
    """
    if path.suffix == ".npy":
        return _read_segment(path)
    return table_to_positions(_read_parquet_verified(path))


def _read_parquet_verified(path: Path) -> pa.Table:
    try:
        return pq.ParquetFile(path, page_checksum_verification=True).read()
    except FileNotFoundError:
        raise
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise DamagedFileError(path, str(exc)) from exc


def verify_file(path: Path) -> None:
    """Read ``path`` whole, checking every checksum; ``DamagedFileError`` when it fails.

    Parquet files written before page checksums existed are read whole too (structure and
    decompression checked, not the values).
    """
    if path.suffix == ".npy":
        _read_segment(path)
    else:
        _read_parquet_verified(path)


def quarantine(path: Path, quarantine_dir: Path) -> Path:
    """Move a damaged file out of the live tree into ``quarantine_dir``; returns where to.

    The new name keeps the file's place in the tree (``2023-09-12_02_sorted-000016.parquet``)
    and a time stamp, so nothing is overwritten and a person can see what it was.
    """
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    stem = "_".join(path.parts[-3:])
    target = quarantine_dir / f"{stem}.{time.time_ns()}"
    os.replace(path, target)
    fsync_dir(path.parent)
    fsync_dir(quarantine_dir)
    return target


def read_segments(paths: Sequence[Path]) -> npt.NDArray[np.void]:
    parts = [read_file(p) for p in paths]
    return np.concatenate(parts) if parts else np.zeros(0, POSITION_DTYPE)


def write_sorted(rows: npt.NDArray[np.void], path: Path, *, zstd_level: int) -> None:
    """Rows already sorted -> one Parquet file, one row group (own dictionaries) per chunk."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as fh:
            with pq.ParquetWriter(fh, PARQUET_SCHEMA, **_writer_options(zstd_level)) as writer:
                for i in range(0, max(len(rows), 1), ROW_GROUP_ROWS):
                    writer.write_table(
                        positions_to_table(rows[i : i + ROW_GROUP_ROWS]),
                        row_group_size=ROW_GROUP_ROWS,
                    )
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def _remove(paths: Iterable[Path]) -> None:
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _addresses(column: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.uint32]:
    """The icao24 column as uint32 addresses (hex parsed once per distinct value)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not pa.types.is_dictionary(column.type):
        column = column.dictionary_encode()
    lut = np.array([int(h, 16) for h in column.dictionary.to_pylist()], np.uint32)
    out: npt.NDArray[np.uint32] = lut[column.indices.to_numpy(zero_copy_only=False)]
    return out


def sort_rows(rows: npt.NDArray[np.void]) -> npt.NDArray[np.void]:
    """Rows sorted by address then time (stable).

    Positions arrive nearly in time order, so a stable sort by time (timsort: close to one
    pass) followed by a stable radix sort of a 16-bit address rank costs half of one argsort
    of a 64-bit (address, time) key; more than 65,535 aircraft in one hour falls back to that.
    """
    if len(rows) == 0:
        return rows
    ms = np.round(rows["time_s"] * 1000.0).astype(np.int64)
    encoded = pa.array(rows["icao24"]).dictionary_encode()
    addresses = encoded.dictionary.to_numpy(zero_copy_only=False)
    if len(addresses) <= 0xFFFF:
        rank = np.empty(len(addresses), np.uint16)
        rank[np.argsort(addresses)] = np.arange(len(addresses), dtype=np.uint16)
        by_time = np.argsort(ms, kind="stable")
        row_rank = rank[encoded.indices.to_numpy(zero_copy_only=False)]
        order = by_time[np.argsort(row_rank[by_time], kind="stable")]
    else:
        offset = (ms - ms.min()).astype(np.uint64)  # < 2**34 ms (198 days) in one file
        key = (rows["icao24"].astype(np.uint64) << np.uint64(34)) | offset
        order = np.argsort(key, kind="stable")
    return _take_rows(rows, order)


def _take_rows(rows: npt.NDArray[np.void], order: npt.NDArray[np.intp]) -> npt.NDArray[np.void]:
    """``rows[order]``, copying each 64-byte row as 8 words (3x faster than a record gather)."""
    width = rows.dtype.itemsize
    if width % 8 or not rows.flags.c_contiguous:
        taken: npt.NDArray[np.void] = rows[order]
        return taken
    words = rows.view(np.uint64).reshape(len(rows), width // 8)
    out: npt.NDArray[np.void] = np.take(words, order, axis=0).reshape(-1).view(rows.dtype)
    return out


def dedupe_sorted(rows: npt.NDArray[np.void]) -> npt.NDArray[np.void]:
    """Rows sorted by (address, time) without exact repeats of (address, time in ms,
    latitude and longitude as float32); the first of each repeat is kept.

    Neighbours are compared first (one pass); the rare rows that share address and time with
    a neighbour but not its position are then checked against their whole group.
    """
    n = len(rows)
    if n < 2:
        return rows
    icao = rows["icao24"]
    ms = np.round(rows["time_s"] * 1000.0).astype(np.int64)
    lat = rows["lat"].astype(np.float32)
    lon = rows["lon"].astype(np.float32)
    same_time = np.empty(n, bool)
    same_time[0] = False
    same_time[1:] = (icao[1:] == icao[:-1]) & (ms[1:] == ms[:-1])
    drop = np.zeros(n, bool)
    drop[1:] = same_time[1:] & (lat[1:] == lat[:-1]) & (lon[1:] == lon[:-1])
    # Groups of one (address, time) with more than two rows may hide non-adjacent repeats.
    starts = np.flatnonzero(~same_time)
    sizes = np.diff(np.append(starts, n))
    for start, size in zip(starts[sizes > 2].tolist(), sizes[sizes > 2].tolist(), strict=True):
        seen: set[tuple[int, int]] = set()
        for i in range(start, start + size):
            key = (int(lat[i : i + 1].view(np.uint32)[0]), int(lon[i : i + 1].view(np.uint32)[0]))
            drop[i] = key in seen
            seen.add(key)
    if not drop.any():
        return rows
    kept: npt.NDArray[np.void] = rows[~drop]
    return kept


@dataclass(frozen=True, slots=True)
class Compaction:
    """What one hour's compaction did: rows before (live files) and after (deduplicated)."""

    path: Path | None
    rows_in: int
    rows_out: int
    rows_before: int  # rows the hour's sorted file held before (earlier sessions)


def compact_hour(
    files: HourFiles, cached: dict[Path, npt.NDArray[np.void]] | None = None
) -> Compaction:
    """Merge the live files of one hour into one sorted file without duplicate rows; delete
    what it replaced (only after the new file is in place).

    ``cached`` holds rows of segments the caller still has in memory (read from disk if not).
    A live file that does not read back raises ``DamagedFileError`` (nothing is deleted).
    """
    if not files.segments:
        _remove(files.garbage)
        return Compaction(files.sorted_file, 0, 0, 0)
    cached = cached or {}
    parts = [cached[p] if p in cached else read_file(p) for p in files.live]
    before = len(parts[0]) if files.sorted_file is not None else 0
    merged = np.concatenate(parts) if len(parts) > 1 else parts[0]
    rows = dedupe_sorted(sort_rows(merged))
    seq = files.segments[-1][0]
    target = files.path / f"sorted-{seq:06d}.parquet"
    write_sorted(rows, target, zstd_level=SORTED_ZSTD_LEVEL)
    _remove([*(p for p in files.live if p != target), *files.garbage])
    return Compaction(target, len(merged), len(rows), before)


def recover_hour(files: HourFiles, quarantine_dir: Path) -> tuple[HourFiles, list[Path]]:
    """Make one hour directory consistent after a crash; returns the files quarantined.

    The newest sorted file is read back whole first: if it is damaged it is quarantined and
    the directory scanned again, so that the older sorted file and the segments it would
    have replaced become live again (a good file is never deleted because a newer-numbered
    file claims to replace it). Damaged live segments are quarantined too. Only then is
    garbage (temporaries, older sorted files, merged segments) deleted.
    """
    moved: list[Path] = []
    while files.sorted_file is not None:
        try:
            verify_file(files.sorted_file)
            break
        except DamagedFileError:
            moved.append(quarantine(files.sorted_file, quarantine_dir))
            files = scan_hour(files.hour_s, files.path)
    good: list[tuple[int, Path]] = []
    for seq, p in files.segments:
        try:
            verify_file(p)
        except DamagedFileError:
            moved.append(quarantine(p, quarantine_dir))
            continue
        good.append((seq, p))
    _remove(files.garbage)
    return (
        HourFiles(files.hour_s, files.path, files.sorted_file, files.sorted_seq, tuple(good), ()),
        moved,
    )


def drop_hours_before(root: Path, cutoff_s: float, *, written_before_s: float) -> list[Path]:
    """Retention: delete whole hour directories whose data ends at or before ``cutoff_s``
    and whose files were all last written before ``written_before_s`` (wall clock), so that
    a recording imported today is kept however old its data is."""
    dropped: list[Path] = []
    for hour_s, path in list_hours(root):
        if hour_s + HOUR_S > cutoff_s:
            continue
        files = list(path.iterdir())
        if any(f.stat().st_mtime >= written_before_s for f in files):
            continue
        _remove(files)
        path.rmdir()
        dropped.append(path)
        if not any(path.parent.iterdir()):
            path.parent.rmdir()
    return dropped


def newest_time_s(files: Sequence[Path]) -> float | None:
    """Latest position time in ``files`` from Parquet statistics (no data read)."""
    best: float | None = None
    for f in files:
        if f.suffix == ".npy":
            try:
                rows = read_file(f)
            except (OSError, DamagedFileError):
                continue
            if len(rows):
                t = float(rows["time_s"].max())
                best = t if best is None else max(best, t)
            continue
        try:
            meta = pq.read_metadata(f)
        except (OSError, pa.ArrowException):
            continue
        col = meta.schema.names.index("timestamp")
        for rg in range(meta.num_row_groups):
            stats = meta.row_group(rg).column(col).statistics
            if stats is not None and stats.has_min_max:
                v = stats.max
                t = v.timestamp() if isinstance(v, datetime) else float(v) / 1000.0
                best = t if best is None else max(best, t)
    return best
