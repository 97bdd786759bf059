"""Query and path parameters: parsed once, with a 400 that names the field when wrong.

Every parser raises ``ApiError(400, ..., field=name)``. Times are UTC epoch seconds inside;
clients may give ISO 8601 (``2023-09-12T05:00Z``), a date, or epoch seconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final, TypeVar

from skytrace.api.errors import ApiError
from skytrace.errors import UsageError
from skytrace.model import Source
from skytrace.store.present import day_range, parse_hex, parse_time

__all__ = [
    "MAX_LIMIT",
    "SOURCE_LABELS",
    "BBox",
    "check_page",
    "field_value",
    "parse_bbox",
    "parse_bool",
    "parse_date",
    "parse_hex_param",
    "parse_source",
    "parse_time_param",
    "parse_window",
]

T = TypeVar("T")
BBox = tuple[float, float, float, float]  # south, west, north, east; west > east wraps ±180
MAX_LIMIT: Final = 1000
SOURCE_LABELS: Final[dict[str, int]] = {s.label: int(s) for s in Source}


def field_value(field: str, parse: Callable[[str], T], text: str) -> T:
    """``parse(text)``, its UsageError / ValueError turned into a 400 naming ``field``."""
    try:
        return parse(text)
    except (UsageError, ValueError) as exc:
        raise ApiError(400, f"{field}: {exc}", field=field) from None


def parse_bbox(text: str, field: str = "bbox") -> BBox:
    """``S,W,N,E`` in degrees; W > E is a box across the antimeridian."""
    parts = text.replace(" ", "").split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise ApiError(400, f"{field}: want S,W,N,E in degrees, got {text!r}", field=field)
    south, west, north, east = values
    if not (-90 <= south < north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
        raise ApiError(
            400,
            f"{field}: want south < north within ±90 and west, east within ±180, got {text!r}",
            field=field,
        )
    return south, west, north, east


def parse_time_param(text: str, field: str) -> float:
    """ISO 8601 date or date-time (UTC when no zone), or epoch seconds."""
    value = text.strip()
    try:
        number = float(value)
    except ValueError:
        return field_value(field, lambda t: parse_time(t, what=field), value)
    if not math.isfinite(number) or not 0 <= number < 2**33:
        raise ApiError(400, f"{field}: epoch seconds out of range: {text!r}", field=field)
    return number


def parse_date(text: str, field: str = "date") -> tuple[float, float]:
    """``YYYY-MM-DD`` -> [00:00 UTC, next 00:00 UTC)."""
    return field_value(field, day_range, text)


def parse_window(
    since: str | None, until: str | None, *, max_s: float | None = None
) -> tuple[float | None, float | None]:
    start = parse_time_param(since, "since") if since else None
    end = parse_time_param(until, "until") if until else None
    if start is not None and end is not None:
        if end <= start:
            raise ApiError(400, "until: must be after since", field="until")
        if max_s is not None and end - start > max_s:
            raise ApiError(
                400, f"until: the window may span at most {max_s / 3600:g} h", field="until"
            )
    return start, end


def parse_hex_param(text: str, field: str = "hex") -> int:
    value = parse_hex(text.strip().removeprefix("~"))
    if value is None:
        raise ApiError(400, f"{field}: want a 6-digit hex ICAO address, got {text!r}", field=field)
    return value


def parse_source(text: str, field: str = "source") -> set[int]:
    """Comma-separated source labels (adsb_icao, mlat, tisb_icao, ...)."""
    out = set()
    for part in text.split(","):
        label = part.strip().lower()
        if label not in SOURCE_LABELS:
            raise ApiError(
                400,
                f"{field}: unknown source {label!r}; use {', '.join(SOURCE_LABELS)}",
                field=field,
            )
        out.add(SOURCE_LABELS[label])
    return out


def parse_bool(text: str, field: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes"):
        return True
    if value in ("0", "false", "no"):
        return False
    raise ApiError(400, f"{field}: want true or false, got {text!r}", field=field)


def check_page(limit: int, offset: int, max_limit: int = MAX_LIMIT) -> None:
    if not 1 <= limit <= max_limit:
        raise ApiError(400, f"limit: must be 1..{max_limit}, got {limit}", field="limit")
    if offset < 0:
        raise ApiError(400, f"offset: must be >= 0, got {offset}", field="offset")
