"""Alerts on a running pipeline: the rules file, the engine, delivery and the live stream.

    alerts = LiveAlerts.open(data_dir, runtime)      # a Sink, attached to the runtime
    with alerts:                                     # delivery worker started / drained
        ...                                          # the pipeline runs

``LiveAlerts`` is what ``skytrace serve`` and ``skytrace demo`` attach: the rules of
``<data dir>/watch.toml`` (re-read when the file changes), an ``AlertEngine`` fed every batch
the pipeline produces, with the runtime's clock so that lost-contact fires when no data comes
at all (the live runtime advances a quiet pipeline every second), a ``Dispatcher`` that
delivers off the pipeline thread and keeps the journal (``skytrace alerts``), and a ring of
the latest alert bodies with sequence numbers that the API's alert stream
(``/api/v1/alerts/live``) reads. Listeners (the console's one line per alert) are called on
the pipeline thread and must not block.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from skytrace.alerts.delivery import DeliveryOptions, Dispatcher, alert_body
from skytrace.alerts.engine import Alert, AlertEngine, EngineOptions
from skytrace.alerts.journal import AlertJournal
from skytrace.alerts.rules import RuleBook
from skytrace.live.events import SequencedRing
from skytrace.model import Event, Flight

__all__ = ["RECENT_ALERTS", "LiveAlerts", "alert_line"]

RECENT_ALERTS: Final = 1_000  # alert bodies kept for the live stream


def alert_line(alert: Alert) -> str:
    """One line for a console: when, which rule, what, who, where, how sure."""
    when = (
        f"{datetime.fromtimestamp(alert.time_s, UTC):%Y-%m-%d %H:%M:%S} UTC"
        if math.isfinite(alert.time_s)
        else "time unknown"
    )
    ident = alert.identity
    who = " ".join(
        part
        for part in (
            alert.hex,
            ident.registration if ident else "",
            ident.typecode if ident else "",
            alert.callsign,
        )
        if part
    )
    what = f"{alert.trigger} {alert.value}".strip()
    how = ""
    if alert.method == "inferred":
        how = " (inferred"
        how += f", confidence {alert.confidence:.2f})" if math.isfinite(alert.confidence) else ")"
    flight = f" flight {alert.flight_id}" if alert.flight_id else ""
    return f"alert {alert.rule}: {what} — {who}{flight}{how}, {when}"


class LiveAlerts:
    """The alert side of a running pipeline (see the module docstring); a pipeline Sink."""

    def __init__(
        self,
        data_dir: Path,
        *,
        identities: Any = None,
        areas: Any = None,
        clock: Callable[[], float] = lambda: math.nan,
        delivery: DeliveryOptions | None = None,
        engine_options: EngineOptions | None = None,
        listeners: Iterable[Callable[[Alert], None]] = (),
        recent_capacity: int = RECENT_ALERTS,
    ) -> None:
        self.book = RuleBook(data_dir)
        self.journal = AlertJournal(data_dir)
        self.dispatcher = Dispatcher(self.book.rules, self.journal, delivery)
        self.recent: SequencedRing[dict[str, Any]] = SequencedRing(recent_capacity)
        self._clock = clock
        self.engine = AlertEngine(
            self.book,
            identities,
            areas,
            engine_options,
            listeners=[self._delivered_and_kept, *listeners],
        )

    @classmethod
    def open(
        cls,
        data_dir: Path,
        runtime: Any,
        *,
        listeners: Iterable[Callable[[Alert], None]] = (),
        delivery: DeliveryOptions | None = None,
    ) -> LiveAlerts:
        """Alerts for ``runtime`` (a skytrace.app.Runtime), attached to it as a sink."""
        refdata = runtime.refdata
        alerts = cls(
            data_dir,
            identities=refdata,
            areas=refdata.areas if refdata is not None else None,
            clock=lambda: float(runtime.now_s),
            delivery=delivery,
            listeners=listeners,
        )
        runtime.attach(alerts)
        return alerts

    # ---- lifecycle ------------------------------------------------------------------------

    def start(self) -> LiveAlerts:
        self.dispatcher.start()
        return self

    def close(self, timeout_s: float = 30.0) -> None:
        """Deliver what is queued (up to ``timeout_s``), then stop the delivery worker."""
        self.dispatcher.close(timeout_s)

    def __enter__(self) -> LiveAlerts:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        return self.dispatcher.options.base_url

    @base_url.setter
    def base_url(self, url: str) -> None:
        """Where the web map is (the alerts' flight links), once the HTTP server listens."""
        self.dispatcher.options = replace(self.dispatcher.options, base_url=url.rstrip("/"))

    # ---- the sink -------------------------------------------------------------------------

    def write(
        self,
        positions: npt.NDArray[np.void],
        flights: Sequence[Flight],
        events: Sequence[Event],
    ) -> None:
        if not self.book.rules() and not self.book.reload():
            return  # nothing to watch: no cost beyond one stat of the rules file
        now_s = self._clock()
        self.engine.evaluate(positions, flights, events, now_s if math.isfinite(now_s) else None)

    def _delivered_and_kept(self, alert: Alert) -> None:
        self.dispatcher.submit(alert)
        self.recent.append([alert_body(alert, self.base_url)])

    # ---- what readers see -----------------------------------------------------------------

    def since(self, seq: int, limit: int = 100) -> tuple[list[tuple[int, dict[str, Any]]], int]:
        """Alert bodies numbered ``seq`` or later, and the number to ask next."""
        return self.recent.since(seq, limit)

    def status(self) -> dict[str, Any]:
        """Rules in force, the rules file's error, and what fired and was delivered."""
        d = self.dispatcher
        return {
            "rules": len(self.book.rules()),
            "rules_error": self.book.error,
            "fired": self.engine.fired,
            "delivered": d.delivered,
            "dead_letters": d.dead,
            "dropped": d.dropped,
            "backlog": d.backlog,
        }
