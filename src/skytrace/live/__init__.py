"""live: the pipeline in its own thread and the live state the HTTP API reads.

``skytrace.live.view`` holds the seam (LiveView, LiveSnapshot, LiveAircraft,
LIVE_AIRCRAFT_DTYPE); ``skytrace.live.runtime`` the LiveRuntime that implements it.
"""

from skytrace.live.view import (
    LIVE_AIRCRAFT_DTYPE,
    LiveAircraft,
    LiveSnapshot,
    LiveView,
    empty_live_aircraft,
)

__all__ = [
    "LIVE_AIRCRAFT_DTYPE",
    "LiveAircraft",
    "LiveSnapshot",
    "LiveView",
    "empty_live_aircraft",
]
