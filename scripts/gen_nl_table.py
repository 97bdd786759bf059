"""Generate the CPR NL transition-latitude table embedded in skytrace/decode/cpr.py.

NL(lat) is the number of longitude zones at a latitude (DO-260B §A.1.7.2, ICAO Doc 9871
§C.2.6.2). It drops from n to n-1 at the transition latitude

    lat_n = acos( sqrt( (1 - cos(pi / (2 * NZ))) / (1 - cos(2 * pi / n)) ) ) * 180 / pi

with NZ = 15 latitude zones per hemisphere quadrant. The table lists lat_n for n = 59 down to
n = 2 (ascending latitude); at exactly lat_n the standard's table gives NL = n - 1 ("NL = 59
if |lat| < 10.47047130"). lat_2 is exactly 87 degrees in closed form (the square root is
sin 3 degrees), so it is written as 87.0 rather than the float result.

Run ``python scripts/gen_nl_table.py`` to rewrite the generated block in cpr.py in place;
``python scripts/gen_nl_table.py --check`` exits 1 when cpr.py is stale.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

NZ = 15
CPR_PY = Path(__file__).resolve().parents[1] / "src" / "skytrace" / "decode" / "cpr.py"
BEGIN = "# BEGIN GENERATED NL TABLE (scripts/gen_nl_table.py; do not edit by hand)\n"
END = "# END GENERATED NL TABLE\n"


def transition_latitudes_deg() -> list[float]:
    """lat_n for n = 59 ... 2, ascending."""
    out: list[float] = []
    a = 1.0 - math.cos(math.pi / (2 * NZ))
    for n in range(59, 1, -1):
        if n == 2:
            out.append(87.0)
            continue
        out.append(math.degrees(math.acos(math.sqrt(a / (1.0 - math.cos(2.0 * math.pi / n))))))
    return out


def render() -> str:
    lines = [BEGIN, "_NL_TRANSITION_LAT_DEG: Final = np.array(\n", "    [\n"]
    lines += [f"        {lat!r},\n" for lat in transition_latitudes_deg()]
    lines += ["    ],\n", "    dtype=np.float64,\n", ")\n", END]
    return "".join(lines)


def rewrite(text: str) -> str:
    start = text.index(BEGIN)
    stop = text.index(END) + len(END)
    return text[:start] + render() + text[stop:]


def main(argv: list[str]) -> int:
    text = CPR_PY.read_text(encoding="utf-8")
    new = rewrite(text)
    if "--check" in argv:
        if new != text:
            print(f"{CPR_PY} is stale: run python scripts/gen_nl_table.py", file=sys.stderr)
            return 1
        return 0
    CPR_PY.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
