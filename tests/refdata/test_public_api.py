from __future__ import annotations

import importlib
import pkgutil

import pytest

import skytrace.refdata
from skytrace.model import AircraftIdentity

MODULES = sorted(m.name for m in pkgutil.iter_modules(skytrace.refdata.__path__))


@pytest.mark.parametrize("name", ["skytrace.refdata", *[f"skytrace.refdata.{m}" for m in MODULES]])
def test_every_exported_name_exists(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__, f"{name} needs a docstring saying what it owns"
    exported = module.__all__
    assert sorted(exported) == sorted(set(exported))
    for attr in exported:
        assert hasattr(module, attr), f"{name}.__all__ names missing {attr!r}"


def test_refdata_satisfies_the_identity_lookup_the_tracker_uses() -> None:
    rd = skytrace.refdata.load_refdata(None)
    ident = rd.identify(0x7277CF, "KOR151")
    assert isinstance(ident, AircraftIdentity) and ident.country == "North Korea"
    assert rd.airports.nearest_airport(39.2241, 125.67, 5.0) == ("ZKPY", 39.2241, 125.67)
