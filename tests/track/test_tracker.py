"""Tracker behaviour on crafted streams of real Mode S bytes run through the real decoder."""

from __future__ import annotations

import numpy as np
import pytest

from skytrace.decode import cpr
from skytrace.errors import UsageError
from skytrace.geo import haversine_km
from skytrace.model import EventKind, FrameBatch, FrameKind, Source
from skytrace.track import RejectReason, Tracker, TrackerConfig
from tests.track import helpers as h

ICAO = 0x40621D
EVEN = bytes.fromhex("8D40621D58C382D690C8AC2863A7")
ODD = bytes.fromhex("8D40621D58C386435CC412692AD6")


def run(tracker: Tracker, msgs: list[bytes], times: list[float], receiver=0):
    frames, decoded = h.batch(msgs, times, receiver)
    return tracker.ingest(frames, decoded, max(times))


def dist_km(a_lat, a_lon, b_lat, b_lon) -> np.ndarray:
    return haversine_km(*(np.asarray(x, np.float64) for x in (a_lat, a_lon, b_lat, b_lon)))


def test_known_pair_resolves_to_the_published_position() -> None:
    # the odd half was received 2 s before the even one; the position is the even one's
    tracker = Tracker(TrackerConfig(confirm_positions=1))
    out = run(tracker, [ODD, EVEN], [0.0, 2.0])
    assert out.positions.size == 1
    assert out.positions["lat"][0] == pytest.approx(52.2572, abs=1e-4)
    assert out.positions["lon"][0] == pytest.approx(3.9194, abs=1e-4)
    assert out.positions["source"][0] == Source.ADSB
    assert out.positions["icao24"][0] == ICAO
    state = tracker.aircraft(ICAO)
    assert state is not None and state.position_valid
    assert state.altitude_ft == 38000


def test_a_first_position_is_shown_only_once_confirmed() -> None:
    tracker = Tracker()
    msgs, times, truth = h.straight_flight(ICAO, 48.0, 2.0, 60.0, 450, 35000, 100.0, 3)
    out = run(tracker, msgs[:3], times[:3])  # velocity, even, odd: one decode
    assert out.positions.size == 0
    out = run(tracker, msgs[3:], times[3:])  # the next decode agrees: both are shown
    assert out.positions.size == 2
    assert dist_km(out.positions["lat"], out.positions["lon"], *np.array(truth[1:]).T).max() < 0.02


def test_straight_flight_positions_match_truth_across_batches() -> None:
    tracker = Tracker()
    msgs, times, truth = h.straight_flight(ICAO, 48.0, 2.0, 60.0, 450, 35000, 100.0, 80)
    got = []
    for lo in range(0, len(msgs), 17):  # batches that cut pairs apart
        got.append(run(tracker, msgs[lo : lo + 17], times[lo : lo + 17]).positions)
    pos = np.concatenate(got)
    assert pos.size == len(truth) - 1  # every position after the first half of the first pair
    t_lat = np.array([la for la, _ in truth[1:]])
    t_lon = np.array([lo for _, lo in truth[1:]])
    assert dist_km(pos["lat"], pos["lon"], t_lat, t_lon).max() < 0.02
    assert np.all(np.diff(pos["time_s"]) > 0)
    assert np.allclose(pos["groundspeed_kt"], 450, atol=1)
    assert len(tracker.trail(ICAO)) == min(len(pos), TrackerConfig().trail_max_points)


def test_two_receivers_hearing_the_same_frames_give_no_duplicates() -> None:
    msgs, times, _ = h.straight_flight(ICAO, 50.0, 5.0, 90.0, 400, 30000, 0.0, 40)
    single = run(Tracker(), msgs, times).positions
    both = Tracker()
    # receiver 2 hears everything 30 ms later (its clock and network path differ)
    frames = FrameBatch.concat(
        [h.batch(msgs, times, 1)[0], h.batch(msgs, [t + 0.03 for t in times], 2)[0]]
    )
    order = np.argsort(frames.time_s, kind="stable")
    frames = frames.take(order)
    from skytrace.decode import decode_batch

    out = both.ingest(frames, decode_batch(frames), float(frames.time_s.max()))
    assert out.positions.size == single.size
    assert np.array_equal(out.positions["time_s"], single["time_s"])
    assert set(out.positions["n_receivers"].tolist()) == {2}
    assert both.stats.duplicates == len(msgs)
    assert both.aircraft(ICAO).messages == len(msgs)


