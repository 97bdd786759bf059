"""Differential check: skytrace.decode.decode_batch against pyModeS 3.6.1 on long_flight.csv.

Run: python bench/differential_pymodes.py [PATH_TO_long_flight.csv] [--show N]

Decodes every frame with both (pyModeS one message at a time, stateless, like decode_batch),
and compares every field both decode. Prints, per field, how many frames both decoded, how
many agree, how many disagree for a documented reason, how many disagree unexplained (with
the first few examples), and how many frames only one side decoded the field for. Exits 1
when any field has an unexplained disagreement.

pyModeS is GPL-3.0: it is used here, in bench/, only; src/ and tests/ never import it.
Documented reasons (see docs/comm-b.md):
- crc: skytrace corrects single-bit errors in DF11/17/18 and says so (crc_corrected);
  pyModeS reports those frames as failing parity.
- bds / Comm-B fields: when several registers fit, pyModeS decodes the first candidate;
  skytrace chooses only with a reason (coherence, context) and otherwise leaves bds "" with
  the candidates listed. A register pyModeS accepts and skytrace does not is counted as
  documented when skytrace's fit test says why (IAS/Mach not one airspeed, ...).
- TC19 ground speed: pyModeS truncates to whole knots; compared within 1 kt.
- Positions: pairs straddling an NL transition latitude are rejected by skytrace's global
  decode (DO-260B: wait for a new pair); pyModeS's local decode of the same frame succeeds
  ("only pMS" on the position line; the tracker decodes such frames locally). pyModeS's batch
  mode attaches positions to neighbouring frames, so its batch positions are only used as
  references for its single-frame local decode, which is what is compared.
- TC31 surface capability class: DO-260B §2.2.3.2.7.2.3 gives 12 bits (ME 9-20) followed by
  the length/width code (ME 21-24); pyModeS returns the 16 bits ME 9-24.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyModeS

from skytrace.decode import commb_registers as reg
from skytrace.decode import cpr, decode_batch
from skytrace.decode.commb import mb_field

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "modes" / "long_flight.csv"

Row = dict[str, Any]
POSITION = "latitude/longitude (CPR global airborne)"


@dataclass
class Tally:
    both: int = 0
    agree: int = 0
    documented: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unexplained: int = 0
    only_pymodes: int = 0
    only_skytrace: int = 0
    examples: list[str] = field(default_factory=list)


def exact(a: Any, b: Any) -> bool:
    return bool(a == b)


def close(tol: float) -> Callable[[Any, Any], bool]:
    return lambda a, b: abs(float(a) - float(b)) <= tol


def angle(tol: float) -> Callable[[Any, Any], bool]:
    return lambda a, b: abs((float(a) - float(b) + 180.0) % 360.0 - 180.0) <= tol


def truncated_knots(a: Any, b: Any) -> bool:
    """pyModeS TC19 ground speed is int(); skytrace keeps the fraction."""
    return 0.0 <= float(b) - float(a) < 1.0 or abs(float(b) - float(a)) < 1e-6


VS = {"airborne": 0, "on-ground": 1}
VR_SOURCE = {"GNSS": 0, "BARO": 1}

# (pyModeS key, skytrace key, comparator, which rows: predicate on the pyModeS dict)
ES = (17, 18)
COMMB = (20, 21)


def df_in(*dfs: int) -> Callable[[Row], bool]:
    return lambda d: d.get("df") in dfs


def tc_in(lo: int, hi: int) -> Callable[[Row], bool]:
    return lambda d: d.get("df") in ES and lo <= (d.get("typecode") or 0) <= hi


def tc29_source(source: str) -> Callable[[Row], bool]:
    return lambda d: tc_in(29, 29)(d) and d.get("selected_altitude_source") == source


def always(d: Row) -> bool:
    return True


COMPARISONS: list[tuple[str, str, Callable[[Any, Any], bool], Callable[[Row], bool]]] = [
    ("df", "df", exact, always),
    ("icao", "icao", lambda a, b: a.lower() == b, always),
    ("crc_valid", "crc_ok", exact, always),
    ("vertical_status", "vs", lambda a, b: VS.get(a) == b, df_in(0, 16)),
    ("cross_link_capability", "cc", exact, df_in(0)),
    ("sensitivity_level", "sl", exact, df_in(0, 16)),
    ("reply_information", "ri", exact, df_in(0, 16)),
    ("altitude", "altitude_ft", exact, df_in(0, 4, 16, 20)),
    ("flight_status", "fs", exact, df_in(4, 5, 20, 21)),
    ("downlink_request", "dr", exact, df_in(4, 5, 20, 21)),
    ("utility_message", "um", exact, df_in(4, 5, 20, 21)),
    ("squawk", "squawk", exact, df_in(5, 21)),
    ("capability", "ca", exact, df_in(11)),
    ("typecode", "typecode", exact, df_in(*ES)),
    ("altitude", "altitude_ft", exact, tc_in(9, 18)),
    ("altitude", "geo_altitude_ft", exact, tc_in(20, 22)),
    ("cpr_format", "cpr_format", exact, df_in(*ES)),
    ("cpr_lat", "cpr_lat", exact, df_in(*ES)),
    ("cpr_lon", "cpr_lon", exact, df_in(*ES)),
    ("surveillance_status", "surveillance_status", exact, tc_in(9, 22)),
    ("nic_b", "nic_b", exact, tc_in(9, 18)),
    ("nuc_p", "nuc_p", exact, tc_in(5, 22)),
    ("callsign", "callsign", lambda a, b: a.rstrip("_ ") == b, df_in(*ES)),
    ("category", "emitter_category", exact, tc_in(1, 4)),
    ("movement", "movement", exact, tc_in(5, 8)),
    ("groundspeed", "groundspeed_kt", close(1e-3), tc_in(5, 8)),
    ("track", "track_deg", angle(1e-3), tc_in(5, 8)),
    ("groundspeed", "groundspeed_kt", truncated_knots, tc_in(19, 19)),
    ("track", "track_deg", angle(1e-3), tc_in(19, 19)),
    ("subtype", "velocity_subtype", exact, tc_in(19, 19)),
    ("nac_v", "nac_v", exact, tc_in(19, 19)),
    ("vertical_rate", "vertical_rate_fpm", exact, tc_in(19, 19)),
    ("vr_source", "vertical_rate_source", lambda a, b: VR_SOURCE.get(a) == b, tc_in(19, 19)),
    ("geo_minus_baro", "geo_minus_baro_ft", exact, tc_in(19, 19)),
    ("heading", "heading_deg", angle(1e-3), tc_in(19, 19)),
    ("emergency_state", "emergency_state", exact, tc_in(28, 28)),
    ("squawk", "squawk", exact, tc_in(28, 28)),
    ("nac_p", "nac_p", exact, tc_in(29, 31)),
    ("sil", "sil", exact, tc_in(29, 31)),
    ("nic_baro", "nic_baro", exact, tc_in(29, 31)),
    ("selected_altitude", "nav_altitude_mcp_ft", exact, tc29_source("MCP/FCU")),
    ("selected_altitude", "nav_altitude_fms_ft", exact, tc29_source("FMS")),
    ("baro_pressure_setting", "nav_qnh_hpa", close(1e-3), tc_in(29, 29)),
    ("selected_heading", "nav_heading_deg", angle(1e-3), tc_in(29, 29)),
    ("autopilot", "nav_autopilot", exact, tc_in(29, 29)),
    ("vnav_mode", "nav_vnav", exact, tc_in(29, 29)),
    ("altitude_hold_mode", "nav_alt_hold", exact, tc_in(29, 29)),
    ("approach_mode", "nav_approach", exact, tc_in(29, 29)),
    ("lnav_mode", "nav_lnav", exact, tc_in(29, 29)),
    ("tcas_operational", "tcas_operational", exact, tc_in(29, 31)),
    ("version", "version", exact, tc_in(31, 31)),
    ("nic_supplement_a", "nic_a", exact, tc_in(31, 31)),
    ("hrd", "hrd", exact, tc_in(31, 31)),
    ("sil_supplement", "sil_supplement", exact, tc_in(31, 31)),
    ("capability_class", "capability_class", exact, tc_in(31, 31)),
    ("operational_mode", "operational_mode", exact, tc_in(31, 31)),
]

# Comm-B register fields, compared when both chose the same register.
COMMB_FIELDS: list[tuple[str, str, Callable[[Any, Any], bool]]] = [
    ("callsign", "callsign", lambda a, b: a.rstrip("_ ") == b),
    ("selected_altitude_mcp", "selected_altitude_mcp_ft", exact),
    ("selected_altitude_fms", "selected_altitude_fms_ft", exact),
    ("baro_pressure_setting", "baro_setting_hpa", close(1e-3)),
    ("vnav_mode", "mcp_vnav", exact),
    ("altitude_hold_mode", "mcp_alt_hold", exact),
    ("approach_mode", "mcp_approach", exact),
    ("roll", "roll_deg", close(1e-3)),
    ("true_track", "track_deg", angle(1e-3)),
    ("groundspeed", "groundspeed_kt", exact),
    ("track_rate", "track_rate_deg_s", close(1e-3)),
    ("true_airspeed", "tas_kt", exact),
    ("magnetic_heading", "heading_deg", angle(1e-3)),
    ("indicated_airspeed", "ias_kt", exact),
    ("mach", "mach", close(1e-3)),
    ("baro_vertical_rate", "vertical_rate_baro_fpm", exact),
    ("inertial_vertical_rate", "vertical_rate_inertial_fpm", exact),
    ("target_altitude_source", "target_altitude_source", lambda a, b: TARGET_SOURCE.get(a) == b),
    ("config", "dl_continuation", exact),
    ("overlay_command_capability", "dl_overlay_capability", exact),
    ("acas_operational", "dl_acas_operational", exact),
    ("mode_s_subnetwork_version", "dl_subnetwork_version", exact),
    ("transponder_level5", "dl_level5_transponder", exact),
    ("mode_s_specific_services", "dl_specific_services", exact),
    ("uplink_elm_throughput", "dl_uplink_elm_capability", exact),
    ("downlink_elm_throughput", "dl_downlink_elm_capability", exact),
    ("aircraft_identification_capability", "dl_identification_capability", exact),
    ("squitter_capability", "dl_squitter_capability", exact),
    ("surveillance_identifier_code", "dl_surveillance_identifier", exact),
    ("common_usage_gicb_capability", "dl_gicb_capability", exact),
    ("acas_hybrid_surveillance", "dl_acas_hybrid_surveillance", exact),
    ("acas_resolution_advisory", "dl_acas_ra_capability", exact),
    ("acas_rtca_version", "dl_acas_rtca_version", exact),
    ("dte_status", "dl_dte_status", exact),
    ("supported_bds", "gicb_registers", lambda a, b: list(a) == b.split()),
    ("threat_type_indicator", "tti", exact),
    ("ra_terminated", "rat", exact),
    ("multiple_threat", "mte", exact),
    ("issued_ra", "ara", lambda a, b: bool(a) == bool((int(b) >> 13) & 1)),
]
TARGET_SOURCE = {"unknown": 0, "aircraft_altitude": 1, "mcp_fcu": 2, "fms": 3}


def equal_values(cmp: Callable[[Any, Any], bool], a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    try:
        return cmp(a, b)
    except (TypeError, ValueError):
        return False


def why_crc(d: Row, r: Row) -> str | None:
    if d.get("crc_valid") is False and r.get("crc_corrected"):
        return "skytrace corrected a 1-bit error"
    return None


def why_field(key: str, d: Row, r: Row) -> str | None:
    if r.get("crc_corrected"):
        return "frame corrected by skytrace, pyModeS decodes the damaged bits"
    surface_cc = key == "capability_class" and d.get("subtype") == 1
    if surface_cc and d["capability_class"] >> 4 == r.get("capability_class"):
        # DO-260B 2.2.3.2.7.2.3: surface CC is ME 9-20; ME 21-24 is the L/W code.
        return "surface TC31: CC is 12 bits (ME 9-20); pyModeS adds the L/W code bits"
    return None


def why_commb(mb: np.uint64, altitude_ft: float, theirs: str, ours: str, cands: str) -> str | None:
    """Why skytrace's register differs from pyModeS's, or None if no documented reason."""
    if not ours and theirs in cands.split("|"):
        return "several registers fit: skytrace does not guess (pyModeS takes the first)"
    if ours and theirs in cands.split("|"):
        return "several registers fit: skytrace chose by coherence (turn rate / vertical rates)"
    mbs = np.array([mb], dtype=np.uint64)
    fits = reg.fits_all(mbs, np.array([altitude_ft]), meteo=False)
    k = reg.REGISTERS.index(theirs) if theirs in reg.REGISTERS else -1
    if k >= 0 and not fits[0, k]:
        return f"pyModeS's {theirs} fails skytrace's fit test (status/range/IAS-Mach)"
    return None


def cpr_positions(
    times: list[float], rows: list[Row], *, surface: bool = False
) -> tuple[list[int], np.ndarray]:
    """Pairs the way a tracker makes them: for each position frame (airborne, or surface with
    ``surface``), the aircraft's latest frame of the other format within 10 s. Returns the
    frame indices and the (even lat, even lon, odd lat, odd lon, odd is latest) columns."""
    last: dict[tuple[str, int], tuple[float, int, int]] = {}
    index: list[int] = []
    cols: list[tuple[int, int, int, int, bool]] = []
    for i, r in enumerate(rows):
        tc = r.get("typecode") or 0
        kind_ok = 5 <= tc <= 8 if surface else (9 <= tc <= 18 or 20 <= tc <= 22)
        if r.get("df") not in ES or not kind_ok or not r.get("crc_ok"):
            continue
        fmt, icao = int(r["cpr_format"]), str(r["icao"])
        last[(icao, fmt)] = (times[i], int(r["cpr_lat"]), int(r["cpr_lon"]))
        other = last.get((icao, 1 - fmt))
        if other is None or not cpr.pair_within(times[i], other[0]):
            continue
        even = last[(icao, 0)]
        odd = last[(icao, 1)]
        index.append(i)
        cols.append((even[1], even[2], odd[1], odd[2], fmt == 1))
    return index, np.array(cols, dtype=np.int64).reshape(-1, 5)


def surface_check(hexes: list[str], times: list[float], rows: list[Row], t: Tally) -> None:
    """Surface pairs against pyModeS's single-frame surface decode, with the same airport
    reference on both sides (the two airports of this recording: LFBO departure, EHAM arrival;
    a reference is per receiver or aircraft, never one fixed point for the world)."""
    index, a = cpr_positions(times, rows, surface=True)
    odd = a[:, 4].astype(bool)
    for ref in AIRPORTS:
        lat, lon, ok = cpr.surface_global(a[:, 0], a[:, 1], a[:, 2], a[:, 3], odd, *ref)
        for k in np.flatnonzero(ok).tolist():
            i = index[k]
            theirs = pyModeS.decode(hexes[i], surface_ref=ref)
            if theirs.get("latitude") is None:
                t.only_skytrace += 1
                continue
            same = (
                abs(theirs["latitude"] - lat[k]) < 1e-9 and abs(theirs["longitude"] - lon[k]) < 1e-9
            )
            t.both += 1
            t.agree += int(same)
            t.unexplained += int(not same)
            if not same and len(t.examples) < 3:
                their_pos = (theirs["latitude"], theirs["longitude"])
                t.examples.append(f"{hexes[i]}: pyModeS {their_pos} / skytrace {lat[k]}, {lon[k]}")


AIRPORTS = ((43.6291, 1.36382), (52.3086, 4.76389))  # LFBO, EHAM (airportsdata)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--show", type=int, default=3, help="examples per field (default 3)")
    args = parser.parse_args(argv)

    lines = [line.strip().split(",") for line in args.path.open() if "," in line]
    hexes = [fields[1][18:] for fields in lines]
    times = [float(fields[0]) for fields in lines]
    t0 = time.perf_counter()
    batch = decode_batch(hexes)
    rows = batch.to_pylist()
    t1 = time.perf_counter()
    theirs_all = [dict(pyModeS.decode(h)) for h in hexes]
    t2 = time.perf_counter()
    print(f"{len(hexes):,} frames; skytrace decode+to_pylist {t1 - t0:.2f} s, "
          f"pyModeS {t2 - t1:.2f} s")  # fmt: skip

    long_rows = [i for i, h in enumerate(hexes) if len(h) == 28]
    mb = np.zeros(len(hexes), dtype=np.uint64)
    payload = np.array([list(bytes.fromhex(hexes[i])) for i in long_rows], dtype=np.uint8)
    mb[long_rows] = mb_field(payload)

    tallies: dict[str, Tally] = defaultdict(Tally)
    pairs: dict[tuple[str, str, str], int] = defaultdict(int)

    def record(name: str, i: int, a: Any, b: Any, ok: bool, why: str | None) -> None:
        t = tallies[name]
        t.both += 1
        if ok:
            t.agree += 1
        elif why:
            t.documented[why] += 1
        else:
            t.unexplained += 1
            if len(t.examples) < args.show:
                t.examples.append(f"{hexes[i]}: pyModeS {a!r} / skytrace {b!r}")

    for i, (d, r) in enumerate(zip(theirs_all, rows, strict=True)):
        for key, ours, cmp, applies in COMPARISONS:
            if not applies(d):
                continue
            name = f"{key}->{ours}"
            a, b = d.get(key), r.get(ours)
            if a is None and b is None:
                continue
            if a is None or b is None:
                if a is None:
                    tallies[name].only_skytrace += 1
                else:
                    tallies[name].only_pymodes += 1
                continue
            ok = equal_values(cmp, a, b)
            why = why_crc(d, r) if key == "crc_valid" else why_field(key, d, r)
            record(name, i, a, b, ok, None if ok else why)
        if d.get("df") in COMMB:
            theirs = d.get("bds") or ""
            ours_bds = r.get("bds") or ""
            if not theirs and not ours_bds:
                continue
            if not theirs or not ours_bds or theirs != ours_bds:
                if not theirs:
                    tallies["bds (Comm-B)"].only_skytrace += 1
                    continue
                alt = r.get("altitude_ft")
                why = why_commb(mb[i], math.nan if alt is None else float(alt), theirs,
                                ours_bds, r.get("bds_candidates") or "")  # fmt: skip
                record("bds (Comm-B)", i, theirs, ours_bds, False, why)
                pairs[(theirs, ours_bds, r.get("bds_reason") or "")] += 1
                continue
            record("bds (Comm-B)", i, theirs, ours_bds, True, None)
            for key, ours, cmp in COMMB_FIELDS:
                a, b = d.get(key), r.get(ours)
                if a is None or b is None:
                    if (a is None) != (b is None):
                        t = tallies[f"{key}->{ours} [{theirs}]"]
                        if a is None:
                            t.only_skytrace += 1
                        else:
                            t.only_pymodes += 1
                    continue
                record(f"{key}->{ours} [{theirs}]", i, a, b, equal_values(cmp, a, b), None)

    # Positions. pyModeS's stateful batch mode attaches positions to the wrong frames (a frame
    # gets a neighbouring frame's position, seconds apart), so it serves only as an independent
    # reference: each frame skytrace pairs globally is decoded by pyModeS alone, locally, from
    # the position pyModeS's batch mode gave that aircraft (well within 180 NM).
    positioned = pyModeS.decode(hexes, timestamps=times)
    index, cpr_pairs = cpr_positions(times, rows)
    lat, lon, ok = cpr.airborne_global(
        cpr_pairs[:, 0], cpr_pairs[:, 1], cpr_pairs[:, 2], cpr_pairs[:, 3], cpr_pairs[:, 4] == 1
    )
    surface_check(hexes, times, rows, tallies["latitude/longitude (CPR global surface)"])
    t = tallies[POSITION]
    for k, i in enumerate(index):
        reference = positioned[i] if positioned[i] else {}
        if reference.get("latitude") is None:
            t.only_skytrace += int(bool(ok[k]))
            continue
        local = pyModeS.decode(hexes[i], reference=(reference["latitude"], reference["longitude"]))
        if local.get("latitude") is None or not ok[k]:
            t.only_pymodes += int(local.get("latitude") is not None)
            t.only_skytrace += int(bool(ok[k]))
            continue
        theirs_pos = (local["latitude"], local["longitude"])
        ours_pos = (float(lat[k]), float(lon[k]))
        same = abs(theirs_pos[0] - ours_pos[0]) < 1e-9 and abs(theirs_pos[1] - ours_pos[1]) < 1e-9
        record(POSITION, i, theirs_pos, ours_pos, same, None)
        batch_pos = (reference["latitude"], reference["longitude"])
        t_batch = tallies["  (pyModeS batch-mode position of the same frame)"]
        batch_same = (
            abs(batch_pos[0] - ours_pos[0]) < 1e-9 and abs(batch_pos[1] - ours_pos[1]) < 1e-9
        )
        t_batch.both += 1
        t_batch.agree += int(batch_same)
        if not batch_same:
            t_batch.documented["pyModeS batch mode gives another frame's position"] += 1

    unexplained = 0
    print(f"\n{'field':52s} {'both':>8s} {'agree':>8s} {'doc.':>6s} {'unexpl.':>8s} "
          f"{'only pMS':>8s} {'only sky':>8s}")  # fmt: skip
    for name in sorted(tallies):
        t = tallies[name]
        documented = sum(t.documented.values())
        print(f"{name:52s} {t.both:8d} {t.agree:8d} {documented:6d} {t.unexplained:8d} "
              f"{t.only_pymodes:8d} {t.only_skytrace:8d}")  # fmt: skip
        for why, count in sorted(t.documented.items()):
            print(f"    documented: {count:6d}  {why}")
        for example in t.examples:
            print(f"    e.g. {example}")
        unexplained += t.unexplained
    print("\nComm-B register disagreements (pyModeS, skytrace, skytrace's reason):")
    for (theirs, ours_bds, reason), count in sorted(pairs.items(), key=lambda kv: -kv[1]):
        print(f"    {count:6d}  {theirs or '-'} vs {ours_bds or '-'}: {reason}")
    print(f"\nunexplained disagreements: {unexplained}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
