"""Scenario files: what to simulate, read from TOML and checked before anything runs.

A scenario names a time window, receivers, airports (with the runway thresholds the simulator
flies to), aircraft identities, explicit flights and optional background traffic:

    [scenario]    name, description, start (ISO UTC), duration_s, seed
    [[receivers]] name, lat, lon, altitude_m (antenna above MSL), max_range_km, country,
                  optional clock_noise_ns (timestamp noise 1σ), clock_resets (ISO UTC list)
    [[airports]]  icao, and [[airports.runways]] le_ident, he_ident, le_lat, le_lon, he_lat,
                  he_lon, le_heading_deg, he_heading_deg, length_ft
    [[aircraft]]  icao24 (hex), registration, typecode, type_description, operator_icao,
                  operator_name, country
    [[flights]]   icao24, callsign, typecode, origin, destination, takeoff (ISO UTC),
                  cruise_altitude_ft, optional squawk, departure_runway, arrival_runway,
                  mode_s_only (true: no ADS-B, Mode S replies only)
    [background]  flights, airports (ICAO list), and [[background.operators]] icao, name,
                  country (ISO alpha-2), types (list), optional address_block
                  ("780000-7BFFFF"; default: the country's block from skytrace.refdata)

Airport positions and elevations come from the ``airportsdata`` package; an airport used by a
flight must be in it and have runways in the scenario. Every problem found raises
``SimulationError`` naming the file, the table and the field. Times are UTC epoch seconds
inside. Pure apart from reading the one file it is given.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from skytrace.errors import SimulationError
from skytrace.refdata.runways import Runway

__all__ = [
    "AircraftSpec",
    "AirportSpec",
    "BackgroundSpec",
    "FlightSpec",
    "OperatorSpec",
    "ReceiverSpec",
    "Scenario",
    "builtin_scenario_path",
    "load_scenario",
    "parse_scenario",
]

SEED_SCENARIO = "air_koryo_2023-09-12"


@dataclass(frozen=True, slots=True)
class ReceiverSpec:
    name: str
    lat: float
    lon: float
    altitude_m: float = 30.0  # antenna height above mean sea level
    max_range_km: float = 400.0  # receiver sensitivity limit on top of the radio horizon
    country: str = ""
    # timestamp noise (1σ) of its 12 MHz counter: tens of ns GPS-disciplined, more free-running;
    # 0 = exact (rounded to the tick), as before MLAT
    clock_noise_ns: float = 0.0
    clock_resets_s: tuple[float, ...] = ()  # UTC times at which its counter restarts from 0


@dataclass(frozen=True, slots=True)
class AirportSpec:
    icao: str
    name: str
    country: str
    lat: float
    lon: float
    elevation_ft: float
    runways: tuple[Runway, ...]


@dataclass(frozen=True, slots=True)
class AircraftSpec:
    icao24: int
    registration: str = ""
    typecode: str = ""
    type_description: str = ""
    operator_icao: str = ""
    operator_name: str = ""
    country: str = ""


@dataclass(frozen=True, slots=True)
class FlightSpec:
    icao24: int
    callsign: str
    typecode: str
    origin: str
    destination: str
    takeoff_s: float
    cruise_altitude_ft: float
    squawk: int = 2000
    departure_runway: str = ""
    arrival_runway: str = ""
    mode_s_only: bool = False  # no extended squitter: Mode S replies only (for MLAT)


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    icao: str
    name: str
    country: str
    address_block: tuple[int, int]
    types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BackgroundSpec:
    flights: int = 0
    airports: tuple[str, ...] = ()
    operators: tuple[OperatorSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    start_s: float
    duration_s: float
    seed: int
    receivers: tuple[ReceiverSpec, ...]
    airports: dict[str, AirportSpec]
    aircraft: dict[int, AircraftSpec]
    flights: tuple[FlightSpec, ...]
    background: BackgroundSpec = field(default_factory=BackgroundSpec)
    source: str = ""

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


def builtin_scenario_path(name: str = SEED_SCENARIO) -> Path:
    """Path of a scenario shipped with skytrace (``simulate/scenarios/<name>.toml``)."""
    path = Path(str(resources.files("skytrace.simulate") / "scenarios" / f"{name}.toml"))
    if not path.is_file():
        raise SimulationError(f"no built-in scenario named {name!r}")
    return path


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file; raises ``SimulationError`` on any problem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SimulationError(f"cannot read scenario {p}: {exc.strerror or exc}") from exc
    return parse_scenario(text, source=str(p))


def parse_scenario(text: str, *, source: str = "<scenario>") -> Scenario:
    """Check a scenario given as TOML text."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SimulationError(f"{source}: not valid TOML: {exc}") from exc
    return _Reader(source).scenario(doc)


