"""aircraft.json: the tracker's document follows the readsb schema; the writer is atomic."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from skytrace.errors import UsageError
from skytrace.model import AircraftIdentity
from skytrace.outputs.aircraft_json import write_aircraft_json
from skytrace.track import Tracker
from tests.track import helpers as h

ICAO = 0x4CA2D1


class _Identities:
    def identify(self, icao24: int, callsign: str = "") -> AircraftIdentity:
        return AircraftIdentity(
            icao24, registration="EI-ABC", typecode="B738", type_description="BOEING 737-800",
            operator_name="Ryanair", military=True,
        )  # fmt: skip


def _tracker(identities=None) -> tuple[Tracker, float]:
    tracker = Tracker(identities=identities)
    msgs, times, _ = h.straight_flight(ICAO, 53.0, -6.0, 90.0, 430, 36000, 1000.0, 12)
    msgs += [h.identification(ICAO, "RYR12A"), h.identity_reply(ICAO, "7700")]
    times += [times[-1] + 0.1, times[-1] + 0.2]
    frames, decoded = h.batch(msgs, times)
    tracker.ingest(frames, decoded, times[-1])
    return tracker, times[-1]


def test_document_has_readsb_fields_and_units() -> None:
    tracker, now = _tracker()
    doc = tracker.snapshot(now + 1.0)
    assert set(doc) == {"now", "messages", "aircraft"}
    assert doc["now"] == pytest.approx(now + 1.0)
    (ac,) = doc["aircraft"]
    assert ac["hex"] == "4ca2d1"
    assert ac["type"] == "adsb_icao"
    assert ac["flight"] == "RYR12A  "
    assert ac["alt_baro"] == 36000
    assert ac["gs"] == pytest.approx(430, abs=1)
    assert ac["track"] == pytest.approx(90, abs=0.5)
    assert ac["squawk"] == "7700" and ac["emergency"] == "general"
    assert ac["category"] == "A3"
    assert 53.0 <= ac["lat"] <= 53.1 and -6.0 <= ac["lon"] <= -5.9
    assert ac["nic"] == 8 and ac["rc"] == 185
    assert ac["seen_pos"] >= 1.0 and ac["seen"] == pytest.approx(1.0, abs=0.1)
    assert ac["messages"] == 16 and ac["receivers"] == 1
    assert ac["rssi"] == pytest.approx(-20.0, abs=0.1)
    assert ac["mlat"] == [] and ac["tisb"] == []
    assert "r" not in ac
    for value in ac.values():
        assert not (isinstance(value, float) and math.isnan(value))


def test_identity_fields_when_reference_data_is_given() -> None:
    tracker, now = _tracker(_Identities())
    (ac,) = tracker.snapshot(now)["aircraft"]
    assert (ac["r"], ac["t"], ac["desc"], ac["ownOp"], ac["dbFlags"]) == (
        "EI-ABC", "B738", "BOEING 737-800", "Ryanair", 1,
    )  # fmt: skip
    state = tracker.aircraft(ICAO)
    assert state is not None and state.registration == "EI-ABC"


def test_writer_is_atomic_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    tracker, now = _tracker()
    out = tmp_path / "aircraft.json"
    out.write_text("old")
    write_aircraft_json(out, tracker.snapshot(now))
    assert json.loads(out.read_text())["aircraft"][0]["hex"] == "4ca2d1"
    assert [p.name for p in tmp_path.iterdir()] == ["aircraft.json"]


def test_writer_rejects_bad_documents_and_keeps_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "aircraft.json"
    out.write_text("old")
    with pytest.raises(UsageError):
        write_aircraft_json(out, {"aircraft": []})
    with pytest.raises(ValueError):
        write_aircraft_json(out, {"now": float("nan"), "messages": 0, "aircraft": []})
    with pytest.raises(UsageError):
        write_aircraft_json(
            tmp_path / "missing" / "a.json", {"now": 0, "messages": 0, "aircraft": []}
        )
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["aircraft.json"]


def test_status_and_gnss_fields() -> None:
    from skytrace import encode

    tracker, now = _tracker()
    msgs = [
        *encode.airborne_velocity(ICAO, 430, 90, -640, gnss_minus_baro_ft=250).to_bytes(),
        *encode.airborne_velocity(ICAO, 430, 90, 320, vertical_rate_baro=False).to_bytes(),
        *encode.operational_status(ICAO, version=2, nac_p=10, gva=2, sil=3).to_bytes(),
    ]
    frames, decoded = h.batch(msgs, [now + 0.1, now + 0.2, now + 0.3])
    tracker.ingest(frames, decoded, now + 0.3)
    (ac,) = tracker.snapshot(now + 0.3)["aircraft"]
    assert ac["alt_geom"] == 36250  # baro 36,000 ft + GNSS-baro 250 ft
    assert ac["baro_rate"] == -640 and ac["geom_rate"] == 320
    assert (ac["version"], ac["nac_p"], ac["gva"], ac["sil"]) == (2, 10, 2, 3)
