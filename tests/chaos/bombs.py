"""Hostile input files for the chaos suite and bench/bench_chaos.py, and a runner that imports
one in a child process under an address-space ceiling (``resource.setrlimit(RLIMIT_AS)``).

A gzip bomb is built from one compressed MiB repeated as gzip members (a multi-member gzip
file is valid and every reader concatenates the members), so a bomb of gigabytes is written
in milliseconds and a few megabytes.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Outcome", "gzip_bomb", "import_under_ceiling"]

_MIB = 1 << 20


def gzip_bomb(path: Path, head: bytes, decompressed_mib: int, fill: bytes = b" ") -> Path:
    """``head`` then ``fill`` bytes up to ``decompressed_mib`` MiB, gzip-compressed."""
    member = gzip.compress(fill * _MIB, compresslevel=9)
    with path.open("wb") as f:
        f.write(gzip.compress(head))
        for _ in range(decompressed_mib):
            f.write(member)
    return path


@dataclass(frozen=True, slots=True)
class Outcome:
    exit_code: int
    stderr: str
    peak_mib: float  # the child's peak resident memory


_CHILD = textwrap.dedent(
    """
    import resource, sys
    from skytrace.cli.main import main
    import skytrace.sources.tracks, skytrace.refdata.importers  # noqa: F401  (loaded first)
    status = open("/proc/self/status").read()
    vm_kib = int(status.split("VmSize:")[1].split()[0])
    ceiling = vm_kib * 1024 + int(sys.argv[1]) * (1 << 20)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    try:
        code = main(sys.argv[2:])
    finally:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak_mib={peak:.1f}", file=sys.stderr)
    sys.exit(code)
    """
)


def import_under_ceiling(argv: list[str], budget_mib: int, env: dict[str, str]) -> Outcome:
    """Run ``skytrace ARGV`` in a child whose address space may grow by at most
    ``budget_mib`` MiB past what it holds once skytrace is imported."""
    child_env = {**os.environ, "MALLOC_ARENA_MAX": "2", "OMP_NUM_THREADS": "1", **env}
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(budget_mib), *argv],
        capture_output=True,
        text=True,
        env=child_env,
        timeout=300,
        check=False,
    )
    peak = (
        float(proc.stderr.rsplit("peak_mib=", 1)[1].split()[0])
        if "peak_mib=" in proc.stderr
        else -1.0
    )
    return Outcome(proc.returncode, proc.stderr, peak)
