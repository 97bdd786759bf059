"""sources: the only code that reads sockets and files on the way in; yields FrameBatch.

    beast       incremental, vectorized Beast binary parser (escaped and unescaped)
    avr         AVR text parser (*, :, @, %, < records)
    sbs         SBS-1 BaseStation lines -> position rows and identity updates
    files       recorded files (Beast, AVR, ts,hex CSV, JSONL; gzip) -> FrameBatch iterator
    clock       per-receiver fit of the 12 MHz counter to UTC
    receivers   feeder name <-> receiver index, running statistics, receivers.json
    server      asyncio feeder server (push), pull clients, micro-batching
    tracks      imported decoded tracks (OpenSky, traffic, FR24, readsb traces)

See docs/receivers.md for ports, formats, limits and statistics.
"""
