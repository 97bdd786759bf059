"""Plausibility of resolved positions: bulk acceptance, then an ordered fold where needed.

Each candidate is checked against the previous candidate of the same aircraft (or, for the
first of the batch, against the aircraft's last reliable position in state) with
``positions.check_pairs``. A run of candidates of one aircraft is accepted in bulk up to its
first failure when the aircraft already has a reliable position, or when it has none but the
first ``confirm_positions`` candidates agree with each other. Everything else - the tail after
a failure, aircraft still waiting for confirmation, aircraft with a pending candidate from an
earlier batch - goes through the ordered fold in ``accept``, one candidate at a time, where
the sequential rules live:

- with a reference: accept when consistent, else reject (speed / altitude_jump); after
  ``max_consecutive_rejections`` in a row the reference is dropped (it may be the bad one);
- without one: collect pending candidates; a candidate inconsistent with the last pending one
  (or too late after it) rejects the pending ones as ``unconfirmed``; ``confirm_positions``
  consistent ones in a row are accepted together.

Units: degrees, km, kt, ft, s. Pure apart from the state dict/columns passed in; not
thread-safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from skytrace.model import Source
from skytrace.track.config import TrackerConfig
from skytrace.track.positions import Candidates, RejectReason, check_one, check_pairs, run_starts
from skytrace.track.receivers import ReceiverLists

__all__ = ["Acceptance", "Pending", "Rejection", "accept"]

# (lat, lon, time_s, altitude_ft, mlat, surface): what a check needs of a position
_Fix = tuple[float, float, float, float, bool, bool]


@dataclass(slots=True)
class Pending:
    """A candidate waiting for confirmation (may live across batches)."""

    fix: _Fix
    row: np.void  # its POSITION_DTYPE row, emitted once confirmed
    # receivers that heard its message, handed on with the row
    receivers: npt.NDArray[np.uint32] = field(default_factory=lambda: np.empty(0, np.uint32))


@dataclass(frozen=True, slots=True)
class Rejection:
    slot: int
    time_s: float
    lat: float
    lon: float
    altitude_ft: float
    reason: RejectReason


@dataclass(slots=True)
class Acceptance:
    """What ``accept`` decided for one batch."""

    accepted: npt.NDArray[np.intp]  # candidate indices accepted (sorted)
    released: list[np.void] = field(default_factory=list)  # pending rows of earlier batches
    released_receivers: list[npt.NDArray[np.uint32]] = field(default_factory=list)  # aligned
    rejected: list[Rejection] = field(default_factory=list)
    # slots whose reference the fold decided: slot -> (reference fix or None, rejections in row)
    fold_refs: dict[int, tuple[_Fix | None, int]] = field(default_factory=dict)


def accept(
    cfg: TrackerConfig,
    cand: Candidates,
    rows: npt.NDArray[np.void],
    col: dict[str, npt.NDArray[Any]],
    pending: dict[int, list[Pending]],
    receivers: ReceiverLists | None = None,
) -> Acceptance:
    """Decide which candidates become positions (see the module docstring).

    ``receivers`` (aligned with the candidates) travel with pending candidates so that a
    position confirmed in a later batch is handed on with its receivers
    (``released_receivers``)."""
    m = cand.slot.size
    if m == 0:
        return Acceptance(accepted=np.empty(0, np.intp))
    k = np.arange(m)
    start = run_starts(cand.slot)
    first = start == k
    prev = np.maximum(k - 1, 0)
    slot = cand.slot
    mlat = cand.source == Source.MLAT
    has_ref = col["pos_valid"][slot].astype(bool)
    lat0 = np.where(first, col["pos_lat"][slot], cand.lat[prev])
    lon0 = np.where(first, col["pos_lon"][slot], cand.lon[prev])
    t0 = np.where(first, col["pos_time_s"][slot], cand.time_s[prev])
    alt0 = np.where(first, col["pos_alt_ft"][slot], cand.altitude_ft[prev]).astype(np.float32)
    mlat0 = np.where(first, col["pos_source"][slot] == Source.MLAT, mlat[prev])
    surf0 = np.where(first, col["pos_surface"][slot], cand.surface[prev])
    speed_ok, alt_ok = check_pairs(
        cfg, lat0, lon0, t0, alt0, mlat0, surf0,
        cand.lat, cand.lon, cand.time_s, cand.altitude_ft, mlat, cand.surface,
        cand.groundspeed_kt,
    )  # fmt: skip
    checked = ~first | has_ref
    fail = checked & ~(speed_ok & alt_ok)

    run_begin = np.flatnonzero(first)
    run_len = np.diff(np.append(run_begin, m))
    rel = k - start
    first_fail = np.minimum.reduceat(np.where(fail, rel, m), run_begin)
    first_fail = np.minimum(first_fail, run_len)
    run_slot = slot[run_begin]
    run_ref = has_ref[run_begin]
    need = cfg.confirm_positions
    prefix = np.where(run_ref | (first_fail >= need), first_fail, 0)
    if pending:
        waiting = np.isin(run_slot, np.fromiter(pending.keys(), np.int32, len(pending)))
        prefix = np.where(waiting, 0, prefix)
    in_prefix = rel < np.repeat(prefix, run_len)
    result = Acceptance(accepted=np.flatnonzero(in_prefix))

    folded = np.flatnonzero(prefix < run_len)
    if folded.size == 0:
        return result
    extra: list[int] = []
    for r in folded.tolist():
        s = int(run_slot[r])
        b = int(run_begin[r])
        p = int(prefix[r])
        ref: _Fix | None
        if p > 0:
            ref = _fix(cand, b + p - 1)
        elif run_ref[r]:
            ref = (
                float(col["pos_lat"][s]),
                float(col["pos_lon"][s]),
                float(col["pos_time_s"][s]),
                float(col["pos_alt_ft"][s]),
                bool(col["pos_source"][s] == Source.MLAT),
                bool(col["pos_surface"][s]),
            )
        else:
            ref = None
        run = 0 if p > 0 else int(col["reject_run"][s])
        waiting_list = pending.pop(s, [])
        for j in range(b + p, b + int(run_len[r])):
            cur = _fix(cand, j)
            gs = float(cand.groundspeed_kt[j])
            if ref is not None:
                why = check_one(cfg, ref, cur, gs)
                if why is None:
                    extra.append(j)
                    ref = cur
                    run = 0
                else:
                    result.rejected.append(_rejection(s, cur, why))
                    run += 1
                    if run >= cfg.max_consecutive_rejections:
                        ref = None
                        run = 0
                continue
            if waiting_list:
                last = waiting_list[-1].fix
                if (
                    cur[2] - last[2] > cfg.confirm_max_gap_s
                    or check_one(cfg, last, cur, gs) is not None
                ):
                    for w in waiting_list:
                        result.rejected.append(_rejection(s, w.fix, RejectReason.UNCONFIRMED))
                    waiting_list = []
            heard = receivers.of(j) if receivers is not None else np.empty(0, np.uint32)
            waiting_list.append(Pending(cur, rows[j], heard))
            if len(waiting_list) >= need:
                # every pending one is confirmed; those of this batch are candidates j' <= j
                for w in waiting_list[:-1]:
                    result.released.append(w.row)
                    result.released_receivers.append(w.receivers)
                extra.append(j)
                ref = cur
                run = 0
                waiting_list = []
        if waiting_list:
            pending[s] = waiting_list
        result.fold_refs[s] = (ref, run)
    if extra:
        result.accepted = np.sort(np.concatenate([result.accepted, np.array(extra, np.intp)]))
    return result


def _fix(cand: Candidates, j: int) -> _Fix:
    return (
        float(cand.lat[j]),
        float(cand.lon[j]),
        float(cand.time_s[j]),
        float(cand.altitude_ft[j]),
        bool(cand.source[j] == Source.MLAT),
        bool(cand.surface[j]),
    )


def _rejection(slot: int, fix: _Fix, reason: RejectReason) -> Rejection:
    return Rejection(slot, fix[2], fix[0], fix[1], fix[3], reason)
