"""The cluster's TOML configuration: NATS URLs, partition count, workers and their partitions.

Owns reading and checking `cluster.toml` and the partition of an aircraft address. Partitions
are assigned statically: every partition 0..P-1 belongs to exactly one worker. Pure (no I/O
beyond reading the file in `load_config`); thread-safe.

Example::

    nats_urls = ["nats://127.0.0.1:4222"]
    partitions = 64

    [ingest]
    bind = "127.0.0.1:30005"

    [api]
    bind = "127.0.0.1:8080"

    [workers.w1]
    partitions = "0-31"
    data_dir = "/srv/skytrace/w1"

    [workers.w2]
    partitions = "32-63"
    data_dir = "/srv/skytrace/w2"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skytrace.errors import UsageError

__all__ = [
    "HASH_MULTIPLIER",
    "ClusterConfig",
    "ClusterConfigError",
    "WorkerConfig",
    "load_config",
    "parse_config",
    "partition_of",
]


# Knuth's multiplicative constant: spreads neighbouring addresses (blocks allocated per
# country) evenly over the partitions.
HASH_MULTIPLIER = 2654435761


class ClusterConfigError(UsageError):
    """The cluster configuration is missing a key, has a bad value or leaves partitions unowned."""


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    name: str
    partitions: tuple[int, ...]
    data_dir: Path


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    nats_urls: tuple[str, ...]
    partitions: int
    workers: tuple[WorkerConfig, ...]
    ingest_bind: str
    api_bind: str

    def worker(self, name: str) -> WorkerConfig:
        for worker in self.workers:
            if worker.name == name:
                return worker
        known = ", ".join(w.name for w in self.workers)
        raise ClusterConfigError(f"no worker named {name!r} (known: {known})")


def partition_of(address: int, partitions: int) -> int:
    """The partition of a 24-bit aircraft address: a multiplicative hash, stable on every node."""
    return ((address * HASH_MULTIPLIER) & 0xFFFFFFFF) % partitions


def _require(doc: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in doc:
        raise ClusterConfigError(f"{where}: missing key {key!r}")
    value = doc[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ClusterConfigError(f"{where}: {key!r} must be {kind.__name__}, got {value!r}")
    return value


def _parse_ranges(text: str, count: int, where: str) -> tuple[int, ...]:
    """'0-31,40,42-43' -> the sorted partitions; each must lie in 0..count-1."""
    found: list[int] = []
    for part in text.split(","):
        piece = part.strip()
        try:
            if "-" in piece:
                low_text, high_text = piece.split("-", 1)
                low, high = int(low_text), int(high_text)
            else:
                low = high = int(piece)
        except ValueError:
            raise ClusterConfigError(f"{where}: bad partition range {piece!r}") from None
        if low > high or low < 0 or high >= count:
            raise ClusterConfigError(f"{where}: partition range {piece!r} outside 0..{count - 1}")
        found.extend(range(low, high + 1))
    return tuple(sorted(found))


def parse_config(doc: dict[str, Any], *, base: Path | None = None) -> ClusterConfig:
    """Check a parsed TOML document; relative data dirs are taken from `base`."""
    urls = _require(doc, "nats_urls", list, "cluster")
    if not urls or not all(isinstance(u, str) for u in urls):
        raise ClusterConfigError("cluster: 'nats_urls' must be a non-empty list of strings")
    count = _require(doc, "partitions", int, "cluster")
    if not 1 <= count <= 4096:
        raise ClusterConfigError(f"cluster: 'partitions' must be in 1..4096, got {count}")
    workers_doc = _require(doc, "workers", dict, "cluster")
    if not workers_doc:
        raise ClusterConfigError("cluster: no [workers.<name>] tables")
    owner: dict[int, str] = {}
    workers: list[WorkerConfig] = []
    for name, table in workers_doc.items():
        where = f"workers.{name}"
        if not isinstance(table, dict):
            raise ClusterConfigError(f"{where}: must be a table")
        ranges = _require(table, "partitions", str, where)
        parts = _parse_ranges(ranges, count, where)
        for p in parts:
            if p in owner:
                raise ClusterConfigError(
                    f"{where}: partition {p} already owned by worker {owner[p]!r}"
                )
            owner[p] = name
        data_dir = Path(_require(table, "data_dir", str, where))
        if base is not None and not data_dir.is_absolute():
            data_dir = base / data_dir
        workers.append(WorkerConfig(name=name, partitions=parts, data_dir=data_dir))
    missing = [p for p in range(count) if p not in owner]
    if missing:
        shown = ", ".join(str(p) for p in missing[:10])
        raise ClusterConfigError(
            f"cluster: {len(missing)} partition(s) owned by no worker: {shown}"
        )
    dirs = [w.data_dir for w in workers]
    if len(set(dirs)) != len(dirs):
        raise ClusterConfigError("cluster: two workers share a data_dir (one writer per store)")
    ingest = doc.get("ingest", {})
    api = doc.get("api", {})
    return ClusterConfig(
        nats_urls=tuple(urls),
        partitions=count,
        workers=tuple(workers),
        ingest_bind=str(ingest.get("bind", "127.0.0.1:30005")),
        api_bind=str(api.get("bind", "127.0.0.1:8080")),
    )


def load_config(path: Path) -> ClusterConfig:
    """Read and check `cluster.toml`."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ClusterConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ClusterConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(doc, base=path.parent)
