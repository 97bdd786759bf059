"""Comm-B (DF20/21) MB field: which register a reply carries, and its values, on arrays.

Owns the 56-bit MB field (message bits 33-88 of a DF20/21 reply) and the Comm-B registers of
ICAO Doc 9871 (2nd ed.) Appendix A / ICAO Annex 10 Vol III: 1,0 data link capability,
1,7 common-usage GICB capability, 2,0 aircraft identification, 3,0 ACAS active RA
(format IDs 0x10 / none / 0x20 / 0x30 in MB bits 1-8), and the registers without a format
ID, 4,0 selected vertical intention, 5,0 track and turn, 6,0 heading and speed, and with
``meteo=True`` 4,4 meteorological routine air report and 4,5 meteorological hazard report.

A ground station knows which register it asked for; a passive receiver does not. So every
register is tested against every reply (status bits: a value whose status bit is 0 must be
all zero; reserved bits zero; values in range; IAS/Mach coherent with the reply's altitude),
the registers that fit are the *candidates*, and one is chosen only with a stated reason:
a format ID, a single candidate, the caller's ADS-B ground speed/track (the context
arguments) ruling the others out, values that are coherent only under one reading (turn
rate vs roll, baro vs inertial rate), or a single non-meteorological candidate. Otherwise no
register is chosen: ``bds`` is "" and ``bds_candidates`` / ``bds_reason`` say what fitted.
Fields are filled only for the chosen register, and decoded only on the rows that chose it.

Bit numbers below are MB bits 1-56 (bit 1 first transmitted). Units are in the column names
(ft, kt, deg, deg_s, fpm, hpa, c, nm, pct). Absent values: NaN in float columns, -1 in
integer code/flag columns, "" in string columns. docs/comm-b.md lists every column.
Pure and thread-safe: no state, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from skytrace.decode import commb_registers as reg
from skytrace.decode.commb_registers import REGISTERS
from skytrace.errors import UsageError

__all__ = ["REGISTERS", "CommBColumns", "decode_commb", "mb_field"]

F64 = NDArray[np.float64]
I8 = NDArray[np.int8]
I32 = NDArray[np.int32]
Obj = NDArray[np.object_]

# Reason codes (index into _REASONS); "{}" is the chosen register.
_R_NOT_COMMB: Final = 0
_R_EMPTY: Final = 1
_R_NONE: Final = 2
_R_FORMAT: Final = 3
_R_ONLY: Final = 4
_R_ONLY_NON_METEO: Final = 5
_R_CONTEXT_ONLY: Final = 6
_R_CONTEXT_CLOSEST: Final = 7
_R_AMBIGUOUS: Final = 8
_R_COHERENT: Final = 9
_REASONS: Final = (
    "not a Comm-B reply (DF not 20/21)",
    "empty MB field",
    "no register fits",
    "format id {}",
    "only candidate",
    "only non-meteorological candidate",
    "only candidate consistent with ADS-B groundspeed/track",
    "closest to ADS-B groundspeed/track",
    "ambiguous: candidates fit and context cannot separate them",
    "only candidate with coherent values",
)

# How far (in units of the expected disagreement) a 5,0 / 6,0 reading may be from the ADS-B
# context and still count as the same aircraft state; and how much closer the winner must be.
_CONTEXT_REJECT: Final = 1.5
_CONTEXT_MARGIN: Final = 2.0


@dataclass(frozen=True, slots=True)
class CommBColumns:
    """Decoded Comm-B columns, aligned 1:1 with the input rows (see docs/comm-b.md)."""

    bds: Obj
    bds_candidates: Obj
    bds_reason: Obj
    # 1,0 data link capability
    dl_continuation: I8
    dl_overlay_capability: I8
    dl_acas_operational: I8
    dl_subnetwork_version: I8
    dl_level5_transponder: I8
    dl_specific_services: I8
    dl_uplink_elm_capability: I8
    dl_downlink_elm_capability: I8
    dl_identification_capability: I8
    dl_squitter_capability: I8
    dl_surveillance_identifier: I8
    dl_gicb_capability: I8
    dl_acas_hybrid_surveillance: I8
    dl_acas_ra_capability: I8
    dl_acas_rtca_version: I8
    dl_dte_status: I32
    # 1,7 common-usage GICB capability
    gicb_capability_mask: I32
    gicb_registers: Obj
    # 2,0 aircraft identification
    callsign: Obj
    # 3,0 ACAS active resolution advisory
    ara: I32
    rac: I8
    rat: I8
    mte: I8
    tti: I8
    threat_icao: I32
    threat_altitude_ft: F64
    threat_range_nm: F64
    threat_bearing_deg: F64
    # 4,0 selected vertical intention
    selected_altitude_mcp_ft: F64
    selected_altitude_fms_ft: F64
    baro_setting_hpa: F64
    mcp_vnav: I8
    mcp_alt_hold: I8
    mcp_approach: I8
    target_altitude_source: I8
    # 5,0 track and turn
    roll_deg: F64
    track_deg: F64
    groundspeed_kt: F64
    track_rate_deg_s: F64
    tas_kt: F64
    # 6,0 heading and speed
    heading_deg: F64
    ias_kt: F64
    mach: F64
    vertical_rate_baro_fpm: F64
    vertical_rate_inertial_fpm: F64
    # 4,4 meteorological routine air report (meteo=True)
    meteo_source: I8
    wind_speed_kt: F64
    wind_direction_deg: F64
    static_air_temperature_c: F64
    static_pressure_hpa: F64
    turbulence: I8
    humidity_pct: F64
    # 4,5 meteorological hazard report (meteo=True; temperature/pressure shared with 4,4)
    wind_shear: I8
    microburst: I8
    icing: I8
    wake_vortex: I8
    radio_height_ft: F64

    def __len__(self) -> int:
        return len(self.bds)

    def column_names(self) -> tuple[str, ...]:
        """Every column name, in declaration order."""
        return tuple(f.name for f in fields(self))

    def row(self, i: int) -> dict[str, Any]:
        """One row as a dict of present values (for people and tests, not the hot path)."""
        out: dict[str, Any] = {}
        for name in self.column_names():
            value = getattr(self, name)[i]
            if isinstance(value, str):
                if value:
                    out[name] = value
            elif isinstance(value, np.floating):
                if not np.isnan(value):
                    out[name] = float(value)
            elif int(value) >= 0:
                out[name] = int(value)
        return out


def mb_field(payload: ArrayLike) -> NDArray[np.uint64]:
    """The 56-bit MB field (message bits 33-88, bytes 4-10) of (N, 14) uint8 long frames."""
    frames = np.asarray(payload, dtype=np.uint8)
    if frames.ndim != 2 or frames.shape[1] < 11:
        raise UsageError(f"mb_field needs an (N, 14) uint8 array, got shape {frames.shape}")
    wide = np.zeros((frames.shape[0], 8), dtype=np.uint8)
    wide[:, 1:] = frames[:, 4:11]
    return np.ascontiguousarray(wide).view(">u8").reshape(-1).astype(np.uint64)


def _per_row(value: ArrayLike, n: int, name: str, dtype: type) -> NDArray[Any]:
    try:
        return np.broadcast_to(np.asarray(value, dtype=dtype), (n,)).astype(dtype)
    except (TypeError, ValueError) as exc:
        raise UsageError(
            f"decode_commb: {name} must be a number or one per MB field ({n})"
        ) from exc


def _context(value: ArrayLike | None, n: int, name: str) -> F64:
    if value is None:
        return np.full(n, np.nan)
    return _per_row(value, n, name, np.float64)


def _angle_diff(a: F64, b: F64) -> F64:
    return np.asarray(np.abs((a - b + 180.0) % 360.0 - 180.0), dtype=np.float64)


def _nanmean2(a: F64, b: F64) -> F64:
    """Mean of two terms ignoring NaN; NaN when both are NaN."""
    count = (~np.isnan(a)).astype(np.float64) + (~np.isnan(b))
    total = np.nan_to_num(a) + np.nan_to_num(b)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(count > 0, total / count, np.nan), dtype=np.float64)


def _context_distance(
    values: reg.Values, groundspeed_kt: F64, track_deg: F64, altitude_ft: F64
) -> tuple[F64, F64]:
    """How far the 5,0 and 6,0 readings are from the ADS-B state, in expected-error units.

    5,0 reports the very quantities ADS-B does (ground speed, true track): 20 kt and 10° are
    generous. 6,0 reports heading and air speed, which differ from track and ground speed by
    wind and magnetic variation: 30° and 80 kt.
    """
    v50 = {name: values[name][reg.BDS50] for name in ("groundspeed_kt", "track_deg")}
    v60 = {name: values[name][reg.BDS60] for name in ("heading_deg", "mach")}
    d50 = _nanmean2(
        np.abs(v50["groundspeed_kt"] - groundspeed_kt) / 20.0,
        _angle_diff(v50["track_deg"], track_deg) / 10.0,
    )
    tas60 = v60["mach"] * reg.speed_of_sound_kt(altitude_ft)
    d60 = _nanmean2(
        _angle_diff(v60["heading_deg"], track_deg) / 30.0,
        np.abs(tas60 - groundspeed_kt) / 80.0,
    )
    return d50, d60


def decode_commb(
    mb: ArrayLike,
    df: ArrayLike,
    altitude_ft: ArrayLike | None = None,
    groundspeed_kt: ArrayLike | None = None,
    track_deg: ArrayLike | None = None,
    *,
    meteo: bool = False,
) -> CommBColumns:
    """Infer the register of each MB field and decode it; never raises for bad data.

    ``mb``: uint64 MB fields; ``df``: downlink formats (rows not DF20/21 come back empty with
    a reason). Context, per row, NaN where unknown: ``altitude_ft`` the reply's own altitude
    (DF20 AC field) for the IAS/Mach check; ``groundspeed_kt`` and ``track_deg`` the aircraft's
    latest ADS-B velocity, to choose between 5,0 and 6,0. ``meteo`` also tries 4,4 and 4,5.
    Any MB content is data (labelled, never an error); arguments of the wrong shape or type
    raise ``UsageError``.
    """
    try:
        mb_u = np.atleast_1d(np.asarray(mb, dtype=np.uint64))
    except (TypeError, ValueError, OverflowError) as exc:
        raise UsageError("decode_commb: mb must be unsigned 56-bit integers") from exc
    if mb_u.ndim != 1:
        raise UsageError(f"decode_commb: mb must be one-dimensional, got shape {mb_u.shape}")
    n = mb_u.shape[0]
    df_a = _per_row(df, n, "df", np.int64)
    alt = _context(altitude_ft, n, "altitude_ft")
    gs_ctx = _context(groundspeed_kt, n, "groundspeed_kt")
    trk_ctx = _context(track_deg, n, "track_deg")

    fits = reg.fits_all(mb_u, alt, meteo=meteo)  # (n, len(REGISTERS))
    is_commb = (df_a == 20) | (df_a == 21)
    fits &= is_commb[:, None]
    fits &= (mb_u != 0)[:, None]

    chosen = np.full(n, -1, dtype=np.int64)
    reason = np.full(n, _R_NONE, dtype=np.int64)
    reason[mb_u == 0] = _R_EMPTY
    reason[~is_commb] = _R_NOT_COMMB
    undecided = fits.any(axis=1)

    # 1. A format ID that validates is the register (IDs 0x10/0x20/0x30 are exclusive).
    for k in reg.FORMAT_ID_REGISTERS:
        hit = undecided & fits[:, k]
        chosen[hit] = k
        reason[hit] = _R_FORMAT
        undecided &= ~hit

    # 2. A single candidate (nearly every reply: the rest is worked on as a subset).
    single = undecided & (fits.sum(axis=1) == 1)
    chosen[single] = np.argmax(fits[single], axis=1)
    reason[single] = _R_ONLY
    undecided &= ~single

    rows = np.flatnonzero(undecided)
    if rows.size:
        chosen[rows], reason[rows] = _resolve(
            fits[rows], mb_u[rows], alt[rows], gs_ctx[rows], trk_ctx[rows]
        )
    return _assemble(mb_u, fits, chosen, reason)


def _resolve(
    fits: NDArray[np.bool_], mb: NDArray[np.uint64], alt: F64, gs_ctx: F64, trk_ctx: F64
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Choose among several candidates (rows that steps 1-2 left): context, coherence, meteo."""
    n = len(mb)
    values = reg.decode_all(mb, (reg.BDS40, reg.BDS50, reg.BDS60))
    chosen = np.full(n, -1, dtype=np.int64)
    reason = np.full(n, _R_AMBIGUOUS, dtype=np.int64)
    undecided = np.ones(n, dtype=np.bool_)

    # 3. ADS-B context rules out 5,0 / 6,0 readings that disagree with it.
    d50, d60 = _context_distance(values, gs_ctx, trk_ctx, alt)
    live = fits.copy()
    live[:, reg.BDS50] &= ~(d50 > _CONTEXT_REJECT)
    live[:, reg.BDS60] &= ~(d60 > _CONTEXT_REJECT)
    # Context that contradicts every candidate proves nothing about which one it is.
    live = np.where(np.asarray(live.any(axis=1))[:, None], live, fits)
    live_count = live.sum(axis=1)
    by_context = undecided & (live_count == 1)
    chosen[by_context] = np.argmax(live[by_context], axis=1)
    reason[by_context] = _R_CONTEXT_ONLY
    undecided &= ~by_context

    # 4. Both 5,0 and 6,0 still fit the context (and nothing else): the clearly closer one.
    pair_only = undecided & live[:, reg.BDS50] & live[:, reg.BDS60] & (live_count == 2)
    closer50 = pair_only & (d50 * _CONTEXT_MARGIN < d60)
    closer60 = pair_only & (d60 * _CONTEXT_MARGIN < d50)
    chosen[closer50] = reg.BDS50
    chosen[closer60] = reg.BDS60
    reason[closer50 | closer60] = _R_CONTEXT_CLOSEST
    undecided &= ~(closer50 | closer60)

    # 5. Incoherent values (turn rate vs roll, baro vs inertial rate) break ties.
    coherent: NDArray[np.bool_] = np.asarray(live & reg.coherent_all(values, alt), dtype=np.bool_)
    pool: NDArray[np.bool_] = np.where(np.asarray(coherent.any(axis=1))[:, None], coherent, live)
    by_coherence = undecided & (pool.sum(axis=1) == 1)
    chosen[by_coherence] = np.argmax(pool[by_coherence], axis=1)
    reason[by_coherence] = _R_COHERENT
    undecided &= ~by_coherence

    # 6. Meteorological registers are rarer than the others: one non-meteo candidate wins,
    #    but the meteo ones stay listed.
    non_meteo = pool.copy()
    non_meteo[:, list(reg.METEO_REGISTERS)] = False
    one_non_meteo = undecided & (non_meteo.sum(axis=1) == 1)
    chosen[one_non_meteo] = np.argmax(non_meteo[one_non_meteo], axis=1)
    reason[one_non_meteo] = _R_ONLY_NON_METEO
    # 7. Otherwise: ambiguous, no register chosen (reason already says so).
    return chosen, reason


