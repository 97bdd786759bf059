"""The site the browser tests (and bench/bench_web_page.py's small case) look at.

A short scenario of the demo's shape, written here so the tests need nothing else: the Air
Koryo An-148 P-671 (7277CF) as KOR151 from Pyongyang (ZKPY, out of coverage: the takeoff is
inferred) to Vladivostok (UHWW, landing observed), an Aeroflot Superjet UHWW -> Khabarovsk
and an Aurora Dash 8 (a turboprop) Khabarovsk -> UHWW, heard by receivers in Russia and South
Korea. Runway data: OurAirports (public domain), as in the built-in scenario.

``build_site`` plays the whole scenario into a history store (skytrace.cli.demo.play), feeds
the first LIVE_AT_S seconds to a LiveRuntime on the data clock (so nothing ages out while the
tests run), and serves skytrace.api.create_app (which mounts skytrace.web) with uvicorn on
127.0.0.1 and an ephemeral port in a background thread.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from skytrace.model import Flight, FrameBatch, ReceiverStats

SCENARIO = """
[scenario]
name = "web_tests"
description = "KOR151 ZKPY-UHWW with two more flights, for the browser tests"
start = "2023-09-12T02:05:00Z"
duration_s = 4300
seed = 20230912

[[aircraft]]
icao24 = "7277CF"
registration = "P-671"
typecode = "A148"
type_description = "ANTONOV An-148"
operator_icao = "KOR"
operator_name = "Air Koryo"
country = "KP"

[[aircraft]]
icao24 = "15135C"
registration = "RA-89041"
typecode = "SU95"
type_description = "SUKHOI Superjet 100-95"
operator_icao = "AFL"
operator_name = "Aeroflot"
country = "RU"

[[aircraft]]
icao24 = "155F23"
registration = "RA-67255"
typecode = "DH8D"
type_description = "DE HAVILLAND CANADA DHC-8-400"
operator_icao = "SHU"
operator_name = "Aurora"
country = "RU"

[[flights]]
icao24 = "7277CF"
callsign = "KOR151"
typecode = "A148"
origin = "ZKPY"
destination = "UHWW"
takeoff = "2023-09-12T02:14:00Z"
cruise_altitude_ft = 28000
squawk = 2141
departure_runway = "01"
arrival_runway = "07R"

[[flights]]
icao24 = "15135C"
callsign = "AFL1711"
typecode = "SU95"
origin = "UHWW"
destination = "UHHH"
takeoff = "2023-09-12T02:22:00Z"
cruise_altitude_ft = 34000

[[flights]]
icao24 = "155F23"
callsign = "SHU5650"
typecode = "DH8D"
origin = "UHHH"
destination = "UHWW"
takeoff = "2023-09-12T02:08:00Z"
cruise_altitude_ft = 21000

[[receivers]]
name = "ru-vladivostok-airport"
lat = 43.3990
lon = 132.1230
altitude_m = 40
country = "RU"

[[receivers]]
name = "ru-nakhodka"
lat = 42.8240
lon = 132.8920
altitude_m = 60
country = "RU"

[[receivers]]
name = "ru-ussuriysk"
lat = 43.7970
lon = 131.9520
altitude_m = 50
country = "RU"

[[receivers]]
name = "ru-khabarovsk"
lat = 48.4800
lon = 135.0800
altitude_m = 90
country = "RU"

[[receivers]]
name = "kr-sokcho"
lat = 38.2070
lon = 128.5920
altitude_m = 40
country = "KR"

[[receivers]]
name = "kr-gangneung"
lat = 37.7520
lon = 128.8760
altitude_m = 40
country = "KR"

[[airports]]
icao = "ZKPY"
[[airports.runways]]
le_ident = "01"
he_ident = "19"
le_lat = 39.227699279785156
le_lon = 125.6760025024414
he_lat = 39.26190185546875
he_lon = 125.6760025024414
le_heading_deg = 0.7
he_heading_deg = 180.7
length_ft = 12475
[[airports.runways]]
le_ident = "17"
he_ident = "35"
le_lat = 39.220401763916016
le_lon = 125.66400146484375
he_lat = 39.19020080566406
he_lon = 125.6760025024414
le_heading_deg = 163
he_heading_deg = 343
length_ft = 11490

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
[[airports.runways]]
le_ident = "07L"
he_ident = "25R"
le_lat = 43.391300201416016
le_lon = 132.12899780273438
he_lat = 43.40660095214844
he_lon = 132.16700744628906
le_heading_deg = 60.9
he_heading_deg = 240.9
length_ft = 11483

