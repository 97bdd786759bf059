"""Where skytrace keeps its data, and the options every command that touches it shares.

The data directory holds the history store and imported reference data. It is, in order:
``--data-dir DIR`` given to the command, ``$SKYTRACE_DATA_DIR``, or the user's data
directory (``platformdirs.user_data_dir("skytrace")``, e.g. ``~/.local/share/skytrace``).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import platformdirs

from skytrace.errors import UsageError

__all__ = ["DATA_DIR_ENV", "add_data_dir_argument", "resolve_data_dir"]

DATA_DIR_ENV = "SKYTRACE_DATA_DIR"


def resolve_data_dir(arg: str | os.PathLike[str] | None = None, *, create: bool = False) -> Path:
    """The data directory to use; created (with parents) when ``create`` is true.

    ``UsageError`` when it names something that is not a directory, or (with ``create``)
    when it cannot be created or written to.
    """
    if arg:
        path = Path(arg)
    elif os.environ.get(DATA_DIR_ENV):
        path = Path(os.environ[DATA_DIR_ENV])
    else:
        path = Path(platformdirs.user_data_dir("skytrace"))
    path = path.expanduser()
    if path.exists() and not path.is_dir():
        raise UsageError(f"the data directory {path} is not a directory")
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(
                f"cannot create the data directory {path}: {exc.strerror or exc}"
            ) from exc
        if not os.access(path, os.W_OK | os.X_OK):
            raise UsageError(f"the data directory {path} is not writable")
    return path


def add_data_dir_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--data-dir`` to a command's parser (every command that reads or writes data)."""
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help=f"data directory (default: ${DATA_DIR_ENV} or the user's data directory)",
    )
