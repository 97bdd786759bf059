"""The MLAT stage: frame batches in, multilaterated fixes and MLAT frames for the tracker out.

Per batch (``MlatStage.process``), each step on whole columns:

1. group the batch's timed frames into replies heard by several receivers (``replies``);
2. clock sync: every DF17 airborne-position reply that matches a reference position (the
   tracker's accepted ADS-B positions of the same batch: same address, within
   ``reference_match_s``) gives one sample per pair of receivers with a known site
   (``clock.ClockSync``);
3. remember each aircraft's latest barometric altitude (DF0/4/16/20, ES position);
4. candidates: replies of aircraft without a recent ADS-B position (``adsb_quiet_s``), from
   receivers with a site that are not suspect; per reply the reference receiver is the one
   synced with most of the others, and every receiver synced with it has its time put on the
   reference clock by the pair model (with the model's prediction error added to its noise);
5. solve every candidate with ≥ 3 such receivers at once (``solve.solve_groups``; 3 only with
   an altitude, and one degree of freedom is required by default);
6. gate each fix against its aircraft's recent track (``smooth.FixSmoother``), then hand the
   accepted fixes on as rows of ``FIX_DTYPE`` and as a ``FrameBatch`` of DF17 airborne
   position messages (even and odd CPR alternately, the first fix of an aircraft both) with
   ``FrameKind.MLAT`` and the readsb MLAT timestamp, the type code chosen so its containment
   radius covers twice the fix's error estimate (so ``nic``/``rc`` in aircraft.json show it),
   plus one DF17 velocity message per aircraft from the smoothed track.

The tracker ingests those frames like any other: they pass its plausibility checks and come
out as positions with source ``mlat``. Time is passed in; nothing here reads a clock, a
socket or a file. Not thread-safe: one stage per pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt

from skytrace import encode
from skytrace.encode.frames import Messages
from skytrace.mlat.clock import ClockSync, SyncConfig, pair_key
from skytrace.mlat.geodesy import C_M_S, geodetic_to_ecef
from skytrace.mlat.replies import MLAT_MAGIC_TICKS, ReplyCounts, ReplyGroups, group_replies
from skytrace.mlat.smooth import FixSmoother, SmootherConfig
from skytrace.mlat.solve import REJECT_RESIDUAL, Solution, SolverLimits, solve_groups
from skytrace.model import FrameBatch, FrameKind, Source
from skytrace.track.receivers import ReceiverLists

__all__ = [
    "FIX_DTYPE",
    "MlatConfig",
    "MlatOutput",
    "MlatStage",
    "MlatStats",
    "ReceiverSite",
    "ReceiverSyncState",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
FT_TO_M: Final = 0.3048

FIX_DTYPE: Final = np.dtype(
    [
        ("icao24", np.uint32),
        ("time_s", np.float64),  # transmit time, UTC epoch seconds
        ("lat", np.float64),
        ("lon", np.float64),
        ("height_m", np.float32),  # ellipsoidal height solved
        ("altitude_ft", np.float32),  # barometric altitude used as a constraint, NaN none
        ("error_m", np.float32),  # horizontal error estimate (1σ radial, from the covariance)
        ("gdop", np.float32),
        ("n_receivers", np.uint16),
        ("df", np.uint8),
    ]
)
"""One row per multilaterated reply."""

# containment radius (m) of ES airborne position type codes 9..18 (NIC 11..0, NIC-B 0)
_TC_RADIUS_M: Final = np.array(
    [7.5, 25.0, 185.2, 370.4, 1111.2, 1852.0, 3704.0, 14816.0, 37040.0, np.inf]
)
_ALTITUDE_DF: Final = np.zeros(32, np.bool_)
_ALTITUDE_DF[[0, 4, 16, 17, 18, 20]] = True


@dataclass(frozen=True, slots=True)
class ReceiverSite:
    """Where a receiver's antenna is: configured, since MLAT needs it within metres."""

    receiver: int  # index used in FrameBatch.receiver
    lat: float
    lon: float
    altitude_m: float = 30.0  # antenna height above the ellipsoid (MSL is close enough)
    name: str = ""


