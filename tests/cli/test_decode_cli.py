"""``skytrace decode``: every input format, filters, CSV, bad lines with line numbers."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest

from skytrace.cli.main import main

IDENT = "8D406B902015A678D4D220AA4BDA"
POSITION = "8D40058B58C901375147EFD09357"
DF11 = "5D484FDEA248F5"
DF5 = "28000808106DE2"


def _strict_json(line: str) -> Any:
    def reject(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    return json.loads(line, parse_constant=reject)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, Any]], str]:
    code = main(["decode", *argv])
    captured = capsys.readouterr()
    rows = [_strict_json(line) for line in captured.out.splitlines() if line.strip()]
    return code, rows, captured.err


def test_hex_lines_with_a_bad_line_in_the_middle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "msgs.txt"
    path.write_text(f"{IDENT}\n{POSITION}\nnot-hex-at-all\n\n# comment\n{DF11}\n{DF5[:-1]}\n")
    code, rows, err = _run(capsys, str(path))
    assert code == 0
    assert [r["line"] for r in rows] == [1, 2, 3, 6, 7]
    assert rows[0]["callsign"] == "EZY85MH"
    assert rows[1]["altitude_ft"] == 39000
    assert rows[2] == {
        "line": 3,
        "error": "bad_line",
        "detail": "no Mode S hex field",
        "text": "not-hex-at-all",
    }
    assert rows[3]["icao"] == "484fde"
    assert rows[4]["error"] == "bad_line" and rows[4]["text"] == DF5[:-1]
    assert "line 3: bad_line" in err and "line 7: bad_line" in err
    assert "5 frame(s), 2 not decoded" in err


def test_csv_with_header_and_beast_hex_frames(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "frames.csv"
    path.write_text(
        "ts,hex\n"
        "1698140962.119813,1a32000023b1dda011210000bd6b441a\n"
        f"1698140962.5,{IDENT}\n"
        "1698140963.0\n"
        f"oops,{IDENT}\n"
        f"2023-09-12T01:02:03Z,{IDENT}\n"
    )
    code, rows, err = _run(capsys, str(path))
    assert code == 0
    assert rows[0]["line"] == 2 and rows[0]["time_s"] == 1698140962.119813
    assert rows[0]["hex"] == "210000bd6b441a" and rows[0]["df"] == 4
    assert rows[0]["receiver_ticks"] == 0x23B1DDA0
    assert rows[1]["icao"] == "406b90"
    assert rows[2] == {
        "line": 4,
        "error": "bad_line",
        "detail": "expected time,hex",
        "text": "1698140963.0",
    }
    assert rows[3]["error"] == "bad_line" and rows[3]["line"] == 5
    assert rows[4]["time_s"] == 1694480523.0
    assert "line 4: bad_line" in err


def test_jsonl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "frames.jsonl"
    path.write_text(
        json.dumps({"ts": 10.5, "hex": IDENT}) + "\n{broken\n" + json.dumps({"msg": DF11}) + "\n"
    )
    code, rows, _err = _run(capsys, str(path))
    assert code == 0
    assert rows[0]["time_s"] == 10.5 and rows[0]["callsign"] == "EZY85MH"
    assert rows[1]["error"] == "bad_line" and rows[1]["line"] == 2
    assert rows[2]["df"] == 11


def test_avr_records(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "frames.avr"
    path.write_text(
        f"*{IDENT};\r\n@0000023B1DDA{DF11};\ngarbage\n<0000023B1DDAFF{DF5};\n"
        f"<0000023B1DDA00{DF5};\n"
    )
    code, rows, err = _run(capsys, str(path), "--format", "avr")
    assert code == 0
    assert [r.get("df") for r in rows] == [17, 11, 5, 5]
    assert [r["line"] for r in rows] == [1, 2, 4, 5]
    assert "signal_dbfs" not in rows[3]  # signal byte 0: no level (and -inf is not JSON)
    assert rows[1]["receiver_ticks"] == 0x23B1DDA
    assert rows[2]["signal_dbfs"] == 0.0
    assert "7 byte(s) outside frames or records" in err  # "garbage"


def _beast(message: str, ticks: int) -> bytes:
    raw = bytes.fromhex(message)
    body = bytes([0x33 if len(raw) == 14 else 0x32]) + ticks.to_bytes(6, "big") + b"\x80" + raw
    return b"\x1a" + body.replace(b"\x1a", b"\x1a\x1a")


def test_beast_binary_with_garbage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "frames.beast"
    path.write_bytes(
        _beast(IDENT, 0x1A1A1A) + b"\x00\xff\x13garbage" + _beast(DF11, 5) + _beast(POSITION, 6)
    )
    code, rows, _err = _run(capsys, str(path))
    assert code == 0
    assert [r["frame"] for r in rows] == [1, 2, 3]
    assert [r["df"] for r in rows] == [17, 11, 17]
    assert rows[0]["receiver_ticks"] == 0x1A1A1A


def test_filters_and_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "msgs.txt"
    path.write_text(f"{IDENT}\n{DF11}\n{POSITION}\n{DF5}\n")
    _code, rows, err = _run(capsys, str(path), "--only", "df17", "--fields", "line,icao,df")
    assert rows == [
        {"line": 1, "icao": "406b90", "df": 17},
        {"line": 3, "icao": "40058b", "df": 17},
    ]
    assert "2 written after filters" in err
    _code, rows, _err = _run(capsys, str(path), "--icao", "484FDE")
    assert [r["line"] for r in rows] == [2]


def test_csv_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "msgs.txt"
    path.write_text(f"{IDENT}\nzz\n")
    assert main(["decode", str(path), "--csv", "--fields", "line,df,callsign,crc_ok,error"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["line,df,callsign,crc_ok,error", "1,17,EZY85MH,true,", "2,,,,bad_line"]


def test_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(f"{IDENT}\n".encode())))
    code, rows, _err = _run(capsys, "-")
    assert code == 0 and rows[0]["callsign"] == "EZY85MH"


def test_bundled_sample_when_stdin_is_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class _Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", _Tty())
    code, rows, err = _run(capsys)
    assert code == 0
    assert len(rows) >= 15
    assert any(r.get("callsign") == "EZY85MH" for r in rows)
    assert rows[-1]["error"] == "bad_line"
    assert "bundled sample" in err


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", str(tmp_path / "missing.txt")]) == 2
    assert "no such file" in capsys.readouterr().err
    path = tmp_path / "msgs.txt"
    path.write_text(f"{IDENT}\n")
    assert main(["decode", str(path), "--only", "adsb"]) == 2
    assert "--only takes downlink formats" in capsys.readouterr().err
    assert main(["decode", str(path), "--icao", "xyz"]) == 2
    assert main(["decode", str(path), "--fields", "altitude"]) == 2
    assert "unknown field" in capsys.readouterr().err


def test_binary_garbage_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "noise.bin"
    path.write_bytes(bytes(range(256)).replace(b"\x1a", b"") * 8)
    assert main(["decode", str(path)]) == 4
    assert "unknown format (binary, but not Beast or gzip)" in capsys.readouterr().err


def test_no_path_and_empty_stdin_decodes_the_sample(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    code, rows, err = _run(capsys)
    assert code == 0 and len(rows) >= 15 and "bundled sample" in err
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    code, rows, err = _run(capsys, "-")
    assert code == 0 and rows == [] and "0 frame(s)" in err


def test_gzip_is_read_by_its_magic_bytes(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = (shared_data / "modes" / "pymodes_sample_data_adsb.csv").read_bytes()
    path = tmp_path / "x.csv.gz"
    path.write_bytes(gzip.compress(data))
    code, rows, err = _run(capsys, str(path))
    assert code == 0 and len(rows) == 2000 and "(csv)" in err
    assert all(r["icao"] == "406b90" for r in rows)


def test_iq_samples_say_what_they_are(
    shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["decode", str(shared_data / "modes" / "modes1.bin")]) == 4
    assert "raw I/Q samples" in capsys.readouterr().err


def test_one_line_json_array(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"ts": 1.0 + i, "hex": IDENT} for i in range(50_000)]))
    code, rows, _err = _run(capsys, str(path))
    assert code == 0 and len(rows) == 50_000
    assert rows[-1]["time_s"] == 50_000.0 and rows[-1]["callsign"] == "EZY85MH"


def test_a_huge_bad_line_is_quoted_short(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(f"{IDENT}\n".encode() + b"z" * 3_000_000 + f"\n{DF11}\n".encode())
    code, rows, err = _run(capsys, str(path))
    assert code == 0 and [r["line"] for r in rows] == [1, 2, 3]
    assert rows[1]["error"] == "bad_line" and len(rows[1]["text"]) <= 203
    assert len(err) < 2000


def test_positions_locally_and_by_the_tracker(
    shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(shared_data / "modes" / "pymodes_sample_data_adsb.csv")
    code, rows, _ = _run(capsys, path, "--positions", "--reference", "51.99,4.37")
    assert code == 0 and len(rows) > 100
    assert all(abs(r["lat"] - 52.0) < 2.5 and abs(r["lon"] - 4.4) < 4 for r in rows)
    assert {"line", "icao", "time_s", "altitude_ft"} <= set(rows[0])
    code, tracked, _ = _run(capsys, path, "--positions")
    assert code == 0 and len(tracked) > 100
    assert all(r["icao"] == "406b90" for r in tracked)
    assert all(abs(r["lat"] - 52.0) < 2.5 for r in tracked)
    assert main(["decode", path, "--reference", "1,2"]) == 2
