"""The MLAT options of ``skytrace replay`` and ``skytrace serve``, and the stage they make.

MLAT (skytrace.mlat, docs/mlat.md) needs where the receivers are: a ``[[receivers]]`` TOML
(``--receiver-positions``; a simulator scenario file works as it is) and, for ``serve``, the
positions of the configured feeders (``[[feeder]]`` lat/lon). It runs when positions are
known, unless ``--no-mlat``; ``--mlat`` without any is a usage error.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from skytrace.errors import UsageError

__all__ = ["add_mlat_arguments", "mlat_stage"]


def add_mlat_arguments(parser: argparse.ArgumentParser | Any) -> None:
    parser.add_argument(
        "--receiver-positions", type=Path, default=None, metavar="TOML",
        help="receiver positions ([[receivers]] name, lat, lon, altitude_m) for MLAT",
    )  # fmt: skip
    mlat = parser.add_mutually_exclusive_group()
    mlat.add_argument(
        "--mlat", dest="mlat", action="store_true", default=None,
        help="multilaterate Mode-S-only aircraft (default: on when receiver positions are known)",
    )  # fmt: skip
    mlat.add_argument("--no-mlat", dest="mlat", action="store_false", help="no multilateration")


def mlat_stage(
    args: argparse.Namespace, feeders: Iterable[tuple[str, float, float]] = ()
) -> Any | None:
    """The MLAT stage the options ask for (None: MLAT off): the positions file's receivers
    and the ``feeders`` (name, lat, lon) with a known position."""
    from skytrace.mlat.sites import SiteBook, SitePosition, load_sites
    from skytrace.mlat.stage import MlatStage

    sites = load_sites(args.receiver_positions) if args.receiver_positions is not None else []
    sites += [
        SitePosition(name, lat, lon)
        for name, lat, lon in feeders
        if math.isfinite(lat) and math.isfinite(lon)
    ]
    if args.mlat is False:
        return None
    if not sites:
        if args.mlat:
            raise UsageError(
                "--mlat needs receiver positions (--receiver-positions, or feeders with lat/lon "
                "in --config): MLAT needs where the receivers are"
            )
        return None
    return MlatStage(book=SiteBook(sites))
