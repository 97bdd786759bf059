"""The console every command prints its tables through.

On a terminal rich fits tables to the terminal's width. Piped into a file or another
program there is no width to fit, and rich's default of 80 columns would cut ids, times and
registrations short ("7277cf-20230912-0…"); there the console is wide instead, so that what
a script or a log receives is whole — unless ``$COLUMNS`` names a width, which is then kept.
"""

from __future__ import annotations

import os

from rich.console import Console

__all__ = ["PIPED_WIDTH", "output_console"]

PIPED_WIDTH = 200


def output_console(*, stderr: bool = False, highlight: bool = True, markup: bool = True) -> Console:
    """A console on stdout (or stderr): terminal width on a terminal, wide when piped.

    ``highlight=False`` prints numbers and names without rich's automatic colouring;
    ``markup=False`` prints strings as they are (for text that comes from data).
    """
    console = Console(stderr=stderr, highlight=highlight, markup=markup)
    if not console.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
        console = Console(stderr=stderr, highlight=highlight, markup=markup, width=PIPED_WIDTH)
    return console
