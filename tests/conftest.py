"""Shared fixtures: where the real captured data lives (../shared/data beside the checkout)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


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
