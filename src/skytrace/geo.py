"""Spherical geometry shared by every stage: distances, bearings, destination points.

A spherical Earth of mean radius 6371.0088 km (IUGG), good to about 0.5 % against WGS84:
far below the uncertainty of anything built on it (CPR range checks, airport distances,
flight distances, simulated great-circle routes). Angles are degrees, latitudes north and
longitudes east positive; distances are km (``NM_KM`` converts to nautical miles).

Array functions broadcast over numpy arrays (or scalars) and return float64 arrays; the
``*_one`` forms take and return plain floats without numpy overhead, for per-flight code.
Pure and thread-safe.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "EARTH_RADIUS_KM",
    "NM_KM",
    "angle_diff_deg",
    "bearing_deg",
    "bearing_one_deg",
    "destination_point",
    "distance_km",
    "haversine_km",
    "local_xy_m",
]

EARTH_RADIUS_KM: Final = 6371.0088
NM_KM: Final = 1.852  # one international nautical mile in km

FloatArray = npt.NDArray[np.float64]


def _rad(values: npt.ArrayLike) -> FloatArray:
    return np.radians(np.asarray(values, np.float64))


def haversine_km(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> FloatArray:
    """Great-circle distance in km between points (broadcasting)."""
    p1, p2 = _rad(lat1), _rad(lat2)
    dl = _rad(np.asarray(lon2, np.float64) - np.asarray(lon1, np.float64))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), np.float64)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """``haversine_km`` for one pair of points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))


def bearing_deg(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> FloatArray:
    """Initial true bearing in degrees [0, 360) from point 1 to point 2 (broadcasting)."""
    p1, p2 = _rad(lat1), _rad(lat2)
    dl = _rad(np.asarray(lon2, np.float64) - np.asarray(lon1, np.float64))
    y = np.sin(dl) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl)
    return np.asarray(np.degrees(np.arctan2(y, x)) % 360.0, np.float64)


def bearing_one_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """``bearing_deg`` for one pair of points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


def destination_point(
    lat: npt.ArrayLike, lon: npt.ArrayLike, bearing: npt.ArrayLike, distance: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """The point ``distance`` km from (lat, lon) along initial ``bearing`` degrees.

    Returns (lat, lon) in degrees, longitude wrapped to [-180, 180).
    """
    p1, l1, b = _rad(lat), _rad(lon), _rad(bearing)
    d = np.asarray(distance, np.float64) / EARTH_RADIUS_KM
    p2 = np.arcsin(np.sin(p1) * np.cos(d) + np.cos(p1) * np.sin(d) * np.cos(b))
    l2 = l1 + np.arctan2(np.sin(b) * np.sin(d) * np.cos(p1), np.cos(d) - np.sin(p1) * np.sin(p2))
    lon2 = (np.degrees(l2) + 180.0) % 360.0 - 180.0
    return np.asarray(np.degrees(p2), np.float64), np.asarray(lon2, np.float64)


def local_xy_m(
    lat: npt.ArrayLike, lon: npt.ArrayLike, lat0: float, lon0: float
) -> tuple[FloatArray, FloatArray]:
    """East/north metres from (lat0, lon0) on a local flat projection (fine within ~20 km)."""
    k = math.pi / 180.0 * EARTH_RADIUS_KM * 1000.0
    x = (np.asarray(lon, np.float64) - lon0) * k * math.cos(math.radians(lat0))
    y = (np.asarray(lat, np.float64) - lat0) * k
    return np.asarray(x, np.float64), np.asarray(y, np.float64)


def angle_diff_deg(a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
    """Smallest absolute difference between two angles in degrees, in [0, 180]."""
    d = (np.asarray(a, np.float64) - np.asarray(b, np.float64) + 180.0) % 360.0 - 180.0
    return np.asarray(np.abs(d), np.float64)
