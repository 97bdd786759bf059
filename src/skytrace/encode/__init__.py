"""encode: pure Mode S / ADS-B encoding, the inverse of decode (used by the simulator).

Every builder takes arrays (scalars broadcast) and returns ``Messages`` — an (N, 14) uint8
payload and a length column, the same shape as ``FrameBatch.payload``:

    from skytrace import encode
    msgs = encode.identification(0x7277CF, "KOR151", category=3)
    msgs.hex()  # ['8D7277CF...']

Modules: ``fields`` (CRC-24, altitude, squawk, callsign, CPR codings), ``frames`` (outer
layouts and parity), ``adsb`` (DF17 ME types), ``modes`` (DF4/5/11/20/21 and Comm-B MB).
Pure: no I/O, no clock, no state; thread-safe.
"""

from __future__ import annotations

from skytrace.encode.adsb import (
    SURFACE_SPEED_KT,
    airborne_position,
    airborne_velocity,
    aircraft_status,
    identification,
    operational_status,
    surface_position,
    target_state,
)
from skytrace.encode.fields import cpr_encode, crc24
from skytrace.encode.frames import Messages
from skytrace.encode.modes import (
    all_call,
    bds20,
    bds40,
    bds50,
    bds60,
    commb_altitude,
    commb_identity,
    surveillance_altitude,
    surveillance_identity,
)

__all__ = [
    "SURFACE_SPEED_KT",
    "Messages",
    "airborne_position",
    "airborne_velocity",
    "aircraft_status",
    "all_call",
    "bds20",
    "bds40",
    "bds50",
    "bds60",
    "commb_altitude",
    "commb_identity",
    "cpr_encode",
    "crc24",
    "identification",
    "operational_status",
    "surface_position",
    "surveillance_altitude",
    "surveillance_identity",
    "target_state",
]
