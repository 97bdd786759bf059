"""The compact rows and their JSON, built column-wise for speed, say exactly what a row-at-a-
time construction says."""

from __future__ import annotations

import json
import math

import numpy as np

from skytrace.api.compact import _NULL_I4, _nullable, _text, dumps, dumps_bytes


def test_nullable_numbers_are_the_rounded_values_and_null() -> None:
    rng = np.random.default_rng(3)
    values = rng.integers(-18_000_000, 18_000_000, 50_000).astype(np.int32)
    values[::7] = _NULL_I4
    expected = [None if v == _NULL_I4 else round(v * 1e-5, 5) for v in values.tolist()]
    got = _nullable(values, 1e-5)
    assert [repr(x) for x in got] == [repr(x) for x in expected]
    assert _nullable(np.array([5, _NULL_I4], np.int32)) == [5, None]


def test_text_columns_are_stripped_and_bad_bytes_replaced() -> None:
    assert _text(np.array([b"KOR151  ", b"", b" DLH1"], "S8")) == ["KOR151", "", "DLH1"]
    assert _text(np.array([b"A\xffB"], "S4")) == ["A\ufffdB"]


def test_json_is_compact_utf8_and_has_no_nan() -> None:
    doc = {"a": [1, 2.5, None, True, "Ålesund"], "b": math.nan, 3: np.float32(1.5)}
    text = dumps(doc)
    assert text == '{"a":[1,2.5,null,true,"Ålesund"],"b":null,"3":1.5}'
    assert dumps_bytes(doc) == text.encode() and json.loads(text)["b"] is None
