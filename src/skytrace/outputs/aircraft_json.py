"""The readsb/tar1090 ``aircraft.json`` file: atomic writer and the document's top-level keys.

The document itself is built by the tracker (``Tracker.snapshot(now_s)``, see
skytrace.track.snapshot for every field and unit); this module writes it so that a reader
(tar1090, a web server, a script polling the file) never sees a half-written file: the JSON
goes to a temporary file in the same directory, is flushed to disk and renamed over the
target (``os.replace`` is atomic on POSIX and Windows within one file system).

I/O lives here, at the edge; safe to call from one writer thread at a time per path.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Final

from skytrace.errors import UsageError
from skytrace.fileio import write_text_atomic

__all__ = ["DOCUMENT_KEYS", "write_aircraft_json"]

DOCUMENT_KEYS: Final = ("now", "messages", "aircraft")
"""Keys every aircraft.json document has (readsb adds more; readers rely on these)."""


def write_aircraft_json(path: str | os.PathLike[str], document: dict[str, Any]) -> Path:
    """Write ``document`` to ``path`` atomically; returns the path written.

    Raises UsageError when the document lacks the aircraft.json keys or the directory does
    not exist; the previous file (if any) is left untouched on any failure.
    """
    target = Path(path)
    missing = [k for k in DOCUMENT_KEYS if k not in document]
    if missing:
        raise UsageError(f"not an aircraft.json document: missing {', '.join(missing)}")
    if not target.parent.is_dir():
        raise UsageError(f"cannot write {target}: directory {target.parent} does not exist")
    text = json.dumps(document, separators=(",", ":"), allow_nan=False)
    write_text_atomic(target, text)
    return target
