"""``skytrace receivers`` tells the truth (issue 12): receivers that left are not "connected",
a stopped server's rates are not shown as current, clock figures are in plausible units, and
without a server the store's receivers table is read. A malformed file is a clear error.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from skytrace.cli.main import main
from skytrace.model import ReceiverStats
from skytrace.sources.receivers import RECEIVERS_JSON, write_receivers_json
from skytrace.store import Store


def stats(now: float, **kw: object) -> ReceiverStats:
    base: dict[str, object] = dict(
        receiver=1, name="roof", connected_since_s=now - 600, last_frame_s=now - 5,
        frames=5000, frames_per_s=120.0, connected=True, address="10.0.0.2:50000",
        clock_rate_hz=12_000_600.0, clock_offset_s=now - 7200.0,
    )  # fmt: skip
    base.update(kw)
    return ReceiverStats(**base)  # type: ignore[arg-type]


def receivers_json(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(["receivers", "--json", "--data-dir", str(data_dir)]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_running_server_shows_who_is_connected_and_who_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = time.time()  # when the test runs, not when it was collected
    left_s = now - 60
    write_receivers_json(
        tmp_path / RECEIVERS_JSON,
        [stats(now), stats(now, receiver=2, name="gone", connected=False, frames_per_s=0.0)],
        now,
        disconnected_since={2: left_s},
    )
    doc = receivers_json(tmp_path, capsys)
    roof, gone = doc["receivers"]  # type: ignore[misc]
    assert doc["source"] == "server"
    assert roof["connected"] is True and roof["frames_per_s"] == 120.0
    assert gone["connected"] is False and gone["disconnected_since_s"] == left_s
    assert main(["receivers", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "connected" in out and "left" in out


def test_a_stopped_server_shows_nobody_connected_and_no_rates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = time.time()  # when the test runs, not when it was collected
    written = now - 3600  # the server stopped writing an hour ago (killed)
    write_receivers_json(tmp_path / RECEIVERS_JSON, [stats(now)], written)
    doc = receivers_json(tmp_path, capsys)
    (roof,) = doc["receivers"]  # type: ignore[misc]
    assert doc["source"] == "stopped server"
    assert roof["connected"] is False and roof["frames_per_s"] == 0.0
    assert roof["disconnected_since_s"] == written
    assert roof["frames"] == 5000  # what it did is still shown
    assert main(["receivers", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "not running" in out and "connected " not in out


def test_clock_figures_are_in_plausible_units(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = time.time()  # when the test runs, not when it was collected
    write_receivers_json(
        tmp_path / RECEIVERS_JSON,
        [stats(now), stats(now, receiver=2, name="wild", clock_rate_hz=12_015_000.0)],
        now,
    )
    roof, wild = receivers_json(tmp_path, capsys)["receivers"]  # type: ignore[misc]
    assert roof["clock_ppm"] == pytest.approx(50.0)
    assert wild["clock_ppm"] is None  # 1,250 ppm: no receiver's crystal is that far off
    assert main(["receivers", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "+50.0" in out and "1250" not in out
    assert f"{now - 7200:.0f}"[:6] not in out  # the offset is a time, not a raw epoch


def test_without_a_server_the_store_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store.open(tmp_path) as store:
        store.upsert_receivers([ReceiverStats(1, "sim-ZKPY", frames=1234, lat=39.2, lon=125.7)])
    doc = receivers_json(tmp_path, capsys)
    assert doc["source"] == "store"
    (rx,) = doc["receivers"]  # type: ignore[misc]
    assert (rx["name"], rx["frames"], rx["connected"]) == ("sim-ZKPY", 1234, False)
    assert main(["receivers", "--data-dir", str(tmp_path)]) == 0
    assert "sim-ZKPY" in capsys.readouterr().out


def test_with_mlat_on_each_receiver_says_what_mlat_knows_of_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = time.time()
    synced = {"state": "synced", "synced_pairs": 5, "clock_noise_ns": 41.2, "resets": 1,
              "fixes": 1234}  # fmt: skip
    unplaced = {"state": "no position", "synced_pairs": 0, "clock_noise_ns": None,
                "resets": 0, "fixes": 0}  # fmt: skip
    write_receivers_json(
        tmp_path / RECEIVERS_JSON,
        [stats(now), stats(now, receiver=2, name="attic"), stats(now, receiver=3, name="mast")],
        now,
        mlat={1: synced, 2: unplaced},
    )
    doc = receivers_json(tmp_path, capsys)
    roof, attic, mast = doc["receivers"]  # type: ignore[misc]
    assert roof["mlat"] == synced and attic["mlat"] == unplaced and "mlat" not in mast
    assert main(["receivers", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "MLAT" in out and "synced (5 pairs, 41 ns, 1 reset), 1,234 fixes" in out
    assert "no position" in out


@pytest.mark.parametrize(
    "text",
    [
        "[1, 2]",
        '{"now": 1, "receivers": [{"receiver": 1, "name": "x", "frames": "many"}]}',
        '{"now": 1, "receivers": [7]}',
        '{"now": 1, "receivers": [{"receiver": 1, "name": "x", "colour": "red"}]}',
        '{"now": 1, "receivers": [{"name": "x"}]}',
        '{"now": 1, "receivers": [{"receiver": 1, "name": "x", "mlat": [1]}]}',
        "{" * 100_000,
    ],
)
def test_a_malformed_receivers_json_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    (tmp_path / RECEIVERS_JSON).write_text(text)
    code = main(["receivers", "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err
    if code == 0:  # an unknown extra field is ignored
        assert "colour" in text
    else:
        assert code == 4 and "not a receivers.json file" in err and "Traceback" not in err


def test_after_the_demo_the_virtual_receivers_are_listed_with_what_they_heard(
    demo_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skytrace.simulate.scenario import builtin_scenario_path, load_scenario

    builtin = load_scenario(builtin_scenario_path())
    scenario = {r.name: r for r in builtin.receivers}
    scenario_start = builtin.start_s
    doc = receivers_json(demo_store, capsys)
    rows = {r["name"]: r for r in doc["receivers"]}  # type: ignore[union-attr]
    assert set(rows) <= set(scenario) and len(rows) >= len(scenario) - 2  # some may hear none
    for name, row in rows.items():
        assert row["frames"] > 0 and row["connected"] is False
        assert (row["lat"], row["lon"]) == (scenario[name].lat, scenario[name].lon)
        assert doc["source"] == "store"
        assert scenario_start <= row["connected_since_s"] <= row["last_frame_s"]
        assert row["frames_per_s"] > 0  # the mean rate over its time on the air
