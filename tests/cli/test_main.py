"""The command dispatcher: help, unknown commands, error formatting."""

from __future__ import annotations

import pytest

from skytrace.cli.main import COMMANDS, main


def test_help_lists_available_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "usage: skytrace" in out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) == 2
    assert "unknown command 'no-such-command'" in capsys.readouterr().err


def test_every_command_module_has_the_interface() -> None:
    import importlib
    import importlib.util

    for name, (module, _help) in COMMANDS.items():
        if importlib.util.find_spec(f"skytrace.cli.{module}") is None:
            continue
        mod = importlib.import_module(f"skytrace.cli.{module}")
        assert callable(mod.add_arguments), name
        assert callable(mod.run), name
