"""The ingest server in front of a LiveRuntime: back-pressure instead of dropping.

``LiveIngestServer`` is skytrace.sources.server.IngestServer with one change: a micro-batch
is handed over only while the runtime's queue has room (``LiveRuntime.ready``). While it is
full the server does not parse: the bytes stay in the feeders' inboxes, and a feeder with
more than ``max_buffer_bytes`` waiting is paused (its socket is not read, so TCP pushes back
on the sender) until the pipeline thread catches up. Pull clients wait the same way (their
frames stay pending). Nothing is dropped; every refused hand-over is counted by the runtime
(``stats()["queue_full"]``). On close the last batch is handed over whatever the queue holds.

Runs on the asyncio loop; not thread-safe (like IngestServer).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from skytrace.live.runtime import LiveRuntime
from skytrace.sources.server import IngestServer, ServerConfig

__all__ = ["LiveIngestServer"]


class LiveIngestServer(IngestServer):
    """An IngestServer that feeds a LiveRuntime and respects its queue bound."""

    def __init__(
        self,
        config: ServerConfig,
        live: LiveRuntime,
        *,
        on_stats: Callable[[IngestServer], object] | None = None,
        stats_interval_s: float = 2.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            config,
            live.submit,
            write_positions=live.submit_positions,
            on_stats=on_stats,
            stats_interval_s=stats_interval_s,
            **kwargs,
        )
        self.live = live
        self._closing = False

    def flush(self) -> None:
        if not self._closing and not self.live.ready():
            self._flush_soon = False  # asked again by the next ingest or tick
            return
        super().flush()

    async def close(self) -> None:
        self._closing = True
        await super().close()
