"""Differential check: frames built by skytrace.encode and the simulator, decoded by pyModeS.

    python bench/check_encoder_pymodes.py [--n 2000]

pyModeS (GPL-3.0) is a dev-only dependency: it is imported here, never by the package.

Part 1 encodes random values with each builder and checks that pyModeS decodes the same values
within each field's resolution. Part 2 takes frames of the seed scenario (the simulator's real
output, bit errors included) and compares pyModeS with skytrace.decode field by field on the
frames whose parity is good. Prints one line per kind: checked, agreed, and the first few
disagreements.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pyModeS as pms

from skytrace import encode
from skytrace.decode import decode_batch
from skytrace.model import FrameBatch
from skytrace.simulate.build import Simulation
from skytrace.simulate.scenario import builtin_scenario_path, load_scenario

Check = Callable[[dict[str, Any], int], list[str]]


def _close(a: Any, b: float, tol: float, wrap: float = 0.0) -> bool:
    if a is None:
        return False
    d = float(a) - b
    if wrap:
        d = (d + wrap / 2) % wrap - wrap / 2
    return abs(d) <= tol


def report(kind: str, hexes: list[str], check: Check, register: str = "") -> None:
    """Count agreements; with ``register`` (e.g. "6,0"), replies pyModeS attributes to another
    Comm-B register are counted apart: without context several registers can fit one MB."""
    bad: list[str] = []
    other: dict[str, int] = {}
    for i, h in enumerate(hexes):
        decoded = pms.decode(h)
        if register and decoded.get("bds") != register:
            key = str(decoded.get("bds"))
            other[key] = other.get(key, 0) + 1
            continue
        problems = check(decoded, i)
        if problems:
            bad.append(f"{h}: {', '.join(problems)}")
    n = len(hexes) - sum(other.values())
    extra = "".join(f", {k} read as BDS {b}" for b, k in other.items())
    print(f"{kind:22s} {n:6d} checked, {n - len(bad):6d} agree{extra}")
    for line in bad[:3]:
        print(f"    {line}")


def part1(n: int, rng: np.random.Generator) -> None:
    print("part 1: random values -> skytrace.encode -> pyModeS")
    icao = rng.integers(1, 0xFFFFFF, n)
    alt = rng.uniform(-1000, 50175, n)
    lat, lon = rng.uniform(-80, 80, n), rng.uniform(-180, 180, n)
    gs, trk, vr = rng.uniform(50, 600, n), rng.uniform(0, 360, n), rng.uniform(-5000, 5000, n)
    squawk = np.array([int(f"{x:04o}") for x in rng.integers(0, 4096, n)])
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
    calls = ["".join(rng.choice(letters, rng.integers(3, 9))) for _ in range(n)]

    def hx(m: encode.Messages) -> list[str]:
        return m.hex()

    report(
        "identification",
        hx(encode.identification(icao, np.array(calls), category=3)),
        lambda d, i: [] if d.get("callsign", "").strip("_ ") == calls[i] else ["callsign"],
    )
    odd = rng.integers(0, 2, n).astype(bool)
    report(
        "airborne position",
        hx(encode.airborne_position(icao, lat, lon, alt, odd)),
        lambda d, i: (
            ([] if _close(d.get("altitude"), alt[i], 12.5) else ["altitude"])
            + ([] if d.get("cpr_format") == int(odd[i]) else ["cpr_format"])
        ),
    )
    # Each velocity component is rounded to 1 kt (speed off by up to 0.71 kt) and pyModeS
    # truncates the speed it reports to a whole knot: up to 1.71 kt apart.
    report(
        "velocity",
        hx(encode.airborne_velocity(icao, gs, trk, vr)),
        lambda d, i: (
            ([] if _close(d.get("groundspeed"), gs[i], 1.75) else ["groundspeed"])
            + ([] if _close(d.get("track"), trk[i], 1.0, 360) else ["track"])
            + ([] if _close(d.get("vertical_rate"), vr[i], 32) else ["vertical_rate"])
            + ([] if d.get("vr_source") == "BARO" else ["vr_source"])
        ),
    )
    sgs = rng.uniform(0, 170, n)
    report(
        "surface position",
        hx(encode.surface_position(icao, lat, lon, sgs, trk, odd)),
        lambda d, i: (
            ([] if _close(d.get("groundspeed"), sgs[i], 5.0) else ["groundspeed"])
            + ([] if _close(d.get("track"), trk[i], 1.5, 360) else ["track"])
        ),
    )
    report(
        "aircraft status",
        hx(encode.aircraft_status(icao, squawk, emergency=1)),
        lambda d, i: [] if d.get("squawk") == f"{squawk[i]:04d}" else ["squawk"],
    )
    sel, qnh = np.round(rng.uniform(0, 45000, n)), rng.uniform(950, 1050, n)
    report(
        "target state v2",
        hx(encode.target_state(icao, sel, qnh, trk)),
        lambda d, i: (
            ([] if _close(d.get("selected_altitude"), sel[i], 16) else ["selected_altitude"])
            + ([] if _close(d.get("baro_pressure_setting"), qnh[i], 0.41) else ["qnh"])
            + ([] if _close(d.get("selected_heading"), trk[i], 0.36, 360) else ["heading"])
        ),
    )
    report(
        "operational status v2",
        hx(encode.operational_status(icao, nac_p=9, sil=3)),
        lambda d, i: [] if (d.get("version"), d.get("nac_p"), d.get("sil")) == (2, 9, 3) else ["v"],
    )
    report(
        "DF4 altitude",
        hx(encode.surveillance_altitude(icao, alt)),
        lambda d, i: [] if _close(d.get("altitude"), alt[i], 12.5) else ["altitude"],
    )
    report(
        "DF5 squawk",
        hx(encode.surveillance_identity(icao, squawk)),
        lambda d, i: [] if d.get("squawk") == f"{squawk[i]:04d}" else ["squawk"],
    )
    report(
        "DF11 all-call",
        hx(encode.all_call(icao)),
        lambda d, i: [] if d.get("icao", "").upper() == f"{icao[i]:06X}" else ["icao"],
    )
    report(
        "DF20 BDS 2,0",
        hx(encode.commb_altitude(icao, alt, encode.bds20(np.array(calls)))),
        lambda d, i: [] if d.get("callsign", "").strip("_ ") == calls[i] else ["callsign"],
    )
    report(
        "DF21 BDS 5,0",
        hx(encode.commb_identity(icao, squawk, encode.bds50(5.0, trk, gs, 0.5, gs))),
        lambda d, i: (
            ([] if _close(d.get("true_track"), trk[i], 0.1, 360) else [f"track {d.get('bds')}"])
            + ([] if _close(d.get("groundspeed"), gs[i], 1.0) else ["groundspeed"])
        ),
        register="5,0",
    )
    mcp = np.round(rng.uniform(1000, 41000, n) / 100) * 100
    report(
        "DF20 BDS 4,0",
        hx(encode.commb_altitude(icao, alt, encode.bds40(mcp, mcp, qnh))),
        lambda d, i: (
            ([] if _close(d.get("selected_altitude_mcp"), mcp[i], 16) else [f"mcp {d.get('bds')}"])
            + ([] if _close(d.get("baro_pressure_setting"), qnh[i], 0.05) else ["qnh"])
        ),
        register="4,0",
    )
    ias = rng.uniform(150, 330, n)
    mach = rng.uniform(0.4, 0.82, n)
    rate = np.round(rng.uniform(-2000, 2000, n) / 32) * 32
    report(
        "DF20 BDS 6,0",
        hx(encode.commb_altitude(icao, alt, encode.bds60(trk, ias, mach, rate, rate))),
        lambda d, i: (
            ([] if _close(d.get("magnetic_heading"), trk[i], 0.1, 360) else [f"hdg {d.get('bds')}"])
            + ([] if _close(d.get("indicated_airspeed"), ias[i], 0.5) else ["ias"])
            + ([] if _close(d.get("mach"), mach[i], 0.002) else ["mach"])
            + ([] if _close(d.get("baro_vertical_rate"), rate[i], 16) else ["baro rate"])
        ),
        register="6,0",
    )


def part2(max_frames: int) -> None:
    print("part 2: seed-scenario frames -> pyModeS vs skytrace.decode (good parity only)")
    sim = Simulation.from_scenario(load_scenario(builtin_scenario_path()), duration_s=1800)
    batches = []
    total = 0
    for b in sim.batches():
        batches.append(b)
        total += len(b)
        if total >= max_frames:
            break
    frames = FrameBatch.concat(batches)
    d = decode_batch(frames)
    pairs = [
        ("altitude_ft", "altitude", 0.5),
        ("groundspeed_kt", "groundspeed", 1.0),
        ("track_deg", "track", 0.5),
        ("vertical_rate_fpm", "vertical_rate", 0.5),
    ]
    agree = {name: [0, 0] for name in ("icao", "squawk", "callsign", *(p[0] for p in pairs))}
    skipped = 0
    for i in range(len(frames)):
        if d["df"][i] in (11, 17) and not (d["crc_ok"][i] and not d["crc_corrected"][i]):
            skipped += 1  # a frame with a simulated bit error
            continue
        ref = pms.decode(frames.message_bytes(i).hex())
        if "icao" in ref and d["df"][i] in (11, 17):
            agree["icao"][0] += 1
            agree["icao"][1] += ref["icao"].lower() == f"{int(d['icao'][i]):06x}"
        if ref.get("squawk") is not None and d.mask("squawk")[i]:
            agree["squawk"][0] += 1
            agree["squawk"][1] += ref["squawk"] == f"{int(d['squawk'][i]):04d}"
        if ref.get("callsign") and d.mask("callsign")[i]:
            agree["callsign"][0] += 1
            agree["callsign"][1] += ref["callsign"].strip("_ ") == d["callsign"][i].decode()
        for ours, theirs, tol in pairs:
            if ref.get(theirs) is not None and d.mask(ours)[i] and not math.isnan(d[ours][i]):
                agree[ours][0] += 1
                agree[ours][1] += _close(
                    ref[theirs], float(d[ours][i]), tol, 360 * (ours == "track_deg")
                )
    print(f"    {len(frames):,} frames, {skipped:,} with a parity error skipped")
    for name, (n, ok) in agree.items():
        print(f"{name:22s} {n:6d} checked, {ok:6d} agree")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="random messages per kind")
    parser.add_argument("--frames", type=int, default=30000, help="scenario frames to compare")
    args = parser.parse_args()
    part1(args.n, np.random.default_rng(1))
    part2(args.frames)


if __name__ == "__main__":
    main()
