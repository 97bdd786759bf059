"""decode: pure Mode S / ADS-B decoding, bytes in, typed numpy columns out (no I/O, no clock)."""
