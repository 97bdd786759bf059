"""Parameters of flight detection: every threshold named, with its unit, in one place.

Each group is a small frozen dataclass; ``FlightConfig`` bundles them. Strategies (how the
airport of a takeoff or landing is chosen) are classes with named parameters, chosen by
passing an instance (``FlightConfig(airport_choice=RunwayFitChoice(max_observed_km=5))``),
never by a string. Pure data; thread-safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from skytrace.flights.airports import AirportChoice, RunwayFitChoice

__all__ = ["EventRules", "FlightConfig", "GroundRule", "InferenceLimits", "Segmentation"]


@dataclass(frozen=True, slots=True)
class GroundRule:
    """Which positions count as on the ground.

    A position is on the ground when its on-ground flag is set (surface position, flight
    status, imported flag) and its barometric altitude, if known, is below
    ``max_flagged_altitude_ft`` (a flag at cruise altitude is a glitch); or, with airports
    known, when it is unflagged but slower than ``max_taxi_speed_kt`` and within
    ``max_ft_above_field`` of the nearest field's elevation (MLAT of a taxiing aircraft).
    """

    max_flagged_altitude_ft: float = 15_000.0
    max_taxi_speed_kt: float = 50.0
    max_ft_above_field: float = 200.0
    max_field_distance_km: float = 5.0


@dataclass(frozen=True, slots=True)
class Segmentation:
    """How an aircraft's positions are cut into flights.

    - A ground run that follows airborne positions is a *stop* (the flight landed and ends)
      once it has lasted ``min_stop_s`` or slowed to ``stop_speed_kt``; shorter, faster
      ground contact is a touch-and-go inside the flight.
    - A reception gap separates flights when it starts from a landing-like position (on the
      ground, or below ``low_ft_above_field`` and not climbing) and lasts ``min_stop_gap_s``
      plus the time to come down from there at ``fastest_vertical_fpm``; or when it ends at a
      takeoff-like one (on the ground, or low and not descending) and lasts ``min_stop_gap_s``
      plus the time to come down and climb back; any gap of ``max_cruise_gap_s`` or more
      separates flights. Live, these are also the timeouts after which a flight closes.
    - A flight needs ``min_airborne_positions`` airborne positions over ``min_airborne_s``.
    - Ground positions before takeoff belong to the flight for at most ``max_taxi_s``.
    """

    min_stop_s: float = 60.0
    stop_speed_kt: float = 40.0
    min_stop_gap_s: float = 900.0
    max_cruise_gap_s: float = 4 * 3600.0
    low_ft_above_field: float = 18_000.0
    climb_threshold_fpm: float = 300.0
    fastest_vertical_fpm: float = 4000.0
    min_airborne_positions: int = 3
    min_airborne_s: float = 30.0
    max_taxi_s: float = 1800.0


@dataclass(frozen=True, slots=True)
class InferenceLimits:
    """When a takeoff or landing that was not seen may be inferred, and how it is timed.

    A takeoff is *observed* when the last ground position is at most ``observed_max_gap_s``
    before the first airborne one (landing: the mirror). Otherwise it is *inferred* from the
    first airborne position if that is within ``max_distance_km`` of an airport, at most
    ``max_ft_above_field`` above it and climbing; the time is extrapolated back with the
    climb rate (the position's, else the first positions', clamped to
    [``min_rate_fpm``, ``max_rate_fpm``], else ``default_climb_fpm``). The stated
    uncertainty is ``uncertainty_fraction`` of the extrapolated time, at least
    ``min_uncertainty_s``.
    """

    observed_max_gap_s: float = 120.0
    max_distance_km: float = 80.0
    max_ft_above_field: float = 15_000.0
    default_climb_fpm: float = 2000.0
    default_descent_fpm: float = 1500.0
    min_rate_fpm: float = 500.0
    max_rate_fpm: float = 5000.0
    uncertainty_fraction: float = 0.3
    min_uncertainty_s: float = 60.0


@dataclass(frozen=True, slots=True)
class EventRules:
    """Events along a flight.

    Gaps of ``coverage_gap_s`` or more are coverage lost/regained. Areas (country, FIR) are
    looked up at every position; a crossing between two positions is placed on the segment
    between them by ``area_bisections`` halvings (12: a 1 km step to within 25 cm). A
    multilaterated position closer to a border than ``mlat_border_margin_km`` (its error is
    hundreds of metres) does not say which side it is on: it keeps the area of the position
    before it, so MLAT noise along a border is not a string of crossings. A
    go-around is an airborne dip below ``go_around_ft_above_field`` within
    ``go_around_radius_km`` of an airport, between higher airborne positions. A live flight
    reports its observed landing once the aircraft has been on the ground
    ``landing_confirm_s`` and slowed by ``landing_confirm_slowdown_kt`` (a roll-out).
    """

    coverage_gap_s: float = 300.0
    area_bisections: int = 12
    mlat_border_margin_km: float = 0.5
    landing_confirm_s: float = 6.0
    landing_confirm_slowdown_kt: float = 10.0
    emergency_squawks: tuple[str, ...] = ("7500", "7600", "7700")
    go_around_ft_above_field: float = 1000.0
    go_around_radius_km: float = 10.0


@dataclass(frozen=True, slots=True)
class FlightConfig:
    """Everything flight detection can be told; defaults suit airline and GA traffic."""

    ground: GroundRule = field(default_factory=GroundRule)
    segmentation: Segmentation = field(default_factory=Segmentation)
    inference: InferenceLimits = field(default_factory=InferenceLimits)
    events: EventRules = field(default_factory=EventRules)
    airport_choice: AirportChoice = field(default_factory=RunwayFitChoice)
    live_refresh_s: float = 30.0  # how often (data time) an open flight's record is re-sent
