"""``skytrace import`` keeps what a track file says about its aircraft when the aircraft
database lacks it (issue 14): a readsb trace's registration, type and owner reach the flight."""

from __future__ import annotations

import json
import math
from pathlib import Path

from skytrace.cli.main import main
from skytrace.store import open_reader
from tests.flights.test_detect import koryo


def test_readsb_trace_identity_reaches_the_stored_flight(tmp_path: Path, capsys) -> None:
    rows, _ = koryo()
    t0 = float(rows["time_s"][0])
    trace = [
        [round(float(r["time_s"]) - t0, 2), float(r["lat"]), float(r["lon"]),
         "ground" if r["onground"] else (None if math.isnan(r["altitude_ft"])
                                         else round(float(r["altitude_ft"]))),
         round(float(r["groundspeed_kt"]), 1), round(float(r["track_deg"]), 1)
         if not math.isnan(r["track_deg"]) else None, 0,
         None if math.isnan(r["vertical_rate_fpm"]) else round(float(r["vertical_rate_fpm"])),
         {"flight": "KOR151  "} if i == 0 else None, "adsb_icao", None]
        for i, r in enumerate(rows)
    ]  # fmt: skip
    path = tmp_path / "trace_full_7277cf.json"
    path.write_text(json.dumps({"icao": "7277cf", "r": "P-671", "t": "A148",
                                "desc": "ANTONOV An-148", "ownOp": "Air Koryo",
                                "timestamp": t0, "trace": trace}))  # fmt: skip
    data = tmp_path / "data"
    assert main(["import", str(path), "--json", "--data-dir", str(data)]) == 0
    (flight,) = json.loads(capsys.readouterr().out)["flights"]
    with open_reader(data) as reader:
        stored = reader.flight(flight["flight_id"])
    # no aircraft database was imported: all of this came from the trace itself
    assert (stored.registration, stored.typecode) == ("P-671", "A148")
    assert stored.type_description == "ANTONOV An-148"
