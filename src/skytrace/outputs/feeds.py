"""Re-broadcast: Beast (30005), AVR (30002) and SBS-1 (30003) TCP outputs for other tools.

``Broadcaster`` is one listening TCP port (asyncio): every connected client gets every chunk
``send`` is given. Writes never wait: a client whose unsent data passes
``max_client_buffer_bytes`` is slow and is disconnected (counted in ``dropped_clients``), so
one stuck reader cannot hold up the pipeline or the other clients. Clients that never read
cannot add up either: at most ``max_clients`` are connected (further ones are closed at once,
counted in ``refused_clients``), and when the unsent bytes of all clients pass
``max_total_buffer_bytes`` the clients holding the most are disconnected until it fits.
Bytes clients send (Beast settings commands from mlat-client or tar1090) are read and ignored.

``FeedOutputs`` plugs the broadcasters into the runtime: it is a frame sink
(``send_frames(frames, decoded)``, for Beast / AVR / SBS MSG,1 and 4-8) and a ``Sink``
(``write(positions, flights, events)``, for SBS MSG,2/3 from the tracker's positions).
Frames forwarded: every frame that decoded, with a good CRC where the format has one
(DF11/17/18), plus Mode A/C; MLAT results only with ``forward_mlat``. With
``dedup_window_s`` a message heard by several receivers is forwarded once per window.
Nothing is formatted while no client is connected.

Beast out keeps each frame's receiver: the frames of a batch go out grouped by receiver, each
group opened by readsb's receiver-id record (0xe3; the id of a receiver named by a readsb id
is that id, any other name is hashed: ``skytrace.outputs.encode.receiver_id``), with the
receiver's own 12 MHz counter and signal byte on every frame. A server pulling this output
(``serve --connect``) thus sees the same receivers, and its tracker merges the copies of one
message heard by several receivers exactly as the first server did; without the ids it saw
every copy as a new message of one receiver (issue 12: 15,044 positions where the first
server made 5,433 from the same 54,480 frames). ``receiver_ids=False`` sends plain Beast.

Runs on the event loop thread that drives the runtime; not thread-safe.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from skytrace.model import Event, Flight, FrameBatch, FrameKind
from skytrace.outputs.encode import (
    encode_avr,
    encode_beast,
    encode_beast_receivers,
    receiver_id,
)
from skytrace.outputs.sbs import SbsFormatter

__all__ = ["Broadcaster", "FeedOutputs"]

log = logging.getLogger(__name__)


class _Client(asyncio.Protocol):
    def __init__(self, owner: Broadcaster) -> None:
        self.owner = owner
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        owner = self.owner
        if len(owner.clients) >= owner.max_clients:
            owner.refused_clients += 1
            if owner.refused_clients <= 10 or owner.refused_clients % 1000 == 0:
                log.warning("%s out: %d clients connected, refusing more (%d refused so far)",
                            owner.name, len(owner.clients), owner.refused_clients)  # fmt: skip
            transport.abort()
            return
        self.transport = transport
        owner.clients.add(transport)
        owner.connections += 1

    def data_received(self, data: bytes) -> None:
        pass  # settings commands from clients are not acted on

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.owner.clients.discard(self.transport)


class Broadcaster:
    """A TCP port whose clients receive every chunk sent (see the module docstring)."""

    def __init__(
        self,
        name: str,
        max_client_buffer_bytes: int = 4 << 20,
        *,
        max_clients: int = 64,
        max_total_buffer_bytes: int = 64 << 20,
    ) -> None:
        self.name = name
        self.max_client_buffer_bytes = max_client_buffer_bytes
        self.max_clients = max_clients
        self.max_total_buffer_bytes = max_total_buffer_bytes
        self.clients: set[asyncio.Transport] = set()
        self.connections = 0
        self.dropped_clients = 0
        self.refused_clients = 0
        self.bytes_sent = 0
        self._server: asyncio.base_events.Server | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the port (useful with port 0)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Client(self), host, port)
        return int(self._server.sockets[0].getsockname()[1])

    def send(self, data: bytes) -> None:
        if not data:
            return
        for t in list(self.clients):
            if t.is_closing():
                self.clients.discard(t)
                continue
            if t.get_write_buffer_size() > self.max_client_buffer_bytes:
                log.warning(
                    "%s out: dropping slow client %s", self.name, t.get_extra_info("peername")
                )
                self.dropped_clients += 1
                self.clients.discard(t)
                t.abort()
                continue
            t.write(data)
            self.bytes_sent += len(data)
        self._bound_total()

    def _bound_total(self) -> None:
        """Disconnect the clients holding the most unsent bytes until all of them together
        hold at most ``max_total_buffer_bytes``."""
        sizes = [(t.get_write_buffer_size(), id(t), t) for t in self.clients]
        total = sum(size for size, _, _ in sizes)
        if total <= self.max_total_buffer_bytes:
            return
        before, dropped = total, 0
        for size, _, t in sorted(sizes, key=lambda x: x[:2], reverse=True):
            if total <= self.max_total_buffer_bytes:
                break
            self.clients.discard(t)
            t.abort()
            total -= size
            dropped += 1
        self.dropped_clients += dropped
        log.warning("%s out: %d bytes unsent to %d clients; dropped the %d holding the most",
                    self.name, before, len(sizes), dropped)  # fmt: skip

    async def close(self) -> None:
        for t in list(self.clients):
            t.close()
        self.clients.clear()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


class FeedOutputs:
    """Frame sink and position sink feeding the Beast / AVR / SBS broadcasters."""

    def __init__(
        self,
        beast: Broadcaster | None = None,
        avr: Broadcaster | None = None,
        sbs: Broadcaster | None = None,
        *,
        dedup_window_s: float | None = None,
        forward_mlat: bool = False,
        receiver_ids: bool = True,
    ) -> None:
        self.beast = beast
        self.avr = avr
        self.sbs = sbs
        self.dedup_window_s = dedup_window_s
        self.forward_mlat = forward_mlat
        self.receiver_ids = receiver_ids
        self._ids: dict[str, int] = {}  # receiver name -> readsb id
        self.sbs_formatter = SbsFormatter()
        self._seen: dict[bytes, float] = {}

    def send_frames(self, frames: FrameBatch, decoded: Any) -> None:
        want_raw = bool((self.beast and self.beast.clients) or (self.avr and self.avr.clients))
        if want_raw:
            rows = self._forward_rows(frames, decoded)
            if self.beast is not None and self.beast.clients:
                self.beast.send(self._beast(frames, rows))
            if self.avr is not None and self.avr.clients:
                self.avr.send(encode_avr(frames, rows))
        if self.sbs is not None and decoded is not None:
            if self.sbs.clients:
                self.sbs.send(self.sbs_formatter.frames(frames, decoded).encode("ascii", "replace"))
            else:  # keep the verified-address memory current for when a client comes
                self.sbs_formatter.remember(frames, decoded)

    def _beast(self, frames: FrameBatch, rows: npt.NDArray[np.intp]) -> bytes:
        if not self.receiver_ids or not frames.receivers:
            return encode_beast(frames, rows)
        ids = {}
        for index, name in frames.receivers.items():
            rid = self._ids.get(name)
            if rid is None:
                if len(self._ids) > 100_000:  # receivers come and go: keep the cache bounded
                    self._ids.clear()
                rid = self._ids[name] = receiver_id(name)
            ids[index] = rid
        return encode_beast_receivers(frames, rows, receiver_ids=ids)

    def write(
        self,
        positions: npt.NDArray[np.void],
        flights: Sequence[Flight],
        events: Sequence[Event],
    ) -> None:
        if self.sbs is not None and self.sbs.clients and len(positions):
            self.sbs.send(self.sbs_formatter.positions(positions).encode("ascii", "replace"))

    def _forward_rows(self, frames: FrameBatch, decoded: Any) -> npt.NDArray[np.intp]:
        n = len(frames)
        keep = np.ones(n, np.bool_)
        if not self.forward_mlat:
            keep &= frames.kind != FrameKind.MLAT
        if decoded is not None:
            df = np.asarray(decoded["df"])
            crc = np.asarray(decoded["crc_ok"]) & decoded.mask("crc_ok")
            ok = np.asarray(decoded.ok)
            checked = np.isin(df, (11, 17, 18))
            modeac = frames.kind == FrameKind.MODE_AC
            keep &= modeac | (ok & (~checked | crc))
        rows = np.flatnonzero(keep)
        if self.dedup_window_s is not None and rows.size:
            rows = self._dedup(frames, rows)
        return rows

    def _dedup(self, frames: FrameBatch, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
        window = float(self.dedup_window_s or 0.0)
        keep = []
        now = float(np.nanmax(frames.time_s[rows]))
        for i in rows:
            key = frames.payload[i].tobytes()
            t = float(frames.time_s[i])
            last = self._seen.get(key)
            if last is None or t - last > window:
                self._seen[key] = t
                keep.append(i)
        if len(self._seen) > 200_000:
            self._seen = {k: v for k, v in self._seen.items() if now - v <= window}
        return np.asarray(keep, np.intp)
