"""Flight rows for tables and CSV: takeoff and landing only when they were determined."""

from __future__ import annotations

import math

from skytrace.model import Flight
from skytrace.store.present import FLIGHT_COLUMNS, flight_row

T0 = 1_694_484_000.0  # 2023-09-12T02:00:00Z


def test_a_complete_flight_shows_its_takeoff_landing_and_flight_time() -> None:
    f = Flight(
        "7277cf-x", 0x7277CF, "closed", T0 - 600, T0 + 4200, takeoff_s=T0, landing_s=T0 + 3840
    )
    row = flight_row(f)
    assert set(row) == set(FLIGHT_COLUMNS)
    assert (row["takeoff"], row["landing"]) == (
        "2023-09-12T02:00:00.000Z",
        "2023-09-12T03:04:00.000Z",
    )
    assert (row["duration_s"], row["duration_kind"]) == (3840.0, "flight")
    assert (row["first_seen"], row["last_seen"]) == (
        "2023-09-12T01:50:00.000Z",
        "2023-09-12T03:10:00.000Z",
    )


def test_an_unseen_landing_is_left_empty_not_replaced_by_the_last_sighting() -> None:
    f = Flight("124762-x", 0x124762, "closed", T0, T0 + 4680, takeoff_s=T0, landing_s=math.nan)
    row = flight_row(f)
    assert row["takeoff"] == "2023-09-12T02:00:00.000Z"
    assert row["landing"] == ""
    assert row["last_seen"] == "2023-09-12T03:18:00.000Z"
    assert row["duration_kind"] == "seen"  # not a flight time
