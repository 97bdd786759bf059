"""track: pure multi-receiver tracker: dedup, CPR pairing, plausibility, aircraft state, events."""
