"""From pieces of position columns to ``Flight`` records and their events, many at once.

``build_flights(cols, ground, segs, ctx, final)`` turns every flight piece of ``segs``
(SEGMENT_DTYPE rows over ``cols``) into its Flight and events. Everything that can be is
computed for all flights together with numpy (segment reductions with ``reduceat`` over
[start, end) slices, one airport search for all inferred takeoffs and landings, one area
lookup for all samples); per flight, Python only assembles the records and handles the rare
cases (an observed roll fitted to runways, a dip near a field, an area crossing).

The live detector calls this with one piece of one aircraft's buffer, history with all
pieces of all aircraft: each piece's results depend only on its own rows, so both give the
same flights. Takeoff/landing rules: see ``record``. Pure; thread-safe.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from skytrace.errors import SkytraceError
from skytrace.flights import events as ev
from skytrace.flights.aircraft_class import AircraftClass, AirportUser, aircraft_class
from skytrace.flights.airports import Choice, InferredPoints
from skytrace.flights.columns import Cols
from skytrace.flights.record import (
    Context,
    at_event,
    edge_rows,
    flight_id,
    inferred_call,
    observed_call,
)
from skytrace.flights.segment import Complement
from skytrace.geo import EARTH_RADIUS_KM, distance_km
from skytrace.model import AircraftIdentity, AirportCall, Event, EventKind, Flight, Source

__all__ = ["build_flights"]


def _reduce(
    ufunc: Any, values: npt.NDArray[Any], lo: npt.NDArray[np.int64], hi: npt.NDArray[np.int64]
) -> npt.NDArray[Any]:
    """``ufunc`` over values[lo[k]:hi[k]] for each k (slices ascending, non-empty)."""
    idx = np.empty(2 * len(lo), np.int64)
    idx[0::2] = lo
    idx[1::2] = hi
    if idx[-1] >= len(values):
        idx = idx[:-1]
    return np.asarray(ufunc.reduceat(values, idx)[0::2])


def _slices(
    points: npt.NDArray[np.intp], lo: npt.NDArray[np.int64], hi: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """For sorted ``points``, the [a, b) positions of those within each [lo, hi)."""
    return np.searchsorted(points, lo), np.searchsorted(points, hi)


_CHUNK_ROWS = 1 << 18  # rows per pass of the long row-wise computations (see _step_km)


def _step_km(lat: npt.NDArray[Any], lon: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Great-circle km from each row to the next: ``haversine_km`` of consecutive rows, bit
    for bit, with each row's radians and cosine computed once instead of twice.

    Runs over chunks of ``_CHUNK_ROWS`` rows: the temporaries of a chunk (2 MB each) are
    reused from the heap, where those of 10 M rows (80 MB each) would be fresh pages from
    the kernel every time; that page faulting cost more than the arithmetic.
    """
    n = len(lat)
    out = np.empty(max(n - 1, 0))
    for a in range(0, n - 1, _CHUNK_ROWS):
        b = min(a + _CHUNK_ROWS, n - 1)
        p = np.radians(np.asarray(lat[a : b + 1], np.float64))
        cos_p = np.cos(p)
        dl = np.radians(np.diff(np.asarray(lon[a : b + 1], np.float64)))
        h = np.sin(np.diff(p) / 2) ** 2 + cos_p[:-1] * cos_p[1:] * np.sin(dl / 2) ** 2
        out[a:b] = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return out


