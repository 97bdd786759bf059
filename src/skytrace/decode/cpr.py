"""CPR position decoding: raw 17-bit Compact Position Reporting fields to degrees, on arrays.

Owns the Compact Position Reporting algorithm of DO-260B §A.1.7 / ICAO Doc 9871 §C.2.6
(the same formulas as ICAO Annex 10 Vol IV §3.1.2.8.7 and RTCA DO-260B Appendix A.1.7).
Everything is vectorized numpy, pure (no clock, no state) and thread-safe; every function takes
broadcastable arrays (scalars allowed) and returns arrays.

Units: latitude/longitude in degrees (WGS-84), latitude in [-90, 90], longitude in [-180, 180);
raw CPR fields are the 17-bit integers of the message (0 .. 131071); distances in nautical
miles (NM); time in seconds.

Zones: the globe is cut into 4·NZ = 60 latitude zones for even frames (Dlat = 360/60 = 6°) and
59 for odd frames (Dlat = 360/59); surface frames use a 90° "globe" instead of 360° (Dlat = 1.5°
/ 90/59°), which quadruples resolution and leaves four 90° ambiguities in longitude and a
northern/southern one in latitude. Longitude zones shrink toward the poles: NL(lat) zones per
360° (59 at the equator, 1 above 87°). NL comes from a table of transition latitudes generated
by scripts/gen_nl_table.py from the closed formula, so it is exact at zone edges (at exactly a
transition latitude the standard's table gives the smaller NL) and at the poles (NL = 1).

Global decode (two frames, even + odd): the latitude zone index j comes from the difference of
the two latitudes; both latitudes are resolved, and the pair is only trusted when both lie in
the same NL band — if NL differs the aircraft crossed a transition latitude between the frames
and the longitude zone index would be computed against the wrong number of zones (the
standard says: discard, wait for a new pair). The position returned is that of the latest
frame. A latitude beyond ±90° means the two fields cannot belong to one position. All-zero
fields (lat and lon of both frames zero) are what broken transponders send instead of
"no position": rejected. The ≤ 10 s pairing window is the caller's (see ``pair_within``), since
only the caller has time.

Local decode (one frame + reference): valid when the reference is within half a zone of the
true position; the result is rejected when it lies ``max_distance_nm`` or more from the
reference (180 NM airborne, 45 NM surface, the ranges the standard allows for a
receiver/aircraft reference).

Surface global decode: yields latitudes in [0, 90); the candidate in the southern hemisphere
(lat − 90) and the four longitudes lon + k·90° are equally valid, so the one nearest the
caller's reference (the aircraft's last position or the receiver's location; never a fixed
point) is chosen, and the result is rejected beyond 45 NM of it.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from skytrace.geo import NM_KM, haversine_km

__all__ = [
    "airborne_global",
    "airborne_local",
    "distance_nm",
    "nl",
    "pair_within",
    "surface_global",
    "surface_local",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
Decoded = tuple[FloatArray, FloatArray, BoolArray]

#: Mean Earth radius used for reference distances (6371.0088 km).

_CPR_SCALE: Final = float(1 << 17)  # 17-bit fields: value / 2**17 is the fraction of a zone
_HALF: Final = 1 << 16  # 0.5 in units of 2**-17, for integer floor(x + 0.5)

# BEGIN GENERATED NL TABLE (scripts/gen_nl_table.py; do not edit by hand)
_NL_TRANSITION_LAT_DEG: Final = np.array(
    [
        10.47047129996848,
        14.828174368686794,
        18.186263570713354,
        21.029394926028463,
        23.545044865570706,
        25.829247070587755,
        27.938987101219045,
        29.911356857318083,
        31.77209707681077,
        33.53993436298484,
        35.22899597796385,
        36.85025107593526,
        38.41241892412256,
        39.922566843338615,
        41.38651832260239,
        42.80914012243555,
        44.194549514192744,
        45.546267226602346,
        46.867332524987454,
        48.160391280966216,
        49.42776439255687,
        50.67150165553835,
        51.893424691687684,
        53.09516152796003,
        54.278174722729,
        55.44378444495043,
        56.59318756205918,
        57.72747353866114,
        58.84763776148457,
        59.954592766940294,
        61.04917774246351,
        62.13216659210329,
        63.20427479381928,
        64.2661652256744,
        65.31845309682089,
        66.36171008382617,
        67.39646774084667,
        68.4232202208333,
        69.44242631144024,
        70.454510749876,
        71.45986473028982,
        72.45884544728945,
        73.45177441667865,
        74.43893415725137,
        75.42056256653356,
        76.39684390794469,
        77.36789461328188,
        78.33374082922747,
        79.29428225456925,
        80.24923213280512,
        81.19801349271948,
        82.13956980510606,
        83.07199444719814,
        83.99173562980565,
        84.89166190702085,
        85.75541620944418,
        86.535369975121,
        87.0,
    ],
    dtype=np.float64,
)
# END GENERATED NL TABLE


def _nl_exact(abs_lat: FloatArray) -> IntArray:
    crossed = np.searchsorted(_NL_TRANSITION_LAT_DEG, abs_lat, side="right")
    return np.asarray(59 - crossed, dtype=np.int64)


# A 0.1° lookup (bands are ≥ 0.46° wide, so a cell holds at most one transition) gives NL
# with two gathers instead of a binary search; every guess is then checked against the band
# edges of the exact table, and the rare miss (float rounding at a cell border) is redone
# with the binary search, so the result is the table's, bit for bit.
_CELLS_PER_DEG: Final = 10
_CELL_START_DEG = np.arange(90 * _CELLS_PER_DEG + 1, dtype=np.float64) / _CELLS_PER_DEG
_CELL_NL = _nl_exact(_CELL_START_DEG)
_CELL_EDGE_DEG = np.full(_CELL_START_DEG.shape, np.inf)
for _edge in _NL_TRANSITION_LAT_DEG:
    _cell = int(_edge * _CELLS_PER_DEG)
    if _edge > _CELL_START_DEG[_cell]:
        _CELL_EDGE_DEG[_cell] = _edge
_BAND_LOW_DEG = np.concatenate([[np.inf], _NL_TRANSITION_LAT_DEG[::-1], [-np.inf]])  # by NL
_BAND_HIGH_DEG = np.concatenate([[np.inf, np.inf], _NL_TRANSITION_LAT_DEG[::-1]])  # by NL


def nl(lat_deg: ArrayLike) -> IntArray:
    """Number of longitude zones NL at each latitude (1 .. 59), symmetric about the equator.

    At exactly a transition latitude the smaller value applies (DO-260B table convention);
    |lat| ≥ 87° gives 1. NaN latitudes give 1 (callers mask them out with their own ok flag).
    """
    # fmin maps NaN and |lat| > 90 to 90 (NL 1), keeping the cell index in range.
    abs_lat = np.fmin(np.abs(np.asarray(lat_deg, dtype=np.float64)), 90.0)
    cell = (abs_lat * _CELLS_PER_DEG).astype(np.intp)
    guess = _CELL_NL[cell] - (abs_lat >= _CELL_EDGE_DEG[cell])
    right = (abs_lat >= _BAND_LOW_DEG[guess]) & (abs_lat < _BAND_HIGH_DEG[guess])
    if not right.all():
        guess = np.where(right, guess, _nl_exact(abs_lat))
    return np.asarray(guess, dtype=np.int64)


def pair_within(t_even_s: ArrayLike, t_odd_s: ArrayLike, max_s: float = 10.0) -> BoolArray:
    """True where an even and an odd frame are close enough in time to be decoded as a pair."""
    t_even = np.asarray(t_even_s, dtype=np.float64)
    t_odd = np.asarray(t_odd_s, dtype=np.float64)
    return np.asarray(np.abs(t_even - t_odd) <= max_s, dtype=np.bool_)


def distance_nm(
    lat1_deg: ArrayLike, lon1_deg: ArrayLike, lat2_deg: ArrayLike, lon2_deg: ArrayLike
) -> FloatArray:
    """Great-circle (haversine) distance in NM (``skytrace.geo``'s sphere)."""
    return np.asarray(haversine_km(lat1_deg, lon1_deg, lat2_deg, lon2_deg) / NM_KM, np.float64)


def _raw(values: ArrayLike) -> IntArray:
    # Only the low 17 bits are a CPR field; masking keeps arithmetic well-defined for any input.
    return np.asarray(values, dtype=np.int64) & 0x1FFFF


def _wrap_lon(lon: FloatArray) -> FloatArray:
    """Longitude into [-180, 180)."""
    return np.asarray((lon + 180.0) % 360.0 - 180.0, dtype=np.float64)


def _global_lat(
    lat_even: IntArray, lat_odd: IntArray, span_deg: float
) -> tuple[FloatArray, FloatArray]:
    """Resolve both latitudes of a pair; ``span_deg`` is 360 airborne, 90 surface."""
    # j = floor((59·YZe − 60·YZo) / 2**17 + 1/2), done in integers so it is exact.
    j = (59 * lat_even - 60 * lat_odd + _HALF) >> 17
    lat_e = (span_deg / 60.0) * (np.mod(j, 60) + lat_even / _CPR_SCALE)
    lat_o = (span_deg / 59.0) * (np.mod(j, 59) + lat_odd / _CPR_SCALE)
    return np.asarray(lat_e, dtype=np.float64), np.asarray(lat_o, dtype=np.float64)


def _global_lon(
    lon_even: IntArray, lon_odd: IntArray, odd: BoolArray, nl_lat: IntArray, span_deg: float
) -> FloatArray:
    """Longitude of the latest frame of the pair, in [0, span) before any wrapping."""
    odd_i = odd.astype(np.int64)
    n_i = np.maximum(nl_lat - odd_i, 1)
    # m = floor((XZe·(NL−1) − XZo·NL) / 2**17 + 1/2), exact in integers.
    m = (lon_even * (nl_lat - 1) - lon_odd * nl_lat + _HALF) >> 17
    lon_raw = np.where(odd, lon_odd, lon_even)
    return np.asarray((span_deg / n_i) * (np.mod(m, n_i) + lon_raw / _CPR_SCALE), dtype=np.float64)


def _broadcast_ints(*arrays: ArrayLike) -> list[IntArray]:
    return [np.asarray(a) for a in np.broadcast_arrays(*[_raw(x) for x in arrays])]


def airborne_global(
    lat_even: ArrayLike,
    lon_even: ArrayLike,
    lat_odd: ArrayLike,
    lon_odd: ArrayLike,
    odd_is_latest: ArrayLike,
) -> Decoded:
    """Globally unambiguous airborne position from an even/odd pair.

    Returns ``(lat_deg, lon_deg, ok)``: the position of the latest frame (odd when
    ``odd_is_latest``), NaN where ``ok`` is False. ``ok`` is False when the two latitudes fall
    in different NL bands, when a latitude is beyond ±90°, or when all four fields are zero.
    """
    yz_e, xz_e, yz_o, xz_o = _broadcast_ints(lat_even, lon_even, lat_odd, lon_odd)
    odd = np.broadcast_to(np.asarray(odd_is_latest, dtype=np.bool_), yz_e.shape)
    lat_e, lat_o = _global_lat(yz_e, yz_o, 360.0)
    # Southern hemisphere latitudes come out in [270, 360).
    lat_e = np.where(lat_e >= 270.0, lat_e - 360.0, lat_e)
    lat_o = np.where(lat_o >= 270.0, lat_o - 360.0, lat_o)
    nl_e = nl(lat_e)
    ok = (np.abs(lat_e) <= 90.0) & (np.abs(lat_o) <= 90.0) & (nl_e == nl(lat_o))
    ok &= (yz_e | xz_e | yz_o | xz_o) != 0
    lat = np.where(odd, lat_o, lat_e)
    lon = _wrap_lon(_global_lon(xz_e, xz_o, odd, nl_e, 360.0))
    return _masked(lat, lon, ok)


def airborne_local(
    cpr_lat: ArrayLike,
    cpr_lon: ArrayLike,
    odd: ArrayLike,
    ref_lat: ArrayLike,
    ref_lon: ArrayLike,
    *,
    max_distance_nm: float = 180.0,
) -> Decoded:
    """Airborne position from one frame and a reference position (aircraft's last or receiver).

    Unambiguous while the true position is within half a zone (~180 NM) of the reference;
    ``ok`` is False when the decoded position is ``max_distance_nm`` or more away from it.
    """
    return _local(cpr_lat, cpr_lon, odd, ref_lat, ref_lon, 360.0, max_distance_nm)


def surface_local(
    cpr_lat: ArrayLike,
    cpr_lon: ArrayLike,
    odd: ArrayLike,
    ref_lat: ArrayLike,
    ref_lon: ArrayLike,
    *,
    max_distance_nm: float = 45.0,
) -> Decoded:
    """Surface position from one frame and a reference; ``ok`` False at 45 NM or more."""
    return _local(cpr_lat, cpr_lon, odd, ref_lat, ref_lon, 90.0, max_distance_nm)


def _local(
    cpr_lat: ArrayLike,
    cpr_lon: ArrayLike,
    odd_flag: ArrayLike,
    ref_lat_deg: ArrayLike,
    ref_lon_deg: ArrayLike,
    span_deg: float,
    max_distance_nm: float,
) -> Decoded:
    yz, xz, odd, ref_lat, ref_lon = np.broadcast_arrays(
        _raw(cpr_lat),
        _raw(cpr_lon),
        np.asarray(odd_flag, dtype=np.bool_),
        np.asarray(ref_lat_deg, dtype=np.float64),
        np.asarray(ref_lon_deg, dtype=np.float64),
    )
    odd_i = odd.astype(np.int64)
    frac_lat = yz / _CPR_SCALE
    dlat = span_deg / (60 - odd_i)
    # Zone index: the one whose copy of the encoded position is nearest the reference. The
    # standard writes floor(ref/D) + floor(1/2 + mod(ref, D)/D - frac), which equals
    # floor(ref/D + 1/2 - frac) and the latter does not break when mod() rounds up to D.
    j = np.floor(ref_lat / dlat + 0.5 - frac_lat)
    lat = dlat * (j + frac_lat)
    n_i = np.maximum(nl(lat) - odd_i, 1)
    dlon = span_deg / n_i
    frac_lon = xz / _CPR_SCALE
    m = np.floor(ref_lon / dlon + 0.5 - frac_lon)
    lon = _wrap_lon(dlon * (m + frac_lon))
    ok = (np.abs(lat) <= 90.0) & np.isfinite(ref_lat) & np.isfinite(ref_lon)
    ok &= distance_nm(ref_lat, ref_lon, lat, lon) < max_distance_nm
    return _masked(lat, lon, ok)


def surface_global(
    lat_even: ArrayLike,
    lon_even: ArrayLike,
    lat_odd: ArrayLike,
    lon_odd: ArrayLike,
    odd_is_latest: ArrayLike,
    ref_lat: ArrayLike,
    ref_lon: ArrayLike,
    *,
    max_distance_nm: float = 45.0,
) -> Decoded:
    """Surface position from an even/odd pair, choosing among the 90° ambiguities by reference.

    The latitude is the northern solution or that minus 90°, whichever is nearer ``ref_lat``;
    the longitude is the one of lon + k·90° (k = 0..3) nearest ``ref_lon``. ``ok`` is False
    when NL differs between the two frames, when all fields are zero, or when the chosen
    candidate is ``max_distance_nm`` or more from the reference; ``lat``/``lon`` are NaN then.
    """
    yz_e, xz_e, yz_o, xz_o, odd, r_lat, r_lon = np.broadcast_arrays(
        _raw(lat_even),
        _raw(lon_even),
        _raw(lat_odd),
        _raw(lon_odd),
        np.asarray(odd_is_latest, dtype=np.bool_),
        np.asarray(ref_lat, dtype=np.float64),
        np.asarray(ref_lon, dtype=np.float64),
    )
    lat_e, lat_o = _global_lat(yz_e, yz_o, 90.0)
    latest = np.where(odd, lat_o, lat_e)
    # Both frames take the hemisphere chosen for the latest one (they are metres apart).
    south = np.abs(latest - 90.0 - r_lat) < np.abs(latest - r_lat)
    shift = np.where(south, -90.0, 0.0)
    lat_e = lat_e + shift
    lat_o = lat_o + shift
    nl_e = nl(lat_e)
    ok = (nl_e == nl(lat_o)) & ((yz_e | xz_e | yz_o | xz_o) != 0)
    lat = np.where(odd, lat_o, lat_e)
    lon0 = _global_lon(xz_e, xz_o, odd, nl_e, 90.0)
    # Nearest of the four quadrant copies: shift by whole 90° steps toward the reference.
    k = np.round((_wrap_lon(np.asarray(r_lon - lon0, dtype=np.float64))) / 90.0)
    lon = _wrap_lon(np.asarray(lon0 + 90.0 * k, dtype=np.float64))
    ok &= np.isfinite(r_lat) & np.isfinite(r_lon)
    ok &= distance_nm(r_lat, r_lon, lat, lon) < max_distance_nm
    return _masked(lat, lon, ok)


def _masked(lat: ArrayLike, lon: ArrayLike, ok: ArrayLike) -> Decoded:
    ok_b = np.asarray(ok, dtype=np.bool_)
    lat_f = np.where(ok_b, np.asarray(lat, dtype=np.float64), np.nan)
    lon_f = np.where(ok_b, np.asarray(lon, dtype=np.float64), np.nan)
    return np.asarray(lat_f, dtype=np.float64), np.asarray(lon_f, dtype=np.float64), ok_b
