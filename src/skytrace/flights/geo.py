"""Compass words for flight facts ("first seen 38 km north-east").

The geometry itself (distances, bearings) lives in ``skytrace.geo``. Pure and thread-safe.
"""

from __future__ import annotations

from typing import Final

__all__ = ["compass_word"]

_POINTS: Final = (
    "north",
    "north-east",
    "east",
    "south-east",
    "south",
    "south-west",
    "west",
    "north-west",
)


def compass_word(bearing: float) -> str:
    """The eight-point compass word for a bearing in degrees ("north-east")."""
    return _POINTS[int(((bearing % 360.0) + 22.5) // 45.0) % 8]
