"""Flight detection on tracks the project generates: each case with expected airports/times."""

from __future__ import annotations

import math

import numpy as np

from skytrace.flights import FlightConfig, FlightDetector, detect_flights
from skytrace.model import AircraftIdentity, Event, EventKind
from tests.flights import fakes
from tests.flights import trackgen as g

T0 = 1694484000.0  # 2023-09-12 02:00 UTC


def rwy(icao: str, ident: str) -> g.Rwy:
    """The threshold of runway ``ident`` of ``icao`` from the fake airports."""
    a = fakes.airports().get(icao)
    for r in a.runways:
        if r.le_ident == ident:
            return g.Rwy(icao, r.le_lat, r.le_lon, r.le_heading_deg, a.elevation_ft)
        if r.he_ident == ident:
            return g.Rwy(icao, r.he_lat, r.he_lon, r.he_heading_deg, a.elevation_ft)
    raise KeyError(ident)


def test_observed_flight_has_both_airports_runways_and_times() -> None:
    rows, marks = g.fly(
        0x3C6444, g.route(rwy("LFBO", "14R"), rwy("EHAM", "36L")), T0, callsign="KLM1234"
    )
    flights, events = detect_flights(rows, airports=fakes.airports())
    assert len(flights) == 1
    f = flights[0]
    assert f.departure.icao == "LFBO" and f.departure.method == "observed"
    assert f.departure.runway == "14R"
    assert f.arrival.icao == "EHAM" and f.arrival.method == "observed"
    assert f.arrival.runway == "36L"
    assert abs(f.takeoff_s - marks["takeoff"][0]) <= 60
    assert abs(f.landing_s - marks["landing"][0]) <= 60
    assert f.flight_id == "3c6444-20230912-" + _hhmm(f.takeoff_s)
    assert f.callsigns == ("KLM1234",)
    assert f.departure.confidence > 0.9 and f.arrival.confidence > 0.9
    assert 900 < f.gc_distance_km < 1000 and f.distance_flown_km >= f.gc_distance_km * 0.98
    assert f.max_altitude_ft == 30000
    kinds = [e.kind for e in events]
    assert kinds.count(EventKind.TAKEOFF) == 1 and kinds.count(EventKind.LANDING) == 1
    assert all(e.flight_id == f.flight_id for e in events)


def _hhmm(t: float) -> str:
    import datetime as dt

    return f"{dt.datetime.fromtimestamp(t, dt.UTC):%H%M}"


def koryo(t0: float = T0, visible_from_lat: float = 39.57) -> tuple[np.ndarray, dict]:
    """ZKPY runway 01 -> UHWW 25L; no coverage south of ``visible_from_lat``."""
    rows, marks = g.fly(
        0x7277CF,
        g.route(rwy("ZKPY", "01"), rwy("UHWW", "25L")),
        t0,
        callsign="KOR151",
        n_receivers=3,
    )
    return rows[rows["lat"] >= visible_from_lat], marks


def test_takeoff_outside_coverage_is_inferred_with_its_uncertainty() -> None:
    rows, marks = koryo()
    flights, _ = detect_flights(rows, airports=fakes.airports())
    assert len(flights) == 1
    f = flights[0]
    dep = f.departure
    assert dep.icao == "ZKPY" and dep.method == "inferred"
    assert 30 < dep.distance_km < 60
    assert "first seen" in dep.evidence and "climbing through" in dep.evidence
    assert "±" in dep.evidence
    assert abs(f.takeoff_s - marks["takeoff"][0]) <= 300
    assert 0 < dep.confidence < f.arrival.confidence
    assert f.arrival.icao == "UHWW" and f.arrival.runway == "25L"
    assert abs(f.landing_s - marks["landing"][0]) <= 60
    assert f.n_receivers == 3
    assert f.flight_id.startswith("7277cf-20230912-")


