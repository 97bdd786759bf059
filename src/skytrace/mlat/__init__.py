"""Multilateration: receivers' clocks synchronised on ADS-B, Mode-S-only replies placed.

``MlatStage`` is the stage (``stage``); ``ClockSync`` the pairwise clock models (``clock``);
``solve_groups`` the vectorized TDOA solver (``solve``); ``group_replies`` groups the copies of
one reply (``replies``); ``FixSmoother`` gives speed and track (``smooth``); ``sites`` reads
receiver positions. See docs/mlat.md.
"""

from skytrace.mlat.clock import ClockSync, SyncConfig
from skytrace.mlat.replies import MLAT_MAGIC_TICKS, ReplyCounts, ReplyGroups, group_replies
from skytrace.mlat.smooth import FixSmoother, SmootherConfig
from skytrace.mlat.solve import Solution, SolverLimits, solve_groups
from skytrace.mlat.stage import (
    FIX_DTYPE,
    MlatConfig,
    MlatOutput,
    MlatStage,
    MlatStats,
    ReceiverSite,
    ReceiverSyncState,
)

__all__ = [
    "FIX_DTYPE",
    "MLAT_MAGIC_TICKS",
    "ClockSync",
    "FixSmoother",
    "MlatConfig",
    "MlatOutput",
    "MlatStage",
    "MlatStats",
    "ReceiverSite",
    "ReceiverSyncState",
    "ReplyCounts",
    "ReplyGroups",
    "SmootherConfig",
    "Solution",
    "SolverLimits",
    "SyncConfig",
    "group_replies",
    "solve_groups",
]