def test_spoofed_jump_is_rejected_with_reason() -> None:
    tracker = Tracker()
    msgs, times, truth = h.straight_flight(ICAO, 45.0, 7.0, 180.0, 420, 33000, 0.0, 60)
    # a spoofed pair 150 km east in the middle of the real stream
    far_lat, far_lon = h.move(*truth[30], 90.0, 150.0)
    spoof = [h.airborne_position(ICAO, far_lat, far_lon, 33000, odd) for odd in (False, True)]
    msgs = msgs[:33] + spoof + msgs[33:]
    times = [*times[:33], times[32] + 0.1, times[32] + 0.2, *times[33:]]
    out = run(tracker, msgs, times)
    rejected = [e for e in out.events if e.kind == EventKind.POSITION_REJECTED]
    assert rejected and {e.value for e in rejected} == {RejectReason.SPEED.value}
    assert tracker.stats.rejected[RejectReason.SPEED.value] == len(rejected)
    t_lat = np.array([la for la, _ in truth])
    t_lon = np.array([lo for _, lo in truth])
    for row in out.positions:
        assert dist_km(row["lat"], row["lon"], t_lat, t_lon).min() < 1.0


def test_altitude_jump_is_rejected() -> None:
    tracker = Tracker()
    msgs, times, truth = h.straight_flight(ICAO, 45.0, 7.0, 0.0, 300, 20000, 0.0, 30)
    run(tracker, msgs, times)
    la, lo = h.move(*truth[-1], 0.0, 0.1)
    out = run(tracker, [h.airborne_position(ICAO, la, lo, 41000, False)], [times[-1] + 0.5])
    assert out.positions.size == 0
    assert [e.value for e in out.events] == [RejectReason.ALTITUDE_JUMP.value]


def test_corrupted_frames_never_create_aircraft() -> None:
    rng = np.random.default_rng(7)
    tracker = Tracker()
    garbage = [
        bytes([0x8D]) + rng.integers(0, 256, 13, dtype=np.uint8).tobytes() for _ in range(50)
    ]
    flipped = bytearray(h.airborne_position(0xABCDEF, 50.0, 8.0, 30000, False))
    flipped[6] ^= 0x04  # one bit error: the decoder can correct it, but it is unconfirmed
    out = run(tracker, [*garbage, bytes(flipped)], [float(i) for i in range(51)])
    assert len(tracker) == 0 and out.positions.size == 0
    assert tracker.stats.corrected_new_address + tracker.stats.bad_parity >= 50
    assert tracker.stats.corrected_new_address >= 1


def test_corrected_frame_of_known_aircraft_is_used() -> None:
    tracker = Tracker()
    run(tracker, [h.identification(ICAO, "KLM1")], [0.0])
    flipped = bytearray(h.identification(ICAO, "KLM2"))
    flipped[7] ^= 0x10
    run(tracker, [bytes(flipped)], [1.0])
    assert tracker.aircraft(ICAO).callsign == "KLM2"


def test_address_parity_replies_need_a_confirmed_address_or_strong_signal() -> None:
    tracker = Tracker()
    frames, decoded = h.batch([h.identity_reply(0x123456, "1000")], [0.0])
    tracker.ingest(frames, decoded, 0.0)
    assert tracker.aircraft(0x123456) is None
    assert tracker.stats.unconfirmed_address == 1
    frames.signal_dbfs[:] = -2.0  # strong: a close aircraft, not noise ...
    tracker.ingest(frames, decoded, 1.0)
    assert tracker.aircraft(0x123456) is None  # ... once could be a corrupted reply
    frames.time_s[:] = 5.0
    tracker.ingest(frames, decoded, 5.0)  # the same address strong again: an aircraft
    assert tracker.aircraft(0x123456).squawk == "1000"
    assert tracker.stats.unconfirmed_address == 2
    run(tracker, [h.identification(ICAO, "AFR12"), h.identity_reply(ICAO, "4521")], [2.0, 3.0])
    state = tracker.aircraft(ICAO)
    assert state.squawk == "4521" and state.source == Source.ADSB


