"""Delivering alerts: the JSON body, webhooks, e-mail, JSON-lines files — never blocking the
pipeline.

``alert_body`` is the documented, versioned JSON document of an alert (docs/alerts.md):

    {"version": 1, "alert_id", "rule", "trigger", "time" (ISO UTC), "time_s",
     "aircraft": {"hex", "registration", "type", "type_description", "operator",
                  "operator_name", "country", "callsign", "military"},
     "value", "position": {"lat", "lon", "altitude_ft"} | null,
     "flight": {"id", "from", "to", "takeoff", "landing", "from_method", "to_method",
                "status"} | null,
     "method": "observed" | "inferred" | null, "inferred": bool, "confidence",
     "event_id", "link": "<base URL>/flight/<id>" | null}

``Dispatcher`` owns a bounded queue and a few worker threads (``workers``): ``submit`` never
blocks (what does not fit is counted and recorded in the journal as ``dropped``), the workers
deliver to each target the alert's rule names. A failed webhook is retried with exponential
backoff (``retry_delays_s``): the retry is scheduled, not waited for, so a slow or dead
endpoint holds up neither the pipeline nor the other alerts; after the last try a dead letter
is recorded. Every attempt is recorded in the alert journal. A webhook request carries
``X-Skytrace-Signature: sha256=<hex>``, the HMAC-SHA256 of the body under the rule's secret,
when the rule has one.

E-mail goes through the configured SMTP server (``SmtpConfig``; STARTTLS when asked;
credentials from the config or ``$SKYTRACE_SMTP_USER`` / ``$SKYTRACE_SMTP_PASSWORD``).
Thread-safe: ``submit`` may be called from any thread.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import json
import logging
import math
import os
import queue
import smtplib
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Final

from skytrace.alerts.engine import Alert
from skytrace.alerts.journal import AlertJournal
from skytrace.alerts.rules import WatchRule

__all__ = ["BODY_VERSION", "DeliveryOptions", "Dispatcher", "SmtpConfig", "alert_body"]

log = logging.getLogger(__name__)

BODY_VERSION: Final = 1


def _iso(t: float) -> str | None:
    if not math.isfinite(t):
        return None
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _num(x: float, digits: int) -> float | None:
    return round(x, digits) if math.isfinite(x) else None


def alert_body(alert: Alert, base_url: str = "") -> dict[str, Any]:
    """The versioned JSON document of an alert (see the module docstring)."""
    ident = alert.identity
    f = alert.flight
    flight = None
    if f is not None:
        flight = {
            "id": f.flight_id,
            "from": f.departure.icao if f.departure else None,
            "to": f.arrival.icao if f.arrival else None,
            "takeoff": _iso(f.takeoff_s),
            "landing": _iso(f.landing_s),
            "from_method": f.departure.method if f.departure else None,
            "to_method": f.arrival.method if f.arrival else None,
            "status": f.status,
        }
    position = None
    if math.isfinite(alert.lat) and math.isfinite(alert.lon):
        position = {
            "lat": round(alert.lat, 5),
            "lon": round(alert.lon, 5),
            "altitude_ft": _num(alert.altitude_ft, 0),
        }
    link = f"{base_url.rstrip('/')}/flight/{f.flight_id}" if base_url and f is not None else None
    return {
        "version": BODY_VERSION,
        "alert_id": alert.alert_id,
        "rule": alert.rule,
        "trigger": alert.trigger,
        "time": _iso(alert.time_s),
        "time_s": _num(alert.time_s, 3),
        "aircraft": {
            "hex": alert.hex,
            "registration": ident.registration if ident else "",
            "type": ident.typecode if ident else "",
            "type_description": ident.type_description if ident else "",
            "operator": ident.operator_icao if ident else "",
            "operator_name": ident.operator_name if ident else "",
            "country": ident.country if ident else "",
            "callsign": alert.callsign,
            "military": bool(ident.military) if ident else False,
        },
        "value": alert.value,
        "position": position,
        "flight": flight,
        "method": alert.method or None,
        "inferred": alert.method == "inferred",
        "confidence": _num(alert.confidence, 3),
        "event_id": alert.event_id or None,
        "link": link,
    }


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str = "127.0.0.1"
    port: int = 25
    starttls: bool = False
    username: str = ""
    password: str = ""
    sender: str = "skytrace@localhost"
    timeout_s: float = 10.0

    def credentials(self) -> tuple[str, str]:
        user = self.username or os.environ.get("SKYTRACE_SMTP_USER", "")
        password = self.password or os.environ.get("SKYTRACE_SMTP_PASSWORD", "")
        return user, password


@dataclass(frozen=True, slots=True)
class DeliveryOptions:
    queue_size: int = 10_000
    timeout_s: float = 5.0  # per webhook request
    retry_delays_s: tuple[float, ...] = (1.0, 4.0, 16.0)  # waits before the 2nd, 3rd... try
    base_url: str = ""  # where the web map is, for the alert's link
    smtp: SmtpConfig | None = None
    workers: int = 4  # deliveries in parallel (one slow endpoint takes only one of them)


Sleep = Callable[[float], None]


@dataclass(order=True, slots=True)
class _Retry:
    """A webhook try waiting for its time (ordered by ``due``, then by when it was made)."""

    due: float
    order: int
    alert: Alert = field(compare=False)
    rule: WatchRule = field(compare=False)
    data: bytes = field(compare=False)
    attempt: int = field(compare=False)


class Dispatcher:
    """Delivers alerts to their rules' targets in worker threads (see the module docstring).

    ``rules`` is called for the rules in force (by name) when an alert is delivered, so a
    rule removed meanwhile is not delivered to. ``deliver`` delivers one alert in the
    calling thread, waiting out the backoff with ``sleep`` (tests pass a recorder); the
    workers instead schedule each retry on ``clock`` and go on with other alerts meanwhile.
    """

    def __init__(
        self,
        rules: Callable[[], Sequence[WatchRule]],
        journal: AlertJournal | None,
        options: DeliveryOptions | None = None,
        sleep: Sleep = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.options = options or DeliveryOptions()
        self._rules = rules
        self.journal = journal
        self._sleep = sleep
        self._clock = clock
        self._queue: queue.Queue[Alert] = queue.Queue(self.options.queue_size)
        self._retries: list[_Retry] = []  # a heap by due time
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._busy = 0  # jobs being delivered now
        self._closing = False
        self._counts_lock = threading.Lock()
        self.dropped = 0
        self.delivered = 0
        self.dead = 0
        self._rule_source: Sequence[WatchRule] | None = None
        self._rule_map: dict[str, WatchRule] = {}

    # ---- lifecycle ------------------------------------------------------------------------

    def start(self) -> Dispatcher:
        if not self._threads:
            self._closing = False
            for k in range(max(1, self.options.workers)):
                t = threading.Thread(target=self._run, name=f"skytrace-alerts-{k}", daemon=True)
                t.start()
                self._threads.append(t)
        return self

    def close(self, timeout_s: float = 30.0) -> None:
        """Deliver what is queued and retry what is due (up to ``timeout_s``), then stop the
        workers; a retry not due yet is not awaited: it is recorded as a dead letter."""
        if not self._threads:
            return
        deadline = time.monotonic() + timeout_s
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self._threads = []
        with self._cond:
            left, self._retries = self._retries, []
        for r in left:
            self._dead(r.alert, "webhook", r.attempt - 1, "stopped before the next retry")
        if self._queue.qsize():
            log.warning("%d alerts were still queued at shutdown", self._queue.qsize())

    def __enter__(self) -> Dispatcher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- the pipeline side ----------------------------------------------------------------

    def submit(self, alert: Alert) -> None:
        """Queue an alert for delivery; never blocks. An alert that does not fit is counted
        and recorded as dropped."""
        if self.journal is not None:
            self.journal.record_alert(alert, alert_body(alert, self.options.base_url))
        try:
            self._queue.put_nowait(alert)
        except queue.Full:
            with self._counts_lock:
                self.dropped += 1
            if self.journal is not None:
                self.journal.record_attempt(alert.alert_id, "queue", 0, "dropped", "queue full")
            return
        with self._cond:
            self._cond.notify()

    __call__ = submit

    @property
    def backlog(self) -> int:
        """Alerts waiting for a worker, and webhook retries waiting for their time."""
        return self._queue.qsize() + len(self._retries)

    # ---- the workers ----------------------------------------------------------------------

    def _next_job(self) -> Alert | _Retry | None:
        """The next retry that is due, else the next queued alert; None: stop."""
        with self._cond:
            while True:
                now = self._clock()
                if self._retries and self._retries[0].due <= now:
                    job: Alert | _Retry = heapq.heappop(self._retries)
                    self._busy += 1
                    return job
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    if self._closing and not self._busy:  # retries not due: not awaited
                        self._cond.notify_all()
                        return None
                    wait = self._retries[0].due - now if self._retries else 1.0
                    self._cond.wait(min(max(wait, 0.0), 1.0))
                    continue
                self._busy += 1
                return job

    def _run(self) -> None:
        while (job := self._next_job()) is not None:
            try:
                if isinstance(job, _Retry):
                    self._webhook_try(job.alert, job.rule, job.data, job.attempt)
                else:
                    self._deliver(job, inline=False)
            except Exception:  # never let one alert stop delivery
                alert = job.alert if isinstance(job, _Retry) else job
                log.exception("delivering alert %s failed", alert.alert_id)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def deliver(self, alert: Alert) -> None:
        """Deliver one alert to its rule's targets now, in this thread, retries included."""
        self._deliver(alert, inline=True)

    def _deliver(self, alert: Alert, *, inline: bool) -> None:
        rule = self._rule(alert.rule)
        if rule is None:
            return
        body = alert_body(alert, self.options.base_url)
        data = json.dumps(body, separators=(",", ":")).encode()
        if rule.webhook:
            if inline:
                self._webhook(alert, rule, data)
            else:
                self._webhook_try(alert, rule, data, 1)
        if rule.email:
            self._email(alert, rule, body)
        if rule.jsonl:
            self._jsonl(alert, rule, data)

    def _rule(self, name: str) -> WatchRule | None:
        """The rule in force of that name (the name index is rebuilt when the rules change)."""
        rules = self._rules()
        if rules is not self._rule_source:
            self._rule_source = rules
            self._rule_map = {r.name: r for r in rules}
        return self._rule_map.get(name)

    @property
    def _tries(self) -> int:
        return 1 + len(self.options.retry_delays_s)

    def _webhook(self, alert: Alert, rule: WatchRule, data: bytes) -> None:
        """Every try in this thread, waiting out the backoff (``deliver``)."""
        for attempt in range(1, self._tries + 1):
            if self._post(alert, rule, data, attempt):
                return
            if attempt < self._tries:
                self._sleep(self.options.retry_delays_s[attempt - 1])
        self._dead(alert, "webhook", self._tries, f"gave up after {self._tries} tries")

    def _webhook_try(self, alert: Alert, rule: WatchRule, data: bytes, attempt: int) -> None:
        """One try (a worker's); a failure schedules the next one, or is a dead letter."""
        if self._post(alert, rule, data, attempt):
            return
        if attempt >= self._tries:
            self._dead(alert, "webhook", attempt, f"gave up after {attempt} tries")
            return
        due = self._clock() + self.options.retry_delays_s[attempt - 1]
        with self._cond:
            heapq.heappush(
                self._retries, _Retry(due, next(self._order), alert, rule, data, attempt + 1)
            )
            self._cond.notify()

    def _post(self, alert: Alert, rule: WatchRule, data: bytes, attempt: int) -> bool:
        headers = {"Content-Type": "application/json", "User-Agent": "skytrace-alerts/1"}
        if rule.secret:
            mac = hmac.new(rule.secret.encode(), data, hashlib.sha256).hexdigest()
            headers["X-Skytrace-Signature"] = f"sha256={mac}"
        request = urllib.request.Request(rule.webhook, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.options.timeout_s) as resp:
                status = int(resp.status)
            ok, detail = 200 <= status < 300, f"HTTP {status}"
        except urllib.error.HTTPError as exc:
            ok, detail = False, f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        self._attempt(alert, "webhook", attempt, "delivered" if ok else "failed", detail)
        if ok:
            with self._counts_lock:
                self.delivered += 1
        return ok

    def _dead(self, alert: Alert, target: str, attempt: int, detail: str) -> None:
        with self._counts_lock:
            self.dead += 1
        self._attempt(alert, target, attempt, "dead-letter", detail)

    def _email(self, alert: Alert, rule: WatchRule, body: dict[str, Any]) -> None:
        smtp = self.options.smtp
        if smtp is None:
            self._dead(alert, "email", 1, "no SMTP server configured")
            return
        msg = EmailMessage()
        who = body["aircraft"]["registration"] or body["aircraft"]["callsign"] or alert.hex
        msg["Subject"] = f"[skytrace] {rule.name}: {who} {alert.trigger} {alert.value}".strip()
        msg["From"] = smtp.sender
        msg["To"] = rule.email
        msg.set_content(json.dumps(body, indent=2))
        try:
            with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s) as server:
                if smtp.starttls:
                    server.starttls()
                user, password = smtp.credentials()
                if user:
                    server.login(user, password)
                server.send_message(msg)
        except (smtplib.SMTPException, OSError) as exc:
            self._dead(alert, "email", 1, f"{type(exc).__name__}: {exc}")
            return
        with self._counts_lock:
            self.delivered += 1
        self._attempt(alert, "email", 1, "delivered", rule.email)

    def _jsonl(self, alert: Alert, rule: WatchRule, data: bytes) -> None:
        path = Path(rule.jsonl)
        if not path.is_absolute() and self.journal is not None:
            path = self.journal.directory / path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("ab") as fh:
                fh.write(data + b"\n")
        except OSError as exc:
            self._dead(alert, "jsonl", 1, f"{type(exc).__name__}: {exc}")
            return
        with self._counts_lock:
            self.delivered += 1
        self._attempt(alert, "jsonl", 1, "delivered", str(path))

    def _attempt(self, alert: Alert, target: str, attempt: int, status: str, detail: str) -> None:
        if self.journal is not None:
            self.journal.record_attempt(alert.alert_id, target, attempt, status, detail)
