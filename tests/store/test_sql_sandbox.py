"""The SQL sandbox (issue 18): only the store is readable, every escape on the list is refused,
and a query is bounded in memory and time with a clear error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from skytrace.cli.main import main
from skytrace.errors import UsageError
from skytrace.store import Store, open_reader
from tests.store.sample import sample_history

SECRET = "skytrace-sandbox-secret"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sandbox")
    flights, rows, events = sample_history()
    with Store.open(path) as store:
        store.write(rows[:200], flights, events)
    return path


@pytest.fixture()
def outside(tmp_path: Path) -> Path:
    """A file outside the store, and a working directory whose .tmp links to it."""
    secret = tmp_path / "secret.csv"
    secret.write_text(f"a,b\n{SECRET},1\n")
    work = tmp_path / "work"
    (work / ".tmp").mkdir(parents=True)
    (work / ".tmp" / "link.csv").symlink_to(secret)
    return secret


ESCAPES = [
    "SELECT * FROM read_csv('{secret}')",
    "SELECT * FROM read_csv_auto('{secret}')",
    "SELECT * FROM read_text('{secret}')",
    "SELECT * FROM read_blob('{secret}')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_text('.tmp/link.csv')",  # DuckDB's default temp dir: the escape seen
    "SELECT * FROM read_csv('.tmp/link.csv')",
    "SELECT * FROM glob('{parent}/*')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM read_text('{store}/../../secret.csv')",
    "SELECT * FROM sniff_csv('{secret}')",
    "SELECT * FROM read_json('{secret}')",
    "COPY (SELECT 1) TO '{parent}/out.csv'",
    "COPY flights TO '{parent}/out.csv'",
    "EXPORT DATABASE '{parent}/dump'",
    "ATTACH '{parent}/x.duckdb' AS x",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SET allowed_directories = ['/']",
    "RESET lock_configuration",
    "PRAGMA enable_profiling",
    "CALL pragma_version()",
    "CREATE TABLE t AS SELECT 1",
    "CREATE VIEW v AS SELECT * FROM read_csv('{secret}')",
    "INSERT INTO flights SELECT * FROM flights",
    "SELECT 1; SELECT * FROM read_csv('{secret}')",
    "EXPLAIN ANALYZE COPY (SELECT 1) TO '{parent}/out.csv'",
]


@pytest.mark.parametrize("template", ESCAPES)
def test_every_escape_is_refused(
    data_dir: Path, outside: Path, template: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(outside.parent / "work")
    query = template.format(secret=outside, parent=outside.parent, store=data_dir / "store")
    with open_reader(data_dir) as reader, pytest.raises(UsageError) as info:
        reader.sql(query)
    assert SECRET not in str(info.value)
    assert not (outside.parent / "out.csv").exists()
    assert not (outside.parent / "x.duckdb").exists()
    assert not (outside.parent / "dump").exists()


def test_the_temp_directory_is_private_and_not_readable_either(
    data_dir: Path, outside: Path
) -> None:
    with open_reader(data_dir) as reader:
        (temp,) = reader.sql("SELECT current_setting('temp_directory')")[1][0]
        assert Path(temp).is_dir() and not Path(temp).resolve().is_relative_to(Path.cwd())
        assert oct(os.stat(temp).st_mode & 0o777) == "0o700"
        os.symlink(outside, Path(temp) / "link.csv")
        with pytest.raises(UsageError, match="refused"):
            reader.sql(f"SELECT * FROM read_csv('{temp}/link.csv')")
    assert not Path(temp).exists()  # removed on close


def test_the_store_itself_stays_readable(data_dir: Path) -> None:
    with open_reader(data_dir) as reader:
        assert reader.sql("SELECT count(*) FROM positions")[1] == [(200,)]
        files = sorted((data_dir / "store" / "positions").rglob("*.parquet"))
        assert reader.sql(f"SELECT count(*) FROM read_parquet('{files[0]}')")[1][0][0] > 0


def test_memory_limit_is_a_clear_error(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["sql", "SELECT length(string_agg(x::VARCHAR, ',')) FROM range(20000000) t(x)",
         "--memory-limit", "32MB", "--data-dir", str(data_dir)]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "more memory than its limit of 32MB" in err and "--memory-limit" in err


def test_timeout_stops_a_runaway_query(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["sql", "SELECT count(*) FROM range(100000) a, range(100000) b, range(100000) c",
         "--timeout", "0.5", "--data-dir", str(data_dir)]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "stopped after 0.5 s" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--memory-limit", "lots"], "bad memory limit"),
        (["--timeout", "-1"], "--timeout"),
        (["--timeout", "nan"], "--timeout"),
    ],
)
def test_bad_limits_are_usage_errors(
    data_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code = main(["sql", "SELECT 1", *argv, "--data-dir", str(data_dir)])
    assert code == 2 and message in capsys.readouterr().err
