"""WGS84 geodesy for multilateration: geodetic <-> Earth-centred Earth-fixed (ECEF) metres.

Receivers and aircraft are placed in ECEF so that a time difference of arrival is a plain
difference of straight-line distances divided by c. The inverse uses Bowring's formula
(one step: error well under a millimetre at aircraft heights). Vectorized, pure,
thread-safe. Units: degrees, metres.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["C_M_S", "ecef_to_geodetic", "enu_axes", "geodetic_to_ecef", "height_and_up"]

F64 = npt.NDArray[np.float64]

C_M_S: Final = 299_792_458.0
_A: Final = 6_378_137.0
_F: Final = 1.0 / 298.257223563
_B: Final = _A * (1.0 - _F)
_E2: Final = _F * (2.0 - _F)
_EP2: Final = _E2 / (1.0 - _E2)


def geodetic_to_ecef(
    lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike, height_m: npt.ArrayLike
) -> F64:
    """(..., 3) ECEF metres of points given by latitude, longitude and ellipsoidal height."""
    lat = np.radians(np.asarray(lat_deg, np.float64))
    lon = np.radians(np.asarray(lon_deg, np.float64))
    h = np.asarray(height_m, np.float64)
    sin_lat = np.sin(lat)
    n = _A / np.sqrt(1.0 - _E2 * sin_lat * sin_lat)
    cos_lat = np.cos(lat)
    x = (n + h) * cos_lat * np.cos(lon)
    y = (n + h) * cos_lat * np.sin(lon)
    z = (n * (1.0 - _E2) + h) * sin_lat
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def height_and_up(xyz: F64) -> tuple[F64, F64]:
    """Ellipsoidal height (m) and the unit normal (up) of (G, 3) ECEF points, without
    trigonometric functions (the solver needs both on every iteration). Bowring's formula,
    as in ``ecef_to_geodetic``."""
    x, y, z = xyz[:, 0], xyz[:, 1], xyz[:, 2]
    p = np.maximum(np.hypot(x, y), 1e-9)
    # reduced latitude beta: tan beta = a z / (b p)
    r = np.hypot(_A * z, _B * p)
    cb, sb = _B * p / r, _A * z / r
    num = z + _EP2 * _B * sb**3
    den = p - _E2 * _A * cb**3
    q = np.hypot(num, den)
    sin_lat, cos_lat = num / q, den / q
    n = _A / np.sqrt(1.0 - _E2 * sin_lat * sin_lat)
    h = p * cos_lat + z * sin_lat - _A * _A / n  # exact for this latitude at any point
    up = np.stack([cos_lat * x / p, cos_lat * y / p, sin_lat], axis=1)
    return h, up


def ecef_to_geodetic(xyz: F64) -> tuple[F64, F64, F64]:
    """Latitude, longitude (degrees) and ellipsoidal height (metres) of (..., 3) ECEF points."""
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    p = np.hypot(x, y)
    lon = np.arctan2(y, x)
    beta = np.arctan2(_A * z, _B * p)
    lat = np.arctan2(z + _EP2 * _B * np.sin(beta) ** 3, p - _E2 * _A * np.cos(beta) ** 3)
    sin_lat = np.sin(lat)
    n = _A / np.sqrt(1.0 - _E2 * sin_lat * sin_lat)
    cos_lat = np.cos(lat)
    # height from whichever of p or z is better conditioned at this latitude
    h = np.where(
        np.abs(cos_lat) > 0.1,
        p / np.where(cos_lat == 0, 1.0, cos_lat) - n,
        z / np.where(sin_lat == 0, 1.0, sin_lat) - n * (1.0 - _E2),
    )
    return np.degrees(lat), np.degrees(lon), h


def enu_axes(lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike) -> tuple[F64, F64, F64]:
    """Unit vectors east, north and up (each (..., 3), ECEF) at the given places."""
    lat = np.radians(np.asarray(lat_deg, np.float64))
    lon = np.radians(np.asarray(lon_deg, np.float64))
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    zero = np.zeros_like(sl)
    east = np.stack([-so, co, zero], axis=-1)
    north = np.stack([-sl * co, -sl * so, cl], axis=-1)
    up = np.stack([cl * co, cl * so, sl], axis=-1)
    return east, north, up
