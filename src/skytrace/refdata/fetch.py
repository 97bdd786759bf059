"""Optional download of well-known public reference files, for users who are online.

This module owns ``skytrace refdata fetch KIND [--url URL]``: it downloads one file over
HTTP(S) into ``<data_dir>/refdata/downloads/`` and hands it to the importer. skytrace never
calls it on its own; nothing downloads at run time. The default URLs are the public homes of
the files the importers understand (their licences are the user's to honour: the tar1090-db
files carry no licence, OpenFlights is ODbL, OurAirports public domain, VATSpy CC BY-SA,
the maritime outlines ODbL). Kinds without a well-known file need ``--url``.

Downloads stream to a temporary file (renamed when complete), time out after ``timeout_s``
of silence, and report progress through a callback (bytes so far, total or None).
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Final

from skytrace.errors import RefdataError, UsageError
from skytrace.fileio import atomic_path
from skytrace.refdata.paths import refdata_dir

__all__ = ["DEFAULT_URLS", "download"]

DEFAULT_URLS: Final = {
    "aircraft": "https://github.com/wiedehopf/tar1090-db/raw/csv/aircraft.csv.gz",
    "operators": "https://raw.githubusercontent.com/jpatokal/openflights/master/data/airlines.dat",
    "runways": "https://davidmegginson.github.io/ourairports-data/runways.csv",
    "firs": "https://raw.githubusercontent.com/vatsimnetwork/vatspy-data-project/master/Boundaries.geojson",
    "countries": "https://registry.npmjs.org/@geo-maps/countries-maritime-10m/-/countries-maritime-10m-0.6.0.tgz",
}
_CHUNK_BYTES: Final = 1 << 16

Progress = Callable[[int, int | None], None]


def download(
    url: str, data_dir: Path, progress: Progress | None = None, timeout_s: float = 30.0
) -> Path:
    """Download ``url`` into ``<data_dir>/refdata/downloads/`` and return the file's path."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UsageError(f"{url!r}: only http:// and https:// URLs can be fetched")
    name = Path(urllib.parse.unquote(parts.path)).name or "download"
    target = refdata_dir(data_dir) / "downloads" / name
    request = urllib.request.Request(url, headers={"User-Agent": "skytrace refdata fetch"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            with atomic_path(target) as tmp, tmp.open("wb") as out:
                while chunk := response.read(_CHUNK_BYTES):
                    out.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
                if total is not None and done < total:
                    raise RefdataError(f"{url}: connection closed after {done} of {total} bytes")
    except urllib.error.HTTPError as exc:
        raise RefdataError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RefdataError(f"{url}: download failed ({reason})") from exc
    return target