@dataclass(frozen=True, slots=True)
class MlatConfig:
    group_window_s: float = 0.2
    max_receivers: int = 10  # per reply, earliest copies first
    altitude_max_age_s: float = 15.0  # a remembered altitude older than this is not used
    adsb_quiet_s: float = 30.0  # an aircraft with an ADS-B position this recent is skipped
    reference_match_s: float = 0.005
    blame_min: int = 5  # a receiver blamed this often ...
    blame_fraction: float = 0.2  # ... in this share of the replies it was in is excluded
    sync: SyncConfig = field(default_factory=SyncConfig)
    solver: SolverLimits = field(default_factory=SolverLimits)
    smoother: SmootherConfig = field(default_factory=SmootherConfig)


@dataclass(slots=True)
class MlatStats:
    replies: int = 0  # groups heard by ≥ 2 receivers
    sync_replies: int = 0  # DF17 positions matched to a reference and used for sync
    candidates: int = 0  # replies of aircraft without ADS-B position, ≥ 3 synced receivers
    fixes: int = 0
    inconsistent: int = 0  # solved but off the aircraft's track
    rescued: int = 0  # fixed after leaving out the one receiver that made them inconsistent
    rejected: dict[str, int] = field(default_factory=dict)
    frames: ReplyCounts = field(default_factory=ReplyCounts)


@dataclass(frozen=True, slots=True)
class ReceiverSyncState:
    """What MLAT knows of one receiver (for ``skytrace receivers`` and the API)."""

    receiver: int
    name: str
    has_site: bool
    synced_pairs: int
    clock_noise_ns: float  # own timing noise estimated from its pairs, NaN unknown
    resets: int  # clock jumps detected (it is re-synchronised before use)
    suspect: bool  # pairs all noisy: probably a wrong position; excluded
    fixes: int  # fixes it contributed to

    @property
    def state(self) -> str:
        if not self.has_site:
            return "no position"
        if self.suspect:
            return "excluded (position or clock inconsistent)"
        return "synced" if self.synced_pairs else "not synced"

    def as_json(self) -> dict[str, Any]:
        """The state as receivers.json and the API give it (NaN noise -> None)."""
        noise = self.clock_noise_ns
        return {
            "state": self.state,
            "synced_pairs": self.synced_pairs,
            "clock_noise_ns": round(noise, 1) if noise == noise else None,
            "resets": self.resets,
            "fixes": self.fixes,
        }


@dataclass(slots=True)
class MlatOutput:
    fixes: npt.NDArray[np.void]  # FIX_DTYPE rows, time-ordered
    frames: FrameBatch  # MLAT frames for the tracker (decoded, then Tracker.ingest)
    receivers: ReceiverLists | None = None  # the receivers each fix was solved from

    def attribute(self, positions: npt.NDArray[np.void]) -> ReceiverLists:
        """Give the tracker's positions of ``frames`` (POSITION_DTYPE, in place) the number of
        receivers of their fix, and return the receivers of each row (aligned).

        A position is the fix with its address and exactly its time (the frames carry the
        fix's time); one that matches none keeps its count and gets no receivers."""
        n = len(positions)
        lists = (
            self.receivers if self.receivers is not None else ReceiverLists.empty(len(self.fixes))
        )
        if n == 0 or len(self.fixes) == 0:
            return ReceiverLists.empty(n)
        order = np.argsort(self.fixes["time_s"], kind="stable")
        t, icao = self.fixes["time_s"][order], self.fixes["icao24"][order]
        start = np.searchsorted(t, positions["time_s"], side="left")
        match = np.full(n, -1, np.int64)
        for step in range(4):  # fixes of other aircraft may share a time: look a few further
            at = np.minimum(start + step, t.size - 1)
            hit = (match < 0) & (t[at] == positions["time_s"]) & (icao[at] == positions["icao24"])
            match[hit] = order[at[hit]]
        found = match >= 0
        positions["n_receivers"][found] = self.fixes["n_receivers"][match[found]]
        # an unmatched row takes an empty list, appended after the fixes' lists
        with_empty = ReceiverLists.concat([lists, ReceiverLists.empty(1)])
        return with_empty.take(np.where(found, match, len(self.fixes)))


