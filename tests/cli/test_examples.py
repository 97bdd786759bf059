"""Every README example and every ``--help`` example runs on the demo's store and gives the
answer it promises; no command's table is wider than the terminal (COLUMNS=120).

An example without an expected answer here fails the test: a new example needs one. README
examples that do not read a store (servers, replay, reference data imports) are listed in
``NOT_ON_A_STORE`` with the reason, so that a changed README line is noticed either way.
"""

from __future__ import annotations

import importlib
import json
import re
import shlex
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from skytrace.cli.main import COMMANDS
from tests.cli.conftest import DEMO_FLIGHT, RunCli

README = Path(__file__).resolve().parents[2] / "README.md"
STORE_COPY = "store"  # where examples that change a store run: a copy of the demo's
README_RULE = ["koryo", "--operator", "KOR", "--on", "takeoff,landing,area-entry"]

NOT_ON_A_STORE = {
    "skytrace serve": "a server (tests/cli/test_serve.py)",
    "skytrace serve --connect pi.local:30005": "needs a receiver on the network",
    "skytrace serve --receiver-positions rx.toml": "a server with MLAT (tests/cli/test_serve.py)",
    "skytrace receivers": "reads a running server (tests/cli/test_receivers*)",
    "skytrace replay capture.beast --speed 10 --aircraft-json /tmp/aircraft.json": "a capture",
    "skytrace refdata import aircraft.csv.gz --kind aircraft": "needs the user's file",
    "skytrace refdata import runways.csv --kind runways": "needs the user's file",
    "skytrace demo": "builds the store these tests use (tests/cli/test_demo.py)",
}

Check = Callable[[str, Path], None]


def _has(*needles: str) -> Check:
    def check(out: str, cwd: Path) -> None:
        flat = " ".join(out.split())
        for needle in needles:
            assert needle in flat, f"{needle!r} not in the output"

    return check


def _json_ids(*ids: str) -> Check:
    def check(out: str, cwd: Path) -> None:
        doc = json.loads(out)
        assert [f["flight_id"] for f in doc] == list(ids)

    return check


def _file(name: str, needle: str) -> Check:
    def check(out: str, cwd: Path) -> None:
        assert needle in (cwd / name).read_text()

    return check


def _rule_file(name: str, line: str) -> Check:
    """The rule is in the store copy's watch.toml, with ``line`` among its fields."""

    def check(out: str, cwd: Path) -> None:
        assert f"watch rule {name!r}" in out
        tables = tomllib.loads((cwd / STORE_COPY / "watch.toml").read_text())["rule"]
        (rule,) = [t for t in tables if t["name"] == name]
        assert tomllib.loads(line).items() <= rule.items()

    return check


def _not(needle: str, then: Check) -> Check:
    def check(out: str, cwd: Path) -> None:
        assert needle not in out
        then(out, cwd)

    return check


EXPECTED: dict[str, Check] = {
    # README
    "skytrace flights --operator KOR --from ZKPY --to UHWW --date 2023-09-12": _not(
        "KAL", _has(DEMO_FLIGHT, "ZKPY*", "KOR151", "1 flight")
    ),
    "skytrace facts 7277cf-20230912-0213": _has(
        "took off probably from Pyongyang", "landed at Vladivostok", "observed on runway"
    ),
    "skytrace board UHWW --date 2023-09-12": _has("UHWW arrivals, 2023-09-12", DEMO_FLIGHT),
    'skytrace sql "SELECT origin_icao, destination_icao, count(*) FROM flights GROUP BY ALL"': (
        _has("ZKPY", "UHWW", "count_star()")
    ),
    "skytrace export 7277cf-20230912-0213 --format kml --output p671.kml": _file(
        "p671.kml", "<gx:Track>"
    ),
    # --help examples
    "skytrace flights --date 2023-09-12": _has(DEMO_FLIGHT, "times UTC on 2023-09-12"),
    "skytrace flights --operator-name korea": _not("KOR151", _has("KAL")),
    "skytrace flights --callsign 'KOR15?' --csv": _has(f"{DEMO_FLIGHT},7277cf,KOR151,P-671"),
    "skytrace flights --route FNJ-VVO --json": _json_ids(DEMO_FLIGHT),
    "skytrace board VVO": _has("UHWW arrivals, 2023-09-12", DEMO_FLIGHT),
    "skytrace board ZKPY --csv": _has(f"departure,{DEMO_FLIGHT},7277cf,KOR151"),
    "skytrace history 7277cf": _has("7277cf: 1 flight", DEMO_FLIGHT),
    "skytrace history P-671": _has("P-671: 1 flight", DEMO_FLIGHT),
    "skytrace history KOR151 --json": _json_ids(DEMO_FLIGHT),
    "skytrace track 7277cf-20230912-0213": _has(f"{DEMO_FLIGHT}:", "positions", "showing the"),
    "skytrace track KOR151 --csv": _has("timestamp,icao24,latitude", ",7277cf,"),
    "skytrace track 7277cf --time 2023-09-12T03:00Z": _has("1 position", "KOR151"),
    "skytrace track 7277cf --since 2023-09-12T03:00Z --until 2023-09-12T03:10Z": _has(
        "03:00:0", "03:09:5"
    ),
    "skytrace export 7277cf-20230912-0213 --output p671.kml": _file("p671.kml", "<when>"),
    "skytrace export KOR151 --format csv > kor151.csv": _has("timestamp,icao24,"),
    "skytrace export P-671 -o track.geojson --force": _file("track.geojson", "FeatureCollection"),
    "skytrace facts KOR151 --json": _has(f'"flight_id": "{DEMO_FLIGHT}"', "crossed from"),
    # watch rules and alerts, each on a copy of the store holding the README's rule "koryo"
    # beside the demo's own "featured" (whose alerts the demo journalled as it played)
    "skytrace watch add koryo --operator KOR --on takeoff,landing,area-entry "
    "--webhook http://127.0.0.1:9000/hook": _rule_file("koryo", 'operator = ["KOR"]'),
    "skytrace watch add p671 --aircraft 7277cf --on takeoff,landing,lost-contact "
    "--lost-minutes 20": _rule_file("p671", "lost_minutes = 20.0"),
    "skytrace watch add mayday --squawk 7700 --on emergency,squawk --jsonl mayday.jsonl": (
        _rule_file("mayday", 'jsonl = "mayday.jsonl"')
    ),
    "skytrace watch add russia --operator KOR --area country:RU --on area-entry": _rule_file(
        "russia", 'area = ["country:RU"]'
    ),
    "skytrace watch list": _has("2 watch rules", "featured", "koryo", "operator KOR"),
    "skytrace watch test koryo --date 2023-09-12": _has(
        "rule koryo: 3 alerts", "02:13:55", "ZKPY", "inferred", "country:RU", "UHWW", "observed"
    ),
    "skytrace alerts": _has("4 alerts", "featured", "takeoff", "logged"),
    "skytrace alerts --since 2023-09-12": _has("4 alerts", "UHWW", "observed", "logged"),
    "skytrace alerts --rule featured --since 2023-09-12": _has("4 alerts", "country:KP"),
    "skytrace alerts --json": _has(
        '"rule": "featured"', '"delivery": "logged"', '"inferred": true'
    ),
}


