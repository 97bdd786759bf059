"""Recordings without clock times (Beast counters only, AVR without any) replay like the CSV.

long_flight.csv's frames written three ways; each replayed into its own store. Before the fix a
counter-only Beast file started at its modification time, ran two hours into the future and
the store refused 96 % of its positions; the AVR file played as 1.7 s of frames 1 us apart
and gave no flight.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skytrace.cli.main import main
from skytrace.model import Flight
from skytrace.store.reader import FlightQuery, open_reader


@pytest.fixture(scope="module")
def recordings(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    src = (shared_data / "modes" / "long_flight.csv").read_text().split()
    frames = [bytes.fromhex(line.split(",")[1]) for line in src]
    root = tmp_path_factory.mktemp("recordings")
    files = {"csv": root / "f.csv", "beast": root / "f.beast", "avr": root / "f.avr"}
    files["csv"].write_text("\n".join(src) + "\n")
    escaped = (f[:2] + f[2:].replace(b"\x1a", b"\x1a\x1a") for f in frames)
    files["beast"].write_bytes(b"".join(escaped))
    files["avr"].write_text("".join(f"*{f[9:].hex()};\n" for f in frames))
    return files


def _replay(path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, int]:
    assert main(["replay", str(path), "--data-dir", str(data_dir), "--json"]) == 0
    summary: dict[str, int] = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    return summary


def _flights(data_dir: Path) -> list[Flight]:
    with open_reader(data_dir) as reader:
        return reader.flights(FlightQuery())


def _route(f: Flight) -> tuple[int, str, str, tuple[str, ...]]:
    dep = f.departure.icao if f.departure else ""
    arr = f.arrival.icao if f.arrival else ""
    return f.icao24, dep, arr, f.callsigns


def test_beast_and_avr_give_the_csv_positions_and_flights(
    recordings: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    got = {fmt: _replay(p, tmp_path / fmt, capsys) for fmt, p in recordings.items()}
    flights = {fmt: _flights(tmp_path / fmt) for fmt in recordings}
    csv = got["csv"]
    assert csv["flights"] >= 1 and csv["positions"] > 10_000
    # Beast: the same counters, so the same positions and flights, only shifted in time
    assert got["beast"]["positions"] == csv["positions"]
    assert got["beast"]["positions_rejected"] == 0
    assert [_route(f) for f in flights["beast"]] == [_route(f) for f in flights["csv"]]
    for b, c in zip(flights["beast"], flights["csv"], strict=True):
        assert b.landing_s - b.takeoff_s == pytest.approx(c.landing_s - c.takeoff_s, abs=1e-3)
    # AVR: times paced by the squitters, a lower bound close to the real ones
    assert got["avr"]["positions_rejected"] == 0
    assert got["avr"]["positions"] == pytest.approx(csv["positions"], rel=0.002)
    assert [_route(f) for f in flights["avr"]] == [_route(f) for f in flights["csv"]]
    for a, c in zip(flights["avr"], flights["csv"], strict=True):
        real = c.landing_s - c.takeoff_s
        assert 0.95 * real <= a.landing_s - a.takeoff_s <= real


def test_decode_paces_untimed_frames_as_replay_does(
    recordings: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """``decode --positions`` of the AVR file: the positions span about the CSV's time (they
    were spread over 12 ms when frames without a time were put 1 us apart)."""

    def positions(path: Path) -> list[dict[str, float]]:
        assert main(["decode", str(path), "--positions"]) == 0
        return [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    def span(rows: list[dict[str, float]]) -> float:
        t = [r["time_s"] for r in rows]
        return max(t) - min(t)

    csv, avr = positions(recordings["csv"]), positions(recordings["avr"])
    assert len(avr) >= 0.95 * len(csv)
    assert 0.9 * span(csv) <= span(avr) <= span(csv)
    times = [r["time_s"] for r in avr]
    assert times == sorted(times)
