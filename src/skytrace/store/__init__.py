"""store: history of positions, flights and events (DuckDB + Parquet); one writer."""