def test_nothing_invented_when_first_sight_is_far_from_any_airport() -> None:
    rows, _ = koryo()
    rows = rows[rows["lon"] > 129.0]  # first seen at cruise over the sea
    flights, events = detect_flights(rows, airports=fakes.airports())
    f = flights[0]
    assert f.departure.method == "unknown" and f.departure.icao == ""
    assert math.isnan(f.takeoff_s)
    assert f.flight_id == f"7277cf-20230912-{_hhmm(f.first_seen_s)}"
    assert not [e for e in events if e.kind == EventKind.TAKEOFF]


def test_long_gap_in_cruise_is_one_flight_with_the_gap_recorded() -> None:
    rows, _marks = g.fly(0x4CA123, g.route(rwy("EHAM", "18C"), rwy("ZKPY", "19"), 36000), T0)
    cruise = (rows["altitude_ft"] == 36000) & (rows["time_s"] > T0 + 3 * 3600)
    cruise &= rows["time_s"] < T0 + 5.5 * 3600
    rows = rows[~cruise]  # 2.5 h with no coverage at FL360
    flights, events = detect_flights(rows, airports=fakes.airports())
    assert len(flights) == 1
    f = flights[0]
    assert (f.departure.icao, f.arrival.icao) == ("EHAM", "ZKPY")
    assert len(f.gaps) == 1 and f.gaps[0][1] - f.gaps[0][0] > 2 * 3600
    lost = [e for e in events if e.kind == EventKind.COVERAGE_LOST]
    regained = [e for e in events if e.kind == EventKind.COVERAGE_REGAINED]
    assert len(lost) == 1 and len(regained) == 1 and lost[0].time_s == f.gaps[0][0]


def test_landing_without_ground_rows_then_departure_hours_later_are_two_flights() -> None:
    wps = g.route(rwy("LFBO", "14R"), rwy("EHAM", "18R"))
    first, m1 = g.fly(0x484506, wps, T0)
    second, m2 = g.fly(0x484506, g.route(rwy("EHAM", "36L"), rwy("LFBO", "32L")), T0 + 4 * 3600)
    # no coverage below 1,500 ft at Schiphol: no ground rows there at all
    low = lambda r: ~(r["altitude_ft"] > 1500)  # noqa: E731
    near_eham = lambda r: np.abs(r["lat"] - 52.3) < 0.5  # noqa: E731
    first = first[~(low(first) & near_eham(first))]
    second = second[~(low(second) & near_eham(second))]
    flights, _ = detect_flights(np.concatenate([first, second]), airports=fakes.airports())
    assert len(flights) == 2
    a, b = flights
    assert a.arrival.icao == "EHAM" and a.arrival.method == "inferred"
    assert b.departure.icao == "EHAM" and b.departure.method == "inferred"
    assert abs(a.landing_s - m1["landing"][0]) <= 300
    assert abs(b.takeoff_s - m2["takeoff"][0]) <= 300
    assert (a.departure.icao, b.arrival.icao) == ("LFBO", "LFBO")


def test_touch_and_go_stays_in_one_flight_and_is_an_event() -> None:
    eh = rwy("EHRD", "24")
    circuit = g.departure(eh)
    # come back onto the same runway: touch down, roll fast, lift off again
    e = eh.elevation_ft
    touch = [
        *g.arrival(eh, land=False),
        g.Wp(*g.offset(eh.lat, eh.lon, eh.heading_deg, 400), e, 120, True),
        g.Wp(*g.offset(eh.lat, eh.lon, eh.heading_deg, 1000), e, 110, True),
        g.Wp(*g.offset(eh.lat, eh.lon, eh.heading_deg, 2000), e + 300, 120),
    ]
    back = g.enroute(circuit[-1], touch[0], 3000, 160)
    out = g.Wp(*g.offset(eh.lat, eh.lon, eh.heading_deg, 9000), eh.elevation_ft + 2000, 160)
    final = g.arrival(rwy("EHAM", "18C"))
    wps = circuit + back + touch + [out] + g.enroute(out, final[0], 3000, 200) + final
    rows, _marks = g.fly(0x484A00, wps, T0, step_s=2)
    flights, events = detect_flights(rows, airports=fakes.airports())
    assert len(flights) == 1
    f = flights[0]
    assert (f.departure.icao, f.arrival.icao) == ("EHRD", "EHAM")
    tg = [e for e in events if e.kind in (EventKind.GO_AROUND, EventKind.TOUCH_AND_GO)]
    assert len(tg) == 1 and tg[0].kind == EventKind.TOUCH_AND_GO and tg[0].value == "EHRD"


