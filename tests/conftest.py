"""Shared fixtures: where the real captured data lives (../shared/data beside the checkout)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]


# Property tests never assert on time: no per-example deadline (the machines are shared and
# noisy). On CI the examples are derived from the test itself (derandomize), so a landing
# never depends on a lucky seed; locally they stay random to keep finding new cases.
settings.register_profile("skytrace", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "skytrace")


def shared_data_dir() -> Path:
    """``$SKYTRACE_SHARED_DATA`` or ``../shared/data`` beside the checkout (CI always has it)."""
    env = os.environ.get("SKYTRACE_SHARED_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    if not path.is_dir():
        raise RuntimeError(
            f"shared data not found at {path}; set SKYTRACE_SHARED_DATA to the shared/data folder"
        )
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return shared_data_dir()
