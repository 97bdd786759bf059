"""``skytrace demo`` end to end on a short scenario: the featured flight is found and described.

The short scenario has the seed scenario's shape: Air Koryo 7277CF flies from an airport no
receiver can see low (Yanji, ZYYJ) to Vladivostok (UHWW), where receivers see the landing, so
the departure must be inferred. Expected values come from the scenario and the traffic model.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from skytrace.cli.main import main
from skytrace.simulate.radio import ReceiverNetwork
from skytrace.simulate.scenario import load_scenario
from skytrace.simulate.traffic import build_profile
from skytrace.store import FlightQuery, open_reader
from tests.cli.conftest import RunCli

SHORT = """
[scenario]
name = "short"
description = "Air Koryo 7277CF Yanji to Vladivostok, departure out of coverage"
start = "2023-09-12T05:00:00Z"
duration_s = 2700
seed = 3

[[aircraft]]
icao24 = "7277CF"
registration = "P-671"
typecode = "A148"
type_description = "ANTONOV An-148"
operator_icao = "KOR"
operator_name = "Air Koryo"
country = "KP"

[[flights]]
icao24 = "7277CF"
callsign = "KOR153"
typecode = "A148"
origin = "ZYYJ"
destination = "UHWW"
takeoff = "2023-09-12T05:06:00Z"
cruise_altitude_ft = 18000

[[receivers]]
name = "ru-vladivostok-airport"
lat = 43.3990
lon = 132.1230
altitude_m = 40

[[receivers]]
name = "ru-nakhodka"
lat = 42.8240
lon = 132.8920
altitude_m = 60

[[airports]]
icao = "ZYYJ"
[[airports.runways]]
le_ident = "09"
he_ident = "27"
le_lat = 42.881099700927734
le_lon = 129.43600463867188
he_lat = 42.884498596191406
he_lon = 129.4669952392578
le_heading_deg = 81.7
he_heading_deg = 261.7
length_ft = 8530

[[airports]]
icao = "UHWW"
[[airports.runways]]
le_ident = "07R"
he_ident = "25L"
le_lat = 43.393699645996094
le_lon = 132.14199829101562
he_lat = 43.40449905395508
he_lon = 132.16900634765625
le_heading_deg = 61.1
he_heading_deg = 241.1
length_ft = 11483
"""


@pytest.fixture(scope="module")
def short_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "short.toml"
    path.write_text(SHORT)
    return path


def test_short_scenario_departure_is_out_of_sight(short_scenario: Path) -> None:
    sc = load_scenario(short_scenario)
    net = ReceiverNetwork(sc.receivers, np.random.default_rng(0))
    zyyj = sc.airports["ZYYJ"]
    pairs = net.pairs(np.array([zyyj.lat]), np.array([zyyj.lon]), np.array([3000.0]))
    assert pairs.count.sum() == 0


def test_demo_finds_the_featured_flight(
    short_scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "demo"
    assert main(["demo", "--scenario", str(short_scenario), "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "7277cf" in out and "Air Koryo" in out

    sc = load_scenario(short_scenario)
    spec = sc.flights[0]
    profile = build_profile(spec, sc.airports["ZYYJ"], sc.airports["UHWW"])
    expected_s = profile.landing_s - profile.takeoff_s

    reader = open_reader(data_dir)
    try:
        flights = reader.flights(FlightQuery(icao24=0x7277CF))
    finally:
        reader.close()
    assert len(flights) == 1
    f = flights[0]
    assert f.departure is not None and f.departure.icao == "ZYYJ"
    assert f.departure.method == "inferred"
    assert f.arrival is not None and f.arrival.icao == "UHWW"
    assert f.arrival.method == "observed"
    assert f.operator_name == "Air Koryo" and f.operator_icao == "KOR"
    assert f.typecode == "A148" and f.registration == "P-671"
    assert "KOR153" in f.callsigns
    assert abs(f.duration_s - expected_s) < 5 * 60
    assert abs(f.landing_s - profile.landing_s) < 60


def test_demo_never_imports_over_reference_data_the_directory_has(
    short_scenario: Path, tmp_path: Path
) -> None:
    from rich.console import Console

    from skytrace.cli.demo import _import_scenario_refdata
    from skytrace.refdata import import_refdata, load_refdata

    own = tmp_path / "own.csv"
    own.write_text("icao24,registration,typecode\n4840d6,PH-BXA,B738\n")
    import_refdata(own, "aircraft", tmp_path)
    console = Console(record=True)
    db = _import_scenario_refdata(load_scenario(short_scenario), tmp_path, console)
    assert db is not None and [int(a) for a in db.icao24] == [0x4840D6]
    assert "using the aircraft already imported" in console.export_text()
    manifest = load_refdata(tmp_path).manifest()
    assert {"aircraft", "operators", "runways"} <= set(manifest)
    assert load_refdata(tmp_path).identify(0x7277CF, "KOR153").operator_name == "Air Koryo"


def test_keep_running_serves_the_demo_data(
    short_scenario: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "kept"
    args = ["demo", "--scenario", str(short_scenario), "--data-dir", str(data_dir)]
    args += ["--keep-running", "--serve-duration", "2", "--serve-any-port"]
    assert main(args) == 0
    out, err = capfd.readouterr()
    assert "running the receiver server" in out
    text = " ".join((out + err).split())  # rich wraps long lines
    assert "beast-in 127.0.0.1:" in text and "stopped" in text
    assert (data_dir / "receivers.json").is_file()
    # the map and the featured flight's page and replay, on the port serve bound
    with open_reader(data_dir) as reader:
        (flight,) = reader.flights(FlightQuery(icao24=0x7277CF))
    (port,) = set(re.findall(r"http 127\.0\.0\.1:(\d+)", text))
    base = f"http://127.0.0.1:{port}"
    assert f"the live map: {base}/" in text
    assert f"flight {flight.flight_id}: {base}/flight/{flight.flight_id}" in text
    assert f"replay {flight.flight_id}: {base}/playback?flight={flight.flight_id}" in text


def test_demo_says_where_the_map_is(
    short_scenario: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["demo", "--scenario", str(short_scenario), "--data-dir", str(tmp_path / "d")]
    assert main([*args, "--duration", "300"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "skytrace demo --keep-running" in text and "http://127.0.0.1:8080/" in text


def test_the_mlat_demo_places_a_mode_s_only_aircraft_by_multilateration(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """``skytrace demo --scenario mlat_dense`` (by name): MLAT runs over the scenario's
    receivers and the Mode-S-only Superjet's flight takes off from Vladivostok on
    multilaterated positions alone (first 20 minutes of the scenario)."""
    data = tmp_path / "mlat"
    code, out, _ = run_cli(
        "demo", "--scenario", "mlat_dense", "--duration", "1200", "--data-dir", str(data)
    )
    assert code == 0 and "MLAT on: a Mode-S-only aircraft, 23 receivers placed" in out
    assert "skytrace flights --operator RSD" in out
    code, out, _ = run_cli("flights", "--json", "--data-dir", str(data))
    (rsd,) = [f for f in json.loads(out) if f["icao24"] == 0x1500F3]
    assert rsd["departure"]["icao"] == "UHWW" and rsd["sources"] == ["mlat"]
    assert rsd["receivers_heard"] >= 4
    code, out, _ = run_cli("facts", rsd["flight_id"], "--data-dir", str(data))
    assert code == 0 and "positions, all multilaterated" in out
