"""Tracker parameters: every limit the tracker applies, named with its unit.

Defaults follow what readsb does for one receiver network where the two agree; where they
differ the docstring of the field says why. This module holds values only (no logic) and is
safe to share between threads (the dataclass is frozen).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TrackerConfig"]


@dataclass(frozen=True, slots=True)
class TrackerConfig:
    """Named, unit-bearing parameters of the tracker."""

    # --- de-duplication across receivers
    dedup_window_s: float = 0.5
    """The same reply heard by several receivers within this window is one message. Receiver
    clocks and network paths differ by tens of ms; identical replies repeat at >= ~0.5 s."""

    # --- CPR pairing and decoding
    cpr_pair_max_s: float = 10.0
    """Longest gap between the even and the odd airborne message of a global pair."""
    surface_pair_max_s: float = 25.0
    """Longest gap of a surface pair when the aircraft moves faster than surface_slow_kt."""
    surface_slow_pair_max_s: float = 50.0
    """Longest gap of a surface pair for a slow or stopped aircraft (it moves less)."""
    surface_slow_kt: float = 25.0
    local_ref_max_age_s: float = 60.0
    """A local (single-message) decode uses the aircraft's own last position if younger."""
    surface_airport_max_km: float = 10.0
    """The first surface position of an aircraft must lie this close to an airport."""

    # --- plausibility
    max_speed_kt: float = 1000.0
    """Speed limit between two positions when the reported groundspeed is unknown."""
    max_surface_speed_kt: float = 150.0
    speed_margin_factor: float = 1.3
    """Reported groundspeed is multiplied by this (turns, wind, timing) ..."""
    speed_margin_kt: float = 100.0
    """... and this is added before comparing with the speed between two positions."""
    position_tolerance_km: float = 0.5
    """Distance always allowed between two positions (CPR and timing granularity)."""
    mlat_tolerance_km: float = 3.0
    """Extra distance allowed when either position is an MLAT result (its error is larger)."""
    max_vertical_rate_fpm: float = 12000.0
    altitude_tolerance_ft: float = 500.0
    """Altitude change always allowed between two positions (one Gillham step + noise)."""
    confirm_positions: int = 2
    """Positions of a new (or re-anchored) aircraft are shown once this many agree."""
    confirm_max_gap_s: float = 30.0
    """Two decodes further apart than this do not confirm each other."""
    max_consecutive_rejections: int = 4
    """After this many rejections in a row the last position is no longer trusted as a
    reference and the confirmation chain starts again (the old reference may be the bad one)."""
    strong_signal_dbfs: float = -6.0
    """Address/parity replies (DF0/4/5/16/20/21) of an unconfirmed address are accepted only
    at or above this signal level (a strong, close reply is unlikely to be noise) ..."""
    strong_signal_repeat_s: float = 30.0
    """... and only once the same address was heard strong twice within this time (a single
    corrupted reply carries a random address)."""

    # --- state lifetime
    position_stale_s: float = 60.0
    aircraft_expire_s: float = 300.0
    field_stale_s: float = 60.0
    """aircraft.json leaves out fields not refreshed within this time (readsb does the same),
    and a stored position gets NaN for a speed, track, vertical rate or GNSS altitude (or its
    GNSS-minus-baro difference) last heard longer ago than this before the position."""

    # --- trail
    trail_max_points: int = 64
    """Most recent accepted positions kept per aircraft (older ones are overwritten)."""

    # --- initial capacity of the state columns (grows by doubling)
    initial_capacity: int = 1024

    def __post_init__(self) -> None:
        from skytrace.errors import UsageError

        for name in (
            "dedup_window_s",
            "cpr_pair_max_s",
            "surface_pair_max_s",
            "surface_slow_pair_max_s",
            "local_ref_max_age_s",
            "max_speed_kt",
            "position_stale_s",
            "aircraft_expire_s",
        ):
            if not getattr(self, name) > 0:
                raise UsageError(f"TrackerConfig.{name} must be > 0, got {getattr(self, name)!r}")
        if self.confirm_positions < 1:
            raise UsageError("TrackerConfig.confirm_positions must be >= 1")
        if self.trail_max_points < 1:
            raise UsageError("TrackerConfig.trail_max_points must be >= 1")
        if self.initial_capacity < 1:
            raise UsageError("TrackerConfig.initial_capacity must be >= 1")
