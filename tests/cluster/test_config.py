"""cluster.toml: a good file loads; missing keys, bad or overlapping ranges and gaps are errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from skytrace.cluster.config import ClusterConfigError, load_config, parse_config, partition_of

GOOD = """
nats_urls = ["nats://127.0.0.1:4222"]
partitions = 8

[api]
bind = "127.0.0.1:9000"

[workers.w1]
partitions = "0-3"
data_dir = "w1"

[workers.w2]
partitions = "4,5-7"
data_dir = "/srv/w2"
"""


def test_good_config_loads_with_relative_dirs_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cluster.toml"
    path.write_text(GOOD)
    config = load_config(path)
    assert config.partitions == 8
    assert config.nats_urls == ("nats://127.0.0.1:4222",)
    assert config.worker("w1").partitions == (0, 1, 2, 3)
    assert config.worker("w1").data_dir == tmp_path / "w1"
    assert config.worker("w2").partitions == (4, 5, 6, 7)
    assert config.worker("w2").data_dir == Path("/srv/w2")
    assert config.api_bind == "127.0.0.1:9000"
    assert config.ingest_bind == "127.0.0.1:30005"


def _doc(**workers: dict[str, object]) -> dict[str, object]:
    return {"nats_urls": ["nats://x:4222"], "partitions": 4, "workers": workers}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"partitions": 4, "workers": {}}, "missing key 'nats_urls'"),
        ({"nats_urls": ["n"], "workers": {}}, "missing key 'partitions'"),
        ({"nats_urls": [], "partitions": 4, "workers": {}}, "non-empty list"),
        ({"nats_urls": ["n"], "partitions": 0, "workers": {}}, "1..4096"),
        ({"nats_urls": ["n"], "partitions": 4}, "missing key 'workers'"),
        (_doc(w1={"partitions": "0-3"}), "workers.w1: missing key 'data_dir'"),
        (_doc(w1={"data_dir": "a"}), "workers.w1: missing key 'partitions'"),
        (_doc(w1={"partitions": "0-4", "data_dir": "a"}), "outside 0..3"),
        (_doc(w1={"partitions": "3-1", "data_dir": "a"}), "outside 0..3"),
        (_doc(w1={"partitions": "0-x", "data_dir": "a"}), "bad partition range '0-x'"),
        (
            _doc(
                w1={"partitions": "0-2", "data_dir": "a"}, w2={"partitions": "2-3", "data_dir": "b"}
            ),
            "partition 2 already owned by worker 'w1'",
        ),
        (
            _doc(w1={"partitions": "0,1", "data_dir": "a"}),
            "2 partition(s) owned by no worker: 2, 3",
        ),
        (
            _doc(
                w1={"partitions": "0-1", "data_dir": "a"}, w2={"partitions": "2-3", "data_dir": "a"}
            ),
            "share a data_dir",
        ),
    ],
)
def test_bad_config_is_a_clear_error(doc: dict[str, object], message: str) -> None:
    with pytest.raises(ClusterConfigError) as info:
        parse_config(doc)
    assert message in str(info.value)
    assert info.value.exit_code == 2


def test_unknown_worker_and_bad_toml(tmp_path: Path) -> None:
    path = tmp_path / "cluster.toml"
    path.write_text(GOOD)
    with pytest.raises(ClusterConfigError, match="no worker named 'w9'"):
        load_config(path).worker("w9")
    path.write_text("partitions = [")
    with pytest.raises(ClusterConfigError, match="not valid TOML"):
        load_config(path)
    with pytest.raises(ClusterConfigError, match="cannot read"):
        load_config(tmp_path / "absent.toml")


def test_partition_of_spreads_neighbouring_addresses() -> None:
    block = range(0x3C0000, 0x3C0000 + 6400)
    counts = [0] * 64
    for address in block:
        counts[partition_of(address, 64)] += 1
    assert min(counts) > 50
    assert max(counts) < 150
