"""Reading the history store: flights, positions, events, boards, areas and read-only SQL.

A reader never opens the writer's DuckDB database (DuckDB locks it to one process). It queries
the Parquet files the writer publishes — position hours and catalog snapshots — with its own
in-memory DuckDB connection, so any number of readers run beside a live writer without
blocking it. That connection is locked down once its views exist: external access is off
except for the store directory, DuckDB's temporary directory is a fresh private one (never the
working directory's ``.tmp``), memory is limited (``memory_limit``), the configuration is
frozen, and ``sql`` accepts only SELECT (and EXPLAIN) statements and stops after ``timeout_s``.

Every file is read back whole with its checksums the first time a reader sees it
(``skytrace.store.verify``); a damaged file is skipped, logged and listed in ``damaged``, so one
bad file never breaks every command. Positions of the open hour (segments not yet compacted)
are deduplicated as they are read.

Times are UTC epoch seconds; ``icao24`` arguments are ints (the 24-bit address). A reader is
not thread-safe (one DuckDB connection); open one per thread. ``refresh()`` re-reads the list
of files (a reader opened long ago does not see hours created since).
"""

from __future__ import annotations

import functools
import math
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from skytrace.errors import StoreError, UsageError
from skytrace.model import POSITION_DTYPE, Event, Flight
from skytrace.store import catalog
from skytrace.store import positions as pos
from skytrace.store.layout import StoreLayout, check_version
from skytrace.store.verify import FileChecker

__all__ = ["AreaAircraft", "FlightQuery", "PointFilter", "StoreReader", "open_reader"]

_ALLOWED_SQL: Final = ("SELECT", "EXPLAIN")
DEFAULT_MEMORY_LIMIT: Final = "1GB"
DEFAULT_TIMEOUT_S: Final = 60.0
_POSITION_COLUMNS: Final = (
    "icao24 VARCHAR, timestamp TIMESTAMPTZ, latitude FLOAT, longitude FLOAT, altitude FLOAT, "
    "geoaltitude FLOAT, groundspeed FLOAT, track FLOAT, vertical_rate FLOAT, onground BOOLEAN, "
    "callsign VARCHAR, squawk VARCHAR, source VARCHAR, receivers USMALLINT"
)


@dataclass(frozen=True, slots=True)
class FlightQuery:
    """Filters of ``StoreReader.flights``; every field is optional (None = any).

    ``start_s``/``end_s`` bound the departure time (takeoff, else first seen), half-open.
    ``origin``/``destination`` take an ICAO (4 letters) or IATA (3 letters) airport code.
    ``callsign`` is exact, or a pattern with ``*`` (any run) and ``?`` (one character):
    ``KOR*``, ``KOR15?``; any case.
    """

    start_s: float | None = None
    end_s: float | None = None
    origin: str | None = None
    destination: str | None = None
    operator: str | None = None  # ICAO designator, exactly (KOR; any case)
    operator_name: str | None = None  # part of the operator's name (korea matches Korean Air)
    typecode: str | None = None
    registration: str | None = None
    icao24: int | None = None
    callsign: str | None = None
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class AreaAircraft:
    """One aircraft seen inside an area during a time window."""

    icao24: int
    callsign: str
    first_s: float
    last_s: float
    n_positions: int
    min_altitude_ft: float
    max_altitude_ft: float

    @property
    def hex(self) -> str:
        return f"{self.icao24:06x}"


