"""The feeder server (asyncio): Beast / AVR in over TCP, pull clients, micro-batching.

Push: receivers connect to the Beast-in port (default 30004; readsb
``--net-connector HOST,30004,beast_out``) or the AVR-in port (30001) and send frames.
Pull: ``PullTarget(host, port, format)`` connects out to a dump1090/readsb port (30005 Beast,
30002 AVR, 30003 SBS), reconnecting with exponential backoff (1 s doubling to 60 s, reset by
a connection that delivered data) when the connection fails, ends, or stays silent for
``idle_timeout_s``.

Feeder identity, in order: a feeder key, presented as the first line of the connection,
``KEY <key>\\n`` (ASCII, at most 200 bytes, before any frame), looked up in the configured
feeders (name, lat, lon); readsb receiver-id frames (0xe3) inside a Beast stream (each id
becomes its own receiver); otherwise the peer ``ip:port``. With ``require_feeder_key`` a
connection without a known key is refused (closed, logged, counted in ``refused``).

Reading and parsing are split: ``data_received`` only keeps the chunk in the feeder's inbox.
Every ``batch_interval_s`` (or as soon as about ``batch_frames`` frames' worth of bytes wait)
the inboxes of all Beast feeders are parsed together in one vectorized pass
(``BeastParser.feed_many``), so two thousand feeders sending small chunks cost one parse, not
two thousand; frames get their feeder's latest arrival time.

Limits per connection (``ServerLimits``): more than ``max_buffer_bytes`` waiting in a feeder's
inbox (or more than ``max_total_buffer_bytes`` in all inboxes) pauses reading from that
feeder only (TCP pushes back on it) until the batch is made;
more than ``max_garbage_ratio`` of its bytes being garbage once ``garbage_check_bytes`` have
arrived drops the connection (its frames of that batch are not passed on; the ratio is taken
over the bytes as they were before unescaping: a flood of 0x1a 0x1a pairs is all garbage);
no data for ``idle_timeout_s`` drops it.

Limits an anonymous peer cannot exhaust: a connection that starts a key line (or, with
``require_feeder_key``, any connection) must finish it within ``handshake_timeout_s`` of
connecting (more bytes do not extend it); at most ``max_connections_per_address``
connections without a known key per peer IP; beyond ``max_connections`` new connections are
refused, and the last ``reserved_keyed_connections`` of them (when feeders are configured)
are kept for connections that present a known key within the handshake deadline. readsb
receiver ids register at most ``max_receiver_ids_anonymous`` (``max_receiver_ids_keyed`` for a
known key or a pull) receivers per connection and ``max_receivers`` in all; receivers silent
for ``receiver_expiry_s`` are forgotten unless configured. Warnings about hostile
connections are summaries (a key is shown as its first characters and length) and at most
ten per reason in ten seconds (``skytrace.sources.limits.LogLimiter``); the rest are counted
and summed up. ``load_server_limits`` reads the limits from a feeder TOML's ``[limits]``.

Micro-batching: the frames of all feeders and pulls are joined, each receiver's 12 MHz clock
fit is updated
(skytrace.sources.clock; with ``clock_time`` the frames' times come from it) and the batch is
handed to ``process`` (the runtime). An exception from ``process`` is logged and counted,
never fatal. Positions from SBS pulls go to ``write_positions``.

Everything runs on one event loop thread; not thread-safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from skytrace.errors import SourceError, UsageError
from skytrace.model import FrameBatch
from skytrace.sources.avr import AvrParser
from skytrace.sources.beast import BeastParser
from skytrace.sources.clock import ReceiverClock, apply_clocks
from skytrace.sources.limits import LogLimiter, ServerLimits, key_summary, load_server_limits
from skytrace.sources.receivers import ReceiverCounters, ReceiverRegistry
from skytrace.sources.sbs import SbsParser

__all__ = [
    "FeederConfig",
    "IngestServer",
    "PullTarget",
    "ServerConfig",
    "ServerCounters",
    "ServerLimits",
    "load_feeder_config",
    "load_server_limits",
    "parse_pull_target",
]

log = logging.getLogger(__name__)

_KEY_PREFIX: Final = b"KEY "
_MAX_HELLO_BYTES: Final = 200
_BYTES_PER_PENDING_FRAME: Final = 24  # rough bytes of a Beast frame on the wire
_READ_BYTES: Final = 1 << 16


@dataclass(frozen=True, slots=True)
class FeederConfig:
    key: str
    name: str
    lat: float = math.nan
    lon: float = math.nan


@dataclass(frozen=True, slots=True)
class PullTarget:
    host: str
    port: int
    format: str = "beast"  # beast | avr | sbs

    @property
    def name(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(slots=True)
class ServerConfig:
    bind: str = "127.0.0.1"
    beast_port: int | None = 30004
    avr_port: int | None = 30001
    pull: list[PullTarget] = field(default_factory=list)
    feeders: dict[str, FeederConfig] = field(default_factory=dict)  # key -> feeder
    require_feeder_key: bool = False
    batch_interval_s: float = 0.1
    batch_frames: int = 50_000
    clock_time: bool = False
    limits: ServerLimits = field(default_factory=ServerLimits)
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 60.0


@dataclass(slots=True)
class ServerCounters:
    accepted: int = 0
    refused: int = 0  # no / unknown feeder key, or too many connections
    refused_full: int = 0  # of refused: the server (or the unreserved part) was full
    refused_address: int = 0  # of refused: too many connections from that peer IP
    dropped_garbage: int = 0
    dropped_idle: int = 0
    dropped_handshake: int = 0  # key line not finished within the handshake deadline
    paused: int = 0  # times a feeder was paused for having too much waiting
    pull_connects: int = 0
    pull_failures: int = 0
    batches: int = 0
    frames: int = 0
    process_errors: int = 0


def parse_pull_target(text: str) -> PullTarget:
    """``HOST:PORT[:beast|avr|sbs]`` -> PullTarget (format defaults by port, else beast)."""
    parts = text.rsplit(":", 2)
    fmt = None
    if len(parts) == 3 and parts[2] in ("beast", "avr", "sbs"):
        host, port_s, fmt = parts
    else:
        host, _, port_s = text.rpartition(":")
    try:
        port = int(port_s)
    except ValueError as exc:
        raise UsageError(f"--connect {text!r}: expected HOST:PORT[:beast|avr|sbs]") from exc
    if not host or not 0 < port < 65536:
        raise UsageError(f"--connect {text!r}: expected HOST:PORT[:beast|avr|sbs]")
    if fmt is None:
        fmt = {30002: "avr", 30003: "sbs"}.get(port, "beast")
    return PullTarget(host.strip("[]"), port, fmt)


def load_feeder_config(path: Path) -> tuple[dict[str, FeederConfig], bool]:
    """Read ``[[feeder]]`` tables (key, name, lat, lon) and ``require_feeder_key`` from TOML."""
    try:
        doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from exc
    feeders: dict[str, FeederConfig] = {}
    for i, row in enumerate(doc.get("feeder", [])):
        try:
            key, name = str(row["key"]), str(row.get("name", row["key"]))
            lat = float(row.get("lat", math.nan))
            lon = float(row.get("lon", math.nan))
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"{path}: feeder #{i + 1} needs key (and name, lat, lon)") from exc
        if not key or any(c.isspace() for c in key):
            raise UsageError(f"{path}: feeder #{i + 1}: key must be non-empty, no spaces")
        feeders[key] = FeederConfig(key, name, lat, lon)
    require = doc.get("require_feeder_key", False)
    if not isinstance(require, bool):
        raise UsageError(f"{path}: require_feeder_key must be true or false")
    return feeders, require


class _Feeder(asyncio.Protocol):
    """One pushing feeder connection."""

    def __init__(self, server: IngestServer, fmt: str) -> None:
        self.server = server
        self.fmt = fmt
        self.transport: asyncio.Transport | None = None
        self.address = ""
        self.host = ""
        self.keyed = False  # presented a configured key
        self.reserve_only = False  # admitted into the reserve: a known key or nothing
        self.counted = False  # holds a slot in the server's connection accounting
        self.connected_at_s = time.time()
        self.escape_pairs = 0  # 0x1a 0x1a pairs received (escaped bytes: not data)
        self.parser: BeastParser | AvrParser | None = None
        self.counters: ReceiverCounters | None = None
        self.hello = b""
        self.last_data_s = time.time()
        self.inbox: list[bytes] = []  # raw chunks waiting for the next micro-batch
        self.inbox_bytes = 0
        self.paused = False
        self.closed = False  # no more data will come
        self.dropped = False  # closed by us: what it still had waiting is discarded

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.host = str(peer[0]) if peer else "?"
        self.address = f"{peer[0]}:{peer[1]}" if peer else "?"
        srv = self.server
        limits = srv.config.limits
        refusal = None
        if len(srv.feeders) >= limits.max_connections:
            refusal, srv.counters.refused_full = "server full", srv.counters.refused_full + 1
        elif srv.unkeyed_by_host.get(self.host, 0) >= limits.max_connections_per_address:
            refusal = f"more than {limits.max_connections_per_address} connections from {self.host}"
            srv.counters.refused_address += 1
        if refusal is not None:
            srv.counters.refused += 1
            srv.log.warning("refused", "refusing %s: %s", self.address, refusal)
            transport.abort()
            self.closed = True
            return
        unreserved = limits.max_connections - (limits.reserved_keyed_connections
                                               if srv.config.feeders else 0)  # fmt: skip
        self.reserve_only = len(srv.feeders) - srv.keyed_connections >= unreserved
        srv.counters.accepted += 1
        srv.feeders.add(self)
        srv.unkeyed_by_host[self.host] = srv.unkeyed_by_host.get(self.host, 0) + 1
        self.counted = True

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        now = time.time()
        self.last_data_s = now
        if self.parser is None:
            data = self._handshake(data, now)
            if self.parser is None or not data:
                return
        self.server.ingest(self, data, now)

    def _handshake(self, data: bytes, now: float) -> bytes:
        """Read an optional ``KEY <key>\\n`` line; returns the bytes after it."""
        buf = self.hello + data
        key = None
        if buf[: len(_KEY_PREFIX)] == _KEY_PREFIX[: len(buf)]:
            nl = buf.find(b"\n", 0, _MAX_HELLO_BYTES + 1)
            if nl < 0:
                if len(buf) > _MAX_HELLO_BYTES:
                    self.drop("feeder key line too long", refused=True, reason="bad key")
                else:
                    self.hello = buf
                return b""
            key = buf[len(_KEY_PREFIX) : nl].strip().decode("ascii", "replace")
            buf = buf[nl + 1 :]
        self.hello = b""
        srv = self.server
        feeder = srv.config.feeders.get(key) if key is not None else None
        if feeder is None and (
            srv.config.require_feeder_key or key is not None or self.reserve_only
        ):
            if srv.config.require_feeder_key or self.reserve_only:
                why = (
                    "no known feeder key"
                    if key is None
                    else f"unknown feeder key {key_summary(key)}"
                )
                if self.reserve_only and not srv.config.require_feeder_key:
                    why += " (only known keys may use the last free connections)"
                self.drop(why, refused=True, reason="bad key")
                return b""
            log.info("%s: unknown feeder key %s, accepted as anonymous",
                     self.address, key_summary(key or ""))  # fmt: skip
        name = feeder.name if feeder is not None else self.address
        idx = srv.registry.index_for(name, self.address)
        limits = srv.config.limits
        if feeder is not None:
            self.keyed = True
            srv.keyed_connections += 1
            srv.unkeyed_by_host[self.host] -= 1
            srv.registry.pin(idx)
        srv.registry.set_id_budget(
            idx, limits.max_receiver_ids_keyed if self.keyed else limits.max_receiver_ids_anonymous
        )
        self.counters = srv.registry.counters[idx]
        self.counters.address = self.address
        self.counters.connected = True
        self.counters.connected_since_s = now
        self.counters.disconnected_s = math.nan
        if feeder is not None:
            self.counters.lat, self.counters.lon = feeder.lat, feeder.lon
        if self.fmt == "beast":
            self.parser = BeastParser(receiver=idx, registry=srv.registry)
        else:
            self.parser = AvrParser(receiver=idx, receiver_name=name)
        log.info("feeder %s connected from %s (%s)", name, self.address, self.fmt)
        return buf

    def drop(self, why: str, *, refused: bool = False, reason: str = "dropped") -> None:
        """Close the connection at once (``reason`` groups the rate-limited warning)."""
        if self.dropped:
            return
        self.closed = self.dropped = True
        self.inbox, self.inbox_bytes = [], 0
        if refused:
            self.server.counters.refused += 1
        self.server.log.warning(reason, "dropping feeder %s: %s", self.address, why)
        if self.transport is not None:
            self.transport.abort()
        self._release()

    def _release(self) -> None:
        """Give back this connection's slot (once)."""
        if not self.counted:
            return
        self.counted = False
        srv = self.server
        srv.feeders.discard(self)
        if self.keyed:
            srv.keyed_connections -= 1
        else:
            left = srv.unkeyed_by_host.get(self.host, 1) - 1
            if left > 0:
                srv.unkeyed_by_host[self.host] = left
            else:
                srv.unkeyed_by_host.pop(self.host, None)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._release()
        if self.counters is not None:
            self.server.registry.disconnect(self.counters.receiver, time.time())
        if self.parser is not None and not self.dropped:
            self.server.ended(self)