@cache
def _airport_table() -> dict[str, dict[str, Any]]:
    import airportsdata

    # airportsdata types its rows as a TypedDict; the simulator reads them as plain dicts.
    table: Any = airportsdata.load("ICAO")
    return dict(table)


class _Reader:
    """Pulls typed values out of the TOML document, naming the place of every error."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> SimulationError:
        return SimulationError(f"{self.source}: {where}: {message}")

    def get(self, table: dict[str, Any], key: str, where: str, default: Any = ...) -> Any:
        if key in table:
            return table[key]
        if default is ...:
            raise self.fail(where, f"missing field {key!r}")
        return default

    def number(
        self,
        table: dict[str, Any],
        key: str,
        where: str,
        default: Any = ...,
        lo: float = -math.inf,
        hi: float = math.inf,
    ) -> float:
        value = self.get(table, key, where, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(where, f"{key} must be a number, got {value!r}")
        if not (lo <= float(value) <= hi):
            raise self.fail(where, f"{key} = {value} is out of range [{lo}, {hi}]")
        return float(value)

    def text(self, table: dict[str, Any], key: str, where: str, default: Any = ...) -> str:
        value = self.get(table, key, where, default)
        if not isinstance(value, str):
            raise self.fail(where, f"{key} must be a string, got {value!r}")
        return value

    def time(self, table: dict[str, Any], key: str, where: str) -> float:
        value = self.get(table, key, where)
        if isinstance(value, datetime):
            stamp = value
        elif isinstance(value, str):
            try:
                stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError as exc:
                raise self.fail(where, f"{key} is not an ISO time: {value!r}") from exc
        else:
            raise self.fail(where, f"{key} must be a time like 2023-09-12T02:14:00Z")
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return stamp.timestamp()

    def hex24(self, table: dict[str, Any], key: str, where: str) -> int:
        value = self.text(table, key, where)
        try:
            icao24 = int(value, 16)
        except ValueError as exc:
            raise self.fail(where, f"{key} must be 6 hex digits, got {value!r}") from exc
        if len(value) != 6 or not 0 < icao24 <= 0xFFFFFF:
            raise self.fail(where, f"{key} must be 6 hex digits, got {value!r}")
        return icao24

    def tables(self, doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
        value = doc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, f"[[{key}]] must be an array of tables")
        return value

    def scenario(self, doc: dict[str, Any]) -> Scenario:
        head = doc.get("scenario")
        if not isinstance(head, dict):
            raise self.fail("[scenario]", "missing table [scenario]")
        where = "[scenario]"
        receivers = tuple(
            self.receiver(t, f"receivers[{i}]") for i, t in enumerate(self.tables(doc, "receivers"))
        )
        if not receivers:
            raise self.fail("[[receivers]]", "a scenario needs at least one receiver")
        airports = {}
        for i, t in enumerate(self.tables(doc, "airports")):
            ap = self.airport(t, f"airports[{i}]")
            airports[ap.icao] = ap
        aircraft = {}
        for i, t in enumerate(self.tables(doc, "aircraft")):
            ac = self.aircraft(t, f"aircraft[{i}]")
            aircraft[ac.icao24] = ac
        flights = tuple(
            self.flight(t, f"flights[{i}]", airports)
            for i, t in enumerate(self.tables(doc, "flights"))
        )
        background = self.background(doc.get("background", {}), airports)
        if not flights and background.flights == 0:
            raise self.fail("[[flights]]", "a scenario needs flights or background traffic")
        seed = self.number(head, "seed", where, 0, 0, 2**63 - 1)
        return Scenario(
            name=self.text(head, "name", where),
            description=self.text(head, "description", where, ""),
            start_s=self.time(head, "start", where),
            duration_s=self.number(head, "duration_s", where, lo=1, hi=7 * 86400),
            seed=int(seed),
            receivers=receivers,
            airports=airports,
            aircraft=aircraft,
            flights=flights,
            background=background,
            source=self.source,
        )

    def receiver(self, t: dict[str, Any], where: str) -> ReceiverSpec:
        return ReceiverSpec(
            name=self.text(t, "name", where),
            lat=self.number(t, "lat", where, lo=-90, hi=90),
            lon=self.number(t, "lon", where, lo=-180, hi=180),
            altitude_m=self.number(t, "altitude_m", where, 30.0, 0, 9000),
            max_range_km=self.number(t, "max_range_km", where, 400.0, 1, 1000),
            country=self.text(t, "country", where, ""),
            clock_noise_ns=self.number(t, "clock_noise_ns", where, 0.0, 0, 1e6),
            clock_resets_s=tuple(self.time_list(t, "clock_resets", where)),
        )

    def time_list(self, table: dict[str, Any], key: str, where: str) -> list[float]:
        """A list of ISO UTC times (empty when the key is absent)."""
        values = self.get(table, key, where, [])
        if not isinstance(values, list):
            raise self.fail(where, f"{key} must be a list of times")
        return [self.time({key: v}, key, where) for v in values]

    def flag(self, table: dict[str, Any], key: str, where: str, default: bool = False) -> bool:
        value = self.get(table, key, where, default)
        if not isinstance(value, bool):
            raise self.fail(where, f"{key} must be true or false, got {value!r}")
        return value

    def airport(self, t: dict[str, Any], where: str) -> AirportSpec:
        icao = self.text(t, "icao", where).upper()
        info = _airport_table().get(icao)
        if info is None:
            raise self.fail(where, f"unknown airport {icao!r} (not in the airport database)")
        runways = []
        for j, r in enumerate(t.get("runways", [])):
            w = f"{where}.runways[{j}]"
            runways.append(
                Runway(
                    airport_icao=icao,
                    le_ident=self.text(r, "le_ident", w),
                    he_ident=self.text(r, "he_ident", w),
                    le_lat=self.number(r, "le_lat", w, lo=-90, hi=90),
                    le_lon=self.number(r, "le_lon", w, lo=-180, hi=180),
                    he_lat=self.number(r, "he_lat", w, lo=-90, hi=90),
                    he_lon=self.number(r, "he_lon", w, lo=-180, hi=180),
                    le_heading_deg=self.number(r, "le_heading_deg", w, lo=0, hi=360),
                    he_heading_deg=self.number(r, "he_heading_deg", w, lo=0, hi=360),
                    length_ft=self.number(r, "length_ft", w, lo=500, hi=20000),
                    width_ft=math.nan,  # not needed to fly or to fit a runway
                    surface="",
                    le_elevation_ft=math.nan,  # the field elevation stands in
                    he_elevation_ft=math.nan,
                )
            )
        if not runways:
            raise self.fail(where, f"airport {icao} needs at least one [[airports.runways]]")
        return AirportSpec(
            icao=icao,
            name=str(info.get("name") or ""),
            country=str(info.get("country") or ""),
            lat=float(info["lat"]),
            lon=float(info["lon"]),
            elevation_ft=float(info.get("elevation") or 0.0),
            runways=tuple(runways),
        )

    def aircraft(self, t: dict[str, Any], where: str) -> AircraftSpec:
        return AircraftSpec(
            icao24=self.hex24(t, "icao24", where),
            registration=self.text(t, "registration", where, ""),
            typecode=self.text(t, "typecode", where, ""),
            type_description=self.text(t, "type_description", where, ""),
            operator_icao=self.text(t, "operator_icao", where, ""),
            operator_name=self.text(t, "operator_name", where, ""),
            country=self.text(t, "country", where, ""),
        )

    def _airport_ref(self, code: str, where: str, airports: dict[str, AirportSpec]) -> str:
        code = code.upper()
        if code not in airports:
            if code in _airport_table():
                raise self.fail(where, f"airport {code} has no [[airports]] entry with runways")
            raise self.fail(where, f"unknown airport {code!r}")
        return code

    def flight(self, t: dict[str, Any], where: str, airports: dict[str, AirportSpec]) -> FlightSpec:
        origin = self._airport_ref(self.text(t, "origin", where), where, airports)
        destination = self._airport_ref(self.text(t, "destination", where), where, airports)
        if origin == destination:
            raise self.fail(where, "origin and destination are the same airport")
        squawk = int(self.number(t, "squawk", where, 2000, 0, 7777))
        if any(c in "89" for c in f"{squawk:04d}"):
            raise self.fail(where, f"squawk {squawk:04d} is not four octal digits")
        callsign = self.text(t, "callsign", where)
        if not 1 <= len(callsign) <= 8 or not callsign.isalnum():
            raise self.fail(where, f"callsign must be 1-8 letters/digits, got {callsign!r}")
        return FlightSpec(
            icao24=self.hex24(t, "icao24", where),
            callsign=callsign.upper(),
            typecode=self.text(t, "typecode", where).upper(),
            origin=origin,
            destination=destination,
            takeoff_s=self.time(t, "takeoff", where),
            cruise_altitude_ft=self.number(t, "cruise_altitude_ft", where, 30000, 1000, 45000),
            squawk=squawk,
            departure_runway=self.text(t, "departure_runway", where, ""),
            arrival_runway=self.text(t, "arrival_runway", where, ""),
            mode_s_only=self.flag(t, "mode_s_only", where),
        )

    def country_block(self, country: str, where: str) -> tuple[int, int]:
        """The largest address block ICAO allocated to ``country`` (ISO alpha-2)."""
        if not country:
            raise self.fail(where, "give address_block or the operator's country (ISO alpha-2)")
        from skytrace.refdata.addresses import address_blocks

        blocks = [b for b in address_blocks().blocks if b.alpha2 == country.upper()]
        if not blocks:
            raise self.fail(where, f"no ICAO address block is allocated to country {country!r}")
        best = max(blocks, key=lambda b: b.size)
        return (best.start, best.end)

    def background(self, t: Any, airports: dict[str, AirportSpec]) -> BackgroundSpec:
        where = "[background]"
        if not isinstance(t, dict):
            raise self.fail(where, "[background] must be a table")
        n = int(self.number(t, "flights", where, 0, 0, 100000))
        if n == 0:
            return BackgroundSpec()
        codes = t.get("airports", [])
        if not isinstance(codes, list) or len(codes) < 2:
            raise self.fail(where, "airports must list at least two ICAO codes")
        refs = tuple(self._airport_ref(str(c), where, airports) for c in codes)
        operators = []
        for i, o in enumerate(t.get("operators", [])):
            w = f"background.operators[{i}]"
            block_text = self.text(o, "address_block", w, "")
            country = self.text(o, "country", w, "")
            if block_text:
                try:
                    lo_hex, hi_hex = block_text.split("-")
                    block = (int(lo_hex, 16), int(hi_hex, 16))
                except ValueError as exc:
                    raise self.fail(
                        w, f"address_block must be like 780000-7BFFFF: {block_text!r}"
                    ) from exc
                if not 0 < block[0] < block[1] <= 0xFFFFFF:
                    raise self.fail(w, f"address_block {block_text} is not a valid range")
            else:
                block = self.country_block(country, w)
            types = o.get("types", [])
            if (
                not isinstance(types, list)
                or not types
                or not all(isinstance(x, str) for x in types)
            ):
                raise self.fail(w, "types must be a non-empty list of type designators")
            operators.append(
                OperatorSpec(
                    icao=self.text(o, "icao", w).upper(),
                    name=self.text(o, "name", w, ""),
                    country=country,
                    address_block=block,
                    types=tuple(x.upper() for x in types),
                )
            )
        if not operators:
            raise self.fail(where, "background traffic needs [[background.operators]]")
        return BackgroundSpec(flights=n, airports=refs, operators=tuple(operators))
