"""``skytrace replay``: files through the runtime, summary, aircraft.json, argument errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from skytrace.cli.main import main


def test_replay_beast_sample_json_summary_and_aircraft_json(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "aircraft.json"
    code = main([
        "replay", str(shared_data / "modes" / "sample_dump1090.beast"),
        "--no-store", "--json", "--aircraft-json", str(out),
    ])  # fmt: skip
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["frames"] == 239
    assert summary["decoded"] <= 239 and summary["bad_lines"] == 0
    doc = json.loads(out.read_text())
    assert {"now", "messages", "aircraft"} <= set(doc)
    assert "48520a" in {a["hex"] for a in doc["aircraft"]}  # PH-HXB, the sample's aircraft


def test_replay_gzip_csv_with_bad_lines_and_speed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.csv.gz"
    rows = [f"{1000.0 + i * 0.01},8D4840D6202CC371C32CE0576098" for i in range(50)]
    rows.insert(10, "oops,not a frame")
    path.write_bytes(gzip.compress(("\n".join(rows) + "\n").encode()))
    assert main(["replay", str(path), "--no-store", "--json", "--speed", "50"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["frames"] == 50 and summary["bad_lines"] == 1
    assert "line 11" in captured.err


def test_replay_writes_the_store_in_the_data_dir(shared_data: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    code = main([
        "replay", str(shared_data / "modes" / "sample_dump1090.beast"),
        "--data-dir", str(data_dir), "--json",
    ])  # fmt: skip
    assert code == 0
    assert any(data_dir.iterdir())


def test_replay_argument_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(tmp_path / "missing.beast"), "--no-store"]) == 2
    assert "no such file" in capsys.readouterr().err
    f = tmp_path / "x.txt"
    f.write_text("nothing to see\n")
    assert main(["replay", str(f), "--no-store"]) == 4  # SourceError: unknown format
    assert "unknown format" in capsys.readouterr().err
    assert main(["replay", str(f), "--no-store", "--speed", "0"]) == 2