def test_low_pass_is_a_go_around_not_a_landing() -> None:
    eh = rwy("EHAM", "18C")
    dep = g.departure(rwy("EHRD", "24"))
    approach = g.arrival(eh, land=False)
    climb = g.Wp(*g.offset(eh.lat, eh.lon, eh.heading_deg, 8000), eh.elevation_ft + 2500, 170)
    final = g.arrival(rwy("EHAM", "36C"))
    wps = dep + g.enroute(dep[-1], approach[0], 4000, 200) + approach + [climb]
    wps += g.enroute(climb, final[0], 3000, 180) + final
    rows, marks = g.fly(0x484A01, wps, T0, step_s=2)
    flights, events = detect_flights(rows, airports=fakes.airports())
    assert len(flights) == 1
    assert flights[0].arrival.icao == "EHAM" and flights[0].arrival.runway == "36C"
    ga = [e for e in events if e.kind == EventKind.GO_AROUND]
    assert [e.value for e in ga] == ["EHAM"]
    assert abs(flights[0].landing_s - marks["landing"][0]) <= 60


def test_diversion_records_where_it_landed() -> None:
    eham = rwy("EHAM", "36L")
    dep = g.departure(rwy("LFBO", "14R"))
    toward = g.enroute(dep[-1], g.arrival(eham)[0], 30000)
    final = g.arrival(rwy("EHRD", "24"))
    wps = dep + toward[:1] + g.enroute(toward[0], final[0], 30000)[1:] + final
    rows, _marks = g.fly(0x3944EF, wps, T0)
    flights, _ = detect_flights(rows, airports=fakes.airports())
    assert flights[0].arrival.icao == "EHRD" and flights[0].arrival.method == "observed"


def test_landing_beside_a_helipad_and_a_strip_goes_to_the_big_airport() -> None:
    uh = fakes.airports().get("UHWW")
    heli = fakes.AirportInfo(
        "XHEL",
        "",
        "Hospital Helipad",
        "",
        "RU",
        43.3990,
        132.1560,
        40.0,
        tz="Asia/Vladivostok",
        runways=(fakes.runway("XHEL", "H1", "", 43.3990, 132.1560, 43.3991, 132.1561, 60, 60),),
    )
    strip = fakes.AirportInfo(
        "XSTR",
        "",
        "Aeroclub Strip",
        "",
        "RU",
        43.4100,
        132.1500,
        40.0,
        tz="Asia/Vladivostok",
        runways=(fakes.runway("XSTR", "09", "27", 43.4100, 132.1460, 43.4100, 132.1540, 2000, 60),),
    )
    ap = fakes.FakeAirports([heli, strip])
    rows, _marks = g.fly(0x7277D0, g.route(rwy("ZKPY", "01"), rwy("UHWW", "25L")), T0)
    flights, _ = detect_flights(rows, airports=ap)
    arr = flights[0].arrival
    assert arr.icao == uh.icao and arr.runway == "25L"
    assert {c[0] for c in arr.candidates} >= {"UHWW", "XHEL"}


def test_identity_comes_from_the_lookup_and_says_its_source() -> None:
    rows, _ = koryo()
    ident = AircraftIdentity(
        0x7277CF,
        registration="P-671",
        typecode="A148",
        type_description="ANTONOV An-148",
        country="North Korea",
        operator_icao="KOR",
        operator_name="Air Koryo",
        operator_source="callsign",
    )
    flights, _ = detect_flights(
        rows, airports=fakes.airports(), identities=fakes.FakeIdentities({0x7277CF: ident})
    )
    f = flights[0]
    assert (f.registration, f.typecode, f.operator_name, f.operator_source) == (
        "P-671",
        "A148",
        "Air Koryo",
        "callsign",
    )


