"""Hostile feeders beside good ones (issue 18), small scale: every frame of every good feeder
arrives, in order; the hostile connections are dropped or bounded; logs stay short and few;
Beast-out clients that never read are refused or dropped while a reading client keeps up.
bench/bench_chaos.py runs the same scenario at benchmark size and prints figures.
"""

from __future__ import annotations

from pathlib import Path

from tests.chaos.feeders import ChaosConfig, run_chaos


def test_good_feeders_lose_nothing_beside_hostile_ones(shared_data: Path) -> None:
    sample = (shared_data / "modes" / "sample_dump1090.beast").read_bytes()
    cfg = ChaosConfig()
    r = run_chaos(sample, cfg)
    assert set(r.delivered) == {"good0", "good1"}
    assert all(msgs == r.expected for msgs in r.delivered.values())
    c = r.counters
    assert c.dropped_handshake >= 1  # dribbled key lines hit the deadline
    assert c.dropped_garbage >= 1  # the escape flood
    assert c.refused >= cfg.big_key_lines  # oversized key lines
    assert r.refused_ids > 0
    assert r.receivers <= cfg.good_feeders + 1 + cfg.limits.max_receiver_ids_anonymous + 50
    assert r.longest_log_chars < 300
    assert r.log_records <= 6 * 10 + 6  # a few reasons, ten lines each, and summaries
    # one reading client and the stuck ones: only max_clients fit, the rest are refused
    assert r.out_clients_refused == cfg.stuck_clients + 1 - r.out_max_clients
    assert r.out_reader_bytes > 0
