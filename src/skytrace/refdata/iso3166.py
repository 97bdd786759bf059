"""ISO 3166-1 country codes: alpha-2 (the code skytrace uses), alpha-3, numeric, short name.

This module owns the country-code table shipped as package data
(``skytrace/data/refdata/iso3166.csv``; the codes are ISO 3166-1 facts, the short names are
the common English ones, e.g. "North Korea", "Russia"). Everything in skytrace that names a
country by code uses the **alpha-2** code ("RU", "KP"), as airportsdata does; alpha-3 and
numeric codes are converted on import (the maritime set uses alpha-3, world-atlas numeric).
"XK" (Kosovo) is the user-assigned code in common use.

Read-only after loading; safe to share between threads.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache

from skytrace.refdata.paths import package_data

__all__ = ["CountryCodes", "country_codes"]


@dataclass(frozen=True, slots=True)
class _Country:
    alpha2: str
    alpha3: str
    numeric: str
    name: str


class CountryCodes:
    """Look-ups between alpha-2, alpha-3, numeric codes and short names."""

    def __init__(self, rows: list[_Country]) -> None:
        self._by_alpha2 = {r.alpha2: r for r in rows}
        self._alpha3 = {r.alpha3: r.alpha2 for r in rows}
        self._numeric = {r.numeric: r.alpha2 for r in rows if r.numeric}
        self._names = {r.name.casefold(): r.alpha2 for r in rows}

    @classmethod
    def from_csv_text(cls, text: str) -> CountryCodes:
        rows = [
            _Country(r["alpha2"], r["alpha3"], r["numeric"], r["name"])
            for r in csv.DictReader(io.StringIO(text))
        ]
        return cls(rows)

    def name(self, alpha2: str) -> str:
        """Short name of a country ("" for an unknown or empty code)."""
        row = self._by_alpha2.get(alpha2.upper())
        return row.name if row else ""

    def alpha2(self, code: str) -> str:
        """Alpha-2 code from an alpha-2, alpha-3 or numeric code or a short name; "" unknown."""
        code = code.strip()
        if not code:
            return ""
        upper = code.upper()
        if len(upper) == 2 and upper in self._by_alpha2:
            return upper
        if len(upper) == 3 and upper in self._alpha3:
            return self._alpha3[upper]
        if upper.isdigit():
            return self._numeric.get(upper.zfill(3), "")
        return self._names.get(code.casefold(), "")

    def __contains__(self, alpha2: object) -> bool:
        return isinstance(alpha2, str) and alpha2.upper() in self._by_alpha2

    def __len__(self) -> int:
        return len(self._by_alpha2)


@cache
def country_codes() -> CountryCodes:
    """The table shipped with skytrace (loaded once)."""
    text = package_data("iso3166.csv").read_text("utf-8")
    return CountryCodes.from_csv_text(text)
