"""Where simulated frames go: Beast or AVR bytes to a file or a TCP server, paced in time.

Owns the simulator's output side (the frame encoding itself is ``skytrace.outputs.encode``):

- Beast with receiver ids and UTC: one stream carries many receivers the way readsb's
  ``beast_out`` with ``--net-receiver-id`` does: a ``0x1a 0xe3`` frame with the receiver's
  8-byte id names the receiver of the frames after it (sticky). Frames of a batch are grouped
  by receiver (stable, so each receiver's frames stay in time order); an id frame and a UTC
  stamp (``0x1a 0xe8``, the group's first reception time in milliseconds, as readsb's
  ``--dump-beast`` writes it) start each group, so a recording carries its real date and each
  receiver's counter stays its own on replay. A receiver's id is the first 8 bytes of
  BLAKE2b(name) with any 0x1a byte replaced by 0x1b (``skytrace.outputs.encode.receiver_id``),
  stable from run to run.
- AVR: ``@TTTTTTTTTTTTHEX;`` lines with the receiver's 12 MHz counter (AVR has no receiver id).
- Sinks: a file, or a TCP connection to a skytrace server's Beast-in port (30004 by default).
- ``Pacer``: real time (speed 1), N× accelerated, or as fast as possible (speed 0).

Not thread-safe; one writer per output.
"""

from __future__ import annotations

import contextlib
import socket
import time
from pathlib import Path
from typing import BinaryIO, Protocol

from skytrace.errors import UsageError
from skytrace.model import FrameBatch
from skytrace.outputs.encode import (
    encode_avr,
    encode_beast,
    encode_beast_receivers,
    receiver_id,
)

__all__ = [
    "ByteSink",
    "FileSink",
    "Pacer",
    "TcpSink",
    "beast_bytes",
    "encode_frames",
    "parse_host_port",
    "receiver_id",
]


def beast_bytes(frames: FrameBatch, *, receiver_ids: dict[int, int] | None = None) -> bytes:
    """The batch as escaped Beast; with ``receiver_ids`` (index -> id) grouped per receiver,
    each group opened by its receiver id and a UTC stamp (``encode_beast_receivers``)."""
    if len(frames) == 0:
        return b""
    if receiver_ids is None:
        return encode_beast(frames)
    return encode_beast_receivers(frames, receiver_ids=receiver_ids, utc_stamps=True)


def encode_frames(
    frames: FrameBatch, fmt: str, receiver_ids: dict[int, int] | None = None
) -> bytes:
    """A batch as ``beast`` or ``avr`` bytes."""
    if fmt == "beast":
        return beast_bytes(frames, receiver_ids=receiver_ids)
    if fmt == "avr":
        return encode_avr(frames, timestamps=True)
    raise UsageError(f"unknown format {fmt!r}: use beast or avr")


def parse_host_port(text: str, default_port: int = 30004) -> tuple[str, int]:
    """``HOST:PORT`` (or ``HOST``) -> (host, port); UsageError when malformed."""
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = text, str(default_port)
    try:
        port = int(port_text)
    except ValueError as exc:
        raise UsageError(f"bad port in {text!r}: use HOST:PORT, e.g. 127.0.0.1:30004") from exc
    if not host or not 0 < port < 65536:
        raise UsageError(f"bad address {text!r}: use HOST:PORT, e.g. 127.0.0.1:30004")
    return host, port


class ByteSink(Protocol):
    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...


class FileSink:
    """Frames appended to a file (created or truncated)."""

    def __init__(self, path: Path) -> None:
        try:
            self._fh: BinaryIO = open(path, "wb")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
        self.bytes = 0

    def write(self, data: bytes) -> None:
        self._fh.write(data)
        self.bytes += len(data)

    def close(self) -> None:
        self._fh.close()


class TcpSink:
    """Frames pushed over one TCP connection, as a feeder pushes to a server's Beast-in port."""

    def __init__(self, host: str, port: int, timeout_s: float = 10.0) -> None:
        try:
            self._sock = socket.create_connection((host, port), timeout=timeout_s)
        except OSError as exc:
            raise UsageError(f"cannot connect to {host}:{port}: {exc.strerror or exc}") from exc
        self.bytes = 0

    def write(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except OSError as exc:
            raise UsageError(f"connection lost: {exc.strerror or exc}") from exc
        self.bytes += len(data)

    def close(self) -> None:
        with contextlib.suppress(OSError):  # the peer may already be gone
            self._sock.shutdown(socket.SHUT_WR)
        self._sock.close()


class Pacer:
    """Sleeps so that simulated time runs at ``speed`` × real time (0: no sleeping)."""

    def __init__(self, speed: float, sim_start_s: float) -> None:
        if speed < 0:
            raise UsageError("--speed must be 0 (as fast as possible) or positive")
        self.speed = speed
        self.sim_start_s = sim_start_s
        self.wall_start_s = time.monotonic()

    def wait_until(self, sim_time_s: float) -> None:
        if self.speed == 0:
            return
        due = self.wall_start_s + (sim_time_s - self.sim_start_s) / self.speed
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