def _commands(text: str) -> list[str]:
    """The ``skytrace`` command lines of ``text``, continuation lines joined, comments cut."""
    lines = []
    for line in re.sub(r"\\\n\s*", "", text).splitlines():
        line = line.split("  #")[0].strip()
        if line.startswith("skytrace "):
            lines.append(" ".join(line.split()))
    return lines


def _readme_examples() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.S)
    return [line for block in blocks for line in _commands(block)]


CHANGES_THE_STORE = ("watch", "alerts")  # their examples run on a copy of the demo's store


def _help_examples() -> list[str]:
    found = []
    for module, _ in COMMANDS.values():  # every command's examples, present and future
        epilog = getattr(importlib.import_module(f"skytrace.cli.{module}"), "EPILOG", "") or ""
        found += _commands(epilog)
    return found


def _run_example(example: str, run_cli: RunCli, data_dir: Path) -> tuple[int, str, str]:
    argv = shlex.split(example.split(" > ")[0])[1:]  # a "> file" redirect: the output is stdout
    return run_cli(*argv, "--data-dir", str(data_dir))


def test_the_readme_and_help_list_examples() -> None:
    readme = _readme_examples()
    assert "skytrace facts 7277cf-20230912-0213" in readme and len(_help_examples()) >= 15


@pytest.mark.parametrize("example", _readme_examples() + _help_examples())
def test_example_gives_its_answer(
    example: str,
    demo_store: Path,
    run_cli: RunCli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if example in NOT_ON_A_STORE:
        assert example.split()[1] in ("serve", "receivers", "replay", "refdata", "demo")
        return
    assert example in EXPECTED, f"add the answer {example!r} should give to EXPECTED"
    monkeypatch.chdir(tmp_path)
    data_dir = demo_store
    if example.split()[1] in CHANGES_THE_STORE:
        data_dir = tmp_path / STORE_COPY
        shutil.copytree(demo_store, data_dir)
        if not example.startswith("skytrace watch add koryo"):
            assert run_cli("watch", "add", *README_RULE, "--data-dir", str(data_dir))[0] == 0
    code, out, err = _run_example(example, run_cli, data_dir)
    assert code == 0, err
    EXPECTED[example](out, tmp_path)


TABLE_COMMANDS = [
    ["flights"],
    ["flights", "--all"],
    ["board", "UHWW", "--date", "2023-09-12"],
    ["history", "KOR151"],
    ["track", "KOR151"],
    ["track", "KOR151", "--all"],
    ["facts", "KOR151"],
    ["area", "--country", "KP", "--date", "2023-09-12"],
    ["area", "--at", "42.5,130.6"],
    ["airport", "ZKPY"],
    ["airport", "--near", "39.2,125.7"],
    ["sql", "SELECT * FROM flights LIMIT 3"],
    ["sql", "SELECT * FROM positions LIMIT 100"],
]


@pytest.mark.parametrize("argv", TABLE_COMMANDS, ids=lambda a: " ".join(a)[:40])
def test_tables_fit_120_columns(
    argv: list[str], demo_store: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    code, out, err = run_cli(*argv, "--data-dir", str(demo_store))
    assert code == 0, err
    widest = max(len(line) for line in out.splitlines())
    assert widest <= 120, f"{widest} columns"


def test_a_long_table_is_summarized_and_whole_on_request(demo_store: Path, run_cli: RunCli) -> None:
    _, short, _ = run_cli("track", "KOR151", "--data-dir", str(demo_store))
    _, whole, _ = run_cli("track", "KOR151", "--all", "--data-dir", str(demo_store))
    _, csv_out, _ = run_cli("track", "KOR151", "--csv", "--data-dir", str(demo_store))
    n = len(csv_out.splitlines()) - 1
    assert n > 6000
    assert f"showing the first and last 20 of {n:,} rows" in " ".join(short.split())
    assert len(short.splitlines()) < 60 and len(whole.splitlines()) > n
