"""Untimed frames timed by the position squitters (sources.pace)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from skytrace.model import FrameBatch
from skytrace.sources.pace import SQUITTER_INTERVAL_S, STEP_S, SquitterPace

_POS = "8d{icao}58c382d690c8ac2863a7"  # DF17 TC11 airborne position
_OTHER = "5d{icao}a1b2c3"  # DF11: no pace


def _batch(kinds: list[tuple[str, str]]) -> FrameBatch:
    msgs = [bytes.fromhex((_POS if k == "pos" else _OTHER).format(icao=a)) for k, a in kinds]
    batch = FrameBatch.from_messages(msgs)
    batch.time_s[:] = np.nan
    return batch


def _times(batch: FrameBatch, cuts: list[int], start_s: float = 100.0) -> np.ndarray:
    pace = SquitterPace(start_s)
    out = []
    for a, b in zip([0, *cuts], [*cuts, len(batch)], strict=True):
        part = batch[a:b]
        t = part.time_s.copy()
        pace.fill(t, np.isfinite(t), part.payload, part.length)
        out.append(t)
    return np.concatenate(out)


def test_one_aircraft_moves_the_clock_half_a_second_per_squitter() -> None:
    batch = _batch([("pos", "4840d6"), ("other", "4840d6")] * 5)
    t = _times(batch, [])
    assert t[0] == 100.0
    assert t[::2].tolist() == [100.0 + k * SQUITTER_INTERVAL_S for k in range(5)]
    assert np.allclose(t[1::2] - t[::2], STEP_S)


def test_two_aircraft_heard_together_move_it_at_their_common_rate() -> None:
    batch = _batch([("pos", "4840d6"), ("pos", "abcdef")] * 10)
    t = _times(batch, [])
    assert 100.0 + 9 * SQUITTER_INTERVAL_S <= t[-1] < 100.0 + 9 * SQUITTER_INTERVAL_S + 1e-3


def test_an_aircraft_back_after_silence_only_catches_up() -> None:
    early = [("pos", "abcdef")] * 3
    leader = [("pos", "4840d6")] * 20
    batch = _batch(early + leader + early)
    t = _times(batch, [])
    # its three late squitters span 1 s from where the leader had got to, not from its own past
    assert t[-1] == t[-4] + 2 * SQUITTER_INTERVAL_S
    assert t[-4] == t[2] + 19 * SQUITTER_INTERVAL_S  # the leader starts where abcdef left T


@given(st.lists(st.sampled_from(["pos:4840d6", "pos:abcdef", "other:4840d6"]), max_size=60),
       st.lists(st.integers(0, 60), max_size=4))  # fmt: skip
def test_times_strictly_increase_and_do_not_depend_on_batch_cuts(
    kinds: list[str], cuts: list[int]
) -> None:
    batch = _batch([tuple(k.split(":")) for k in kinds])  # type: ignore[misc]
    whole = _times(batch, [])
    cut = _times(batch, sorted({c for c in cuts if 0 < c < len(batch)}))
    assert np.array_equal(whole, cut)
    assert np.all(np.diff(whole) > 0)
