"""Delivering alerts: webhooks on loopback that fail, succeed or never answer; e-mail through a
local SMTP server; the journal of every alert and attempt. All servers bind 127.0.0.1 on a
free port and stop by themselves."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from skytrace.alerts.delivery import DeliveryOptions, Dispatcher, SmtpConfig, alert_body
from skytrace.alerts.engine import Alert
from skytrace.alerts.journal import AlertJournal
from skytrace.alerts.rules import WatchRule
from skytrace.model import AircraftIdentity


def alert(alert_id: str = "a1", rule: str = "hook") -> Alert:
    ident = AircraftIdentity(0x7277CF, registration="P-671", operator_icao="KOR")
    return Alert(alert_id, rule, "landing", 1694488424.0, 0x7277CF, "UHWW",
                 identity=ident, callsign="KOR151", lat=43.4, lon=132.15, altitude_ft=50.0,
                 method="observed", confidence=0.98, fired_s=1694488430.0)  # fmt: skip


class Hook:
    """A webhook receiver on loopback answering 500 to the first ``failures`` requests."""

    def __init__(self, failures: int = 0) -> None:
        self.bodies: list[bytes] = []
        self.headers: list[dict[str, str]] = []
        self.failures = failures
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.headers.append(dict(self.headers))
                if hook.failures > 0:
                    hook.failures -= 1
                    self.send_response(500)
                else:
                    hook.bodies.append(body)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook(failures=2)
    yield h
    h.close()


def test_webhook_failing_twice_then_succeeding_gets_exactly_one_delivery(
    hook: Hook, tmp_path: Path
) -> None:
    rule = WatchRule.build({"name": "hook", "webhook": hook.url, "secret": "s3cret"})
    waits: list[float] = []
    journal = AlertJournal(tmp_path)
    d = Dispatcher(
        lambda: [rule], journal, DeliveryOptions(retry_delays_s=(1, 4, 16)), waits.append
    )
    d.submit(alert())
    d.deliver(alert())  # in this thread: the worker is not started
    assert len(hook.bodies) == 1 and waits == [1, 4]  # backoff between the three tries
    body = json.loads(hook.bodies[0])
    assert body["version"] == 1 and body["aircraft"]["registration"] == "P-671"
    assert body["method"] == "observed" and body["inferred"] is False
    mac = hmac.new(b"s3cret", hook.bodies[0], hashlib.sha256).hexdigest()
    assert hook.headers[-1]["X-Skytrace-Signature"] == f"sha256={mac}"
    (entry,) = journal.read()
    assert [a["status"] for a in entry.attempts] == ["failed", "failed", "delivered"]
    assert entry.state == "delivered"


class GatedHook(Hook):
    """A webhook receiver that holds every request until ``gate`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.waiting = threading.Semaphore(0)
        handler = self.server.RequestHandlerClass
        gate, waiting = self.gate, self.waiting

        class Held(handler):  # type: ignore[misc, valid-type]
            def do_POST(self) -> None:
                waiting.release()
                gate.wait(30)
                super().do_POST()

        self.server.RequestHandlerClass = Held


def test_submit_never_waits_on_the_network_and_overflow_is_counted(tmp_path: Path) -> None:
    hook = GatedHook()
    rule = WatchRule.build({"name": "hook", "webhook": hook.url})
    journal = AlertJournal(tmp_path)
    options = DeliveryOptions(timeout_s=30.0, queue_size=4, workers=1)
    try:
        with Dispatcher(lambda: [rule], journal, options) as d:
            d.submit(alert("a0"))
            assert hook.waiting.acquire(timeout=30)  # the worker is inside its request now
            for k in range(1, 10):  # 4 fit in the queue; 5 do not and are counted, not awaited
                d.submit(alert(f"a{k}"))
            assert (d.delivered, d.dropped, d.backlog) == (0, 5, 4)  # nothing answered yet
            hook.gate.set()
    finally:
        hook.gate.set()
        hook.close()
    entries = {e.body["alert_id"]: e.state for e in journal.read()}
    assert sorted(entries.values()) == ["delivered"] * 5 + ["dropped"] * 5
    assert len(hook.bodies) == 5


def test_an_endpoint_that_never_answers_ends_in_the_dead_letter(tmp_path: Path) -> None:
    silent = socket.socket()  # accepts and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
    rule = WatchRule.build({"name": "hook", "webhook": url})
    journal = AlertJournal(tmp_path)
    options = DeliveryOptions(timeout_s=0.2, retry_delays_s=(0.05,))
    with Dispatcher(lambda: [rule], journal, options) as d:
        d.submit(alert("a0"))
        for _ in range(3000):  # bounded: until both tries have timed out
            if d.dead:
                break
            time.sleep(0.01)
    silent.close()
    (entry,) = journal.read()
    assert [a["status"] for a in entry.attempts] == ["failed", "failed", "dead-letter"]
    assert entry.state == "dead-letter" and d.dead == 1


def test_a_dead_endpoint_does_not_hold_up_another_rules_alerts(tmp_path: Path) -> None:
    """Retries are scheduled, not slept in a worker: with one worker, an endpoint that fails
    every time (retried after 30 s) does not delay the next alert of a healthy one."""
    failing, healthy = Hook(failures=10**6), Hook()
    rules = [
        WatchRule.build({"name": "bad", "webhook": failing.url}),
        WatchRule.build({"name": "good", "webhook": healthy.url}),
    ]
    journal = AlertJournal(tmp_path)
    options = DeliveryOptions(retry_delays_s=(30.0,), workers=1)
    try:
        with Dispatcher(lambda: rules, journal, options) as d:
            d.submit(alert("x", rule="bad"))
            d.submit(alert("y", rule="good"))
            for _ in range(3000):  # bounded: until the healthy endpoint has it
                if healthy.bodies:
                    break
                time.sleep(0.01)
            assert len(healthy.bodies) == 1 and len(failing.headers) == 1  # no retry yet
            assert d.backlog == 1  # the retry, waiting for its time
    finally:
        failing.close()
        healthy.close()
    states = {e.body["alert_id"]: e.state for e in journal.read()}
    # closing does not wait 30 s for the retry: it is recorded as a dead letter, not lost
    assert states == {"x": "dead-letter", "y": "delivered"}


def test_retries_come_when_they_are_due(tmp_path: Path) -> None:
    hook = Hook(failures=2)
    rule = WatchRule.build({"name": "hook", "webhook": hook.url})
    journal = AlertJournal(tmp_path)
    try:
        d = Dispatcher(lambda: [rule], journal, DeliveryOptions(retry_delays_s=(0.05, 0.1)))
        with d:
            d.submit(alert("r"))
            for _ in range(3000):  # bounded wait for the third try
                if hook.bodies:
                    break
                time.sleep(0.01)
    finally:
        hook.close()
    (entry,) = journal.read()
    assert [a["status"] for a in entry.attempts] == ["failed", "failed", "delivered"]
    assert [a["attempt"] for a in entry.attempts] == [1, 2, 3]


def test_email_goes_through_the_configured_smtp_server(tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    got: list[bytes] = []

    class Handler:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            got.append(envelope.content)  # type: ignore[attr-defined]
            return "250 OK"

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        rule = WatchRule.build({"name": "mail", "email": "desk@newsroom.test"})
        journal = AlertJournal(tmp_path)
        options = DeliveryOptions(smtp=SmtpConfig(host="127.0.0.1", port=port))
        d = Dispatcher(lambda: [rule], journal, options)
        d.submit(alert(rule="mail"))  # journalled and queued (the worker is not started)
        d.deliver(alert(rule="mail"))
    finally:
        controller.stop()
    (message,) = got
    assert b"To: desk@newsroom.test" in message and b"P-671" in message
    assert journal.read()[0].state == "delivered"


def test_jsonl_target_writes_inside_the_alerts_folder(tmp_path: Path) -> None:
    rule = WatchRule.build({"name": "file", "jsonl": "koryo.jsonl"})
    journal = AlertJournal(tmp_path)
    Dispatcher(lambda: [rule], journal).deliver(alert(rule="file"))
    lines = (tmp_path / "alerts" / "koryo.jsonl").read_text().splitlines()
    assert json.loads(lines[0]) == alert_body(alert(rule="file"))


def test_a_torn_journal_line_is_skipped_and_counted(tmp_path: Path) -> None:
    journal = AlertJournal(tmp_path)
    journal.record_alert(alert("a1"), alert_body(alert("a1")))
    with (tmp_path / "alerts" / "alerts.jsonl").open("a") as fh:
        fh.write('{"alert_id": "a2", "ru')  # a crash mid-line
    journal.record_alert(alert("a3"), alert_body(alert("a3")))
    assert [e.body["alert_id"] for e in journal.read()] == ["a1", "a3"]
    assert journal.bad_lines == 1
