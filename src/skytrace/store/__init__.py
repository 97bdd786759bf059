"""store: history of positions, flights and events (Parquet + DuckDB); one writer.

``Store.open(data_dir)`` is the one writer (a pipeline Sink); ``open_reader(data_dir)`` gives
any number of readers beside it. Layout, schema, crash safety and retention: docs/store.md.
"""

from __future__ import annotations

from skytrace.store.reader import (
    AreaAircraft,
    FlightQuery,
    PointFilter,
    StoreReader,
    open_reader,
)
from skytrace.store.writer import Store

__all__ = ["AreaAircraft", "FlightQuery", "PointFilter", "Store", "StoreReader", "open_reader"]
