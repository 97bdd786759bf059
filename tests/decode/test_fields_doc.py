"""docs/decoded-fields.md documents every decoded column, and the API keeps its shape."""

from __future__ import annotations

from pathlib import Path

import skytrace.decode as decode
from skytrace.decode import FIELDS, decode_batch
from skytrace.decode.fields import fields_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "decoded-fields.md"


def test_doc_table_matches_the_field_list() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert fields_markdown() in text, (
        "docs/decoded-fields.md is out of date: paste the output of "
        "`python -c 'from skytrace.decode.fields import fields_markdown; "
        "print(fields_markdown())'` under '## Fields'"
    )


def test_every_field_has_unit_or_is_a_code_and_a_meaning() -> None:
    for f in FIELDS:
        assert f.doc, f.name
        if f.dtype.startswith("f"):
            assert f.unit, f"float field {f.name} needs a unit"
            suffixes = ("_ft", "_kt", "_deg", "_fpm", "_hpa", "_nm", "_deg_s", "_c", "_pct")
            assert f.name.endswith(suffixes) or f.name == "mach", f.name


def test_batch_names_are_the_documented_fields() -> None:
    batch = decode_batch(["8D406B902015A678D4D220AA4BDA"])
    assert batch.names == tuple(f.name for f in FIELDS)
    for name in batch.names:
        assert batch[name].shape == (1,)
        assert batch.mask(name).dtype == bool


def test_public_api() -> None:
    for name in decode.__all__:
        assert hasattr(decode, name)
    assert {"decode_batch", "DecodedBatch"} <= set(decode.__all__)
