"""The assembled runtime: aircraft and receivers reach the store's catalog tables."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from skytrace import encode
from skytrace.app import AircraftCatalog, open_runtime
from skytrace.model import AircraftIdentity, FrameBatch, ReceiverStats, empty_positions
from skytrace.refdata.importers import import_refdata
from skytrace.store import open_reader


class _Identities:
    def __init__(self) -> None:
        self.asked: list[tuple[int, str]] = []

    def identify(self, icao24: int, callsign: str = "") -> AircraftIdentity:
        self.asked.append((icao24, callsign))
        return AircraftIdentity(icao24, operator_icao=callsign[:3])


class _Store:
    def __init__(self) -> None:
        self.aircraft: list[AircraftIdentity] = []

    def upsert_aircraft(self, identities: Sequence[AircraftIdentity]) -> None:
        self.aircraft.extend(identities)


def test_catalog_looks_up_new_aircraft_and_again_when_a_callsign_arrives() -> None:
    identities, store = _Identities(), _Store()
    catalog = AircraftCatalog(store, identities)
    rows = empty_positions(3)
    rows["icao24"] = [0x7277CF, 0x7277CF, 0x4840D6]
    catalog.write(rows, [], [])
    assert sorted(identities.asked) == [(0x4840D6, ""), (0x7277CF, "")]
    rows["callsign"] = [b"KOR151", b"KOR151", b""]
    catalog.write(rows, [], [])  # the first callsign of 7277CF: asked once more
    catalog.write(rows, [], [])  # nothing new: not asked again
    assert identities.asked[2:] == [(0x7277CF, "KOR151")]
    assert [a.operator_icao for a in store.aircraft] == ["", "", "KOR"]


def test_a_replay_fills_the_aircraft_and_receivers_tables(tmp_path: Path) -> None:
    # Air Koryo 7277CF cruising north-east near Vladivostok, one position every 0.5 s,
    # even and odd in turn, and its identification: frames built by the project's encoder.
    n = 20
    t = 1_694_485_000.0 + 0.5 * np.arange(n)
    position = encode.airborne_position(
        0x7277CF, 42.9 + 0.0005 * np.arange(n), 131.7 + 0.0005 * np.arange(n), 28_000,
        np.arange(n) % 2 == 1,
    )  # fmt: skip
    ident = encode.identification(0x7277CF, "KOR151", category=3)
    frames = FrameBatch.from_messages(
        [bytes(ident.payload[0][:14])] + [bytes(p[:14]) for p in position.payload],
        time_s=np.append(t[0] - 0.1, t),
        receiver=1,
    )
    operators = tmp_path / "operators.csv"
    operators.write_text("icao,name,country,callsign\nKOR,Air Koryo,North Korea,AIR KORYO\n")
    import_refdata(operators, "operators", tmp_path)
    with open_runtime(tmp_path) as rt:
        rt.process(frames)
        rt.record_receivers([ReceiverStats(1, "roof", frames=n + 1)])
    with open_reader(tmp_path) as reader:
        _, receivers = reader.sql("SELECT name, frames FROM receivers")
        _, aircraft = reader.sql(
            "SELECT icao24, country, operator_name, operator_source FROM aircraft"
        )
    assert receivers == [("roof", n + 1)]
    assert aircraft == [("7277cf", "North Korea", "Air Koryo", "callsign")]


class _Recorder:
    def __init__(self) -> None:
        self.batches = 0
        self.frames = 0

    def write(self, positions: object, flights: object, events: object) -> None:
        self.batches += 1

    def send_frames(self, frames: FrameBatch, decoded: object) -> None:
        self.frames += len(frames)


def test_sinks_attach_in_one_place_after_the_store(tmp_path: Path) -> None:
    from skytrace.app import RuntimeOptions

    first, later = _Recorder(), _Recorder()
    opts = RuntimeOptions(sinks=[first], frame_sinks=[first])
    frames = FrameBatch.from_messages(
        [bytes(encode.identification(0x7277CF, "KOR151").payload[0][:14])], time_s=[1.0e9]
    )
    with open_runtime(tmp_path, opts) as rt:
        assert rt.sinks[0] is rt.store and isinstance(rt.sinks[1], AircraftCatalog)
        rt.attach(later, frames=True)
        assert rt.sinks[2:] == (first, later)
        rt.process(frames)
        rt.advance(1.0e9 + 400)  # time moves on: the sinks hear about it too
    assert (first.batches, later.batches) == (3, 3)  # process, advance, finish
    assert (first.frames, later.frames) == (1, 1)
