"""Every name a sources/outputs module exports exists (the public surface is checked)."""

from __future__ import annotations

import importlib

import pytest

MODULES = [
    "skytrace.sources.beast",
    "skytrace.sources.avr",
    "skytrace.sources.sbs",
    "skytrace.sources.files",
    "skytrace.sources.clock",
    "skytrace.sources.receivers",
    "skytrace.sources.server",
    "skytrace.outputs.encode",
    "skytrace.outputs.sbs",
    "skytrace.outputs.feeds",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist_and_module_says_what_it_owns(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__all__, name
    for export in module.__all__:
        assert hasattr(module, export), f"{name}.{export}"
    assert module.__doc__ and len(module.__doc__.splitlines()) > 3
