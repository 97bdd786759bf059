"""State memory per tracked aircraft (columns, index; the trail is counted apart)."""

from __future__ import annotations

import tracemalloc

from skytrace.decode import decode_batch
from skytrace.track import Tracker
from tests.track import helpers as h


def test_state_of_25000_aircraft_fits_2_kb_each() -> None:
    frames = h.synthetic_fleet(25_000)
    decoded = decode_batch(frames)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracker = Tracker()
    out = tracker.ingest(frames, decoded, float(frames.time_s.max()))
    held = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    state_bytes, trail_bytes = tracker.memory_bytes()
    assert len(tracker) == 25_000
    # the first pair's decode confirmed by the next two (a few pairs straddle an NL boundary)
    assert out.positions.size > 0.99 * 25_000 * 3
    per_aircraft = (held - trail_bytes - out.positions.nbytes) / 25_000
    assert per_aircraft <= 2048, per_aircraft
    assert state_bytes / 25_000 <= 2048
