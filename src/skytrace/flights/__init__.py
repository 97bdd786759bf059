"""flights: pure segmentation of tracks into flights, takeoff/landing, airports, facts.

``FlightDetector`` (live, fed by the tracker) and ``detect_flights`` (over history) give the
same flights for the same positions. Nothing here reads files, sockets or the clock.
"""

from __future__ import annotations

from skytrace.flights.airports import FieldIndex, RunwayFitChoice
from skytrace.flights.config import (
    EventRules,
    FlightConfig,
    GroundRule,
    InferenceLimits,
    Segmentation,
)
from skytrace.flights.detector import FlightDetector, detect_flights

__all__ = [
    "EventRules",
    "FieldIndex",
    "FlightConfig",
    "FlightDetector",
    "GroundRule",
    "InferenceLimits",
    "RunwayFitChoice",
    "Segmentation",
    "detect_flights",
]
