"""The ``Field`` record: one decoded column's name, dtype, unit and meaning. Pure data."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Field"]


class Field(NamedTuple):
    """One decoded column."""

    name: str
    dtype: str  # numpy dtype string
    unit: str  # "" for codes and flags
    doc: str
    group: str  # which messages fill it (for the docs)
    py: str = ""  # how to_pylist renders it: "" native, "hex24", "squawk", "text"
