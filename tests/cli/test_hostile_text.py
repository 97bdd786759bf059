"""Issue 18, "output that data can subvert": text from data prints as text in every command.

The hostile store's flight has a callsign ``[/X]`` (once a markup error that crashed
``track``), a registration ``[link=…]click[/link]`` (once printed as "click"), an operator
name with ANSI colour codes, a type with a bell and a carriage return, and squawks that would
clear the screen. Every table command must print them literally, with control characters
shown as escapes, and never pass an escape sequence to the terminal.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import HOSTILE, RunCli

FLIGHT = "7277cf-20230912-0214"
COMMANDS = [
    ["flights"],
    ["flights", "--all"],
    ["board", "ZKPY", "--date", "2023-09-12"],
    ["history", "7277cf"],
    ["track", FLIGHT],
    ["facts", FLIGHT],
    ["area", "--bbox", "38,120,45,135", "--date", "2023-09-12"],
    ["sql", "SELECT callsign, registration, operator_name, type_description FROM flights"],
    ["sql", "SELECT '[/x]' AS a, '[link=https://example.invalid]click[/link]' AS b"],
    ["sql", "SELECT chr(27) || '[31mred' AS \"[/x]\", chr(7) || chr(13) AS c"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a)[:40])
def test_data_prints_as_text(hostile_store: Path, run_cli: RunCli, argv: list[str]) -> None:
    code, out, err = run_cli(*argv, "--data-dir", str(hostile_store))
    assert code == 0, err
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    flat = "".join(out.split())  # tables wrap long cells
    if argv[0] == "sql" and "'[/x]'" in argv[1]:
        assert "[/x]" in out and "click[/link]" in flat
    elif argv[0] == "sql" and "chr(27)" in argv[1]:
        assert "\\x1b[31mred" in out and "\\x07\\r" in out
    elif argv[0] in ("track",):
        assert "[/X]" in out and "\\x1b[2J" in out
    elif argv[0] == "facts":
        from skytrace.store.present import safe_text

        assert "click[/link]" in flat and "\\x1b[31mRED\\x1b[0m" in flat
        assert safe_text(HOSTILE["type_description"]) in flat
        assert "[boldred]ZKPY[/]" in flat
    else:
        assert "[/X]" in out


def test_safe_text_escapes_controls_and_keeps_the_rest() -> None:
    from skytrace.store.present import safe_text

    assert safe_text("KOR151") == "KOR151"
    assert safe_text("Łódź [b]x[/b] ✈") == "Łódź [b]x[/b] ✈"
    assert safe_text("\x1b[2J\x07\n\t\x9b\u202e") == "\\x1b[2J\\x07\\n\\t\\x9b\\u202e"