def test_events_emergency_ident_callsign() -> None:
    tracker = Tracker()
    out = run(
        tracker,
        [
            h.identification(ICAO, "KLM123"),
            h.identity_reply(ICAO, "1200"),
            h.identity_reply(ICAO, "7700"),
            h.identity_reply(ICAO, "7700"),
            h.identity_reply(ICAO, "7700", spi=True),
            h.identification(ICAO, "KLM124"),
        ],
        [0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
    )
    kinds = [(e.kind, e.value) for e in out.events]
    assert kinds == [
        (EventKind.APPEARED, ""),
        (EventKind.CALLSIGN, "KLM123"),
        (EventKind.EMERGENCY, "7700"),
        (EventKind.IDENT, ""),
        (EventKind.CALLSIGN, "KLM124"),
    ]
    state = tracker.aircraft(ICAO)
    assert state.emergency == "general" and state.callsign == "KLM124"


def test_expiry_and_stale_position() -> None:
    tracker = Tracker()
    msgs, times, _ = h.straight_flight(ICAO, 40.0, -3.0, 10.0, 300, 10000, 0.0, 10)
    run(tracker, msgs, times)
    doc = tracker.snapshot(times[-1])
    assert "lat" in doc["aircraft"][0]
    assert tracker.expire(times[-1] + 61.0) == []
    assert "lat" not in tracker.snapshot(times[-1] + 61.0)["aircraft"][0]
    lost = tracker.expire(times[-1] + 301.0)
    assert [(e.kind, e.icao24) for e in lost] == [(EventKind.LOST, ICAO)]
    assert tracker.aircraft(ICAO) is None and len(tracker) == 0


def test_trail_is_bounded() -> None:
    tracker = Tracker(TrackerConfig(trail_max_points=8))
    msgs, times, _ = h.straight_flight(ICAO, 40.0, -3.0, 10.0, 300, 10000, 0.0, 40)
    positions = np.concatenate(
        [run(tracker, msgs[i : i + 9], times[i : i + 9]).positions for i in range(0, 44, 9)]
    )
    trail = tracker.trail(ICAO)
    assert len(trail) == 8
    assert np.array_equal(trail["time_s"], positions["time_s"][-8:])


def test_landing_far_away_resolves_at_the_arrival_airport() -> None:
    airports = h.AirportsData()
    lfbo = (43.6293, 1.3638)  # Toulouse, where the aircraft is first seen on the ground
    eham = (52.3086, 4.7639)  # Amsterdam, where it lands
    tracker = Tracker(airports=airports)
    tracker.set_receiver_position(0, *lfbo)  # a fixed reference far from the landing
    t = 0.0
    msgs, times = [], []
    for i in range(6):
        msgs.append(h.surface_position(ICAO, lfbo[0] + 0.001 * i, lfbo[1], odd=bool(i % 2)))
        times.append(t := t + 1.0)
    # airborne, approaching Amsterdam from the south-west
    start = h.move(*eham, 225.0, 30.0)
    f_msgs, f_times, _ = h.straight_flight(ICAO, *start, 45.0, 150, 2000, t + 5000, 40)
    msgs += f_msgs
    times += f_times
    t = f_times[-1] + 600.0  # ten minutes later (approach unheard), on the ground
    for i in range(6):
        msgs.append(h.surface_position(ICAO, eham[0] + 0.001 * i, eham[1], odd=bool(i % 2)))
        times.append(t := t + 2.0)
    out = run(tracker, msgs, times)
    surface = out.positions[out.positions["onground"]]
    at_lfbo = surface[surface["time_s"] < 100]
    at_eham = surface[surface["time_s"] > 100]
    assert at_lfbo.size >= 4 and at_eham.size >= 4
    assert dist_km(at_lfbo["lat"], at_lfbo["lon"], *lfbo).max() < 2
    assert dist_km(at_eham["lat"], at_eham["lon"], *eham).max() < 2
    # the same landing message decoded against the fixed reference lands far from Amsterdam
    _frames, decoded = h.batch([msgs[-1]], [t])
    la, lo, _ = cpr.surface_local(
        decoded["cpr_lat"], decoded["cpr_lon"], decoded["cpr_format"] == 1, *lfbo,
        max_distance_nm=1e6,
    )  # fmt: skip
    assert dist_km(la, lo, *eham)[0] > 300
    # ... near another airport (Pamiers, LFDJ, for this message): a landing at the wrong airport
    wrong = airports.nearest_airport(float(la[0]), float(lo[0]), 20.0)
    assert wrong is not None and wrong[0] != "EHAM"


def test_first_surface_fix_must_be_at_an_airport() -> None:
    tracker = Tracker(airports=h.AirportsData())
    msgs = [h.surface_position(ICAO, 47.0, 11.5 + 0.0001 * i, odd=bool(i % 2)) for i in range(4)]
    out = run(tracker, msgs, [1.0, 2.0, 3.0, 4.0])  # the Alps: no airport there
    assert out.positions.size == 0
    assert tracker.stats.rejected[RejectReason.SURFACE_OFF_AIRPORT.value] >= 1


def test_bad_input_is_counted_not_raised() -> None:
    tracker = Tracker()
    msgs = [b"\x00", b"\xff" * 14, b"\x12\x34", h.identification(ICAO, "OK1")]
    out = run(tracker, msgs, [0.0, 1.0, 2.0, 3.0])
    assert tracker.aircraft(ICAO).callsign == "OK1"
    assert tracker.stats.undecoded + tracker.stats.bad_parity + tracker.stats.ignored_format == 3
    assert out.positions.size == 0
    empty = FrameBatch.empty(0)
    from skytrace.decode import decode_batch

    assert tracker.ingest(empty, decode_batch(empty), 5.0).positions.size == 0
    with pytest.raises(UsageError):
        tracker.ingest(h.batch(msgs, [0.0] * 4)[0], decode_batch(empty), 5.0)


def test_config_rejects_nonsense() -> None:
    with pytest.raises(UsageError):
        TrackerConfig(aircraft_expire_s=0)
    with pytest.raises(UsageError):
        TrackerConfig(confirm_positions=0)


def test_mlat_positions_carry_their_source_and_a_wider_tolerance() -> None:
    msgs, times, truth = h.straight_flight(ICAO, 51.0, 0.0, 270.0, 250, 8000, 0.0, 20)
    frames, _ = h.batch(msgs, times)
    frames.kind[:] = FrameKind.MLAT
    from skytrace.decode import decode_batch

    tracker = Tracker()
    out = tracker.ingest(frames, decode_batch(frames), times[-1])
    assert out.positions.size == len(truth) - 1
    assert set(out.positions["source"].tolist()) == {Source.MLAT}
    (ac,) = tracker.snapshot(times[-1])["aircraft"]
    assert ac["type"] == "mlat" and ac["mlat"] == ["lat", "lon"]
    # 2 km off after 0.5 s: too far for ADS-B at 250 kt, within an MLAT fix's error
    la, lo = h.move(*truth[-1], 0.0, 2.0)
    late = h.batch([h.airborne_position(ICAO, la, lo, 8000, False)], [times[-1] + 0.5])[0]
    late.kind[:] = FrameKind.MLAT
    assert tracker.ingest(late, decode_batch(late), times[-1] + 0.5).positions.size == 1
    adsb = Tracker()
    adsb.ingest(*h.batch(msgs, times), times[-1])
    out = adsb.ingest(
        *h.batch([h.airborne_position(ICAO, la, lo, 8000, False)], [times[-1] + 0.5]), 0
    )
    assert out.positions.size == 0
    assert [e.value for e in out.events] == [RejectReason.SPEED.value]


def test_one_receiver_repeating_the_same_bytes_is_not_a_duplicate() -> None:
    tracker = Tracker()
    msg = h.identification(ICAO, "KLM9")
    run(tracker, [msg, msg, msg], [0.0, 0.1, 0.2])  # e.g. unchanged squitters in a burst
    assert tracker.stats.duplicates == 0
    assert tracker.aircraft(ICAO).messages == 3


def test_df18_sources_and_non_icao_addresses() -> None:
    tracker = Tracker(TrackerConfig(confirm_positions=1))
    msgs = [
        h.identification(0x00ABCD, "VEH1", df=18, cf=1),  # ES/NT, non-ICAO address
        h.airborne_position(0x3C6586, 50.0, 8.5, 5000, False, df=18, cf=2),  # TIS-B fine
        h.airborne_position(0x3C6586, 50.0, 8.5, 5000, True, df=18, cf=2),
    ]
    out = run(tracker, msgs, [0.0, 1.0, 2.0])
    doc = {ac["hex"]: ac for ac in tracker.snapshot(2.0)["aircraft"]}
    assert doc["~00abcd"]["type"] == "adsb_icao_nt" and doc["~00abcd"]["flight"] == "VEH1    "
    assert doc["3c6586"]["type"] == "tisb_icao" and doc["3c6586"]["tisb"] == ["lat", "lon"]
    assert out.positions["source"].tolist() == [Source.TISB]
    assert tracker.aircraft(0x00ABCD) is None  # the ICAO address space is not polluted


def test_a_wrong_reference_is_dropped_after_repeated_rejections() -> None:
    cfg = TrackerConfig()
    tracker = Tracker(cfg)
    # a confirmed but wrong start (e.g. a spoofer), then the real aircraft 300 km away
    f_msgs, f_times, _ = h.straight_flight(ICAO, 48.0, 11.0, 90.0, 300, 20000, 0.0, 4)
    run(tracker, f_msgs, f_times)
    assert tracker.aircraft(ICAO).position_valid
    msgs, times, truth = h.straight_flight(ICAO, 50.5, 11.0, 90.0, 300, 20000, 10.0, 30)
    out = run(tracker, msgs, times)
    reasons = [e.value for e in out.events if e.kind == EventKind.POSITION_REJECTED]
    # the first real half pairs with the last false one: that pair cannot decode
    assert set(reasons) <= {RejectReason.SPEED.value, RejectReason.CPR_GLOBAL.value}
    assert reasons.count(RejectReason.SPEED.value) == cfg.max_consecutive_rejections
    assert out.positions.size >= len(truth) - 1 - cfg.max_consecutive_rejections - 1
    t_lat = np.array([la for la, _ in truth])
    t_lon = np.array([lo for _, lo in truth])
    for row in out.positions:
        assert dist_km(row["lat"], row["lon"], t_lat, t_lon).min() < 0.05
    state = tracker.aircraft(ICAO)
    assert abs(state.lat - truth[-1][0]) < 0.01


def test_public_api_is_what_the_runtime_constructs() -> None:
    import inspect

    import skytrace.track as track

    for name in track.__all__:
        assert hasattr(track, name), name
    params = list(inspect.signature(Tracker).parameters)
    assert params == ["config", "identities", "airports"]
    for method in ("ingest", "expire", "snapshot", "aircraft", "trail", "set_receiver_position"):
        assert callable(getattr(Tracker, method))
    assert isinstance(Tracker().stats, track.TrackerStats)


def test_a_lone_unconfirmed_position_is_rejected_at_expiry() -> None:
    tracker = Tracker()
    out = run(tracker, [ODD, EVEN], [0.0, 2.0])  # one decode, nothing agrees with it
    assert out.positions.size == 0 and tracker.stats.rejected_total == 0
    assert tracker.expire(10.0) == []  # still inside confirm_max_gap_s
    events = tracker.expire(40.0)
    assert [(e.kind, e.value, e.time_s) for e in events] == [
        (EventKind.POSITION_REJECTED, RejectReason.UNCONFIRMED.value, 2.0)
    ]
    assert tracker.stats.rejected[RejectReason.UNCONFIRMED.value] == 1
    assert tracker.expire(400.0)[0].kind == EventKind.LOST


def test_frames_without_a_time_are_counted_and_skipped() -> None:
    tracker = Tracker()
    msgs, times, _ = h.straight_flight(ICAO, 45.0, 5.0, 0.0, 300, 9000, 0.0, 8)
    frames, decoded = h.batch(msgs, times)
    frames.time_s[3] = np.nan
    frames.time_s[5] = np.inf
    out = tracker.ingest(frames, decoded, times[-1])
    assert tracker.stats.bad_time == 2
    assert np.isfinite(out.positions["time_s"]).all() and out.positions.size > 0
    assert tracker.expire(times[-1] + 301.0)[0].kind == EventKind.LOST