def open_reader(
    data_dir: Path | str,
    *,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> StoreReader:
    """A reader over the store of ``data_dir`` (StoreError when there is no store there).

    ``memory_limit`` (DuckDB syntax: "512MB", "2GB") bounds what one query may use and
    ``timeout_s`` how long ``sql`` may run (0 = no limit).
    """
    layout = StoreLayout(Path(data_dir))
    if Path(data_dir).exists() and not Path(data_dir).is_dir():
        raise StoreError(f"the data directory {data_dir} is not a directory")
    if not layout.root.is_dir():
        raise StoreError(f"no history store in {layout.data_dir} (nothing has been recorded)")
    check_version(layout, create=False)
    return StoreReader(layout, memory_limit=memory_limit, timeout_s=timeout_s)


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ts(value_s: float) -> str:
    return f"to_timestamp({float(value_s)!r})"


@functools.cache
def _iata_airports() -> dict[str, Any]:
    import airportsdata

    return dict(airportsdata.load("IATA"))


def resolve_airport(code: str) -> tuple[str, str]:
    """(ICAO, IATA) for an airport code given as ICAO or IATA; UsageError when unknown."""
    code = code.strip().upper()
    if len(code) not in (3, 4) or not code.isalnum():
        raise UsageError(f"airport {code!r} is neither an ICAO (4) nor an IATA (3) code")
    if len(code) == 4:
        return code, ""
    entry = _iata_airports().get(code)
    if entry is None:
        raise UsageError(f"unknown IATA airport code {code!r}")
    return entry["icao"], code


class StoreReader:
    """Queries over one store (see the module docstring)."""

    def __init__(
        self,
        layout: StoreLayout,
        *,
        memory_limit: str = DEFAULT_MEMORY_LIMIT,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.layout = layout
        self.timeout_s = timeout_s
        self.memory_limit = memory_limit
        self._checker = FileChecker(layout.root)
        # DuckDB spills to this directory; its default (.tmp in the working directory) is a
        # place others may write to, so it gets a fresh private one, removed on close.
        self._tmp = tempfile.mkdtemp(prefix="skytrace-sql-")
        self._con = duckdb.connect(":memory:")
        try:
            self._con.execute(f"SET temp_directory={_sql_str(self._tmp)}")
            try:
                self._con.execute(f"SET memory_limit={_sql_str(memory_limit)}")
            except duckdb.Error as exc:
                raise UsageError(f"bad memory limit {memory_limit!r} ({exc})") from exc
            root = str(layout.root.resolve())
            self._con.execute(f"SET allowed_directories=[{_sql_str(root + '/')}]")
            self._con.execute("SET enable_external_access=false")
            self._con.execute("SET lock_configuration=true")
            self.refresh()
        except BaseException:
            self.close()
            raise

    @property
    def damaged(self) -> dict[Path, str]:
        """Store files skipped because they do not read back (file -> reason)."""
        return dict(self._checker.damaged)

    def close(self) -> None:
        self._con.close()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> StoreReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- views -----------------------------------------------------------------------------

    def _files_sql(self, files: Sequence[Path]) -> str:
        return "[" + ", ".join(_sql_str(str(f.resolve())) for f in files) + "]"

    def _view(self, name: str, files: Sequence[Path], columns: Sequence[tuple[str, str]]) -> str:
        if files:  # by name: files written before a schema migration lack its columns
            return f"SELECT * FROM read_parquet({self._files_sql(files)}, union_by_name=true)"
        cols = ", ".join(f"CAST(NULL AS {typ}) AS {col}" for col, typ in columns)
        return f"SELECT {cols} WHERE false"

    def refresh(self) -> None:
        """Re-list the published files and rebuild the views over them."""
        lay = self.layout
        good = self._checker.good
        flights = good(sorted(lay.flights_snapshot.rglob("*.parquet")))
        events = pos.scan_hour(0, lay.events_snapshot).live if lay.events_snapshot.is_dir() else []
        events = good(events)
        views = {
            "flights": self._view("flights", flights, catalog.FLIGHT_COLUMNS),
            "events": self._view("events", events, catalog.EVENT_COLUMNS),
        }
        for name, cols in (
            ("receivers", catalog.RECEIVER_COLUMNS),
            ("aircraft", catalog.AIRCRAFT_COLUMNS),
        ):
            path = lay.snapshot / f"{name}.parquet"
            views[name] = self._view(name, good([path]), cols)
        try:
            views["positions"] = self._positions_from(self._position_files(), "_open")
        except FileNotFoundError:  # a segment was compacted away after listing: list again
            views["positions"] = self._positions_from(self._position_files(), "_open")
        for name, body in views.items():
            self._con.execute(f"CREATE OR REPLACE VIEW {name} AS {body}")

    def _position_files(
        self, start_s: float | None = None, end_s: float | None = None
    ) -> list[Path]:
        """Live position files overlapping the window that read back whole."""
        return self._checker.good(pos.live_files(self.layout.positions, start_s, end_s))

    def _segment_rows(self, segments: Sequence[Path]) -> npt.NDArray[np.void]:
        """Rows of the open hours' segments, without exact duplicates (not compacted yet)."""
        rows = pos.read_segments(segments)
        return pos.dedupe_sorted(pos.sort_rows(rows))

    def _positions_from(self, files: Sequence[Path], segment_table: str) -> str:
        """A SELECT over position files: Parquet read by DuckDB, .npy segments registered."""
        parquet = [f for f in files if f.suffix == ".parquet"]
        segments = [f for f in files if f.suffix == ".npy"]
        parts = []
        if parquet:
            parts.append(f"SELECT * FROM read_parquet({self._files_sql(parquet)})")
        if segments:
            table = pos.positions_to_table(self._segment_rows(segments))
            for i, field in enumerate(table.schema):
                if pa.types.is_dictionary(field.type):
                    table = table.set_column(i, field.name, table.column(i).cast(pa.string()))
            self._con.register(segment_table, table)
            parts.append(f"SELECT * FROM {segment_table}")
        if not parts:
            cols = (c.split() for c in _POSITION_COLUMNS.split(", "))
            return (
                "SELECT " + ", ".join(f"CAST(NULL AS {t}) AS {n}" for n, t in cols) + " WHERE false"
            )
        return " UNION ALL BY NAME ".join(parts)

    def _query(self, sql: str) -> pa.Table:
        for attempt in (0, 1):
            try:
                return self._con.sql(sql).to_arrow_table()
            except duckdb.IOException as exc:
                # A file was replaced (compaction) between listing and reading: list again.
                if attempt:
                    raise StoreError(f"store files changed while reading: {exc}") from exc
                self.refresh()
        raise AssertionError("unreachable")

    def _rows(self, sql: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self._query(sql).to_pylist()
        return rows

    # -- flights ---------------------------------------------------------------------------

    def flight(self, flight_id: str) -> Flight:
        # The id names its partition: read that one file when it is there.
        part = self.layout.flights_snapshot / f"{catalog.flight_part(flight_id, 0.0)}.parquet"
        source = "flights"
        if catalog.ID_DATE_RE.match(flight_id) and self._checker.good([part]):
            source = f"read_parquet({self._files_sql([part])})"
        rows = self._rows(f"SELECT * FROM {source} WHERE flight_id = {_sql_str(flight_id)}")
        if not rows:
            raise StoreError(f"unknown flight {flight_id!r}")
        return catalog.row_to_flight(rows[0])

    def flights(self, query: FlightQuery) -> list[Flight]:
        where = ["true"]
        if query.start_s is not None:
            where.append(f"departure_s >= {float(query.start_s)!r}")
        if query.end_s is not None:
            where.append(f"departure_s < {float(query.end_s)!r}")
        for prefix, code in (("origin", query.origin), ("destination", query.destination)):
            if code:
                icao, iata = resolve_airport(code)
                cond = f"{prefix}_icao = {_sql_str(icao)}"
                if iata:
                    cond += f" OR {prefix}_iata = {_sql_str(iata)}"
                where.append(f"({cond})")
        if query.operator:
            where.append(f"upper(operator_icao) = {_sql_str(query.operator.strip().upper())}")
        if query.operator_name:
            where.append(f"operator_name ILIKE {_like_contains(query.operator_name)} ESCAPE '\\'")
        if query.typecode:
            where.append(f"upper(typecode) = {_sql_str(query.typecode.strip().upper())}")
        if query.registration:
            where.append(_registration_sql(query.registration))
        if query.icao24 is not None:
            where.append(f"icao24 = {_sql_str(f'{int(query.icao24):06x}')}")
        if query.callsign:
            where.append(_callsign_sql(query.callsign))
        limit = f" LIMIT {int(query.limit)}" if query.limit else ""
        sql = (
            f"SELECT * FROM flights WHERE {' AND '.join(where)} "
            f"ORDER BY departure_s, flight_id{limit}"
        )
        return [catalog.row_to_flight(r) for r in self._rows(sql)]

    def history(self, aircraft: int | str) -> list[Flight]:
        """All flights of one aircraft, given as its address (int) or its registration."""
        if isinstance(aircraft, int):
            return self.flights(FlightQuery(icao24=aircraft))
        return self.flights(FlightQuery(registration=aircraft))

    def board(
        self, airport: str, start_s: float, end_s: float
    ) -> tuple[list[Flight], list[Flight]]:
        """(departures, arrivals) of an airport with takeoff / landing time in [start, end)."""
        icao, iata = resolve_airport(airport)
        out: list[list[Flight]] = []
        for prefix, column in (("origin", "departure_s"), ("destination", "arrival_s")):
            cond = f"{prefix}_icao = {_sql_str(icao)}"
            if iata:
                cond += f" OR {prefix}_iata = {_sql_str(iata)}"
            sql = (
                f"SELECT * FROM flights WHERE ({cond}) AND {column} >= {float(start_s)!r} "
                f"AND {column} < {float(end_s)!r} ORDER BY {column}, flight_id"
            )
            out.append([catalog.row_to_flight(r) for r in self._rows(sql)])
        return out[0], out[1]

    # -- positions -------------------------------------------------------------------------

    def positions(self, icao24: int, start_s: float, end_s: float) -> npt.NDArray[np.void]:
        """Positions of one aircraft with start_s <= time <= end_s, time ordered."""
        try:
            return self._positions(icao24, start_s, end_s)
        except FileNotFoundError:  # a segment was compacted away after listing: list again
            return self._positions(icao24, start_s, end_s)

    def _positions(self, icao24: int, start_s: float, end_s: float) -> npt.NDArray[np.void]:
        files = self._position_files(start_s, end_s)
        parquet = [f for f in files if f.suffix == ".parquet"]
        start_ms, end_ms = math.floor(start_s * 1000.0), math.ceil(end_s * 1000.0)
        parts = []
        if parquet:
            # Positions are stored to the millisecond, flight bounds to the microsecond: the
            # bounds widen to whole milliseconds so that a flight's first and last positions
            # (02:18:17.353 for a first sight at 02:18:17.353725) are inside. The coarse
            # timestamp test keeps DuckDB's row-group pruning.
            sql = (
                f"SELECT * FROM read_parquet({self._files_sql(parquet)}) "
                f"WHERE icao24 = {_sql_str(f'{int(icao24):06x}')} "
                f"AND timestamp >= {_ts(start_s - 1.0)} AND timestamp <= {_ts(end_s + 1.0)} "
                f"AND epoch_ms(timestamp) >= {start_ms} AND epoch_ms(timestamp) <= {end_ms}"
            )
            parts.append(pos.table_to_positions(self._query(sql)))
        segments = [f for f in files if f.suffix == ".npy"]
        if segments:
            rows = self._segment_rows(segments)
            t_ms = np.floor(rows["time_s"] * 1000.0 + 1e-6)
            keep = (rows["icao24"] == icao24) & (t_ms >= start_ms) & (t_ms <= end_ms)
            parts.append(rows[keep])
        if not parts:
            return np.zeros(0, POSITION_DTYPE)
        out = np.concatenate(parts)
        return out[np.argsort(out["time_s"], kind="stable")]

    def flight_positions(self, flight_id: str) -> npt.NDArray[np.void]:
        f = self.flight(flight_id)
        return self.positions(f.icao24, f.first_seen_s, f.last_seen_s)

    def events(
        self,
        flight_id: str | None = None,
        icao24: int | None = None,
        start_s: float | None = None,
        end_s: float | None = None,
    ) -> list[Event]:
        where = ["true"]
        if flight_id is not None:
            where.append(f"flight_id = {_sql_str(flight_id)}")
        if icao24 is not None:
            where.append(f"icao24 = {_sql_str(f'{int(icao24):06x}')}")
        if start_s is not None:
            where.append(f"time_s >= {float(start_s)!r}")
        if end_s is not None:
            where.append(f"time_s <= {float(end_s)!r}")
        sql = f"SELECT * FROM events WHERE {' AND '.join(where)} ORDER BY time_s"
        return [catalog.row_to_event(r) for r in self._rows(sql)]

    # -- areas -----------------------------------------------------------------------------

    def area(
        self,
        shape: tuple[float, float, float, float] | Sequence[tuple[float, float]] | Any,
        start_s: float,
        end_s: float,
    ) -> tuple[list[AreaAircraft], list[Flight]]:
        """Aircraft with positions inside ``shape`` during [start_s, end_s], and their flights.

        ``shape`` is a bbox (south, west, north, east), a polygon as (lat, lon) vertices, a
        shapely geometry in lon/lat, or a ``PointFilter`` (e.g. "in country KP" from refdata).
        """
        geom, bbox = _area_geometry(shape)
        try:
            return self._area(geom, bbox, start_s, end_s)
        except FileNotFoundError:  # a segment was compacted away after listing: list again
            return self._area(geom, bbox, start_s, end_s)

    def _area(
        self,
        geom: MaskFn | None,
        bbox: tuple[float, float, float, float],
        start_s: float,
        end_s: float,
    ) -> tuple[list[AreaAircraft], list[Flight]]:
        files = self._position_files(start_s, end_s)
        if not files:
            return [], []
        south, west, north, east = bbox
        lon_cond = (
            f"longitude BETWEEN {west!r} AND {east!r}"
            if west <= east
            else f"(longitude >= {west!r} OR longitude <= {east!r})"
        )
        source = self._positions_from(files, "_area_segments")
        base = (
            f"FROM ({source}) WHERE timestamp >= {_ts(start_s)} "
            f"AND timestamp <= {_ts(end_s)} AND latitude BETWEEN {south!r} AND {north!r} "
            f"AND {lon_cond}"
        )
        if geom is None:
            sql = (
                "SELECT icao24, arg_max(callsign, timestamp) AS callsign, "
                "epoch_ms(min(timestamp)) / 1000.0 AS first_s, "
                "epoch_ms(max(timestamp)) / 1000.0 AS last_s, count(*) AS n, "
                f"min(altitude) AS min_alt, max(altitude) AS max_alt {base} GROUP BY icao24"
            )
            agg = self._query(sql)
        else:
            cand = self._query(
                f"SELECT icao24, callsign, timestamp, latitude, longitude, altitude {base}"
            )
            lat = cand.column("latitude").to_numpy(zero_copy_only=False).astype(np.float64)
            lon = cand.column("longitude").to_numpy(zero_copy_only=False).astype(np.float64)
            inside = np.asarray(geom(lat, lon), dtype=bool)
            self._con.register("_area_inside", cand.filter(pa.array(inside)))
            try:
                agg = self._con.sql(
                    "SELECT icao24, arg_max(callsign, timestamp) AS callsign, "
                    "epoch_ms(min(timestamp)) / 1000.0 AS first_s, "
                    "epoch_ms(max(timestamp)) / 1000.0 AS last_s, count(*) AS n, "
                    "min(altitude) AS min_alt, max(altitude) AS max_alt FROM _area_inside "
                    "GROUP BY icao24"
                ).to_arrow_table()
            finally:
                self._con.unregister("_area_inside")
        aircraft = [
            AreaAircraft(
                icao24=int(r["icao24"], 16),
                callsign=r["callsign"] or "",
                first_s=float(r["first_s"]),
                last_s=float(r["last_s"]),
                n_positions=int(r["n"]),
                min_altitude_ft=float("nan") if r["min_alt"] is None else float(r["min_alt"]),
                max_altitude_ft=float("nan") if r["max_alt"] is None else float(r["max_alt"]),
            )
            for r in agg.to_pylist()
        ]
        aircraft.sort(key=lambda a: (a.first_s, a.icao24))
        flights: list[Flight] = []
        if aircraft:
            self._con.register(
                "_area_aircraft",
                pa.table(
                    {
                        "icao24": [a.hex for a in aircraft],
                        "first_s": [a.first_s for a in aircraft],
                        "last_s": [a.last_s for a in aircraft],
                    }
                ),
            )
            try:
                rows = self._con.sql(
                    "SELECT f.* FROM flights f JOIN _area_aircraft a USING (icao24) "
                    "WHERE f.first_seen_s <= a.last_s AND f.last_seen_s >= a.first_s "
                    "ORDER BY f.departure_s, f.flight_id"
                ).to_arrow_table()
            finally:
                self._con.unregister("_area_aircraft")
            flights = [catalog.row_to_flight(r) for r in rows.to_pylist()]
        return aircraft, flights

    # -- SQL -------------------------------------------------------------------------------

    def sql(self, query: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one read-only statement; (column names, rows). UsageError when refused."""
        try:
            statements = self._con.extract_statements(query)
        except duckdb.Error as exc:
            raise UsageError(f"SQL error: {exc}") from exc
        if len(statements) != 1:
            raise UsageError(f"give exactly one SQL statement (got {len(statements)})")
        kind = statements[0].type.name
        if kind == "EXPLAIN":
            # EXPLAIN ANALYZE runs its statement: what it explains must be read-only too.
            inner = re.sub(r"^\s*explain\s+(analy[sz]e\s+)?", "", query, flags=re.IGNORECASE)
            try:
                inner_kinds = [st.type.name for st in self._con.extract_statements(inner)]
            except duckdb.Error as exc:
                raise UsageError(f"SQL error: {exc}") from exc
            if inner_kinds != ["SELECT"]:
                raise UsageError("only read-only queries (SELECT) may be explained")
        if kind not in _ALLOWED_SQL:
            raise UsageError(
                f"only read-only queries (SELECT) are allowed; this is a {kind} statement"
            )
        timer = None
        if self.timeout_s > 0:
            timer = threading.Timer(self.timeout_s, self._con.interrupt)
            timer.daemon = True
            timer.start()
        try:
            result = self._con.execute(query)
            columns = [d[0] for d in result.description or []]
            return columns, result.fetchall()
        except duckdb.PermissionException as exc:
            raise UsageError(
                f"refused: queries may only read the store's own tables ({exc})"
            ) from exc
        except duckdb.InterruptException as exc:
            raise UsageError(
                f"the query was stopped after {self.timeout_s:g} s (its time limit; see --timeout)"
            ) from exc
        except duckdb.OutOfMemoryException as exc:
            raise UsageError(
                f"the query needs more memory than its limit of {self.memory_limit} "
                f"(see --memory-limit): {str(exc).splitlines()[0]}"
            ) from exc
        except duckdb.Error as exc:
            raise UsageError(f"SQL error: {exc}") from exc
        finally:
            if timer is not None:
                timer.cancel()


def _like_contains(text: str) -> str:
    """A LIKE pattern (ESCAPE '\\') matching ``text`` anywhere, its % and _ taken literally."""
    literal = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return _sql_str(f"%{literal}%")


def _callsign_sql(callsign: str) -> str:
    """Any of the flight's callsigns equals ``callsign``, or matches it as a * / ? pattern."""
    cs = callsign.strip().upper()
    if not any(c in cs for c in "*?"):
        return f"list_contains(list_transform(callsigns, lambda x: upper(x)), {_sql_str(cs)})"
    literal = cs.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = _sql_str(literal.replace("*", "%").replace("?", "_"))
    return f"len(list_filter(callsigns, lambda x: upper(x) LIKE {pattern} ESCAPE '\\')) > 0"


def _registration_sql(registration: str) -> str:
    """Match a registration ignoring case and the dash (P-671 = P671)."""
    reg = registration.strip().upper().replace("-", "")
    return f"replace(upper(registration), '-', '') = {_sql_str(reg)}"


@dataclass(frozen=True, slots=True)
class PointFilter:
    """An area given as a test on points: ``contains(lats, lons) -> bool mask``."""

    name: str
    contains: Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]], npt.ArrayLike]
    bbox: tuple[float, float, float, float] = (-90.0, -180.0, 90.0, 180.0)  # S, W, N, E


MaskFn = Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]], npt.ArrayLike]


