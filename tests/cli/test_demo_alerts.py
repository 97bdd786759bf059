"""The demo watches its featured aircraft as ``serve`` would: the alerts it fired live are in
the journal (``skytrace alerts``), and the rule run over the stored history (``skytrace watch
test``) gives exactly those alerts — the reporter's question answered as it happened."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import DEMO_FLIGHT, RunCli


def test_the_demo_fired_the_featured_flights_alerts_as_it_played(
    demo_store: Path, run_cli: RunCli
) -> None:
    code, out, _ = run_cli("alerts", "--json", "--data-dir", str(demo_store))
    assert code == 0
    fired = json.loads(out)
    by_trigger = {(a["trigger"], a["value"]): a for a in fired}
    takeoff = by_trigger[("takeoff", "ZKPY")]
    assert takeoff["inferred"] is True and 0 < takeoff["confidence"] < 1
    assert takeoff["flight"]["id"] == DEMO_FLIGHT
    landing = by_trigger[("landing", "UHWW")]
    assert landing["method"] == "observed" and landing["inferred"] is False
    assert ("area-entry", "country:RU") in by_trigger
    assert {a["aircraft"]["registration"] for a in fired} == {"P-671"}
    assert {a["delivery"] for a in fired} == {"logged"}  # the demo's rule has no targets
    assert len({(a["trigger"], a["value"], a["flight"]["id"]) for a in fired}) == len(fired)


def test_watch_test_gives_the_alerts_the_live_run_gave(demo_store: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("alerts", "--json", "--data-dir", str(demo_store))
    live = [a["alert_id"] for a in json.loads(out)]
    code, out, _ = run_cli(
        "watch", "test", "featured", "--date", "2023-09-12", "--json", "--data-dir",
        str(demo_store),
    )  # fmt: skip
    assert code == 0
    assert [a["alert_id"] for a in json.loads(out)] == live
