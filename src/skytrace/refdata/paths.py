"""Where reference data lives: the package's bundled files and ``<data_dir>/refdata/``.

This module owns the layout of the local reference-data store and its manifest:

    <data_dir>/refdata/
        manifest.json            one entry per kind: source, rows, bad rows, imported_at (UTC)
        aircraft/                columns as .npy files (memory-mapped on load)
        operators.csv            designator, name, country, callsign, iata
        types.json               designator -> [class, wake category, description]
        runways.npz              runway columns
        countries.npz            imported country outlines (replace the bundled ones)
        firs.npz                 FIR polygons
        areas/<name>.npz         user areas

Bundled data (address blocks, country outlines, ISO codes) lives in ``skytrace/data/refdata``.
Writers replace files atomically (write to a temporary name, then rename), so a reader never
sees half a file; two concurrent importers of the same kind: the last one wins.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from skytrace.errors import RefdataError
from skytrace.fileio import atomic_path

__all__ = [
    "ManifestEntry",
    "package_data",
    "read_manifest",
    "refdata_dir",
    "write_manifest_entry",
]

MANIFEST = "manifest.json"


def package_data(name: str) -> Traversable:
    """A file bundled in ``skytrace/data/refdata``."""
    return resources.files("skytrace").joinpath("data", "refdata", name)


def refdata_dir(data_dir: Path) -> Path:
    """``<data_dir>/refdata`` (not created)."""
    return Path(data_dir) / "refdata"


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """What one import left in the store."""

    kind: str  # aircraft, operators, types, runways, countries, firs, area:<name>
    source: str  # path of the imported file as given
    rows: int  # rows kept
    bad_rows: int  # rows rejected (reported at import)
    imported_at: str  # ISO 8601 UTC
    format: str = ""  # detected input format


def read_manifest(data_dir: Path) -> dict[str, ManifestEntry]:
    """Entries by kind; {} when nothing was imported. A corrupt manifest raises RefdataError."""
    path = refdata_dir(data_dir) / MANIFEST
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text("utf-8"))
        return {kind: ManifestEntry(**entry) for kind, entry in raw.items()}
    except (ValueError, TypeError) as exc:
        raise RefdataError(f"reference-data manifest {path} is corrupt: {exc}") from exc


def write_manifest_entry(data_dir: Path, entry: ManifestEntry) -> None:
    entries = read_manifest(data_dir)
    entries[entry.kind] = entry
    path = refdata_dir(data_dir) / MANIFEST
    with atomic_path(path) as tmp:
        tmp.write_text(
            json.dumps({k: asdict(v) for k, v in sorted(entries.items())}, indent=2), "utf-8"
        )
