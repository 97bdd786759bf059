"""Bombs and huge files under a memory ceiling (issue 18): ``skytrace import`` and
``skytrace refdata import`` of gzip bombs stop with a clear limit error inside a child process
whose address space may grow by only ``BUDGET_MIB`` (resource.setrlimit RLIMIT_AS, not a timer).
Before the fix, the whole bomb was decompressed in memory (about twice its size).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chaos.bombs import gzip_bomb, import_under_ceiling
from tests.refdata.test_bad_input import RUNWAY_HEADER

BUDGET_MIB = 600  # growth allowed after imports; the bombs decompress to 2 GiB
BOMB_MIB = 2048
LIMIT_ENV = {"SKYTRACE_MAX_INPUT_MB": "64"}

CASES = [
    ("import", "trace_full_7277cf.json.gz", b'{"icao": "7277cf", "timestamp": 0, "trace": [', 4),
    ("import", "states.csv.gz", b"time,icao24,lat,lon,baroaltitude\n", 4),
    ("aircraft", "aircraft.csv.gz", b"icao24,registration,typecode\n", 5),
    ("runways", "runways.csv.gz", RUNWAY_HEADER.encode() + b"\n", 5),
    ("area", "area.geojson.gz", b'{"type": "FeatureCollection", "features": [', 5),
]


@pytest.mark.parametrize(("kind", "name", "head", "code"), CASES)
def test_bombs_stop_at_the_limit_within_the_memory_ceiling(
    tmp_path: Path, kind: str, name: str, head: bytes, code: int
) -> None:
    bomb = gzip_bomb(tmp_path / name, head, BOMB_MIB)
    assert bomb.stat().st_size < 16 << 20
    data = str(tmp_path / "data")
    if kind == "import":
        argv = ["import", str(bomb), "--data-dir", data]
    else:
        argv = ["refdata", "import", str(bomb), "--kind", kind, "--data-dir", data]
        argv += ["--name", "bomb"] if kind == "area" else []
    outcome = import_under_ceiling(argv, BUDGET_MIB, LIMIT_ENV)
    assert outcome.exit_code == code, outcome.stderr[-2000:]
    assert "more than 64 MiB of input" in outcome.stderr
    assert "Traceback" not in outcome.stderr and "MemoryError" not in outcome.stderr
