"""Frames on the wire between ingest and workers: partition by address, compact binary batches.

Owns the address of each raw frame (for partitioning only, no full decode), the grouping of a
FrameBatch by partition, and the message body format. Pure; thread-safe.

Address: DF11/17/18 carry it in bytes 1-3; every other Mode S reply carries it XORed into the
24-bit parity field (ICAO Annex 10 Vol IV 3.1.2.3.3.2), so it is parity XOR CRC-24 of the data.
A reply with a bit error then resolves to a wrong address and goes to that address's partition
— the worker's decoder drops it as it would on one machine. Mode A/C frames (2 bytes) carry no
address and go to partition 0.

Message body (little-endian), N rows:
  magic  b"STF1"
  u32    N
  u16    R, then R receiver names, each u16 length + UTF-8 bytes
  f64[N] time_s, u16[N] receiver (index into the names above), u64[N] receiver_ticks,
  f32[N] signal_dbfs, u8[N] kind, u8[N] length, then for each row its `length` payload bytes.
Receivers travel by name, so every node maps them to its own indices the same way.
"""

from __future__ import annotations

import struct

import numpy as np
import numpy.typing as npt

from skytrace.cluster.config import HASH_MULTIPLIER
from skytrace.decode.crc import crc_remainder, parity_field
from skytrace.errors import SourceError
from skytrace.model import MAX_FRAME_BYTES, FrameBatch

__all__ = [
    "WireFormatError",
    "address_of",
    "decode_batch",
    "encode_batch",
    "partitions_of",
    "split_by_partition",
]

_MAGIC = b"STF1"


class WireFormatError(SourceError):
    """A message body is not a frame batch this version can read."""


def address_of(batch: FrameBatch) -> npt.NDArray[np.uint32]:
    """The 24-bit address each frame carries or resolves to (0 for Mode A/C)."""
    payload = batch.payload
    df = payload[:, 0] >> 3
    out = np.zeros(len(batch), np.uint32)
    for n_bytes in (7, 14):
        rows = np.flatnonzero(batch.length == n_bytes)
        if rows.size == 0:
            continue
        sub = payload[rows]
        in_clear = np.isin(df[rows], (11, 17, 18))
        clear = (sub[:, 1].astype(np.uint32) << 16) | (sub[:, 2].astype(np.uint32) << 8) | sub[:, 3]
        overlaid = parity_field(sub, n_bytes) ^ crc_remainder(sub, n_bytes)
        out[rows] = np.where(in_clear, clear, overlaid)
    return out


def partitions_of(addresses: npt.NDArray[np.uint32], partitions: int) -> npt.NDArray[np.int64]:
    """`partition_of` over a column of addresses."""
    hashed = (addresses.astype(np.uint64) * np.uint64(HASH_MULTIPLIER)) & np.uint64(0xFFFFFFFF)
    return (hashed % np.uint64(partitions)).astype(np.int64)


def split_by_partition(batch: FrameBatch, partitions: int) -> dict[int, FrameBatch]:
    """The batch's rows grouped by partition, each group in arrival order."""
    parts = partitions_of(address_of(batch), partitions)
    groups: dict[int, FrameBatch] = {}
    for p in np.unique(parts):
        groups[int(p)] = batch.take(np.flatnonzero(parts == p))
    return groups


def encode_batch(batch: FrameBatch) -> bytes:
    """The compact body for one message; receiver indices become names."""
    used = np.unique(batch.receiver)
    names = [batch.receivers.get(int(i), "") for i in used]
    local = np.searchsorted(used, batch.receiver).astype("<u2")
    head = [_MAGIC, struct.pack("<IH", len(batch), len(names))]
    for name in names:
        raw = name.encode("utf-8")
        head.append(struct.pack("<H", len(raw)) + raw)
    lengths = batch.length.astype(np.intp)
    mask = np.arange(MAX_FRAME_BYTES)[None, :] < lengths[:, None]
    return b"".join(
        [
            *head,
            batch.time_s.astype("<f8").tobytes(),
            local.tobytes(),
            batch.receiver_ticks.astype("<u8").tobytes(),
            batch.signal_dbfs.astype("<f4").tobytes(),
            batch.kind.astype(np.uint8).tobytes(),
            batch.length.astype(np.uint8).tobytes(),
            batch.payload[mask].tobytes(),
        ]
    )


def decode_batch(body: bytes, receiver_index: dict[str, int]) -> FrameBatch:
    """A FrameBatch from a body; `receiver_index` maps names to this node's indices (grown here)."""
    if body[:4] != _MAGIC or len(body) < 10:
        raise WireFormatError("not a skytrace frame batch (bad magic or too short)")
    n, r = struct.unpack_from("<IH", body, 4)
    pos = 10
    indices: list[int] = []
    try:
        for _ in range(r):
            (size,) = struct.unpack_from("<H", body, pos)
            name = body[pos + 2 : pos + 2 + size].decode("utf-8")
            pos += 2 + size
            indices.append(receiver_index.setdefault(name, len(receiver_index) + 1))

        def column(dtype: str) -> npt.NDArray[np.generic]:
            nonlocal pos
            width = np.dtype(dtype).itemsize * n
            if pos + width > len(body):
                raise WireFormatError("frame batch truncated")
            col = np.frombuffer(body, dtype, n, pos)
            pos += width
            return col

        time_s = column("<f8")
        local = column("<u2")
        ticks = column("<u8")
        signal = column("<f4")
        kind = column("u1")
        length = column("u1")
    except (struct.error, UnicodeDecodeError) as exc:
        raise WireFormatError(f"frame batch damaged: {exc}") from None
    batch = FrameBatch.empty(n)
    batch.time_s[:] = time_s
    table = np.asarray(indices or [0], np.uint32)
    if n and int(local.max()) >= len(table):
        raise WireFormatError("receiver index outside the batch's name table")
    batch.receiver[:] = table[local.astype(np.intp)]
    batch.receiver_ticks[:] = ticks
    batch.signal_dbfs[:] = signal
    batch.kind[:] = kind
    batch.length[:] = length
    lengths = length.astype(np.intp)
    if np.any(lengths > MAX_FRAME_BYTES) or pos + int(lengths.sum()) != len(body):
        raise WireFormatError("frame batch payload size does not match its lengths")
    mask = np.arange(MAX_FRAME_BYTES)[None, :] < lengths[:, None]
    batch.payload[mask] = np.frombuffer(body, np.uint8, int(lengths.sum()), pos)
    batch.receivers = {index: name for name, index in receiver_index.items()}
    return batch