def test_country_and_fir_crossings_are_timed_exactly() -> None:
    rows, _ = koryo()
    areas = fakes.BoxAreas([(124.0, "KP"), (130.7, "RU")], [(124.0, "ZKKP"), (131.0, "UHHH")])
    _flights, events = detect_flights(rows, airports=fakes.airports(), areas=areas)
    entry = [e for e in events if e.kind == EventKind.AREA_ENTRY]
    exits = [e for e in events if e.kind == EventKind.AREA_EXIT]
    assert [e.value for e in entry] == ["country:RU", "fir:UHHH"]
    assert [e.value for e in exits] == ["country:KP", "fir:ZKKP"]
    # placed on the border itself, between the two positions either side of it
    ru = entry[0]
    assert abs(ru.lon - 130.7) < 1e-3
    t = rows["time_s"]
    i = int(np.searchsorted(t, ru.time_s))
    assert rows["lon"][i] >= 130.7 > rows["lon"][i - 1]
    assert t[i - 1] < ru.time_s <= t[i]
    assert exits[0].time_s == ru.time_s  # leaving KP is entering RU


def test_border_crossed_and_recrossed_within_a_minute_is_seen_both_ways() -> None:
    rows, _ = koryo()
    # a sliver of "CN" 0.05 degrees wide (~4 km, about 30 s at cruise) on the route
    areas = fakes.BoxAreas([(124.0, "KP"), (128.00, "CN"), (128.05, "KP"), (130.7, "RU")], [])
    _flights, events = detect_flights(rows, airports=fakes.airports(), areas=areas)
    cn = [e for e in events if e.value == "country:CN"]
    assert [e.kind for e in cn] == [EventKind.AREA_ENTRY, EventKind.AREA_EXIT]
    assert 0 < cn[1].time_s - cn[0].time_s < 60
    assert abs(cn[0].lon - 128.0) < 1e-3 and abs(cn[1].lon - 128.05) < 1e-3


def test_emergency_squawk_is_an_event() -> None:
    rows, _ = koryo()
    mid = (rows["time_s"] > T0 + 1800) & (rows["time_s"] < T0 + 1900)
    rows["squawk"][mid] = b"7700"
    _, events = detect_flights(rows, airports=fakes.airports())
    em = [e for e in events if e.kind == EventKind.EMERGENCY]
    assert len(em) == 1 and em[0].value == "7700"


def test_live_emergency_is_reported_in_the_batch_that_brings_it_and_once() -> None:
    rows, _ = koryo()
    mid = (rows["time_s"] > T0 + 1800) & (rows["time_s"] < T0 + 1900)
    rows["squawk"][mid] = b"7700"
    first_7700 = float(rows["time_s"][mid][0])
    det = FlightDetector(airports=fakes.airports())
    reported_at = []
    for i in range(0, len(rows), 3):
        part = rows[i : i + 3]
        now = float(part["time_s"][-1])
        reported_at += [now for e in det.update(part, now).events if e.kind == "emergency"]
    reported_at += [-1.0 for e in det.close_all(now + 3600).events if e.kind == "emergency"]
    assert len(reported_at) == 1 and 0 <= reported_at[0] - first_7700 <= 15


def test_onground_glitch_in_cruise_does_not_split() -> None:
    rows, _ = koryo()
    cruise = np.flatnonzero(rows["altitude_ft"] > 20000)
    rows["onground"][cruise[::50]] = True
    rows["altitude_ft"][cruise[::70]] = np.nan
    rows["onground"][cruise[::70]] = True
    flights, _ = detect_flights(rows, airports=fakes.airports())
    assert len(flights) == 1 and flights[0].arrival.icao == "UHWW"


def test_parked_aircraft_and_a_few_airborne_glitches_are_no_flight() -> None:
    a = fakes.airports().get("EHAM")
    rows, _ = g.fly(
        0x484B00,
        [g.Wp(a.lat, a.lon, -11, 0, True), g.Wp(a.lat, a.lon, -11, 0, True, hold_s=3600)],
        T0,
    )
    rows["onground"][100] = False
    rows["altitude_ft"][100] = 200
    flights, _ = detect_flights(rows, airports=a and fakes.airports())
    assert flights == []


