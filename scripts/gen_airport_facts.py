"""Generate skytrace's shipped airport facts: kind, scheduled service, longest runway, surface.

    python scripts/gen_airport_facts.py [--runways RUNWAYS.csv] [--airports-py AIRPORTS.gz]
                                        [--out src/skytrace/data/refdata/airport_facts.csv]

For every airport of airportsdata (the airports flight detection can choose) one row:

    icao,kind,scheduled,longest_runway_ft,surface

- ``kind``: large / medium / small (airport), heliport, seaplane, or empty (unknown). From
  airports-py (MIT; its table comes from OurAirports, ~18,700 airports with an IATA code); for
  the others, "heliport" when every runway is a helipad and "seaplane" when every runway is
  water (OurAirports runways), else unknown.
- ``scheduled``: 1 / 0 scheduled airline service, empty when unknown (airports-py).
- ``longest_runway_ft``: the longest runway that is not a helipad, from OurAirports runways
  (public domain); airports-py's runway length where OurAirports has none; empty unknown.
- ``surface``: of that runway, folded to paved / unpaved / water (empty: unknown) by
  skytrace.refdata.runways.surface_kind, the same folding an imported runways file gets.

Inputs: ``--runways`` defaults to ../shared/data/refdata/ourairports_runways.csv beside the
checkout; ``--airports-py`` defaults to the data file of the installed ``airports-py``
package (``pip install -e '.[dev]'``). Rows with nothing known are left out. The output is
sorted by ICAO code, so a regenerated file diffs cleanly.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import math
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from skytrace.refdata.runways import surface_kind  # noqa: E402

DEFAULT_RUNWAYS = ROOT.parent / "shared" / "data" / "refdata" / "ourairports_runways.csv"
DEFAULT_OUT = ROOT / "src" / "skytrace" / "data" / "refdata" / "airport_facts.csv"
COLUMNS: Final = ("icao", "kind", "scheduled", "longest_runway_ft", "surface")

_KINDS: Final = {
    "large_airport": "large",
    "medium_airport": "medium",
    "small_airport": "small",
    "heliport": "heliport",
    "seaplane_base": "seaplane",
    "closed": "closed",
}


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if value > 0 else math.nan


def runway_facts(rows: Iterable[Mapping[str, str]]) -> dict[str, dict[str, Any]]:
    """Per airport ident: longest non-helipad runway (ft), its surface, helipad/water-only."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        ident = (r.get("airport_ident") or "").strip().upper()
        if not ident:
            continue
        length = _float(r.get("length_ft") or "")
        surface = surface_kind(r.get("surface") or "")
        pad = (r.get("le_ident") or "").strip().upper().startswith("H") and not length >= 200
        facts = out.setdefault(
            ident, {"longest": math.nan, "surface": "", "all_pads": True, "all_water": True}
        )
        facts["all_pads"] &= pad
        facts["all_water"] &= surface == "water"
        if not pad and length == length and not length <= facts["longest"]:
            facts["longest"], facts["surface"] = length, surface
    return out


def airport_rows(
    codes: Iterable[str],
    airports_py: Mapping[str, Mapping[str, Any]],
    runways: Mapping[str, Mapping[str, Any]],
) -> list[dict[str, str]]:
    """One output row per code with anything known, sorted by code."""
    rows = []
    for icao in sorted(set(codes)):
        ap = airports_py.get(icao, {})
        rw = runways.get(icao)
        kind = _KINDS.get(str(ap.get("type") or ""), "")
        if not kind and rw is not None:
            kind = "heliport" if rw["all_pads"] else "seaplane" if rw["all_water"] else ""
        sched = str(ap.get("scheduled_service") or "").upper()
        scheduled = {"TRUE": "1", "FALSE": "0"}.get(sched, "")
        longest = rw["longest"] if rw is not None else math.nan
        surface = rw["surface"] if rw is not None else ""
        if longest != longest:
            longest = _float(str(ap.get("runway_length") or ""))
        length = "" if longest != longest else str(round(longest))
        if kind or scheduled or length or surface:
            rows.append(
                {"icao": icao, "kind": kind, "scheduled": scheduled,
                 "longest_runway_ft": length, "surface": surface}
            )  # fmt: skip
    return rows


def load_airports_py(path: Path | None) -> dict[str, dict[str, Any]]:
    """airports-py's table by ICAO code (its rows without one are of no use here)."""
    if path is None:
        from importlib.resources import files

        data = files("airports").joinpath("data/airports.gz").read_bytes()
    else:
        data = path.read_bytes()
    table = json.loads(gzip.decompress(data))
    return {str(r["icao"]).upper(): r for r in table if r.get("icao")}


def write_csv(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runways", type=Path, default=DEFAULT_RUNWAYS)
    ap.add_argument("--airports-py", type=Path, default=None, help="airports-py's airports.gz")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)

    import airportsdata

    codes = airportsdata.load("ICAO").keys()
    with args.runways.open(newline="", encoding="utf-8") as fh:
        runways = runway_facts(csv.DictReader(fh))
    rows = airport_rows(codes, load_airports_py(args.airports_py), runways)
    args.out.write_text(write_csv(rows), encoding="utf-8")
    kinds = sum(1 for r in rows if r["kind"])
    sched = sum(1 for r in rows if r["scheduled"] == "1")
    lengths = sum(1 for r in rows if r["longest_runway_ft"])
    print(
        f"wrote {len(rows):,} airports to {args.out}: {kinds:,} with a kind, {sched:,} with "
        f"scheduled service, {lengths:,} with a runway length",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
