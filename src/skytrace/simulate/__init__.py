"""simulate: realistic air traffic as bit-exact Mode S frames heard by virtual receivers."""
