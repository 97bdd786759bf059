"""Entry point of the ``skytrace`` command: parses the command name and dispatches.

Each command lives in its own module ``skytrace.cli.<module>`` exposing

    HELP: str                                  one line for ``skytrace --help``
    def add_arguments(parser) -> None          its options
    def run(args) -> int                       its work; returns the exit code

Modules are imported only when their command runs, so ``skytrace --help`` stays fast and
one broken command cannot break the others. Errors from the SkytraceError tree are printed
as ``skytrace <cmd>: error: <message>`` and exit with the error's ``exit_code``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from typing import Final

from skytrace import __version__
from skytrace.errors import SkytraceError

__all__ = ["COMMANDS", "entry", "main"]

# command name -> (module under skytrace.cli, one-line help)
COMMANDS: Final[dict[str, tuple[str, str]]] = {
    "demo": ("demo", "play the built-in Air Koryo scenario end to end and print what was found"),
    "decode": ("decode", "decode Mode S / ADS-B frames from a file or stdin to JSON lines or CSV"),
    "replay": ("replay", "feed recorded files through the live pipeline"),
    "serve": ("serve", "run the receiver server: Beast/AVR in, Beast/AVR/SBS out"),
    "receivers": ("receivers", "per-receiver statistics of a running server or a store"),
    "simulate": ("simulate", "simulate air traffic as real Mode S frames to a file or a server"),
    "aircraft": ("aircraft", "who an aircraft is: registration, type, operator, country"),
    "airport": ("airport", "an airport and its runways"),
    "area": ("area", "which country and FIR a point lies in, or what flew in an area"),
    "refdata": ("refdata", "import and inspect reference data"),
    "flights": ("flights", "list flights by date, airport, route, operator, type, aircraft"),
    "facts": ("facts", "state a flight in one sentence with its evidence"),
    "import": ("import_tracks", "import decoded tracks (OpenSky, traffic, FR24, readsb traces)"),
    "board": ("board", "departures and arrivals of an airport"),
    "track": ("track", "positions of a flight or an aircraft"),
    "history": ("history", "all flights of an aircraft"),
    "sql": ("sql", "read-only SQL over the history store"),
    "export": ("export", "export a flight or aircraft track as CSV, GeoJSON, KML or Parquet"),
    "watch": (
        "watch",
        "watch rules: be alerted when a watched aircraft, operator, route or area moves",
    ),
    "alerts": ("alerts", "alerts that fired, and their delivery"),
    "web": ("web", "serve the map and the HTTP API over a store (history, playback; no live feed)"),
}


def _available(module: str) -> bool:
    return importlib.util.find_spec(f"skytrace.cli.{module}") is not None


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skytrace",
        description="Self-hostable flight tracking from raw Mode S / ADS-B frames.",
    )
    parser.add_argument("--version", action="version", version=f"skytrace {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        if _available(module):
            sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``skytrace`` with ``argv`` (default: sys.argv[1:]); returns the exit code."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser()
    if not args_in or args_in[0].startswith("-"):
        parser.parse_args(args_in or ["--help"])
        return 0
    name = args_in[0]
    if name not in COMMANDS or not _available(COMMANDS[name][0]):
        parser.print_usage(sys.stderr)
        print(f"skytrace: error: unknown command {name!r} (see skytrace --help)", file=sys.stderr)
        return 2
    module_name, help_text = COMMANDS[name]
    module = importlib.import_module(f"skytrace.cli.{module_name}")
    cmd_parser = argparse.ArgumentParser(
        prog=f"skytrace {name}",
        description=help_text,
        epilog=getattr(module, "EPILOG", None),  # examples, printed as written
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    module.add_arguments(cmd_parser)
    args = cmd_parser.parse_args(args_in[1:])
    try:
        return int(module.run(args))
    except SkytraceError as exc:
        print(f"skytrace {name}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"skytrace {name}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output closed early (e.g. piped into head): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
