"""track: pure multi-receiver tracker: dedup, CPR pairing, plausibility, aircraft state, events.

    from skytrace.track import Tracker, TrackerConfig
    tracker = Tracker(TrackerConfig(), identities=None, airports=None)
    out = tracker.ingest(frames, decoded, now_s)      # TrackOutput(positions, events, receivers)

See docs/tracker.md for the algorithm, parameters and measured figures.
"""

from __future__ import annotations

from skytrace.track.config import TrackerConfig
from skytrace.track.positions import RejectReason
from skytrace.track.receivers import ReceiverLists
from skytrace.track.snapshot import AircraftState
from skytrace.track.tracker import AirportFinder, Tracker, TrackerStats

__all__ = [
    "AircraftState",
    "AirportFinder",
    "ReceiverLists",
    "RejectReason",
    "Tracker",
    "TrackerConfig",
    "TrackerStats",
]
