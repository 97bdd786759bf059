"""Pairwise clock models: offset and drift, jumps, noisy receivers."""

from __future__ import annotations

import numpy as np

from skytrace.mlat.clock import ClockSync, pair_key

# receiver r's clock = UTC × (1 + drift) + offset, drift in ppm
OFFSET_S = {1: 10.0, 2: 250.5, 3: 731.25, 4: 99.0}
DRIFT_PPM = {1: 3.0, 2: -12.0, 3: 7.5, 4: 0.0}


def _clock(r: int, utc: np.ndarray) -> np.ndarray:
    return utc * (1 + DRIFT_PPM[r] * 1e-6) + OFFSET_S[r]


def _feed(sync: ClockSync, rng, start: float, seconds: float, noise_s=None, jump=None):
    """One batch per second: 40 samples for each pair of receivers 1-4."""
    noise_s = noise_s or {}
    for second in np.arange(start, start + seconds):
        i_all, j_all, x_all, y_all = [], [], [], []
        for i, j in ((1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)):
            utc = second + np.sort(rng.uniform(0, 1, 40))
            ci = _clock(i, utc) + rng.normal(0, noise_s.get(i, 50e-9), utc.size)
            cj = _clock(j, utc) + rng.normal(0, noise_s.get(j, 50e-9), utc.size)
            if jump is not None:
                who, when, by = jump
                if who == i:
                    ci = ci + np.where(utc >= when, by, 0.0)
                if who == j:
                    cj = cj + np.where(utc >= when, by, 0.0)
            i_all.append(np.full(utc.size, i))
            j_all.append(np.full(utc.size, j))
            x_all.append(ci)
            y_all.append(cj - ci)
        sync.add(
            np.concatenate(i_all), np.concatenate(j_all), np.concatenate(x_all),
            np.concatenate(y_all),
        )  # fmt: skip


def _offset_error_s(sync: ClockSync, i: int, j: int, utc: float) -> float:
    row = sync.models.find(pair_key(np.array([i]), np.array([j])))
    assert row[0] >= 0
    x = _clock(i, np.array([utc]))
    y, _ = sync.models.predict(row, x)
    true = _clock(j, np.array([utc])) - x
    return float(abs(y[0] - true[0]))


def test_offset_within_100_ns_after_60_s() -> None:
    rng = np.random.default_rng(1)
    sync = ClockSync()
    _feed(sync, rng, 1000.0, 60)
    for i, j in ((1, 2), (1, 3), (2, 4), (3, 4)):
        assert _offset_error_s(sync, i, j, 1060.0) < 100e-9
    row = sync.models.find(pair_key(np.array([1]), np.array([2])))
    drift = sync.models.drift[row[0]]
    # y = clock2 - clock1 changes by (d2 - d1)/(1 + d1) per second of clock 1
    assert abs(drift - (DRIFT_PPM[2] - DRIFT_PPM[1]) * 1e-6) < 0.05e-6
    assert sync.synced(row, np.array([_clock(1, np.array([1060.0]))[0]])).all()
    assert sync.suspect == set()
    assert 30e-9 < sync.noise_s[1] < 80e-9


def test_a_counter_reset_is_detected_and_the_receiver_resynchronised() -> None:
    rng = np.random.default_rng(2)
    sync = ClockSync()
    _feed(sync, rng, 1000.0, 30)
    _feed(sync, rng, 1030.0, 2, jump=(3, 1030.5, -731.0))  # receiver 3 restarts near 0
    assert sync.resets == {3: 1}
    # no sample from before the jump is left in receiver 3's pairs
    row = sync.models.find(pair_key(np.array([1, 2]), np.array([3, 3])))
    assert (sync.models.n[row] <= 2 * 40 // 2 + 5).all()
    _feed(sync, rng, 1032.0, 10, jump=(3, 0.0, -731.0))
    row = sync.models.find(pair_key(np.array([1, 2]), np.array([3, 3])))
    x = np.array([_clock(1, np.array([1042.0]))[0], _clock(2, np.array([1042.0]))[0]])
    assert sync.synced(row, x).all()
    for i in (1, 2):
        r = sync.models.find(pair_key(np.array([i]), np.array([3])))
        xi = _clock(i, np.array([1042.0]))
        y, _ = sync.models.predict(r, xi)
        true = _clock(3, np.array([1042.0])) - 731.0 - xi
        assert abs(y[0] - true[0]) < 100e-9
    assert set(sync.resets) == {3}


def test_a_noisy_receiver_is_suspect_and_its_pairs_unused() -> None:
    rng = np.random.default_rng(3)
    sync = ClockSync()
    _feed(sync, rng, 1000.0, 20, noise_s={4: 3e-6})
    assert sync.suspect == {4}
    row = sync.models.find(pair_key(np.array([1, 1]), np.array([2, 4])))
    x = np.full(2, _clock(1, np.array([1020.0]))[0])
    assert sync.synced(row, x).tolist() == [True, False]


def test_no_model_before_enough_samples() -> None:
    sync = ClockSync()
    sync.add(np.array([1, 1]), np.array([2, 2]), np.array([5.0, 5.1]), np.array([1.0, 1.0]))
    row = sync.models.find(pair_key(np.array([1]), np.array([2])))
    assert not sync.synced(row, np.array([5.1])).any()


def test_a_batch_with_no_samples_changes_nothing() -> None:
    """A quiet live batch (no pair heard the same position) is not an error."""
    sync = ClockSync()
    none_i, none_f = np.zeros(0, np.int64), np.zeros(0)
    sync.add(none_i, none_i, none_f, none_f, 10.0)
    sync.add(np.array([1, 1]), np.array([2, 2]), np.array([5.0, 5.1]), np.array([1.0, 1.0]))
    sync.add(none_i, none_i, none_f, none_f, 11.0)
    assert sync.samples_used == 1  # the two samples share one 0.5 s interval of their pair
