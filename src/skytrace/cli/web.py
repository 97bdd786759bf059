"""``skytrace web --data-dir DIR``: the API and the pages over a store, with no live feed.

    skytrace web --data-dir DIR [--bind 127.0.0.1] [--port 8080] [--api-token T]
                 [--cors-origin O]...

History and playback only: beside a running writer (``skytrace serve`` on the same data
directory; the readers follow it within seconds) or after a replay. Binds 127.0.0.1 unless
``--bind`` says otherwise; prints the URL; stops on Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys

from skytrace.config import add_data_dir_argument, resolve_data_dir
from skytrace.errors import UsageError

__all__ = ["HELP", "add_arguments", "run"]

HELP = "serve the map and the HTTP API over a store (history and playback, no live feed)"
TOKEN_ENV = "SKYTRACE_API_TOKEN"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data_dir_argument(parser)
    parser.add_argument("--bind", default="127.0.0.1", help="address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="TCP port (default 8080)")
    parser.add_argument(
        "--api-token",
        metavar="T",
        help=f"token for the API's write endpoints (default ${TOKEN_ENV}; none: read-only)",
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="O",
        help="allow browser calls from this origin (repeatable; default: CORS off)",
    )


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from skytrace.api import ApiContext, create_app
    from skytrace.store import open_reader

    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port}: want 1..65535")
    data_dir = resolve_data_dir(args.data_dir)
    open_reader(data_dir).close()  # a clear error now when there is no store there
    token = args.api_token or os.environ.get(TOKEN_ENV) or None
    app = create_app(
        ApiContext(
            data_dir=data_dir,
            live=None,
            token=token,
            cors_origins=tuple(args.cors_origin),
            title="skytrace (history)",
        )
    )
    host = f"[{args.bind}]" if ":" in args.bind else args.bind
    print(f"skytrace web: http://{host}:{args.port}/  (API docs: /docs; Ctrl-C stops)")
    sys.stdout.flush()
    uvicorn.run(app, host=args.bind, port=args.port, log_level="warning")
    return 0
