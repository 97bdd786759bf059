"""Building a runnable simulation from a scenario, or a world-scale load test from two numbers.

``Simulation.from_scenario(scenario, seed)`` turns the scenario's explicit flights and its
background traffic (random flights between the listed airports by the listed operators, with
addresses from each operator's address block and callsigns from its ICAO designator) into
traffic, and its receivers into a network. ``world_simulation(aircraft, receivers, seed)``
spreads receivers over airports of the ``airportsdata`` package and flies cruising aircraft
between them. Deterministic for a seed; not thread-safe.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from skytrace.geo import haversine_km
from skytrace.model import FrameBatch
from skytrace.simulate.generator import FrameGenerator
from skytrace.simulate.radio import ReceiverNetwork
from skytrace.simulate.scenario import FlightSpec, ReceiverSpec, Scenario, _airport_table
from skytrace.simulate.traffic import CruiseTraffic, ScenarioTraffic

__all__ = ["AircraftDatabase", "Simulation", "background_flights", "world_simulation"]


class AircraftDatabase(Protocol):
    """What the simulator reads of an aircraft database (skytrace.refdata's AircraftTable)."""

    icao24: npt.NDArray[np.uint32]
    codes: dict[str, npt.NDArray[np.int32]]
    values: dict[str, npt.NDArray[np.str_]]


def _db_addresses(db: AircraftDatabase | None, block: tuple[int, int], typecode: str) -> list[int]:
    """Addresses of real aircraft of ``typecode`` registered in ``block`` (empty without a DB)."""
    if db is None or "typecode" not in db.codes:
        return []
    types = db.values["typecode"]
    hits = np.flatnonzero(types == typecode)
    if hits.size == 0:
        return []
    in_block = (db.icao24 >= block[0]) & (db.icao24 <= block[1])
    rows = np.flatnonzero(in_block & np.isin(db.codes["typecode"], hits))
    return [int(a) for a in db.icao24[rows]]


def background_flights(
    scenario: Scenario, rng: np.random.Generator, aircraft_db: AircraftDatabase | None = None
) -> list[FlightSpec]:
    """Random flights of the scenario's background spec, taking off during its window.

    With an aircraft database, addresses are those of real aircraft of the chosen type in the
    operator's address block (so registrations resolve); otherwise random ones in the block.
    """
    bg = scenario.background
    flights: list[FlightSpec] = []
    used = {f.icao24 for f in scenario.flights}
    codes = list(bg.airports)
    tries = 0
    while len(flights) < bg.flights and tries < bg.flights * 20:
        tries += 1
        a, b = rng.choice(len(codes), 2, replace=False)
        origin, dest = scenario.airports[codes[a]], scenario.airports[codes[b]]
        dist = float(haversine_km(origin.lat, origin.lon, dest.lat, dest.lon))
        if dist < 150.0:
            continue
        op = bg.operators[int(rng.integers(len(bg.operators)))]
        typecode = op.types[int(rng.integers(len(op.types)))]
        known = [a for a in _db_addresses(aircraft_db, op.address_block, typecode) if a not in used]
        if known:
            icao24 = known[int(rng.integers(len(known)))]
        else:
            icao24 = int(rng.integers(op.address_block[0], op.address_block[1] + 1))
        if icao24 in used:
            continue
        used.add(icao24)
        takeoff = rng.uniform(scenario.start_s - 3600.0, scenario.end_s - 1200.0)
        cruise = float(min(41000.0, np.round((10000.0 + dist * 30.0) / 1000.0) * 1000.0))
        squawk = int(f"{int(rng.integers(0o1000, 0o7000)):04o}")
        if squawk in (7500, 7600, 7700):
            squawk = 2000
        flights.append(
            FlightSpec(
                icao24=icao24,
                callsign=f"{op.icao}{int(rng.integers(100, 9000))}",
                typecode=typecode,
                origin=origin.icao,
                destination=dest.icao,
                takeoff_s=float(takeoff),
                cruise_altitude_ft=cruise,
                squawk=squawk,
            )
        )
    return flights


@dataclass(slots=True)
class Simulation:
    """Traffic, receivers and the frame generator over one time window."""

    generator: FrameGenerator
    start_s: float
    end_s: float
    flights: list[FlightSpec]

    @classmethod
    def from_scenario(
        cls,
        scenario: Scenario,
        seed: int | None = None,
        *,
        duration_s: float | None = None,
        tick_s: float = 2.0,
        aircraft_db: AircraftDatabase | None = None,
        keep_truth: bool = False,
    ) -> Simulation:
        """``keep_truth`` records where each Mode-S-only aircraft was at each reply
        (``generator.truth()``) for MLAT accuracy checks."""
        rng = np.random.default_rng(scenario.seed if seed is None else seed)
        flights = list(scenario.flights) + background_flights(scenario, rng, aircraft_db)
        traffic = ScenarioTraffic(flights, scenario.airports)
        mode_s_only = frozenset(f.icao24 for f in flights if f.mode_s_only)
        # scenarios made for MLAT get straight-line propagation (the default, kept for the
        # scenarios before MLAT, times replies by the surface distance)
        for_mlat = bool(mode_s_only) or any(r.clock_noise_ns > 0 for r in scenario.receivers)
        network = ReceiverNetwork(
            scenario.receivers, rng, epoch_s=scenario.start_s, slant_range=for_mlat
        )
        end = scenario.end_s if duration_s is None else scenario.start_s + duration_s
        generator = FrameGenerator(
            traffic, network, rng, tick_s=tick_s, mode_s_only=mode_s_only, keep_truth=keep_truth
        )
        return cls(generator, scenario.start_s, end, flights)

    @property
    def n_ticks(self) -> int:
        return int(np.ceil((self.end_s - self.start_s) / self.generator.tick_s))

    def batches(self) -> Iterator[FrameBatch]:
        return self.generator.run(self.start_s, self.end_s)


def world_simulation(
    aircraft: int,
    receivers: int,
    seed: int = 1,
    *,
    start_s: float = 1_694_484_000.0,
    duration_s: float = 60.0,
    tick_s: float = 1.0,
    mode_s_only_fraction: float = 0.0,
    clock_noise_ns: float = 0.0,
    keep_truth: bool = False,
) -> Simulation:
    """World-scale load: cruising aircraft between, and receivers beside, real airports.

    For MLAT load: ``mode_s_only_fraction`` of the aircraft (the first ones) send no ADS-B,
    every receiver gets ``clock_noise_ns`` of timestamp noise, and replies travel the
    straight-line distance; with both at 0 the output is the one before MLAT."""
    rng = np.random.default_rng(seed)
    table = _airport_table()
    rows = [r for r in table.values() if r.get("iata")]
    lat = np.array([float(r["lat"]) for r in rows])
    lon = np.array([float(r["lon"]) for r in rows])
    pick = rng.choice(len(rows), min(receivers, len(rows)), replace=False)
    specs = [
        ReceiverSpec(
            name=f"rx{i:04d}-{rows[j]['icao']}",
            lat=float(lat[j] + rng.normal(0, 0.05)),
            lon=float(lon[j] + rng.normal(0, 0.05)),
            altitude_m=float(rng.uniform(10, 300)),
            max_range_km=float(rng.uniform(250, 450)),
            clock_noise_ns=clock_noise_ns,
        )
        for i, j in enumerate(pick)
    ]
    traffic = CruiseTraffic(aircraft, lat, lon, rng, start_s)
    for_mlat = mode_s_only_fraction > 0 or clock_noise_ns > 0
    network = ReceiverNetwork(specs, rng, epoch_s=start_s, slant_range=for_mlat)
    n_mode_s = round(aircraft * mode_s_only_fraction)
    generator = FrameGenerator(
        traffic, network, rng, tick_s=tick_s, pairs_every_s=10.0,
        mode_s_only=frozenset(int(a) for a in traffic.icao24[:n_mode_s]), keep_truth=keep_truth,
    )  # fmt: skip
    return Simulation(generator, start_s, start_s + duration_s, [])
