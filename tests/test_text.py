"""The small shared text helpers that are not covered by the Unicode properties."""

from __future__ import annotations

import pytest

from radiocast.text import clock


@pytest.mark.parametrize(
    ("ms", "fraction", "shown"),
    [
        (0, None, "00:00:00"),
        (3_723_999, None, "01:02:03"),
        (36_000_000 + 5, ".", "10:00:00.005"),
        (61_250, ",", "00:01:01,250"),
        (-1_500, ".", "-00:00:01.500"),
    ],
)
def test_clock(ms: int, fraction: str | None, shown: str) -> None:
    assert clock(ms, fraction=fraction) == shown
