"""Stores the CLI tests share, built once per session (tests must not modify them).

- ``demo_store``: what ``skytrace demo --data-dir DIR`` leaves behind — the store the README's
  and the ``--help`` examples are written against (7277cf-20230912-0213, KOR151, P-671).
- ``hostile_store``: the sample history with one flight whose text fields hold rich markup,
  ANSI escape sequences and control characters, as an imported file could.
- ``run_cli``: runs ``skytrace`` in-process and returns (exit code, stdout, stderr).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from skytrace.cli.main import main
from skytrace.store import Store
from tests.store.sample import sample_history

DEMO_FLIGHT = "7277cf-20230912-0213"
HOSTILE = {
    "callsign": "[/X]",
    "registration": "[link=https://example.invalid]click[/link]",
    "operator_name": "\x1b[31mRED\x1b[0m Air",
    "type_description": "bell\x07and\rreturn",
    "origin_name": "[bold red]ZKPY[/]",
}

RunCli = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "data"
    assert main(["demo", "--data-dir", str(path)]) == 0
    return path


@pytest.fixture(scope="session")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile")
    flights, rows, events = sample_history()
    first = flights[0]
    assert first.departure is not None
    flights[0] = replace(
        first,
        callsigns=(HOSTILE["callsign"],),
        registration=HOSTILE["registration"],
        operator_name=HOSTILE["operator_name"],
        type_description=HOSTILE["type_description"],
        departure=replace(first.departure, name=HOSTILE["origin_name"]),
    )
    rows = rows.copy()
    mine = (rows["icao24"] == first.icao24) & (rows["time_s"] <= first.last_seen_s)
    rows["callsign"][mine] = HOSTILE["callsign"].encode()
    rows["squawk"][mine] = b"\x1b[2J"
    with Store.open(path, flush_interval_s=0.2) as store:
        store.write(rows, flights, events)
    assert np.count_nonzero(mine) > 0
    return path


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run
