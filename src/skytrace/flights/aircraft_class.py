"""What kind of airport an aircraft can use: its class, from type, wake category or callsign.

An airliner does not land at a grass strip, a private ranch or a heliport, and it prefers
airports with scheduled airline service; a light aircraft or a helicopter may use any of them;
military aircraft use air bases. Airport choice (skytrace.flights.airports) weighs candidates
with ``use_factors`` of the aircraft's class. The class comes from, in order:

1. the ICAO description class of its type (Doc 8643, e.g. "L2J"): H/G/T (helicopter,
   gyrocopter, tilt-rotor) -> HELICOPTER; a jet or turboprop of wake category M, H or J ->
   AIRLINER; wake category L -> LIGHT;
2. without a type: a callsign of an airline (three-letter ICAO designator of a known operator
   followed by a flight number, e.g. KOR151) -> AIRLINER;
3. without either: a flight that cruised high and fast (``JET_MIN_ALTITUDE_FT``,
   ``JET_MIN_SPEED_KT``) is a JET of unknown use — it needs a paved runway of some length but
   may be a business jet, so scheduled service is preferred only mildly;
4. otherwise UNKNOWN, and airport choice falls back on speed and runway length alone.

Pure functions; thread-safe.
"""

from __future__ import annotations

import re
from enum import IntEnum
from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt

from skytrace.model import AircraftIdentity

__all__ = ["AircraftClass", "AirportUser", "aircraft_class", "use_factors"]

_AIRLINE_CALLSIGN: Final = re.compile(r"^[A-Z]{3}[0-9][0-9A-Z]{0,3}$")

# airport kinds (skytrace.refdata.airports.KINDS) and surfaces (runways.SURFACES) by index
_LARGE, _SMALL, _HELIPORT, _SEAPLANE, _CLOSED = 1, 3, 4, 5, 6
MEDIUM_AIRPORT_PRIOR: Final = 0.5  # an airliner at a medium airport with scheduled service
_UNPAVED, _WATER = 2, 3


class AircraftClass(IntEnum):
    UNKNOWN = 0
    AIRLINER = 1  # multi-engine jet or turboprop of wake category M/H/J, or an airline flight
    LIGHT = 2  # fixed wing of wake category L: pistons, single turboprops, light jets
    HELICOPTER = 3  # helicopters, gyrocopters, tilt-rotors
    JET = 4  # type unknown, but it flew high and fast: a jet (airliner or business jet)


class AirportUser(NamedTuple):
    """The aircraft of one flight, as airport choice sees it."""

    aircraft: AircraftClass = AircraftClass.UNKNOWN
    military: bool = False


JET_MIN_ALTITUDE_FT: Final = 24_000.0
JET_MIN_SPEED_KT: Final = 300.0


def aircraft_class(
    identity: AircraftIdentity | None,
    callsign: str = "",
    max_altitude_ft: float = float("nan"),
    max_groundspeed_kt: float = float("nan"),
) -> AircraftClass:
    """The class of an aircraft (see the module docstring); the maxima are of its flight."""
    if identity is not None:
        kind = identity.type_class[:1]
        engine = identity.type_class[2:3]
        if kind in ("H", "G", "T"):
            return AircraftClass.HELICOPTER
        if identity.wake_category in ("M", "H", "J") and engine in ("J", "T"):
            return AircraftClass.AIRLINER
        if identity.wake_category in ("L", "L/M") and kind in ("L", "S", "A"):
            return AircraftClass.LIGHT
        airline = bool(identity.operator_icao) and not identity.type_class
        if airline and _AIRLINE_CALLSIGN.match(callsign.strip().upper()):
            return AircraftClass.AIRLINER
    if max_altitude_ft >= JET_MIN_ALTITUDE_FT and max_groundspeed_kt >= JET_MIN_SPEED_KT:
        return AircraftClass.JET
    return AircraftClass.UNKNOWN


def use_factors(
    cls: npt.NDArray[np.int8],
    military: npt.NDArray[np.bool_],
    kind: npt.NDArray[np.int8],
    scheduled: npt.NDArray[np.int8],
    longest_runway_ft: npt.NDArray[np.float64],
    surface: npt.NDArray[np.int8],
) -> npt.NDArray[np.float64]:
    """How well each candidate airport suits each aircraft (1 = fully, near 0 = hardly),
    element-wise; NaN where the class is UNKNOWN (the caller keeps its own factor there).

    ``kind``, ``scheduled``, ``surface`` are the codes of skytrace.refdata.airports.Airports;
    unknown facts weigh neither for nor against, except that an airliner prefers airports
    known to have scheduled service.
    """
    out = np.full(cls.shape, np.nan)
    jet = cls == AircraftClass.JET
    liner = (cls == AircraftClass.AIRLINER) | jet
    if liner.any():
        f = np.ones(cls.shape)
        f = np.where((kind == _HELIPORT) | (kind == _SEAPLANE), 0.005, f)
        f = np.where(kind == _CLOSED, f * 0.02, f)
        f = np.where((surface == _UNPAVED) | (surface == _WATER), f * 0.05, f)
        length = longest_runway_ft
        f = np.where(length < 4000.0, f * 0.05, np.where(length < 5500.0, f * 0.4, f))
        # unknown kind: not among the ~18,700 airports with an IATA code -> a private field
        # with scheduled service, a large airport is likelier than a medium one: airline
        # traffic gathers at the large airports (a hub handles ten times a regional field's)
        civil = np.select(
            [
                (scheduled == 1) & (kind == _LARGE),
                scheduled == 1,
                scheduled == 0,
                (kind == _SMALL) | (kind == 0),
            ],
            [1.0, MEDIUM_AIRPORT_PRIOR, 0.15, 0.1],
            default=0.4,
        )
        air_base = np.where(scheduled == 1, 1.0, np.where(kind == _SMALL, 0.3, 0.8))
        business = np.where(scheduled == 1, 1.0, np.where(kind == _SMALL, 0.3, 0.6))
        f = f * np.where(military, air_base, np.where(jet, business, civil))
        out = np.where(liner, f, out)
    light = cls == AircraftClass.LIGHT
    if light.any():
        f = np.select([kind == _HELIPORT, kind == _SEAPLANE, kind == _LARGE], [0.1, 0.5, 0.6], 1.0)
        out = np.where(light, f, out)
    heli = cls == AircraftClass.HELICOPTER
    if heli.any():
        out = np.where(heli, np.where(kind == _HELIPORT, 1.0, 0.6), out)
    return out
