"""What an API app serves: the store, the live view, reference data, the token, CORS.

``ApiContext`` is the one value ``create_app`` takes (see the contract in docs/api.md).
Frozen: an app never changes what it serves after it is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skytrace.live.view import LiveView

__all__ = ["ApiContext"]


@dataclass(frozen=True, slots=True)
class ApiContext:
    """What one API app serves.

    ``data_dir``: the data directory whose history store (and imported reference data) is
    read; None = no history. ``live``: the live pipeline's view; None = history only (as in
    ``skytrace web``). ``refdata``: a loaded ``skytrace.refdata.Refdata`` (None = load the
    data directory's, or the bundled data when there is no data directory). ``token``: the
    bearer token writes need (None = writes refused). ``cors_origins``: origins allowed to
    call the API from a browser (empty = CORS off). ``reader_max_age_s``: how stale a
    history reader may be before it is refreshed; ``history_cache_s``: how long the same
    history GET is answered from memory (0 = never; skytrace.api.microcache). ``alerts``:
    the running pipeline's ``skytrace.alerts.live.LiveAlerts`` (None = no live alert
    stream). ``rules_dir``: where the watch rules file is (default ``data_dir``).
    """

    data_dir: Path | None = None
    live: LiveView | None = None
    refdata: Any = None
    token: str | None = None
    cors_origins: tuple[str, ...] = ()
    title: str = "skytrace"
    reader_max_age_s: float = 2.0
    history_cache_s: float = 1.0
    alerts: Any = None
    rules_dir: Path | None = None
