"""``skytrace replay --receiver-positions``: MLAT on recorded Beast with readsb receiver ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skytrace.cli.main import main
from skytrace.mlat.sites import SiteBook, load_sites
from skytrace.outputs.encode import receiver_id
from skytrace.simulate.build import Simulation
from skytrace.simulate.output import beast_bytes
from skytrace.simulate.scenario import builtin_scenario_path, load_scenario

SCENARIO = builtin_scenario_path("mlat_dense")


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two minutes of the dense scenario as a Beast file, the aircraft climbing out."""
    scenario = load_scenario(SCENARIO)
    sim = Simulation.from_scenario(scenario)
    sim.start_s = scenario.start_s + 900
    sim.end_s = sim.start_s + 120
    ids = {i: receiver_id(name) for i, name in sim.generator.receiver_names.items()}
    path = tmp_path_factory.mktemp("mlat") / "dense.beast"
    with path.open("wb") as f:
        for batch in sim.batches():
            f.write(beast_bytes(batch, receiver_ids=ids))
    return path


def _replay(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, object]:
    assert main(["replay", str(path), "--no-store", "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_replay_multilaterates_with_receiver_positions(recording, capsys) -> None:
    summary = _replay(recording, capsys, "--receiver-positions", str(SCENARIO))
    assert summary["mlat_fixes"] > 100
    off = _replay(recording, capsys, "--receiver-positions", str(SCENARIO), "--no-mlat")
    assert "mlat_fixes" not in off
    plain = _replay(recording, capsys)
    assert "mlat_fixes" not in plain
    assert summary["positions"] > plain["positions"]  # the Mode-S-only aircraft's


def test_mlat_needs_positions(recording, capsys) -> None:
    assert main(["replay", str(recording), "--no-store", "--mlat"]) == 2
    assert "--receiver-positions" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[receivers]]\nname = 'a'\nlat = 95\nlon = 1\n", "out of range"),
        ("[[receivers]]\nlat = 45\nlon = 1\n", "missing field 'name'"),
        ("[[receivers]]\nname = 'a'\nlon = 1\n", "missing field 'lat'"),
        ("receivers = 3\n", "no [[receivers]]"),
        ("[[receivers]\n", "not valid TOML"),
    ],
)
def test_bad_positions_file_is_a_clear_error(recording, capsys, tmp_path, text, message) -> None:
    bad = tmp_path / "rx.toml"
    bad.write_text(text)
    assert main(["replay", str(recording), "--no-store", "--receiver-positions", str(bad)]) == 2
    assert message in capsys.readouterr().err


def test_site_book_matches_names_and_readsb_ids() -> None:
    book = SiteBook(load_sites(SCENARIO))
    assert len(book) == 23
    sites = book.resolve({1: "ru-artem", 2: f"{receiver_id('ru-bikin'):016x}", 3: "elsewhere"})
    assert [(s.receiver, s.name) for s in sites] == [(1, "ru-artem"), (2, "ru-bikin")]
    assert book.resolve({1: "ru-artem"}) == []  # each index is looked at once