def _same_as_history(rows: np.ndarray, batches: tuple[int, ...], **kw: object) -> None:
    want_f, want_e = detect_flights(rows, **kw)  # type: ignore[arg-type]
    for batch in batches:
        det = FlightDetector(**kw)  # type: ignore[arg-type]
        closed, got_e = {}, []
        for i in range(0, len(rows), batch):
            part = rows[i : i + batch]
            up = det.update(part, float(part["time_s"][-1]))
            closed |= {f.flight_id: f for f in up.flights if f.status == "closed"}
            got_e += up.events
        up = det.close_all(float(rows["time_s"][-1]))
        closed |= {f.flight_id: f for f in up.flights}
        got_e += up.events
        got_f = sorted(closed.values(), key=lambda f: (f.first_seen_s, f.icao24))
        # repr: records hold NaN (unknown), which never compares equal to itself
        assert [repr(f) for f in got_f] == [repr(f) for f in want_f], f"batch size {batch}"
        key = lambda e: (e.time_s, e.icao24, e.kind.value, e.value)  # noqa: E731
        got_e = [repr(e) for e in sorted(got_e, key=key)]
        assert got_e == [repr(e) for e in sorted(want_e, key=key)], f"batch size {batch}"


def test_live_detector_on_many_aircraft_at_once_gives_the_history_flights() -> None:
    """Batches carrying many aircraft, landing, taking off and cruising in the same batch,
    are re-segmented together: the flights and events are still the history's."""
    legs = [("LFBO", "14R", "EHAM", "36L"), ("EHAM", "18R", "LFBO", "32L")]
    tracks = []
    for k in range(8):
        a, ra, b, rb = legs[k % 2]
        icao = 0x3C6400 + k
        t0 = T0 + 97.0 * k
        first, _ = g.fly(icao, g.route(rwy(a, ra), rwy(b, rb)), t0, callsign=f"DLH{k}")
        back, _ = g.fly(icao, g.route(rwy(b, rb), rwy(a, ra)), float(first["time_s"][-1]) + 2400)
        tracks += [first, back]
    rows = g.merge(*tracks)
    rows["squawk"][4000:4010] = b"7700"
    _same_as_history(rows, (13, 400, 5000), airports=fakes.airports(), config=FlightConfig())


def test_live_detector_gives_the_same_flights_and_events_as_history() -> None:
    k1, _ = koryo()
    k2, _ = g.fly(0x3C6444, g.route(rwy("LFBO", "14R"), rwy("EHAM", "36L")), T0 + 600)
    k3, _ = g.fly(0x3C6444, g.route(rwy("EHAM", "18R"), rwy("LFBO", "32L")), T0 + 3 * 3600)
    k4, _ = koryo(T0 + 5 * 3600)
    k4 = k4[k4["altitude_ft"] > 2000]  # second rotation: landing not seen either
    rows = g.merge(k1, k2, k3, k4)
    rows["squawk"][500:520] = b"7700"
    areas = fakes.BoxAreas([(124.0, "KP"), (130.7, "RU")], [(124.0, "ZKKP"), (131.0, "UHHH")])
    kw = dict(airports=fakes.airports(), areas=areas, config=FlightConfig())
    assert len(detect_flights(rows, **kw)[0]) == 4
    _same_as_history(rows, (1, 37, 500), **kw)


def test_live_flight_opens_at_takeoff_and_closes_at_landing() -> None:
    rows, marks = g.fly(0x3C6444, g.route(rwy("LFBO", "14R"), rwy("EHAM", "36L")), T0)
    det = FlightDetector(airports=fakes.airports())
    opened_at = closed_at = None
    for i in range(0, len(rows), 10):
        part = rows[i : i + 10]
        now = float(part["time_s"][-1])
        up = det.update(part, now)
        for f in up.flights:
            if f.status == "open" and opened_at is None:
                opened_at = now
                assert det.current(0x3C6444).flight_id == f.flight_id
            if f.status == "closed":
                closed_at = now
    assert marks["takeoff"][0] <= opened_at <= marks["takeoff"][0] + 120
    assert marks["landing"][0] <= closed_at <= marks["landing"][0] + 120
    assert det.current(0x3C6444) is None


