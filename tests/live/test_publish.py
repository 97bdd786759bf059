"""Publishing: identity columns looked up once per (address, callsign), compact rows filled."""

from __future__ import annotations

import numpy as np

from skytrace.live.publish import IdentityCache
from skytrace.model import AircraftIdentity


class _Identities:
    def __init__(self) -> None:
        self.asked: list[tuple[int, str]] = []

    def identify(self, icao24: int, callsign: str = "") -> AircraftIdentity:
        self.asked.append((icao24, callsign))
        return AircraftIdentity(
            icao24,
            registration=f"R-{icao24:06X}",
            typecode="A148" if icao24 == 0x7277CF else "B738",
            operator_icao=callsign[:3],
            military=icao24 == 0xAE1234,
        )


def test_identities_are_looked_up_once_per_address_and_callsign() -> None:
    identities = _Identities()
    cache = IdentityCache(identities)
    icao = np.array([0x4840D6, 0x7277CF, 0xAE1234], np.uint32)
    first = cache.columns(icao, np.array([b"KLM1302", b"KOR151", b""], "S8"))
    assert first["type_code"].tolist() == [b"B738", b"A148", b"B738"]
    assert first["registration"].tolist() == [b"R-4840D6", b"R-7277CF", b"R-AE1234"]
    assert first["operator"].tolist() == [b"KLM", b"KOR", b""]
    assert first["military"].tolist() == [False, False, True]
    assert len(identities.asked) == 3
    # same pairs: no lookup; a new callsign and a new aircraft: one lookup each
    icao2 = np.array([0x4840D6, 0x500000, 0x7277CF, 0xAE1234], np.uint32)
    second = cache.columns(icao2, np.array([b"KLM1302", b"", b"KOR152", b"RCH1"], "S8"))
    assert identities.asked[3:] == [(0x500000, ""), (0x7277CF, "KOR152"), (0xAE1234, "RCH1")]
    assert second["operator"].tolist() == [b"KLM", b"", b"KOR", b"RCH"]
    assert cache.columns(icao2[:0], np.array([], "S8")).size == 0


def test_without_reference_data_the_columns_are_empty() -> None:
    cache = IdentityCache(None)
    out = cache.columns(np.array([0x7277CF], np.uint32), np.array([b"KOR151"], "S8"))
    assert out.tolist() == [(b"", b"", b"", False)]