def _words(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Fixed-width byte strings (NUL-padded) as unsigned integers of the same width when
    there is one: equal integers exactly when equal strings, compared several times faster.
    """
    size = values.dtype.itemsize
    if values.dtype.kind == "S" and size in (1, 2, 4, 8):
        return values.view(np.dtype(f"u{size}"))
    return values


def _sources(values: npt.NDArray[Any]) -> list[str]:
    out = []
    for v in values:
        try:
            out.append(Source(int(v)).label)
        except ValueError:
            out.append(str(int(v)))
    return out


def _identities(
    ctx: Context, icao24: list[int], callsigns: list[str]
) -> list[AircraftIdentity | None]:
    """The identity of each flight's aircraft (by address and first callsign), looked up once
    per distinct pair; None without reference data or where the lookup fails."""
    if ctx.identities is None:
        return [None] * len(icao24)
    cache: dict[tuple[int, str], AircraftIdentity | None] = {}
    out: list[AircraftIdentity | None] = []
    for key in zip(icao24, callsigns, strict=True):
        if key not in cache:
            try:
                cache[key] = ctx.identities.identify(*key)
            except SkytraceError:
                cache[key] = None
        out.append(cache[key])
    return out


def _area_layers(areas: Any) -> list[tuple[str, Any]]:
    """(event prefix, vectorized lookup) of each area layer: countries, FIRs, and each
    imported user area (``area:<name>``; its lookup answers the name or "")."""
    layers: list[tuple[str, Any]] = [("country", areas.countries_at), ("fir", areas.firs_at)]
    names = list(getattr(areas, "area_names", ()))  # a property of refdata's AreaIndex
    for name in names:

        def inside(lats: Any, lons: Any, name: str = name) -> npt.NDArray[Any]:
            hit = np.asarray(areas.in_area(name, lats, lons), bool)
            return np.where(hit, name, "").astype(object)

        layers.append(("area", inside))
    return layers


def _near_a_border(
    lat: npt.NDArray[Any],
    lon: npt.NDArray[Any],
    codes: npt.NDArray[Any],
    lookup: Any,
    margin_km: float,
) -> npt.NDArray[np.bool_]:
    """Positions with another area within ``margin_km`` (looked up N, S, E and W of each)."""
    dlat = margin_km / (EARTH_RADIUS_KM * math.pi / 180.0)
    dlon = dlat / np.maximum(np.cos(np.radians(np.asarray(lat, np.float64))), 0.01)
    unsure = np.zeros(len(codes), np.bool_)
    for sl, so in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        q_lon = (lon + so * dlon + 180.0) % 360.0 - 180.0
        unsure |= np.asarray(lookup(np.clip(lat + sl * dlat, -90, 90), q_lon), object) != codes
    return unsure


def _keep_previous(
    codes: npt.NDArray[Any], unsure: npt.NDArray[np.intp], same: npt.NDArray[np.bool_]
) -> None:
    """Give the ``unsure`` rows the code of the latest sure row before them in the same
    flight (in place); an unsure row that opens a flight keeps its own."""
    if unsure.size == 0:
        return
    n = len(codes)
    sure = np.ones(n, np.bool_)
    sure[unsure] = False
    sure[np.flatnonzero(~same) + 1] = True  # a flight's first row anchors it
    sure[0] = True
    latest = np.maximum.accumulate(np.where(sure, np.arange(n), 0))
    codes[:] = codes[latest]


def build_flights(
    cols: Cols,
    ground: npt.NDArray[np.bool_],
    segs: npt.NDArray[np.void],
    ctx: Context,
    final: bool,
) -> list[tuple[Flight, list[Event]]]:
    """Flights and events of the (qualified) pieces ``segs`` of ``cols``."""
    k_n = len(segs)
    if k_n == 0:
        return []
    cfg = ctx.config
    n = len(cols)
    s = segs["start"].astype(np.int64)
    e = segs["end"].astype(np.int64)
    fa = segs["first_air"].astype(np.int64)
    la = segs["last_air"].astype(np.int64)
    t = cols["time_s"]
    lat, lon = cols["lat"], cols["lon"]
    alt = cols["altitude_ft"].astype(np.float64)
    vr_col = cols["vertical_rate_fpm"]

    # which piece each row is in (-1: none)
    # pieces are disjoint and in row order: runs of -1 (outside), 0, -1, 1, ... by length
    run_of = np.full(2 * k_n + 1, -1, np.int64)
    run_of[1::2] = np.arange(k_n)
    run_len = np.diff(np.concatenate(([0], np.column_stack((s, e)).ravel(), [n])))
    sid = np.repeat(run_of, run_len)
    in_seg = sid >= 0

    # -- statistics ------------------------------------------------------------------------
    step = _step_km(lat, lon) if n > 1 else np.zeros(1)
    flown = _reduce(np.add, step, s, e - 1)
    max_alt = _reduce(np.fmax, alt, s, e)
    n_rx = _reduce(np.maximum, cols["n_receivers"], s, e)
    src = cols["source"]
    src_counts = {
        int(v): _reduce(np.add, (src == v).astype(np.int64), s, e) for v in np.unique(src[in_seg])
    }

    def firsts(values: npt.NDArray[Any], keep: npt.NDArray[np.bool_]) -> npt.NDArray[np.intp]:
        """Rows where ``values`` changes (or a piece starts) and ``keep`` holds."""
        change = np.ones(n, np.bool_)
        change[1:] = values[1:] != values[:-1]
        change[s] = True
        return np.flatnonzero(change & keep)

    cs = cols["callsign"]
    cs_w = _words(cs)
    cs_rows = firsts(cs_w, cs_w != _words(np.zeros(1, cs.dtype))[0])
    cs_lo, cs_hi = _slices(cs_rows, s, e)
    sq = cols["squawk"]
    codes = [c.encode() for c in cfg.events.emergency_squawks]
    if all(len(c) <= sq.dtype.itemsize for c in codes):
        sq_w = _words(sq)
        em_rows = firsts(sq_w, np.isin(sq_w, _words(np.array(codes, sq.dtype))))
    else:
        em_rows = firsts(sq, np.isin(sq, codes))
    em_lo, em_hi = _slices(em_rows, s, e)
    gap_rows = (
        np.flatnonzero(np.diff(t) >= cfg.events.coverage_gap_s) if n > 1 else (np.zeros(0, np.intp))
    )
    gap_lo, gap_hi = _slices(gap_rows, s, e - 1)

    # -- dips (go-around candidates) and touch-and-gos ----------------------------------
    finite = np.isfinite(alt)
    dip = np.zeros(n, np.bool_)
    needs_ga = np.zeros(k_n, np.bool_)
    airborne = Complement(ground)  # every piece here has airborne rows
    ground_rows = airborne.marked
    # ground rows between first and last airborne
    needs_ga |= np.searchsorted(ground_rows, la) > np.searchsorted(ground_rows, fa + 1)
    if ctx.fields is not None:
        # running maximum of whole feet inside each piece: integers, so that a piece gives
        # the same answer alone (live) as among many (history)
        feet = np.floor(alt)
        feet[~finite] = -90_000
        feet = feet.astype(np.int64)
        offset = sid << 20  # sid is -1 outside pieces
        run_max = np.maximum.accumulate(feet + offset) - offset
        # a dip: a low airborne row below the highest whole foot of the rows before it in
        # its piece (the first row of a piece has none); evaluated on the low rows only
        low = np.flatnonzero(in_seg & ~ground & finite & (alt < 20_000))
        piece_first = np.zeros(n, np.bool_)
        piece_first[s] = True
        below = run_max[np.maximum(low - 1, 0)] > feet[low] + int(
            cfg.events.go_around_ft_above_field // 2
        )
        idx = low[(low > 0) & ~piece_first[low] & below]
        if idx.size:
            ceiling = ctx.fields.max_field_elevation_ft(lat[idx], lon[idx])
            idx = idx[alt[idx] < ceiling + cfg.events.go_around_ft_above_field]
        dip = np.zeros(n, np.bool_)
        dip[idx] = True
        dips = idx
        high = np.flatnonzero(in_seg & ~ground & finite & ~dip)
        d_lo, d_hi = _slices(dips, s, e)
        h_hi = np.searchsorted(high, e) - 1
        has_dip = d_hi > d_lo
        first_dip = dips[np.minimum(d_lo, max(dips.size - 1, 0))] if dips.size else s
        last_high = high[np.maximum(h_hi, 0)] if high.size else s - 1
        needs_ga |= has_dip & (h_hi >= 0) & (last_high > first_dip) & (last_high < e)

    # -- takeoff and landing -------------------------------------------------------------
    gap_ok = cfg.inference.observed_max_gap_s
    prev = fa - 1
    obs_to = (prev >= s) & ground[np.maximum(prev, 0)] & (t[fa] - t[np.maximum(prev, 0)] <= gap_ok)
    nxt = la + 1
    nxt_c = np.minimum(nxt, n - 1)
    obs_ld = (nxt < e) & ground[nxt_c] & (t[nxt_c] - t[la] <= gap_ok)
    # A landing is reported as soon as it is settled: in history (``final``) always; on an
    # open piece once the aircraft has been on the ground ``landing_confirm_s`` after its
    # last airborne row and slowed by ``landing_confirm_slowdown_kt`` (a roll-out, not a
    # touch-and-go) — seconds after touchdown instead of at the stop that closes the flight.
    if final:
        landed = np.ones(k_n, np.bool_)
    else:
        speed = cols["groundspeed_kt"].astype(np.float64)
        on_ground_s = t[e - 1] - t[nxt_c]
        slowed = speed[nxt_c] - speed[e - 1]
        landed = obs_ld & (on_ground_s >= cfg.events.landing_confirm_s)
        landed &= slowed >= cfg.events.landing_confirm_slowdown_kt
    k = cfg.segmentation.min_airborne_positions - 1
    kth = airborne.row(np.minimum(airborne.rank(fa) + k, airborne.size - 1))
    kth_l = airborne.row(np.maximum(airborne.rank(la) - k, 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        slope_to = (alt[kth] - alt[fa]) / (t[kth] - t[fa]) * 60.0
        slope_ld = (alt[la] - alt[kth_l]) / (t[la] - t[kth_l]) * 60.0
    slope_to = np.where((t[kth] > t[fa]) & np.isfinite(slope_to), slope_to, np.nan)
    slope_ld = np.where((t[la] > t[kth_l]) & np.isfinite(slope_ld), slope_ld, np.nan)
    vr_to, vr_ld = vr_col[fa].astype(np.float64), vr_col[la].astype(np.float64)
    rate_to = np.where(np.isfinite(vr_to), vr_to, slope_to)
    rate_ld = np.where(np.isfinite(vr_ld), vr_ld, slope_ld)

    # -- who flew: identity and the class of airport it can use ---------------------------
    icao_col = cols["icao24"]
    icao_l = icao_col[s].tolist()
    cs_lo_l, cs_hi_l = cs_lo.tolist(), cs_hi.tolist()
    cs_text = [c.decode("ascii", "replace").strip() for c in cs[cs_rows]]
    first_cs = [cs_text[lo] if hi > lo else "" for lo, hi in zip(cs_lo_l, cs_hi_l, strict=True)]
    idents = _identities(ctx, icao_l, first_cs)
    max_gs = _reduce(np.fmax, cols["groundspeed_kt"].astype(np.float64), s, e)
    classes = np.array(
        [
            aircraft_class(ident, c, a, g)
            for ident, c, a, g in zip(
                idents, first_cs, max_alt.tolist(), max_gs.tolist(), strict=True
            )
        ],
        np.int8,
    )
    military = np.array([bool(i is not None and i.military) for i in idents])

    choices: dict[tuple[int, str], Choice] = {}
    if ctx.airports is not None:
        want = [(int(i), "takeoff", int(fa[i])) for i in np.flatnonzero(~obs_to)]
        if final:
            want += [(int(i), "landing", int(la[i])) for i in np.flatnonzero(~obs_ld)]
        if want:
            rows_i = np.asarray([w[2] for w in want], np.int64)
            lim = cfg.inference
            if ctx.fields is not None:
                rates = np.concatenate([rate_to, rate_ld])
                where = [j if ph == "takeoff" else k_n + j for j, ph, _ in want]
                pts = InferredPoints(
                    lat=lat[rows_i].astype(np.float64),
                    lon=lon[rows_i].astype(np.float64),
                    altitude_ft=alt[rows_i],
                    track_deg=cols["track_deg"][rows_i].astype(np.float64),
                    groundspeed_kt=cols["groundspeed_kt"][rows_i].astype(np.float64),
                    rate_fpm=rates[np.asarray(where, np.int64)],
                    takeoff=np.asarray([w[1] == "takeoff" for w in want]),
                    aircraft_class=classes[np.asarray([w[0] for w in want], np.int64)],
                    military=military[np.asarray([w[0] for w in want], np.int64)],
                )
                found = cfg.airport_choice.choose_inferred_many(
                    ctx.airports, ctx.fields, pts, lim.max_distance_km, lim.max_ft_above_field
                )
            else:
                found = [Choice(None, math.nan, math.nan, "", 0.0, ()) for _ in want]
            choices = {(w[0], w[1]): c for w, c in zip(want, found, strict=True)}

    # -- areas -----------------------------------------------------------------------------
    area_found: list[list[Event]] = [[] for _ in range(k_n)]
    if ctx.areas is not None:
        # every position is looked up (point-in-polygon is vectorized and cheap), so a border
        # crossed and re-crossed between two positions a minute apart is still seen; each
        # crossing is then placed on the segment between its two positions by bisection
        rows_in = np.flatnonzero(in_seg)
        same = sid[rows_in[1:]] == sid[rows_in[:-1]]
        mlat_rows = np.flatnonzero(cols["source"][rows_in] == Source.MLAT)
        for prefix, lookup in _area_layers(ctx.areas):
            codes_at = np.asarray(lookup(lat[rows_in], lon[rows_in]), dtype=object)
            if mlat_rows.size:
                unsure = _near_a_border(
                    lat[rows_in[mlat_rows]], lon[rows_in[mlat_rows]], codes_at[mlat_rows],
                    lookup, cfg.events.mlat_border_margin_km,
                )  # fmt: skip
                _keep_previous(codes_at, mlat_rows[unsure], same)
            change = np.flatnonzero(same & (codes_at[1:] != codes_at[:-1]))
            if change.size == 0:
                continue
            a_rows, b_rows = rows_in[change], rows_in[change + 1]
            old_codes, new_codes = codes_at[change], codes_at[change + 1]
            at = ev.area_crossings(
                cols, a_rows, b_rows, old_codes, lookup, cfg.events.area_bisections
            )
            sids = sid[a_rows].tolist()
            for k, (old, new) in enumerate(
                zip(old_codes.tolist(), new_codes.tolist(), strict=True)
            ):
                where = at[k]
                j = sids[k]
                if old:
                    area_found[j].append(
                        Event(kind=EventKind.AREA_EXIT, value=f"{prefix}:{old}", **where)
                    )
                if new:
                    area_found[j].append(
                        Event(kind=EventKind.AREA_ENTRY, value=f"{prefix}:{new}", **where)
                    )

    # -- per flight: assemble --------------------------------------------------------------
    out: list[tuple[Flight, list[Event]]] = []
    # plain Python values per flight: indexing lists is much cheaper than numpy scalars
    s_l, e_l, fa_l, la_l = s.tolist(), e.tolist(), fa.tolist(), la.tolist()
    t_first, t_last = t[s].tolist(), t[e - 1].tolist()
    ends_ll = np.stack([lat[fa], lon[fa], lat[la], lon[la]], axis=1).tolist()
    obs_to_l, obs_ld_l, landed_l = obs_to.tolist(), obs_ld.tolist(), landed.tolist()
    rate_to_l, rate_ld_l = rate_to.tolist(), rate_ld.tolist()
    flown_l, max_alt_l, n_rx_l = flown.tolist(), max_alt.tolist(), n_rx.tolist()
    counts_l = {v: c.tolist() for v, c in src_counts.items()}
    labels = dict(zip(counts_l, _sources(np.asarray(list(counts_l))), strict=True))
    gap_lo_l, gap_hi_l, em_lo_l, em_hi_l = (
        gap_lo.tolist(),
        gap_hi.tolist(),
        em_lo.tolist(),
        em_hi.tolist(),
    )
    needs_ga_l = needs_ga.tolist()
    edge_fa, edge_la = edge_rows(cols, fa), edge_rows(cols, la)
    users = [
        AirportUser(AircraftClass(c), m)
        for c, m in zip(classes.tolist(), military.tolist(), strict=True)
    ]
    for j in range(k_n):
        a, b, f_a, l_a = s_l[j], e_l[j], fa_l[j], la_l[j]
        icao24 = icao_l[j]
        if obs_to_l[j]:
            departure, takeoff_s = observed_call(
                cols, ground, a, b, f_a, f_a - 1, ctx, "takeoff", users[j]
            )
        else:
            departure, takeoff_s = inferred_call(
                choices.get((j, "takeoff")), edge_fa[j], rate_to_l[j], ctx, "takeoff"
            )
        arrival: AirportCall | None = None
        landing_s = math.nan
        if landed_l[j]:
            if obs_ld_l[j]:
                arrival, landing_s = observed_call(
                    cols, ground, a, b, l_a, l_a + 1, ctx, "landing", users[j]
                )
            elif final:
                arrival, landing_s = inferred_call(
                    choices.get((j, "landing")), edge_la[j], rate_ld_l[j], ctx, "landing"
                )
        fid = flight_id(icao24, takeoff_s if takeoff_s == takeoff_s else t_first[j])
        callsigns = tuple(dict.fromkeys(cs_text[cs_lo_l[j] : cs_hi_l[j]]))
        ident = idents[j]
        if departure is not None and arrival is not None and departure.icao and arrival.icao:
            gc = distance_km(departure.lat, departure.lon, arrival.lat, arrival.lon)
        else:
            gc = distance_km(*ends_ll[j])
        mix = sorted(
            ((c[j], v) for v, c in counts_l.items() if c[j] > 0), key=lambda x: (-x[0], x[1])
        )
        gaps = gap_rows[gap_lo_l[j] : gap_hi_l[j]].tolist()
        flight = Flight(
            flight_id=fid,
            icao24=icao24,
            status="closed" if final else "open",
            first_seen_s=t_first[j],
            last_seen_s=t_last[j],
            departure=departure,
            arrival=arrival,
            takeoff_s=takeoff_s,
            landing_s=landing_s,
            callsigns=callsigns,
            registration=ident.registration if ident else "",
            typecode=ident.typecode if ident else "",
            type_description=ident.type_description if ident else "",
            country=ident.country if ident else "",
            operator_icao=ident.operator_icao if ident else "",
            operator_name=ident.operator_name if ident else "",
            operator_source=ident.operator_source if ident else "unknown",
            distance_flown_km=round(flown_l[j], 3),
            gc_distance_km=round(gc, 3),
            max_altitude_ft=max_alt_l[j],
            n_positions=b - a,
            n_receivers=n_rx_l[j],
            sources=tuple(labels[v] for _, v in mix),
            source_counts=tuple((labels[v], c) for c, v in mix),
            gaps=tuple((float(t[g]), float(t[g + 1])) for g in gaps),
        )
        evs: list[Event] = []
        if takeoff_s == takeoff_s:
            code = departure.icao if departure is not None else ""
            evs.append(at_event(icao24, edge_fa[j], EventKind.TAKEOFF, code, fid, takeoff_s))
        if landed_l[j] and landing_s == landing_s:
            code = arrival.icao if arrival is not None else ""
            evs.append(at_event(icao24, edge_la[j], EventKind.LANDING, code, fid, landing_s))
        for g in gaps:
            evs.append(ev._event(cols, g, EventKind.COVERAGE_LOST, "", fid))
            mins = (t[g + 1] - t[g]) / 60.0
            evs.append(ev._event(cols, g + 1, EventKind.COVERAGE_REGAINED, f"{mins:.0f} min", fid))
        for r in em_rows[em_lo_l[j] : em_hi_l[j]]:
            evs.append(
                ev._event(cols, int(r), EventKind.EMERGENCY, sq[r].decode("ascii", "replace"), fid)
            )
        if needs_ga_l[j]:
            for x in ev.go_around_events(
                cols[a:b], ground[a:b], dip[a:b], cfg.events, ctx.fields, ctx.icao_of, fid
            ):
                evs.append(x)
        for x in area_found[j]:
            evs.append(Event(x.time_s, x.icao24, x.kind, x.value, fid, x.lat, x.lon, x.altitude_ft))
        evs.sort(key=lambda x: (x.time_s, x.kind.value, x.value))
        out.append((flight, evs))
    return out
