"""Small spherical geometry for flight logic: distances, bearings, compass words.

Spherical Earth (mean radius 6371.0088 km); good to ~0.5 % against WGS84, which is far
below the uncertainty of the facts built on it. Vectorized over numpy arrays; pure and
thread-safe.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = [
    "EARTH_RADIUS_KM",
    "angle_diff_deg",
    "bearing_deg",
    "compass_word",
    "distance_km",
    "haversine_km",
    "local_xy_m",
]

EARTH_RADIUS_KM: Final = 6371.0088

FloatArray = npt.NDArray[np.float64]


def haversine_km(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> FloatArray:
    """Great-circle distance in km between points given in degrees (broadcasting)."""
    p1 = np.radians(np.asarray(lat1, np.float64))
    p2 = np.radians(np.asarray(lat2, np.float64))
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2, np.float64) - np.asarray(lon1, np.float64))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """``haversine_km`` for one pair of points, without numpy overhead."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))


def bearing_deg(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> FloatArray:
    """Initial true bearing in degrees [0, 360) from point 1 to point 2."""
    p1 = np.radians(np.asarray(lat1, np.float64))
    p2 = np.radians(np.asarray(lat2, np.float64))
    dl = np.radians(np.asarray(lon2, np.float64) - np.asarray(lon1, np.float64))
    y = np.sin(dl) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl)
    return np.asarray(np.degrees(np.arctan2(y, x)) % 360.0)


def local_xy_m(
    lat: npt.ArrayLike, lon: npt.ArrayLike, lat0: float, lon0: float
) -> tuple[FloatArray, FloatArray]:
    """East/north metres from (lat0, lon0) on a local flat projection (fine within ~20 km)."""
    k = np.pi / 180.0 * EARTH_RADIUS_KM * 1000.0
    x = (np.asarray(lon, np.float64) - lon0) * k * np.cos(np.radians(lat0))
    y = (np.asarray(lat, np.float64) - lat0) * k
    return np.asarray(x), np.asarray(y)


_POINTS: Final = (
    "north",
    "north-east",
    "east",
    "south-east",
    "south",
    "south-west",
    "west",
    "north-west",
)


def compass_word(bearing: float) -> str:
    """The eight-point compass word for a bearing in degrees ("north-east")."""
    return _POINTS[int(((bearing % 360.0) + 22.5) // 45.0) % 8]


def angle_diff_deg(a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
    """Absolute smallest difference between two directions, degrees in [0, 180]."""
    d = (np.asarray(a, np.float64) - np.asarray(b, np.float64)) % 360.0
    return np.asarray(np.minimum(d, 360.0 - d))
