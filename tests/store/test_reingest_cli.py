"""Commands report what the store holds, re-ingesting a file adds nothing (issue 12), and
``replay`` stopped by SIGTERM flushes and prints its summary (issue 18)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from skytrace.cli.main import main
from skytrace.store import open_reader
from tests.flights.test_detect import koryo
from tests.sources.tracks.test_tracks import write_opensky

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rec") / "sim.beast"
    assert main(["simulate", "--out", str(path), "--duration", "240"]) == 0
    return path


def _counts(data_dir: Path) -> tuple[int, int, int, int]:
    with open_reader(data_dir) as reader:
        (n,), (distinct,), (events,), (receivers,) = (
            reader.sql("SELECT count(*) FROM positions")[1][0],
            reader.sql(
                "SELECT count(*) FROM (SELECT DISTINCT icao24, timestamp, latitude, longitude "
                "FROM positions)"
            )[1][0],
            reader.sql("SELECT count(*) FROM events")[1][0],
            reader.sql("SELECT count(*) FROM receivers")[1][0],
        )
    return n, distinct, events, receivers


def test_replaying_a_file_twice_stores_it_once(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["replay", str(recording), "--json", "--data-dir", str(tmp_path)]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    once = _counts(tmp_path)
    assert once[0] == once[1] == first["positions"] > 100, first  # no duplicates, summary true
    assert once[2] == first["events"]
    assert main(argv) == 0
    second = json.loads(capsys.readouterr().out)
    assert _counts(tmp_path) == once
    assert (second["positions"], second["events"]) == (0, 0)
    assert second["positions_duplicate"] == first["positions"] + first["positions_duplicate"]


def test_importing_a_file_twice_stores_it_once_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows, _ = koryo()
    path = tmp_path / "states.csv"
    write_opensky(path, rows)
    data = tmp_path / "data"
    argv = ["import", str(path), "--json", "--data-dir", str(data)]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)["stored"]
    assert main(argv) == 0
    second = json.loads(capsys.readouterr().out)["stored"]
    n, distinct, events, _ = _counts(data)
    assert n == distinct == first["positions_stored"] == len(np.unique(rows[["icao24", "time_s"]]))
    assert events == first["events_stored"] > 0
    assert (second["positions_stored"], second["events_stored"]) == (0, 0)
    assert second["events_duplicate"] == first["events_stored"]


def test_import_summary_does_not_count_rows_the_store_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows, _ = koryo()
    late = rows[-1:].copy()
    late["time_s"] = 1e12  # a trace row at +1e12 s
    path = tmp_path / "states.csv"
    write_opensky(path, np.concatenate([rows[:50], late]))
    data = tmp_path / "data"
    assert main(["import", str(path), "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "stored 50 positions (1 refused" in out
    assert _counts(data)[0] == 50


def test_replay_stopped_by_sigterm_flushes_and_prints_its_summary(
    recording: Path, tmp_path: Path
) -> None:
    env = dict(os.environ, PYTHONPATH=f"{REPO / 'src'}{os.pathsep}{REPO}")
    proc = subprocess.Popen(
        [sys.executable, "-m", "skytrace", "replay", str(recording), "--speed", "1",
         "--json", "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        # Wait until the store exists and holds data, then stop it like a service manager.
        while not list((tmp_path / "store" / "positions").rglob("seg-*.npy")):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            subprocess.run(["sleep", "0.1"], check=True)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    summary = json.loads(out)
    assert summary["stopped"] is True and summary["positions"] > 0
    assert _counts(tmp_path)[0] == summary["positions"]
