"""The shared spherical geometry: known distances and bearings, and round trips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skytrace.geo import (
    NM_KM,
    angle_diff_deg,
    bearing_deg,
    bearing_one_deg,
    destination_point,
    distance_km,
    haversine_km,
    local_xy_m,
)

lats = st.floats(-80.0, 80.0)
lons = st.floats(-180.0, 179.999)


def test_one_degree_of_latitude_and_across_the_antimeridian() -> None:
    assert float(haversine_km(10.0, 20.0, 11.0, 20.0)) == pytest.approx(111.195, abs=1e-3)
    assert float(haversine_km(0.0, 179.5, 0.0, -179.5)) == pytest.approx(111.195, abs=1e-3)
    # Pyongyang Sunan (ZKPY) to Vladivostok (UHWW): 713 km on the WGS84 ellipsoid; the
    # sphere is within 0.5 % of that.
    d = distance_km(39.2241, 125.6700, 43.3990, 132.1480)
    assert 713.0 * 0.995 < d < 713.0 * 1.005
    assert 713.0 * 0.995 / 1.852 < d / NM_KM < 713.0 * 1.005 / 1.852


def test_bearings_point_the_right_way() -> None:
    assert float(bearing_deg(0.0, 0.0, 1.0, 0.0)) == pytest.approx(0.0)
    assert float(bearing_deg(0.0, 0.0, 0.0, 1.0)) == pytest.approx(90.0)
    assert bearing_one_deg(0.0, 0.0, -1.0, 0.0) == pytest.approx(180.0)
    assert bearing_one_deg(0.0, 0.0, 0.0, -1.0) == pytest.approx(270.0)
    assert float(angle_diff_deg(350.0, 10.0)) == pytest.approx(20.0)
    assert float(angle_diff_deg(90.0, 270.0)) == pytest.approx(180.0)


def test_arrays_broadcast() -> None:
    d = haversine_km(np.zeros(3), np.zeros(3), np.array([1.0, 2.0, 3.0]), 0.0)
    assert d.shape == (3,)
    assert np.allclose(d / d[0], [1.0, 2.0, 3.0])


@given(lats, lons, st.floats(0.0, 359.9), st.floats(0.1, 3000.0))
def test_destination_point_is_that_far_along_that_bearing(
    lat: float, lon: float, bearing: float, distance: float
) -> None:
    lat2, lon2 = destination_point(lat, lon, bearing, distance)
    assert distance_km(lat, lon, float(lat2), float(lon2)) == pytest.approx(distance, rel=1e-6)
    assert -180.0 <= float(lon2) < 180.0
    assert (
        float(angle_diff_deg(bearing_one_deg(lat, lon, float(lat2), float(lon2)), bearing)) < 1e-3
    )


@given(lats, lons, lats, lons)
def test_scalar_and_array_forms_agree(lat1: float, lon1: float, lat2: float, lon2: float) -> None:
    assert distance_km(lat1, lon1, lat2, lon2) == pytest.approx(
        float(haversine_km(lat1, lon1, lat2, lon2)), abs=1e-6
    )
    if distance_km(lat1, lon1, lat2, lon2) > 1.0:
        assert (
            float(
                angle_diff_deg(
                    bearing_one_deg(lat1, lon1, lat2, lon2), bearing_deg(lat1, lon1, lat2, lon2)
                )
            )
            < 1e-6
        )


def test_local_projection_is_metres_near_the_origin() -> None:
    x, y = local_xy_m([43.40, 43.41], [132.15, 132.15], 43.40, 132.15)
    assert float(y[1]) == pytest.approx(distance_km(43.40, 132.15, 43.41, 132.15) * 1000, rel=1e-3)
    assert float(x[0]) == 0.0 and float(y[0]) == 0.0
