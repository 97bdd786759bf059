"""Exports load straight into the analysts' tools, and skytrace reads its own exports back.

Every timestamp in CSV and JSON has one format (ISO 8601 UTC with milliseconds), so pandas
parses whole columns without being told a format; KML is a gx:Track with a time per position
at heights above the field; GeoJSON and KML exports import back to the same positions.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from skytrace.store.present import iso
from tests.cli.conftest import DEMO_FLIGHT, RunCli

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
GX = "{http://www.google.com/kml/ext/2.2}"
KML = "{http://www.opengis.net/kml/2.2}"


def test_every_csv_timestamp_has_milliseconds(demo_store: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("export", DEMO_FLIGHT, "--format", "csv", "--data-dir", str(demo_store))
    frame = pd.read_csv(io.StringIO(out), dtype={"timestamp": str})
    assert code == 0 and len(frame) > 6000
    assert frame["timestamp"].map(lambda s: bool(ISO_MS.match(s))).all()
    # A position on a whole second once lost its ".000" (7 of 11,163 rows of an export).
    assert iso(1_694_484_000.0) == "2023-09-12T02:00:00.000Z"
    assert iso(1_694_484_000.9996) == "2023-09-12T02:00:01.000Z"
    assert iso(1_694_484_000.353725) == "2023-09-12T02:00:00.354Z"
    times = pd.to_datetime(frame["timestamp"], format="ISO8601", utc=True)
    assert times.is_monotonic_increasing and times.notna().all()


@pytest.mark.parametrize("command", [["flights"], ["board", "UHWW", "--date", "2023-09-12"],
                                     ["history", "KOR151"], ["track", "KOR151"]])  # fmt: skip
def test_csv_and_json_times_parse_as_one_format(
    demo_store: Path, run_cli: RunCli, command: list[str]
) -> None:
    data = ("--data-dir", str(demo_store))
    _, out, _ = run_cli(*command, "--csv", *data)
    frame = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    time_columns = [c for c in frame.columns if c in
                    ("timestamp", "takeoff", "landing", "first_seen", "last_seen")]  # fmt: skip
    assert time_columns and len(frame)
    for column in time_columns:
        values = frame[column][frame[column] != ""]
        assert values.map(lambda s: bool(ISO_MS.match(s))).all(), column
        pd.to_datetime(values, format="%Y-%m-%dT%H:%M:%S.%fZ", utc=True)  # raises if not
    _, out, _ = run_cli(*command, "--json", *data)
    doc = json.loads(out)
    items = doc if isinstance(doc, list) else doc["departures"] + doc["arrivals"]
    stamps = [v for item in items for k, v in item.items() if k in time_columns and v]
    assert stamps and all(ISO_MS.match(s) for s in stamps)


def test_kml_is_an_animated_track_above_the_field(demo_store: Path, run_cli: RunCli) -> None:
    code, out, _ = run_cli("export", DEMO_FLIGHT, "--format", "kml", "--data-dir", str(demo_store))
    root = ET.fromstring(out)
    [track] = list(root.iter(f"{GX}Track"))
    whens = [w.text for w in track.iter(f"{KML}when")]
    coords = [c.text.split() for c in track.iter(f"{GX}coord")]
    assert code == 0 and len(whens) == len(coords) > 6000
    assert all(ISO_MS.match(w) for w in whens) and whens == sorted(whens)
    assert track.findtext(f"{KML}altitudeMode") == "relativeToGround"
    heights_m = [float(c[2]) for c in coords]
    assert min(heights_m) == 0.0 and max(heights_m) > 8000  # never below the field
    # The first position climbs through 12,4xx ft 35 km from Pyongyang (elevation 117 ft).
    assert 3700 < heights_m[0] < 3800


@pytest.mark.parametrize("suffix", ["geojson", "kml"])
def test_own_exports_import_back_to_the_same_positions(
    demo_store: Path, run_cli: RunCli, tmp_path: Path, suffix: str
) -> None:
    exported = tmp_path / f"p671.{suffix}"
    assert (
        run_cli("export", DEMO_FLIGHT, "-o", str(exported), "--data-dir", str(demo_store))[0] == 0
    )
    store = tmp_path / "store"
    code, _, err = run_cli("import", str(exported), "--data-dir", str(store))
    assert code == 0, err
    original = run_cli("export", DEMO_FLIGHT, "--format", "csv", "--data-dir", str(demo_store))[1]
    again = run_cli("export", "7277cf", "--format", "csv", "--data-dir", str(store))[1]
    assert again == original
