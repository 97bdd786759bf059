"""encode: pure Mode S / ADS-B encoding, the inverse of decode (used by the simulator)."""