_KINDS: Final[dict[str, tuple[type, object]]] = {
    "F64": (np.float64, np.nan),
    "I8": (np.int8, -1),
    "I32": (np.int32, -1),
    "Obj": (object, ""),
}
_COLUMN_SCHEMA: Final = {
    f.name: _KINDS[str(f.type)]
    for f in fields(CommBColumns)
    if f.name not in ("bds", "bds_candidates", "bds_reason")
}
_COLUMNS_BY_KIND: Final[dict[tuple[type, object], list[str]]] = {}
for _name, _kind in _COLUMN_SCHEMA.items():
    _COLUMNS_BY_KIND.setdefault(_kind, []).append(_name)
_CANDIDATE_TEXT: Final = np.array(
    [
        "|".join(r for k, r in enumerate(REGISTERS) if (m >> k) & 1)
        for m in range(1 << len(REGISTERS))
    ],
    dtype=object,
)
_REASON_TEXT: Final = np.array(
    [
        _REASONS[key // 16].format(
            REGISTERS[key % 16 - 1] if 0 < key % 16 <= len(REGISTERS) else ""
        )
        if key // 16 < len(_REASONS)
        else ""
        for key in range(16 * len(_REASONS))
    ],
    dtype=object,
)


def _register_strings(fits: NDArray[np.bool_]) -> Obj:
    weights = (1 << np.arange(fits.shape[1], dtype=np.int64)).astype(np.int64)
    return np.asarray(_CANDIDATE_TEXT[fits.astype(np.int64) @ weights], dtype=object)