def test_live_flight_times_out_after_a_landing_like_gap() -> None:
    rows, _ = koryo()
    rows = rows[rows["altitude_ft"] > 1500]
    det = FlightDetector(airports=fakes.airports())
    det.update(rows, float(rows["time_s"][-1]))
    assert det.current(0x7277CF) is not None
    last = float(rows["time_s"][-1])
    assert det.update(rows[:0], last + 600).flights == []  # not yet: could still be flying
    # 15 min + the time to come down from the last height (~1,600 ft at 4,000 ft/min)
    up = det.update(rows[:0], last + 900 + 30)
    assert [f.status for f in up.flights] == ["closed"]
    assert up.flights[0].arrival.icao == "UHWW" and up.flights[0].arrival.method == "inferred"


def test_input_order_does_not_matter() -> None:
    k1, _ = koryo()
    k2, _ = g.fly(0x3C6444, g.route(rwy("LFBO", "14R"), rwy("EHAM", "36L")), T0 + 600)
    by_time = g.merge(k1, k2)
    shuffled = by_time[np.random.default_rng(5).permutation(len(by_time))]
    by_aircraft = np.concatenate([k1, k2])
    want, _ = detect_flights(by_time, airports=fakes.airports())
    assert len(want) == 2
    for rows in (shuffled, by_aircraft):
        got, _ = detect_flights(rows, airports=fakes.airports())
        assert [repr(f) for f in got] == [repr(f) for f in want]


def test_imported_user_area_entry_and_exit_are_events() -> None:
    import shapely

    from skytrace.refdata.areas import AreaIndex
    from skytrace.refdata.layers import LayerEntry, PolygonLayer

    rows, _ = koryo()
    box = shapely.box(127.0, 30.0, 128.0, 50.0)  # a band of longitude across the route
    area = PolygonLayer.build([(LayerEntry("band", "band", "area"), box)])
    areas = AreaIndex(areas={"band": area})
    _flights, events = detect_flights(rows, airports=fakes.airports(), areas=areas)
    mine = [e for e in events if e.value == "area:band"]
    assert [e.kind for e in mine] == [EventKind.AREA_ENTRY, EventKind.AREA_EXIT]
    assert abs(mine[0].lon - 127.0) < 1e-3 and abs(mine[1].lon - 128.0) < 1e-3


def test_mlat_noise_along_a_border_is_not_a_string_of_crossings() -> None:
    """Flying north 80 m inside Russia along a border (as the UHWW-UHHH route follows the
    Ussuri), positions scattered by ~170 m: reported positions (ADS-B) that land on the far
    side are crossings; multilaterated ones that near a border do not say which side they
    are on, so the flight stays in Russia."""
    from skytrace.model import Source, empty_positions

    rng = np.random.default_rng(7)
    n = 900
    rows = empty_positions(n)
    rows["icao24"] = 0x1500F3
    rows["time_s"] = T0 + np.arange(n, dtype=np.float64)
    rows["lat"] = 44.0 + np.linspace(0.0, 1.8, n)
    rows["lon"] = 130.7 + 0.001 + rng.normal(0.0, 0.002, n)
    rows["altitude_ft"] = 31000.0
    rows["groundspeed_kt"] = 430.0
    rows["track_deg"] = 0.0
    areas = fakes.BoxAreas([(124.0, "KP"), (130.7, "RU")], [])

    def crossings(source: Source) -> list[Event]:
        rows["source"] = source
        flights, events = detect_flights(rows, areas=areas)
        assert len(flights) == 1
        return [e for e in events if e.kind in (EventKind.AREA_ENTRY, EventKind.AREA_EXIT)]

    assert len(crossings(Source.ADSB)) > 20  # what the lookups alone would say
    assert crossings(Source.MLAT) == []
