"""Limits of the feeder server, and how it reports what hostile peers do within them.

``ServerLimits`` holds every bound the server (skytrace.sources.server) applies to feeder
connections (see its docstring and docs/receivers.md); ``load_server_limits`` reads them from
the ``[limits]`` table of the feeder TOML file, e.g.::

    [limits]
    max_connections_per_address = 16
    handshake_timeout_s = 5

``LogLimiter`` keeps warnings about hostile connections to a few lines per reason, and
``key_summary`` shows an unknown key without writing all of it to the log.

Not thread-safe (used on the server's event loop).
"""

from __future__ import annotations

import dataclasses
import logging
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from skytrace.errors import UsageError

__all__ = ["LogLimiter", "ServerLimits", "key_summary", "load_server_limits"]

_KEY_SHOWN_CHARS: Final = 16  # of an unknown key, in a log line
_LOG_BURST: Final = 10  # warnings per reason per window; the rest are counted
_LOG_WINDOW_S: Final = 10.0


@dataclass(slots=True)
class ServerLimits:
    max_buffer_bytes: int = 4 << 20
    max_total_buffer_bytes: int = 256 << 20  # all feeders together
    max_garbage_ratio: float = 0.5
    garbage_check_bytes: int = 16384
    idle_timeout_s: float = 300.0
    max_connections: int = 4096
    handshake_timeout_s: float = 10.0  # to finish a started key line (any, if keys required)
    max_connections_per_address: int = 64  # connections without a known key, per peer IP
    reserved_keyed_connections: int = 64  # of max_connections, for known keys only
    max_receiver_ids_anonymous: int = 16  # readsb receiver ids per connection without a key
    max_receiver_ids_keyed: int = 4096  # ... per connection with a known key, or a pull
    max_receivers: int = 20_000  # receivers known at once
    receiver_expiry_s: float = 3600.0  # unconfigured receivers silent this long are forgotten


def load_server_limits(path: Path, base: ServerLimits | None = None) -> ServerLimits:
    """``base`` (default: the defaults) with the values of the ``[limits]`` table of a feeder
    TOML file (keys: the ``ServerLimits`` field names); UsageError for unknown keys."""
    try:
        doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from exc
    limits = dataclasses.replace(base) if base is not None else ServerLimits()
    table = doc.get("limits", {})
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [limits] must be a table")
    known = {f.name: f for f in dataclasses.fields(ServerLimits)}
    for key, value in table.items():
        if key not in known:
            raise UsageError(f"{path}: unknown limit {key!r}; known: {', '.join(sorted(known))}")
        default = getattr(limits, key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise UsageError(f"{path}: limit {key} must be a positive number")
        setattr(limits, key, type(default)(value))
    return limits


def key_summary(key: str) -> str:
    """An unknown key as it may appear in a log: its first characters and its length."""
    shown = key[:_KEY_SHOWN_CHARS].encode("ascii", "backslashreplace").decode("ascii")
    more = f"… ({len(key)} chars)" if len(key) > _KEY_SHOWN_CHARS else ""
    return repr(shown) + more


class LogLimiter:
    """At most ``burst`` warnings per reason per ``window_s``; then one line saying how many
    were left out. A hostile peer can make many connections, not many log lines."""

    def __init__(
        self, logger: logging.Logger, burst: int = _LOG_BURST, window_s: float = _LOG_WINDOW_S
    ) -> None:
        self.log = logger
        self.burst = burst
        self.window_s = window_s
        self._windows: dict[str, tuple[float, int]] = {}  # reason -> (window start, count)

    def warning(self, reason: str, msg: str, *args: object) -> None:
        now = time.monotonic()
        start, count = self._windows.get(reason, (now, 0))
        if now - start >= self.window_s:
            if count > self.burst:
                self.log.warning("%d more %r warnings in the last %.0f s were not logged",
                            count - self.burst, reason, now - start)  # fmt: skip
            start, count = now, 0
        self._windows[reason] = (start, count + 1)
        if count < self.burst:
            self.log.warning(msg, *args)
