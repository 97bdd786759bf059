"""Tables sent to a pipe or a file are printed whole, not cut to 80 columns."""

from __future__ import annotations

import pytest

from skytrace.cli.console import PIPED_WIDTH, output_console


def test_piped_output_is_wide(capsys: pytest.CaptureFixture[str]) -> None:
    console = output_console()
    assert not console.is_terminal
    assert console.width == PIPED_WIDTH
    long_id = "7277cf-20230912-0213 " * 8  # 168 characters
    console.print(long_id.strip(), highlight=False)
    assert capsys.readouterr().out.strip() == long_id.strip()