_REJECT_NAMES: Final = (
    "ok",
    "too_few_receivers",
    "diverged",
    "residual",
    "geometry",
    "place",
    "ambiguous",
)


class SiteBookLike(Protocol):
    def resolve(self, receivers: dict[int, str]) -> list[ReceiverSite]: ...


class MlatStage:
    """Clock sync and multilateration over a stream of frame batches."""

    def __init__(
        self,
        sites: Iterable[ReceiverSite] = (),
        config: MlatConfig | None = None,
        *,
        book: SiteBookLike | None = None,
    ) -> None:
        """``sites`` by receiver index; ``book`` (skytrace.mlat.sites.SiteBook) gives the
        positions of receivers by name as batches name new receiver indices."""
        self.config = config if config is not None else MlatConfig()
        self.book = book
        self.sync = ClockSync(self.config.sync)
        self.smoother = FixSmoother(self.config.smoother)
        self.stats = MlatStats()
        self._site_ecef = np.full((1, 3), np.nan)
        self._sites: dict[int, ReceiverSite] = {}
        for s in sites:
            self.set_site(s)
        self._alt_icao = np.zeros(0, np.uint32)
        self._alt_ft = np.zeros(0, np.float64)
        self._alt_time = np.zeros(0, np.float64)
        self._lookup = _AddressLookup()
        self._adsb_icao = np.zeros(0, np.uint32)  # sorted; last ADS-B position time of each
        self._adsb_time = np.zeros(0, np.float64)
        self._fixes_by_receiver: dict[int, int] = {}
        self._blamed: dict[int, int] = {}  # replies inconsistent until this receiver was left out
        self._solved_with: dict[int, int] = {}  # replies solved with this receiver
        self._emitted: set[int] = set()
        self._odd: dict[int, bool] = {}

    # ------------------------------------------------------------------ receivers

    def set_site(self, site: ReceiverSite) -> None:
        r = int(site.receiver)
        if r <= 0:
            raise ValueError(f"receiver index must be >= 1, got {r}")
        self._sites[r] = site
        if r >= self._site_ecef.shape[0]:
            grown = np.full((r + 1, 3), np.nan)
            grown[: self._site_ecef.shape[0]] = self._site_ecef
            self._site_ecef = grown
        self._site_ecef[r] = geodetic_to_ecef(site.lat, site.lon, site.altitude_m)

    @property
    def sites(self) -> dict[int, ReceiverSite]:
        return dict(self._sites)

    def receiver_states(self, names: dict[int, str] | None = None) -> list[ReceiverSyncState]:
        names = names or {}
        m = self.sync.models
        known = set(self._sites) | set(names)
        a = (m.key >> 32).astype(np.int64)
        b = (m.key & 0xFFFFFFFF).astype(np.int64)
        usable = (m.n >= self.sync.config.min_samples) & (m.sigma <= self.sync.config.max_sigma_s)
        counts = np.bincount(np.concatenate([a[usable], b[usable]]), minlength=1)
        excluded = self.excluded
        out = []
        for r in sorted(known):
            site = self._sites.get(r)
            out.append(
                ReceiverSyncState(
                    receiver=r,
                    name=names.get(r, site.name if site else ""),
                    has_site=site is not None,
                    synced_pairs=int(counts[r]) if r < counts.size else 0,
                    clock_noise_ns=self.sync.noise_s.get(r, float("nan")) * 1e9,
                    resets=self.sync.resets.get(r, 0),
                    suspect=r in excluded,
                    fixes=self._fixes_by_receiver.get(r, 0),
                )
            )
        return out

    # ------------------------------------------------------------------ the batch

    def process(
        self, frames: FrameBatch, decoded: Any, references: npt.NDArray[np.void], now_s: float
    ) -> MlatOutput:
        """One batch: ``decoded`` aligned with ``frames``; ``references`` are POSITION_DTYPE
        rows of ADS-B positions known for this batch (the tracker's output)."""
        cfg = self.config
        if self.book is not None and frames.receivers:
            for site in self.book.resolve(frames.receivers):
                self.set_site(site)
        self._note_adsb(references)
        self._note_squitters(frames, decoded)
        groups = group_replies(
            frames,
            decoded,
            window_s=cfg.group_window_s,
            max_receivers=cfg.max_receivers,
            wanted=self._wanted(decoded, references, now_s),
        )
        self.stats.frames.add(groups.counts)
        self.stats.replies += len(groups)
        if len(groups):
            self._synchronise(groups, references, now_s)
            self._remember_altitudes(groups)
        fixes, used = (
            self._multilaterate(groups, now_s)
            if len(groups)
            else (np.zeros(0, FIX_DTYPE), ReceiverLists.empty())
        )
        return MlatOutput(fixes, self._frames(fixes, frames.receivers), used)

    def _note_adsb(self, refs: npt.NDArray[np.void]) -> None:
        if len(refs) == 0:
            return
        es = np.isin(refs["source"], [Source.ADSB, Source.ADSB_NT])
        self._remember_adsb(refs["icao24"][es], refs["time_s"][es])

    def _remember_adsb(self, icao24: npt.NDArray[np.uint32], time_s: F64) -> None:
        icao = np.concatenate([self._adsb_icao, icao24.astype(np.uint32)])
        t = np.concatenate([self._adsb_time, time_s])
        order = np.lexsort((t, icao))
        icao, t = icao[order], t[order]
        last = np.r_[icao[1:] != icao[:-1], True]
        self._adsb_icao, self._adsb_time = icao[last], t[last]

    def _note_squitters(self, frames: FrameBatch, decoded: Any) -> None:
        """An aircraft that sends ES positions has ADS-B even before the tracker has
        accepted one of them: it is not multilaterated either."""
        df = decoded["df"]
        if "typecode" not in decoded:
            return
        tc = decoded["typecode"]
        position = (tc >= 5) & (tc <= 22) & (tc != 19)  # surface, airborne baro and GNSS
        es = (df == 17) & position & decoded["crc_ok"] & decoded.mask("crc_ok")
        if not es.any():
            return
        rows = np.zeros(int(es.sum()), [("icao24", np.uint32), ("time_s", np.float64)])
        rows["icao24"] = decoded["icao"][es]
        rows["time_s"] = frames.time_s[es]
        self._remember_adsb(rows["icao24"], rows["time_s"])

    def _quiet(self, icao: npt.NDArray[np.uint32], now_s: float) -> npt.NDArray[np.bool_]:
        """Aircraft without an ADS-B position in the last ``adsb_quiet_s``."""
        recent = self._adsb_icao[self._adsb_time >= now_s - self.config.adsb_quiet_s]
        return ~self._lookup.of(recent, icao)

    def _wanted(
        self, decoded: Any, refs: npt.NDArray[np.void], now_s: float
    ) -> npt.NDArray[np.bool_]:
        """Frames worth grouping: ES positions of aircraft with a reference position (for
        sync) and every reply of an aircraft without ADS-B (to place)."""
        icao = decoded["icao"].astype(np.uint32)
        df = decoded["df"]
        tc = decoded["typecode"] if "typecode" in decoded else np.zeros(df.shape, np.uint8)
        pos = (df == 17) & (tc >= 9) & (tc <= 18)
        if len(refs):
            pos &= self._lookup.of(refs["icao24"], icao)
        else:
            pos[:] = False
        return np.asarray(pos | self._quiet(icao, now_s), np.bool_)

    def _site_of(self, receiver: I64) -> F64:
        r = np.where((receiver > 0) & (receiver < self._site_ecef.shape[0]), receiver, 0)
        return self._site_ecef[r]

    def _synchronise(self, g: ReplyGroups, refs: npt.NDArray[np.void], now_s: float) -> None:
        """Pair samples from DF17 positions whose aircraft position is known."""
        cfg = self.config
        pos = (g.df == 17) & (g.typecode >= 9) & (g.typecode <= 18)
        es = np.isin(refs["source"], [Source.ADSB, Source.ADSB_NT]) & ~refs["onground"]
        if not pos.any() or not es.any():
            return
        r = refs[es]
        gi = np.flatnonzero(pos)
        # match by address, then by time: key = address × 1e6 s + time
        t0 = float(min(g.time_s.min(), r["time_s"].min()))
        rkey = r["icao24"].astype(np.float64) * 1e6 + (r["time_s"] - t0)
        gkey = g.icao24[gi].astype(np.float64) * 1e6 + (g.time_s[gi] - t0)
        order = np.argsort(rkey)
        rkey = rkey[order]
        at = np.clip(np.searchsorted(rkey, gkey), 1, max(rkey.size - 1, 1))
        best = np.where(
            np.abs(rkey[at - 1] - gkey) <= np.abs(rkey[np.minimum(at, rkey.size - 1)] - gkey),
            at - 1,
            np.minimum(at, rkey.size - 1),
        )
        hit = np.abs(rkey[best] - gkey) <= cfg.reference_match_s
        gi, ri = gi[hit], order[best[hit]]
        if gi.size == 0:
            return
        self.stats.sync_replies += int(gi.size)
        height = (
            np.where(
                np.isnan(r["geo_altitude_ft"][ri]), r["altitude_ft"][ri], r["geo_altitude_ft"][ri]
            ).astype(np.float64)
            * FT_TO_M
        )
        aircraft = geodetic_to_ecef(r["lat"][ri], r["lon"][ri], height)
        rcv = g.receiver[gi]
        site = self._site_of(rcv)
        valid = g.valid[gi] & np.isfinite(site[..., 0])
        dist = np.linalg.norm(site - aircraft[:, None, :], axis=2)
        z = g.ticks_s[gi] - dist / C_M_S  # each receiver's clock at transmission
        m = rcv.shape[1]
        ia, ib = np.triu_indices(m, 1)
        both = valid[:, ia] & valid[:, ib]
        ra, rb = rcv[:, ia][both], rcv[:, ib][both]
        za, zb = z[:, ia][both], z[:, ib][both]
        swap = ra > rb
        lo = np.where(swap, rb, ra)
        hi = np.where(swap, ra, rb)
        x = np.where(swap, zb, za)
        y = np.where(swap, za - zb, zb - za)
        self.sync.add(lo, hi, x, y, now_s)

    def _remember_altitudes(self, g: ReplyGroups) -> None:
        has = _ALTITUDE_DF[g.df] & ~np.isnan(g.altitude_ft)
        icao = np.concatenate([self._alt_icao, g.icao24[has]])
        alt = np.concatenate([self._alt_ft, g.altitude_ft[has]])
        t = np.concatenate([self._alt_time, g.time_s[has]])
        order = np.lexsort((t, icao))
        icao, alt, t = icao[order], alt[order], t[order]
        last = np.r_[icao[1:] != icao[:-1], True]
        self._alt_icao, self._alt_ft, self._alt_time = icao[last], alt[last], t[last]

    def _altitude_at(self, icao: npt.NDArray[np.uint32], t: F64) -> F64:
        out = np.full(icao.shape[0], np.nan)
        if self._alt_icao.size == 0:
            return out
        pos = np.minimum(np.searchsorted(self._alt_icao, icao), self._alt_icao.size - 1)
        ok = (self._alt_icao[pos] == icao) & (
            np.abs(t - self._alt_time[pos]) <= self.config.altitude_max_age_s
        )
        out[ok] = self._alt_ft[pos[ok]]
        return out

    def _multilaterate(
        self, g: ReplyGroups, now_s: float
    ) -> tuple[npt.NDArray[np.void], ReceiverLists]:
        """Fixes of the groups that solve, and the receivers each was solved from."""
        cfg = self.config
        quiet = self._quiet(g.icao24, now_s)
        sel = np.flatnonzero(quiet & (g.valid.sum(axis=1) >= 3))
        if sel.size == 0:
            return np.zeros(0, FIX_DTYPE), ReceiverLists.empty()
        g = g.take(sel)
        rcv = g.receiver
        site = self._site_of(rcv)
        valid = g.valid & np.isfinite(site[..., 0])
        excluded = self.excluded
        if excluded:
            valid &= ~np.isin(rcv, np.array(sorted(excluded)))
        times, sigma, used = self._on_reference_clock(rcv, g.ticks_s, valid)
        alt_ft = np.where(
            np.isnan(g.altitude_ft), self._altitude_at(g.icao24, g.time_s), g.altitude_ft
        )
        n = used.sum(axis=1)
        enough = (n >= 4) | ((n >= 3) & ~np.isnan(alt_ft))
        k = np.flatnonzero(enough)
        self.stats.candidates += int(k.size)
        if k.size == 0:
            return np.zeros(0, FIX_DTYPE), ReceiverLists.empty()
        sol = solve_groups(
            np.where(used[k][..., None], site[k], 0.0),
            times[k],
            sigma[k],
            used[k],
            alt_ft[k] * FT_TO_M,
            cfg.solver,
        )
        self._count_participation(rcv[k], used[k])
        self._leave_one_out(sol, k, rcv, used, site, times, sigma, alt_ft)
        n = used.sum(axis=1)
        for code in np.unique(sol.why[~sol.ok]).tolist():
            name = _REJECT_NAMES[code]
            self.stats.rejected[name] = self.stats.rejected.get(name, 0) + int(
                np.count_nonzero(sol.why == code)
            )
        ok = np.flatnonzero(sol.ok)
        if ok.size == 0:
            return np.zeros(0, FIX_DTYPE), ReceiverLists.empty()
        gk = k[ok]
        near = np.where(
            used[gk], np.linalg.norm(site[gk] - sol.ecef[ok][:, None, :], axis=2), np.inf
        )
        fixes = np.zeros(ok.size, FIX_DTYPE)
        fixes["icao24"] = g.icao24[gk]
        fixes["time_s"] = g.time_s[gk] - near.min(axis=1) / C_M_S
        fixes["lat"] = sol.lat[ok]
        fixes["lon"] = sol.lon[ok]
        fixes["height_m"] = sol.height_m[ok]
        fixes["altitude_ft"] = alt_ft[gk]
        fixes["error_m"] = sol.error_m[ok]
        fixes["gdop"] = sol.gdop[ok]
        fixes["n_receivers"] = n[gk]
        fixes["df"] = g.df[gk]
        order = np.argsort(fixes["time_s"], kind="stable")
        fixes, gk = fixes[order], gk[order]
        gate = self.smoother.gate(
            fixes["icao24"], fixes["time_s"], fixes["lat"], fixes["lon"],
            fixes["error_m"].astype(np.float64),
        )  # fmt: skip
        self.stats.inconsistent += int(np.count_nonzero(~gate))
        fixes, gk = fixes[gate], gk[gate]
        self.smoother.add(
            fixes["icao24"], fixes["time_s"], fixes["lat"], fixes["lon"],
            fixes["error_m"].astype(np.float64), now_s,
        )  # fmt: skip
        self.stats.fixes += int(fixes.size)
        contributed = rcv[gk][used[gk]]
        for r, c in zip(*np.unique(contributed, return_counts=True), strict=True):
            self._fixes_by_receiver[int(r)] = self._fixes_by_receiver.get(int(r), 0) + int(c)
        offsets = np.zeros(fixes.size + 1, np.int64)
        np.cumsum(used[gk].sum(axis=1), out=offsets[1:])
        return fixes, ReceiverLists(offsets, contributed.astype(np.uint32))

    def _count_participation(self, rcv: I64, used: npt.NDArray[np.bool_]) -> None:
        r, c = np.unique(rcv[used], return_counts=True)
        for a, b in zip(r.tolist(), c.tolist(), strict=True):
            self._solved_with[a] = self._solved_with.get(a, 0) + b

    def _leave_one_out(
        self,
        sol: Solution,
        k: I64,
        rcv: I64,
        used: npt.NDArray[np.bool_],
        site: F64,
        times: F64,
        sigma: F64,
        alt_ft: F64,
    ) -> None:
        """Replies whose residuals were too large are solved again without each receiver in
        turn. When exactly one receiver's removal leaves a consistent fix, that fix is kept
        (``used`` and ``sol`` updated in place) and the receiver is blamed; a receiver
        blamed in ``blame_fraction`` of the replies it was in (at least ``blame_min``
        times) is excluded as having a wrong position or a bad clock."""
        cfg = self.config
        has_alt = ~np.isnan(alt_ft[k])
        n = used[k].sum(axis=1)
        # one receiver fewer must still leave a degree of freedom to check the rest by
        retry = np.flatnonzero((sol.why == REJECT_RESIDUAL) & (n - 1 + has_alt - 4 >= 1))
        if retry.size == 0:
            return
        gk = k[retry]
        m = used.shape[1]
        drop = np.eye(m, dtype=bool)
        variants = used[gk][:, None, :] & ~drop[None]  # (R, M, M): slot j left out
        real = used[gk]  # a variant only for slots that held a receiver
        vi, vj = np.nonzero(real)
        v_used = variants[vi, vj]
        other = solve_groups(
            np.where(v_used[..., None], site[gk][vi], 0.0),
            times[gk][vi],
            sigma[gk][vi],
            v_used,
            alt_ft[gk][vi] * FT_TO_M,
            cfg.solver,
        )
        passing = np.bincount(vi, weights=other.ok.astype(np.float64), minlength=retry.size)
        for r in np.flatnonzero(passing == 1).tolist():
            v = int(np.flatnonzero((vi == r) & other.ok)[0])
            slot = int(vj[v])
            blamed = int(rcv[gk[r], slot])
            self._blamed[blamed] = self._blamed.get(blamed, 0) + 1
            row = int(retry[r])
            used[gk[r], slot] = False
            for name in ("ecef", "lat", "lon", "height_m", "transmit_m", "error_m", "gdop",
                         "chi2", "dof", "ok", "why"):  # fmt: skip
                getattr(sol, name)[row] = getattr(other, name)[v]
        self.stats.rescued += int(np.count_nonzero(passing == 1))

    @property
    def excluded(self) -> set[int]:
        """Receivers not used: noisy in every pair, or blamed for inconsistent replies."""
        cfg = self.config
        blamed = {
            r
            for r, b in self._blamed.items()
            if b >= cfg.blame_min and b >= cfg.blame_fraction * self._solved_with.get(r, 0)
        }
        return set(self.sync.suspect) | blamed

    def _on_reference_clock(
        self, rcv: I64, ticks_s: F64, valid: npt.NDArray[np.bool_]
    ) -> tuple[F64, F64, npt.NDArray[np.bool_]]:
        """Times of each reply on its reference receiver's clock (relative to the reference's
        own stamp), their 1σ errors, and which slots could be converted."""
        g, m = rcv.shape
        ia, ib = np.meshgrid(np.arange(m), np.arange(m), indexing="ij")
        ra, rb = rcv[:, ia], rcv[:, ib]  # (G, M, M)
        lo, hi = np.minimum(ra, rb), np.maximum(ra, rb)
        row = self.sync.models.find(pair_key(lo, hi))
        x_lo = np.where(ra <= rb, ticks_s[:, ia], ticks_s[:, ib])
        synced = self.sync.synced(row, x_lo) & valid[:, ia] & valid[:, ib] & (ia != ib)
        ref = np.argmax(synced.sum(axis=2), axis=1)
        gi = np.arange(g)
        link = synced[gi, ref]  # (G, M): slot k synced with the reference
        used = link.copy()
        used[gi, ref] = link.any(axis=1)
        r_row = row[gi, ref]  # (G, M) model of (ref, k)
        r_rcv = rcv[gi, ref][:, None]
        t = ticks_s
        times = np.zeros((g, m))
        pred_err = np.zeros((g, m))
        if used.any():
            rr = np.where(used, r_row, 0)
            rr = np.maximum(rr, 0)
            models = self.sync.models
            # ref < k: y(x_ref) = clock_k - clock_ref with x_ref ≈ t_k - y
            y0, _ = models.predict(rr, t - models.offset[rr])
            y1, e1 = models.predict(rr, t - y0)
            # ref > k: y(x_k) = clock_ref - clock_k, x_k known
            y2, e2 = models.predict(rr, t)
            ref_low = r_rcv < rcv
            on_ref = np.where(ref_low, t - y1, t + y2)
            pred_err = np.where(ref_low, e1, e2)
            on_ref[gi, ref] = t[gi, ref]
            pred_err[gi, ref] = 0.0
            times = np.where(used, on_ref - t[gi, ref][:, None], 0.0)
        noise = self.sync.receiver_noise(np.where(used, rcv, 0))
        # the line fit's own prediction error is too small: measured against the truth, pair
        # offsets are off by ~50 ns (1σ) whatever the number of samples
        model = np.where(used & (rcv != rcv[gi, ref][:, None]), self.sync.config.model_floor_s, 0)
        sigma = np.sqrt(noise**2 + pred_err**2 + model**2)
        return times, sigma, used

    # ------------------------------------------------------------------ output frames

    def _frames(self, fixes: npt.NDArray[np.void], names: dict[int, str]) -> FrameBatch:
        if fixes.size == 0:
            out = FrameBatch.empty(0)
            return out
        icao = fixes["icao24"]
        first = np.array([a not in self._emitted for a in icao.tolist()], bool)
        odd = np.zeros(icao.size, bool)
        for i, a in enumerate(icao.tolist()):
            self._odd[a] = not self._odd.get(a, False)
            odd[i] = self._odd[a]
            self._emitted.add(a)
        # the first fix of an aircraft goes out as both halves, so it decodes at once
        rows = np.r_[np.arange(icao.size), np.flatnonzero(first)]
        halves = np.r_[odd, ~odd[first]]
        radius = 2.0 * fixes["error_m"][rows].astype(np.float64)
        tc = 9 + np.searchsorted(_TC_RADIUS_M, radius)
        alt = np.where(
            np.isnan(fixes["altitude_ft"]), fixes["height_m"] / FT_TO_M, fixes["altitude_ft"]
        )[rows]
        parts = [
            encode.airborne_position(
                icao[rows],
                fixes["lat"][rows],
                fixes["lon"][rows],
                alt,
                halves,
                typecode=np.minimum(tc, 18),
            )
        ]
        time_s = [fixes["time_s"][rows]]
        vel = self.smoother.velocity()
        if vel.icao24.size:
            last = _last_per_aircraft(fixes)
            pos = np.minimum(np.searchsorted(vel.icao24, icao[last]), vel.icao24.size - 1)
            has = vel.icao24[pos] == icao[last]
            if has.any():
                k = pos[has]
                parts.append(
                    encode.airborne_velocity(
                        vel.icao24[k], vel.groundspeed_kt[k], vel.track_deg[k], np.nan
                    )
                )
                time_s.append(fixes["time_s"][last[has]])
        msgs = Messages.concat(parts)
        t = np.concatenate(time_s)
        order = np.argsort(t, kind="stable")
        n = t.size
        batch = FrameBatch(
            time_s=t[order],
            receiver=np.zeros(n, np.uint32),
            receiver_ticks=np.full(n, MLAT_MAGIC_TICKS, np.uint64),
            signal_dbfs=np.full(n, np.nan, np.float32),
            kind=np.full(n, FrameKind.MLAT, np.uint8),
            length=msgs.length[order],
            payload=msgs.payload[order],
            receivers=dict(names),
        )
        return batch


class _AddressLookup:
    """Which of many addresses (every frame of a batch) are among a set of aircraft: a
    16 M-entry table indexed by the 24-bit address, O(1) per frame where a search or
    ``np.isin`` sorts (the batch's frames are millions at world scale, the set thousands).
    One table, reused: each call marks the set, reads, and clears what it marked."""

    def __init__(self) -> None:
        self._table = np.zeros(1 << 24, np.bool_)

    def of(self, members: npt.NDArray[Any], addresses: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
        if len(members) == 0 or len(addresses) == 0:
            return np.zeros(len(addresses), np.bool_)
        marked = np.asarray(members, np.int64) & 0xFFFFFF
        self._table[marked] = True
        try:
            return np.asarray(self._table[np.asarray(addresses) & 0xFFFFFF], np.bool_)
        finally:
            self._table[marked] = False


def _last_per_aircraft(fixes: npt.NDArray[np.void]) -> I64:
    icao = fixes["icao24"]
    order = np.lexsort((fixes["time_s"], icao))
    s = icao[order]
    return order[np.r_[s[1:] != s[:-1], True]].astype(np.int64)
