from __future__ import annotations

import numpy as np

from skytrace.refdata.addresses import AddressBlock, AddressBlocks, address_blocks


def test_narrowest_block_wins_where_blocks_overlap() -> None:
    blocks = AddressBlocks(
        [
            AddressBlock(0x680000, 0x6FFFFF, "", "Unassigned (ASIA region)"),
            AddressBlock(0x720000, 0x727FFF, "KP", ""),
            AddressBlock(0x700000, 0x7FFFFF, "", "wide"),
            AddressBlock(0x7277C0, 0x7277DF, "XX", ""),
        ]
    )
    assert blocks.country_of(0x7277CF) == "XX"
    assert blocks.country_of(0x7277E0) == "KP"
    assert blocks.country_of(0x728000) == ""
    assert blocks.block_of(0x728000).label == "wide"  # type: ignore[union-attr]
    assert blocks.block_of(0x000001) is None


def test_bundled_table_names_north_korea_and_russia() -> None:
    blocks = address_blocks()
    assert blocks.country_name_of(0x7277CF) == "North Korea"
    assert blocks.country_of(0x720000) == "KP" and blocks.country_of(0x727FFF) == "KP"
    assert blocks.country_of(0x728000) != "KP"
    assert blocks.country_name_of(0x100000) == "Russia"
    assert blocks.country_name_of(0x1FFFFF) == "Russia"
    # A national block inside a broad unassigned reservation is still found.
    assert blocks.country_of(0x690000) == ""
    assert blocks.block_of(0x690000).label.startswith("Unassigned")  # type: ignore[union-attr]


def test_vectorized_lookup_matches_single_lookups() -> None:
    blocks = address_blocks()
    rng = np.random.default_rng(5)
    addresses = np.concatenate([rng.integers(0, 1 << 24, 2000), [-1, 1 << 24, 0, 0xFFFFFF]])
    many = blocks.countries_many(addresses)
    for a, code in zip(addresses, many, strict=True):
        expected = blocks.country_of(int(a)) if 0 <= a < (1 << 24) else ""
        assert code == expected