def _area_geometry(shape: Any) -> tuple[MaskFn | None, tuple[float, float, float, float]]:
    """(point test or None for a plain bbox, bbox as south, west, north, east)."""
    import shapely

    if isinstance(shape, PointFilter):
        return shape.contains, shape.bbox
    if (
        isinstance(shape, tuple)
        and len(shape) == 4
        and all(isinstance(v, int | float) for v in shape)
    ):
        south, west, north, east = (float(v) for v in shape)
        if not (-90 <= south < north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
            raise UsageError(
                f"bad bbox {shape}: want south < north in [-90, 90], west/east in [-180, 180]"
            )
        return None, (south, west, north, east)
    if isinstance(shape, shapely.Geometry):
        geom = shape
    else:
        vertices = list(shape)
        if len(vertices) < 3:
            raise UsageError("a polygon needs at least 3 (lat, lon) vertices")
        for lat, lon in vertices:
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise UsageError(f"polygon vertex ({lat}, {lon}) is outside lat/lon ranges")
        geom = shapely.Polygon([(lon, lat) for lat, lon in vertices])
        if not geom.is_valid:
            raise UsageError("the polygon crosses itself")
    shapely.prepare(geom)
    west, south, east, north = shapely.bounds(geom).tolist()

    def contains(lats: npt.NDArray[np.float64], lons: npt.NDArray[np.float64]) -> npt.ArrayLike:
        inside: npt.NDArray[np.bool_] = shapely.intersects_xy(geom, lons, lats)
        return inside  # the boundary counts as inside

    return contains, (south, west, north, east)
