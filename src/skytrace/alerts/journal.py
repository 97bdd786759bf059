"""The alert journal: every alert that fired and every delivery attempt, kept on disk.

Two append-only JSON-lines files in ``<data dir>/alerts/``:

    alerts.jsonl     one line per alert: the alert's JSON body (skytrace.alerts.delivery) and
                     ``fired`` (ISO UTC, data time)
    attempts.jsonl   one line per delivery attempt: alert_id, target (webhook / email / jsonl /
                     queue), attempt number, status (delivered / failed / dead-letter /
                     dropped), detail, at (ISO UTC, wall clock)

``read`` joins them: each alert with its attempts and its delivery state (``delivered`` when
any target delivered, ``dead-letter`` / ``dropped`` when one gave up, ``pending`` otherwise).
A line that does not parse (a torn write at a crash) is skipped and counted. Thread-safe:
appends hold a lock and each line is written whole.
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from skytrace.alerts.engine import Alert

__all__ = ["ALERTS_DIR", "AlertJournal", "JournalEntry"]

ALERTS_DIR: Final = "alerts"


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(slots=True)
class JournalEntry:
    body: dict[str, Any]
    attempts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def state(self) -> str:
        statuses = [a["status"] for a in self.attempts]
        if "delivered" in statuses:
            return "delivered"
        for final in ("dead-letter", "dropped"):
            if final in statuses:
                return final
        return "pending" if statuses else "logged"


class AlertJournal:
    def __init__(self, data_dir: Path) -> None:
        self.directory = Path(data_dir) / ALERTS_DIR
        self._lock = threading.Lock()
        self.bad_lines = 0

    def _append(self, name: str, record: dict[str, Any]) -> None:
        line = json.dumps(record, separators=(",", ":"), allow_nan=False) + "\n"
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            with (self.directory / name).open("a+b") as fh:
                # after a crash mid-line the file ends without a newline: start a new line,
                # so the torn record stays alone and this one is whole
                if fh.tell() > 0:
                    fh.seek(-1, 2)
                    if fh.read(1) != b"\n":
                        fh.write(b"\n")
                fh.write(line.encode("utf-8"))

    def record_alert(self, alert: Alert, body: dict[str, Any]) -> None:
        fired = alert.fired_s if math.isfinite(alert.fired_s) else time.time()
        stamp = datetime.fromtimestamp(fired, UTC).isoformat(timespec="milliseconds")
        self._append("alerts.jsonl", {**body, "fired": stamp.replace("+00:00", "Z")})

    def record_attempt(
        self, alert_id: str, target: str, attempt: int, status: str, detail: str
    ) -> None:
        self._append(
            "attempts.jsonl",
            {"alert_id": alert_id, "target": target, "attempt": attempt, "status": status,
             "detail": detail[:500], "at": _now_iso()},
        )  # fmt: skip

    def _lines(self, name: str) -> list[dict[str, Any]]:
        path = self.directory / name
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        out = []
        for line in text.splitlines():
            try:
                record = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                self.bad_lines += 1
                continue
            if isinstance(record, dict):
                out.append(record)
            else:
                self.bad_lines += 1
        return out

    def read(
        self,
        since_s: float | None = None,
        until_s: float | None = None,
        rule: str | None = None,
    ) -> list[JournalEntry]:
        """Alerts (oldest first) whose time is in [since_s, until_s), of ``rule`` if given."""
        entries: dict[str, JournalEntry] = {}
        for body in self._lines("alerts.jsonl"):
            t = body.get("time_s")
            if rule is not None and body.get("rule") != rule:
                continue
            if since_s is not None and not (isinstance(t, int | float) and t >= since_s):
                continue
            if until_s is not None and not (isinstance(t, int | float) and t < until_s):
                continue
            entries.setdefault(str(body.get("alert_id")), JournalEntry(body))
        for attempt in self._lines("attempts.jsonl"):
            entry = entries.get(str(attempt.get("alert_id")))
            if entry is not None:
                entry.attempts.append(attempt)
        return list(entries.values())