[[airports]]
icao = "UHHH"
[[airports.runways]]
le_ident = "05L"
he_ident = "23R"
le_lat = 48.51639938354492
le_lon = 135.1699981689453
he_lat = 48.53969955444336
he_lon = 135.20199584960938
le_heading_deg = 42
he_heading_deg = 222
length_ft = 11483

"""

LIVE_AT_S = 2400.0  # the live view shows the traffic 40 min in (02:45 UTC): all three airborne
SEED_HEX = "7277cf"
SEED_REGISTRATION = "P-671"
SEED_CALLSIGN = "KOR151"
CHUNK_S = 10.0


@dataclass(frozen=True, slots=True)
class Site:
    """A running skytrace (API + pages) over the web-test scenario."""

    base_url: str
    data_dir: Path
    flights: tuple[Flight, ...]
    live: Any  # the LiveRuntime serving /api/v1/live

    def seed_flight(self) -> Flight:
        found = [f for f in self.flights if f.hex == SEED_HEX]
        if len(found) != 1:
            raise AssertionError(f"expected one seed flight in the store, got {found}")
        return found[0]


def _quiet_console() -> Console:
    return Console(file=io.StringIO(), width=120)


def write_scenario(directory: Path, text: str = SCENARIO) -> Path:
    path = directory / "web_tests.toml"
    path.write_text(text)
    return path


def _import_refdata(scenario: Any, data_dir: Path) -> None:
    from skytrace.refdata import import_refdata
    from skytrace.simulate.refdata_files import write_refdata_files

    for kind, path in write_refdata_files(scenario, data_dir / "scenario-refdata").items():
        import_refdata(path, kind, data_dir)


def _feed_live(scenario: Any, live: Any, until_s: float) -> None:
    """The scenario's first ``until_s`` seconds of frames, in 10-second batches, and the
    receivers' statistics as a receiver server would report them."""
    from skytrace.simulate.build import Simulation

    sim = Simulation.from_scenario(scenario, None, duration_s=until_s)
    per_chunk = max(1, round(CHUNK_S / sim.generator.tick_s))
    pending: list[FrameBatch] = []
    # the simulator numbers receivers from 1 in scenario order (0 = unknown)
    frames = np.zeros(len(scenario.receivers) + 1, np.int64)
    last_s = np.full(len(scenario.receivers) + 1, np.nan)
    for k, batch in enumerate(sim.batches()):
        if len(batch):
            pending.append(batch)
            counts = np.bincount(batch.receiver, minlength=len(frames))[: len(frames)]
            frames += counts
            last_s[counts > 0] = float(batch.time_s[-1])
        if pending and (len(pending) >= per_chunk or k == sim.n_ticks - 1):
            live.submit(FrameBatch.concat(pending))
            pending = []
    live.record_receivers(
        [
            ReceiverStats(
                receiver=i,
                name=spec.name,
                lat=spec.lat,
                lon=spec.lon,
                frames=int(frames[i]),
                frames_per_s=float(frames[i]) / until_s,
                last_frame_s=float(last_s[i]),
                connected=True,
            )
            for i, spec in enumerate(scenario.receivers, start=1)
        ]
    )
    live.publish_and_wait(timeout_s=120.0)


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on 127.0.0.1:<ephemeral> in a thread; yields the URL."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="web-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30.0
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test web server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15.0)


@contextmanager
def build_site(
    root: Path, scenario_text: str = SCENARIO, live_at_s: float = LIVE_AT_S
) -> Iterator[Site]:
    """Play a scenario into a store, start a live view of its first ``live_at_s`` seconds
    and serve both (see the module doc)."""
    from skytrace.api import ApiContext, create_app
    from skytrace.app import open_runtime
    from skytrace.cli.demo import play
    from skytrace.live.runtime import LiveClock, LiveOptions, LiveRuntime
    from skytrace.simulate.scenario import load_scenario

    scenario = load_scenario(write_scenario(root, scenario_text))
    history_dir = root / "history"
    result = play(scenario, history_dir, console=_quiet_console())
    live_dir = root / "live"
    _import_refdata(scenario, live_dir)
    with ExitStack() as stack:
        runtime = stack.enter_context(open_runtime(data_dir=live_dir))
        live = stack.enter_context(LiveRuntime(runtime, LiveOptions(clock=LiveClock.DATA)))
        _feed_live(scenario, live, live_at_s)
        app = create_app(ApiContext(data_dir=history_dir, live=live, title="skytrace tests"))
        base_url = stack.enter_context(serve_app(app))
        yield Site(base_url, history_dir, tuple(result.flights), live)