class IngestServer:
    """Listens for feeders, pulls from servers, and hands micro-batches to ``process``."""

    def __init__(
        self,
        config: ServerConfig,
        process: Callable[[FrameBatch], object],
        *,
        write_positions: Callable[[npt.NDArray[np.void]], object] | None = None,
        registry: ReceiverRegistry | None = None,
        on_stats: Callable[[IngestServer], object] | None = None,
        stats_interval_s: float = 2.0,
    ) -> None:
        self.config = config
        self.process = process
        self.write_positions = write_positions
        self.registry = registry or ReceiverRegistry()
        self.on_stats = on_stats
        self.stats_interval_s = stats_interval_s
        self.counters = ServerCounters()
        self.clocks: dict[int, ReceiverClock] = {}
        self.feeders: set[_Feeder] = set()
        self.keyed_connections = 0  # of feeders, those that presented a configured key
        self.unkeyed_by_host: dict[str, int] = {}  # connections without a known key, by IP
        self.log = LogLimiter(log)
        limits = config.limits
        self.registry.max_receivers = limits.max_receivers
        self.registry.default_id_budget = limits.max_receiver_ids_anonymous
        self.ports: dict[str, int] = {}
        self._pending: list[FrameBatch] = []
        self._pending_frames = 0
        self._pending_positions: list[npt.NDArray[np.void]] = []
        self._paused: list[_Feeder] = []
        self._dirty: list[_Feeder] = []  # feeders with chunks in their inbox
        self._ended: list[_Feeder] = []  # feeders whose stream ended (tail to settle)
        self._inbox_bytes = 0
        self._servers: list[asyncio.base_events.Server] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._flush_soon = False
        self._stopping = asyncio.Event()

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> dict[str, int]:
        """Open the listening ports and start pulls and timers; returns the bound ports."""
        loop = asyncio.get_running_loop()
        for fmt, port in (("beast", self.config.beast_port), ("avr", self.config.avr_port)):
            if port is None:
                continue
            try:
                srv = await loop.create_server(
                    lambda fmt=fmt: _Feeder(self, fmt),  # type: ignore[misc]
                    self.config.bind,
                    port,
                    backlog=1024,
                )
            except OSError as exc:
                raise SourceError(
                    f"cannot listen on {self.config.bind}:{port} ({exc.strerror or exc})"
                ) from exc
            self._servers.append(srv)
            self.ports[fmt] = int(srv.sockets[0].getsockname()[1])
        for target in self.config.pull:
            self._tasks.append(asyncio.create_task(self._pull(target)))
        self._tasks.append(asyncio.create_task(self._ticker()))
        return dict(self.ports)

    async def run(self, duration_s: float | None = None) -> None:
        """Serve until ``stop()`` (or ``duration_s`` seconds), then shut down cleanly."""
        try:
            if duration_s is None:
                await self._stopping.wait()
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), duration_s)
        finally:
            await self.close()

    def stop(self) -> None:
        self._stopping.set()

    async def close(self) -> None:
        for srv in self._servers:
            srv.close()
        for f in list(self.feeders):
            if f.transport is not None:
                f.transport.close()
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        for srv in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(srv.wait_closed(), 2.0)
        self._servers.clear()
        self._tasks.clear()
        self.flush()
        self.registry.disconnect_all(time.time())  # the server stops: nobody is connected
        if self.on_stats is not None:
            self.on_stats(self)

    # -- ingest ---------------------------------------------------------------------------

    def ingest(self, feeder: _Feeder, data: bytes, now: float) -> None:
        """Keep one chunk of a pushing feeder; all feeders' chunks are parsed together, in
        one vectorized pass, when the next micro-batch is made."""
        if not feeder.inbox:
            self._dirty.append(feeder)
        feeder.inbox.append(data)
        feeder.inbox_bytes += len(data)
        self._inbox_bytes += len(data)
        limits = self.config.limits
        if (
            (
                feeder.inbox_bytes > limits.max_buffer_bytes
                or self._inbox_bytes > limits.max_total_buffer_bytes
            )
            and not feeder.paused
            and feeder.transport is not None
        ):
            # Too much waiting from this feeder: stop reading it (TCP pushes back on it
            # alone) until the batch has gone.
            feeder.paused = True
            self.counters.paused += 1
            feeder.transport.pause_reading()
            self._paused.append(feeder)
        if (
            self._inbox_bytes >= self.config.batch_frames * _BYTES_PER_PENDING_FRAME
            and not self._flush_soon
        ):
            self._flush_soon = True
            asyncio.get_running_loop().call_soon(self.flush)

    def ended(self, feeder: _Feeder) -> None:
        """A feeder's connection closed: settle its stream at the next micro-batch."""
        self._ended.append(feeder)
        if not feeder.inbox:
            self._dirty.append(feeder)

    def _parse_inboxes(self) -> None:
        """Parse every waiting chunk: Beast feeders in one pass, AVR feeders one by one."""
        dirty, self._dirty, self._inbox_bytes = self._dirty, [], 0
        ended, self._ended = self._ended, []
        live = [f for f in dirty if not f.dropped and f.parser is not None]
        beast = [(f, f.parser) for f in live if isinstance(f.parser, BeastParser)]
        avr = [(f, f.parser) for f in live if isinstance(f.parser, AvrParser)]
        stats: list[tuple[_Feeder, int, int, int]] = []
        batches: list[FrameBatch] = []
        if beast:
            before = [(p.counters.bad_frames, p.counters.garbage_bytes) for _, p in beast]
            chunks = [b"".join(f.inbox) for f, _ in beast]
            for (f, _), chunk in zip(beast, chunks, strict=True):
                f.escape_pairs += chunk.count(b"\x1a\x1a")
            times = [f.last_data_s for f, _ in beast]
            batches.append(BeastParser.feed_many([p for _, p in beast], chunks, times))
            for (f, p), (bad0, garbage0), chunk in zip(beast, before, chunks, strict=True):
                pc = p.counters
                stats.append((f, pc.bad_frames - bad0, pc.garbage_bytes - garbage0, len(chunk)))
        for f, ap in avr:
            bad0, garbage0 = ap.counters.bad_frames, ap.counters.garbage_bytes
            chunk = b"".join(f.inbox)
            batches.append(ap.feed(chunk, f.last_data_s))
            stats.append(
                (f, ap.counters.bad_frames - bad0, ap.counters.garbage_bytes - garbage0, len(chunk))
            )
        for f in live:
            f.inbox, f.inbox_bytes = [], 0
        for f in ended:
            if f.parser is not None and not f.dropped:
                f.parser.flush()  # an unfinished last frame is torn
        batch = FrameBatch.concat([b for b in batches if len(b)])
        now = time.time()
        for f, bad, garbage, nbytes in stats:
            self._check_feeder(f, bad, garbage, nbytes, now)
        if len(batch):
            # Frames per receiver (a readsb stream may name several by receiver id).
            idx, counts = np.unique(batch.receiver, return_counts=True)
            for i, c in zip(idx.tolist(), counts.tolist(), strict=True):
                rc = self.registry.counters.get(int(i))
                if rc is not None:
                    parent = self.registry.counters.get(self.registry.parent_of(int(i)) or 0)
                    if not rc.connected and parent is not None and parent.connected:
                        # named by a readsb id in a stream that is open: connected through it
                        rc.connected, rc.connected_since_s = True, now
                        rc.disconnected_s, rc.address = math.nan, parent.address
                    rc.add(int(c), 0, 0, 0, now)
            # Frames of a feeder dropped just now for garbage are not passed on.
            gone = [p.receiver for f, p in beast + avr if f.dropped]
            keep = ~np.isin(batch.receiver, gone)
            self._pending.append(batch if keep.all() else batch.take(keep))

    def _check_feeder(self, f: _Feeder, bad: int, garbage: int, nbytes: int, now: float) -> None:
        """Count a feeder's bytes and bad frames; drop it when it sends mostly garbage."""
        counters, parser = f.counters, f.parser
        assert counters is not None and parser is not None
        counters.add(0, bad, garbage, nbytes, now)
        if isinstance(parser, BeastParser) and parser.receiver_position is not None:
            counters.lat, counters.lon = parser.receiver_position[:2]
        limits = self.config.limits
        pc = parser.counters
        # Garbage is counted after unescaping; judge it against the data bytes received
        # (escape pairs are one data byte in two wire bytes), so a flood of 0x1a pairs is
        # wholly garbage instead of exactly half.
        data_bytes = max(pc.bytes_in - f.escape_pairs, 1)
        if (
            pc.bytes_in >= limits.garbage_check_bytes
            and pc.garbage_bytes > limits.max_garbage_ratio * data_bytes
        ):
            self.counters.dropped_garbage += 1
            f.drop(f"{pc.garbage_bytes} of {data_bytes} data bytes are garbage", reason="garbage")

    def _count(
        self,
        batch: FrameBatch,
        own: ReceiverCounters,
        bad: int,
        garbage: int,
        nbytes: int,
        now: float,
    ) -> None:
        n = len(batch)
        if n and not (batch.receiver == own.receiver).all():
            # readsb receiver ids: count frames for each receiver named in the stream.
            idx, counts = np.unique(batch.receiver, return_counts=True)
            own.add(0, bad, garbage, nbytes, now)
            for i, c in zip(idx.tolist(), counts.tolist(), strict=True):
                rc = self.registry.counters.get(int(i))
                if rc is not None:
                    if not rc.connected:
                        rc.connected, rc.connected_since_s, rc.address = True, now, own.address
                    rc.add(int(c), 0, 0, 0, now)
            return
        own.add(n, bad, garbage, nbytes, now)

    def _queue(self, batch: FrameBatch) -> None:
        self._pending.append(batch)
        self._pending_frames += len(batch)
        if self._pending_frames >= self.config.batch_frames and not self._flush_soon:
            self._flush_soon = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Hand every waiting frame to ``process`` as one batch; resume paused feeders."""
        self._flush_soon = False
        self._parse_inboxes()
        pending, self._pending, self._pending_frames = self._pending, [], 0
        positions, self._pending_positions = self._pending_positions, []
        paused, self._paused = self._paused, []
        if pending:
            batch = FrameBatch.concat(pending)
            apply_clocks(batch, self.clocks, fill_time=self.config.clock_time)
            for idx, clock in self.clocks.items():
                rc = self.registry.counters.get(idx)
                if rc is not None:
                    rc.clock_rate_hz, rc.clock_offset_s = clock.rate_hz, clock.offset_s
            self.counters.batches += 1
            self.counters.frames += len(batch)
            try:
                self.process(batch)
            except Exception:  # the runtime failing must not take the feeders down
                self.counters.process_errors += 1
                if self.counters.process_errors <= 3 or self.counters.process_errors % 1000 == 0:
                    log.exception("processing a batch failed (%d so far)",
                                  self.counters.process_errors)  # fmt: skip
        if positions and self.write_positions is not None:
            try:
                self.write_positions(np.concatenate(positions))
            except Exception:
                self.counters.process_errors += 1
                log.exception("writing SBS positions failed")
        for f in paused:
            f.paused = False
            if not f.closed and f.transport is not None:
                f.transport.resume_reading()

    async def _ticker(self) -> None:
        interval = self.config.batch_interval_s
        next_stats = time.monotonic() + self.stats_interval_s
        while True:
            await asyncio.sleep(interval)
            self.flush()
            now = time.time()
            self._check_deadlines(now)
            if time.monotonic() >= next_stats:
                next_stats = time.monotonic() + self.stats_interval_s
                self._expire_receivers(now)
                if self.on_stats is None:
                    continue
                try:
                    self.on_stats(self)
                except Exception:
                    log.exception("writing receiver statistics failed")

    def _check_deadlines(self, now: float) -> None:
        """Drop connections silent too long, or still in an unfinished key line."""
        limits = self.config.limits
        idle, hello = limits.idle_timeout_s, limits.handshake_timeout_s
        must_key = self.config.require_feeder_key
        for f in list(self.feeders):
            in_handshake = f.parser is None and bool(f.hello or must_key or f.reserve_only)
            if in_handshake and now - f.connected_at_s > hello:
                self.counters.dropped_handshake += 1
                f.drop(f"no complete key line within {hello:g} s", reason="handshake")
                continue
            if now - f.last_data_s > idle:
                self.counters.dropped_idle += 1
                f.drop(f"no data for {idle:g} s", reason="idle")

    def _expire_receivers(self, now: float) -> None:
        for idx in self.registry.expire(now, self.config.limits.receiver_expiry_s):
            self.clocks.pop(idx, None)

    # -- pull -----------------------------------------------------------------------------

    async def _pull(self, target: PullTarget) -> None:
        backoff = self.config.backoff_initial_s
        idx = self.registry.index_for(target.name, target.name)
        self.registry.pin(idx)
        self.registry.set_id_budget(idx, self.config.limits.max_receiver_ids_keyed)
        counters = self.registry.counters[idx]
        while True:
            got_data = False
            try:
                reader, writer = await asyncio.open_connection(target.host, target.port)
            except OSError as exc:
                self.counters.pull_failures += 1
                log.warning("cannot connect to %s (%s); retry in %.0f s", target.name, exc, backoff)
            else:
                self.counters.pull_connects += 1
                counters.connected, counters.connected_since_s = True, time.time()
                log.info("connected to %s (%s)", target.name, target.format)
                try:
                    got_data = await self._read_pull(target, idx, reader, counters)
                except OSError as exc:
                    log.warning("%s: %s", target.name, exc)
                finally:
                    self.registry.disconnect(idx, time.time())
                    writer.close()
                    with contextlib.suppress(Exception):
                        await writer.wait_closed()
                log.warning("%s went away; reconnecting", target.name)
            if got_data:
                backoff = self.config.backoff_initial_s
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.config.backoff_max_s)

    async def _read_or_idle(self, target: PullTarget, reader: asyncio.StreamReader) -> bytes:
        """The next chunk, or b"" (reconnect) when the server stays silent too long."""
        idle = self.config.limits.idle_timeout_s
        try:
            return await asyncio.wait_for(reader.read(_READ_BYTES), idle)
        except TimeoutError:
            log.warning("%s: no data for %g s", target.name, idle)
            return b""

    async def _read_pull(
        self,
        target: PullTarget,
        idx: int,
        reader: asyncio.StreamReader,
        counters: ReceiverCounters,
    ) -> bool:
        got_data = False
        if target.format == "sbs":
            sbs = SbsParser()
            while data := await self._read_or_idle(target, reader):
                got_data = True
                now = time.time()
                out = sbs.feed(data, now)
                counters.add(len(out.updates), 0, 0, len(data), now)
                if len(out.positions):
                    self._pending_positions.append(out.positions)
            return got_data
        parser: BeastParser | AvrParser
        if target.format == "beast":
            parser = BeastParser(receiver=idx, registry=self.registry)
        else:
            parser = AvrParser(receiver=idx, receiver_name=target.name)
        while data := await self._read_or_idle(target, reader):
            got_data = True
            now = time.time()
            bad0, garbage0 = parser.counters.bad_frames, parser.counters.garbage_bytes
            batch = parser.feed(data, now)
            self._count(batch, counters, parser.counters.bad_frames - bad0,
                        parser.counters.garbage_bytes - garbage0, len(data), now)  # fmt: skip
            if len(batch):
                self._queue(batch)
            while (
                self._pending_frames * _BYTES_PER_PENDING_FRAME
                > self.config.limits.max_buffer_bytes
            ):
                await asyncio.sleep(self.config.batch_interval_s / 4)  # let the batch go first
        return got_data