def _reason_strings(chosen: NDArray[np.int64], reason: NDArray[np.int64]) -> Obj:
    return np.asarray(_REASON_TEXT[reason * 16 + (chosen + 1)], dtype=object)


def _assemble(
    mb: NDArray[np.uint64],
    fits: NDArray[np.bool_],
    chosen: NDArray[np.int64],
    reason: NDArray[np.int64],
) -> CommBColumns:
    n = len(chosen)
    names = np.array([*REGISTERS, ""], dtype=object)
    columns: dict[str, Any] = {
        "bds": np.asarray(names[chosen], dtype=object),
        "bds_candidates": _register_strings(fits),
        "bds_reason": _reason_strings(chosen, reason),
    }
    # One allocation per dtype: each column is a contiguous row of its block.
    for (dtype, absent), names_of_kind in _COLUMNS_BY_KIND.items():
        block: NDArray[Any] = np.full((len(names_of_kind), n), absent, dtype=dtype)
        for i, name in enumerate(names_of_kind):
            columns[name] = block[i]
    # Decode each register only on the rows that chose it.
    for k in np.unique(chosen[chosen >= 0]).tolist():
        rows = np.flatnonzero(chosen == k)
        for name, by_register in reg.decode_all(mb[rows], (k,)).items():
            columns[name][rows] = by_register[k]
    return CommBColumns(**columns)
