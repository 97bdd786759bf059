"""cluster: the pipeline partitioned by ICAO address across machines (later issue)."""
