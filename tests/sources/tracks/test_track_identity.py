"""What imported track files say about their aircraft (issue 14: identity from every source),
and how it is laid under the reference data."""

from __future__ import annotations

import json
from pathlib import Path

from skytrace.model import AircraftIdentity
from skytrace.sources.track_identity import FileIdentity, ImportedIdentities, read_identities
from skytrace.sources.tracks import TrackFormat
from tests.flights import fakes

T0 = 1_694_484_000.0


def test_readsb_trace_names_registration_type_and_owner(tmp_path: Path) -> None:
    path = tmp_path / "trace_full_7277cf.json"
    path.write_text(json.dumps({"icao": "7277cf", "r": "P-671", "t": "A148",
                                "desc": "ANTONOV An-148", "ownOp": "Air Koryo", "year": "2013",
                                "timestamp": T0, "trace": []}))  # fmt: skip
    (got,) = read_identities(path, TrackFormat.READSB).items()
    assert got == (0x7277CF, FileIdentity("P-671", "A148", "ANTONOV An-148", "", "Air Koryo",
                                          "readsb trace"))  # fmt: skip


def test_fr24_playback_json_names_model_registration_and_airline(tmp_path: Path) -> None:
    doc = {"result": {"response": {"data": {"flight": {
        "identification": {"callsign": "KOR151"},
        "aircraft": {"model": {"code": "A148", "text": "Antonov An-148-100B"},
                     "identification": {"modes": "7277CF", "registration": "P-671"}},
        "airline": {"name": "Air Koryo", "code": {"icao": "KOR", "iata": "JS"}},
        "track": []}}}}}  # fmt: skip
    path = tmp_path / "kor151.json"
    path.write_text(json.dumps(doc))
    ((address, ident),) = read_identities(path, TrackFormat.FR24).items()
    assert address == 0x7277CF
    assert (ident.registration, ident.typecode, ident.operator_icao, ident.source) == (
        "P-671",
        "A148",
        "KOR",
        "FR24 export",
    )


def test_opensky_csv_with_database_columns(tmp_path: Path) -> None:
    path = tmp_path / "states.csv"
    path.write_text(
        "time,icao24,lat,lon,registration,typecode,model,operatoricao\n"
        f"{T0},7277cf,39.6,125.7,,,,\n"
        f"{T0 + 5},7277cf,39.7,125.8,P-671,a148,Antonov An-148,KOR\n"
        f"{T0 + 5},zzzzzz,39.7,125.8,BAD,B738,,\n"
    )
    got = read_identities(path, TrackFormat.OPENSKY)
    assert got == {0x7277CF: FileIdentity("P-671", "A148", "Antonov An-148", "KOR", "",
                                          "OpenSky metadata")}  # fmt: skip


def test_files_without_identity_say_nothing(tmp_path: Path) -> None:
    path = tmp_path / "states.csv"
    path.write_text(f"time,icao24,lat,lon\n{T0},7277cf,39.6,125.7\n")
    assert read_identities(path, TrackFormat.OPENSKY) == {}
    broken = tmp_path / "trace_full_x.json"
    broken.write_text('{"icao": "7277cf", "r": ')
    assert read_identities(broken, TrackFormat.READSB) == {}


def test_the_aircraft_database_wins_and_the_file_fills_the_gaps() -> None:
    koryo = AircraftIdentity(
        0x7277CF,
        registration="P-671",
        operator_icao="KOR",
        operator_name="Air Koryo",
        operator_source="callsign",
    )
    known = {0x7277CF: koryo}
    files = {0x7277CF: FileIdentity("P-999", "A148", "ANTONOV An-148", "", "Someone",
                                    "readsb trace")}  # fmt: skip
    ident = ImportedIdentities(fakes.FakeIdentities(known), files).identify(0x7277CF, "KOR151")
    assert ident.registration == "P-671"  # the database's
    assert (ident.typecode, ident.identity_source) == ("A148", "readsb trace")  # the file's
    assert (ident.operator_name, ident.operator_source) == ("Air Koryo", "callsign")
    alone = ImportedIdentities(None, files).identify(0x7277CF)
    assert (alone.registration, alone.operator_name, alone.operator_source) == (
        "P-999",
        "Someone",
        "readsb trace",
    )
