"""The cover thumbnail cache: a hit is exactly what cover_thumbnail makes, a new cover is a miss."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from PIL import Image

from radiocast.cover import cover_thumbnail, render_cover
from radiocast.errors import ConfigError
from radiocast.thumbnails import cached_thumbnail


def _cover(path: Path, title: str) -> Path:
    path.write_bytes(render_cover(title))
    return path


def test_a_hit_is_the_same_bytes_and_a_new_cover_is_a_miss(tmp_path: Path) -> None:
    cover = _cover(tmp_path / "cover.jpg", "Chính quyền đối thoại với Nhân dân")
    cache = tmp_path / "cache"
    first = cached_thumbnail(cover, cache, size=288)
    assert first == cover_thumbnail(cover, size=288)
    (kept,) = cache.glob("cover-288-*.jpg")
    assert kept.read_bytes() == first
    made = kept.stat().st_mtime_ns
    assert cached_thumbnail(cover, cache, size=288) == first
    assert kept.stat().st_mtime_ns == made  # read, not made again
    _cover(cover, "Tiếng nói Lai Vung")
    second = cached_thumbnail(cover, cache, size=288)
    assert second != first
    assert second == cover_thumbnail(cover, size=288)
    assert [p.read_bytes() for p in cache.glob("cover-288-*.jpg")] == [second]  # the stale one is gone


def test_a_shrunk_cover_warns_on_every_run(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # Noise does not compress: at 1400 px it cannot fit an ID3 picture without shrinking.
    noise = Image.effect_noise((3000, 3000), 120).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG", quality=95)
    cover = tmp_path / "cover.jpg"
    cover.write_bytes(buffer.getvalue())
    cache = tmp_path / "cache"
    with caplog.at_level(logging.WARNING):
        cached_thumbnail(cover, cache)
        cached_thumbnail(cover, cache)
    assert sum("shrunk" in r.getMessage() for r in caplog.records) == 2
    assert not list(cache.glob("cover-*.jpg"))


def test_an_unreadable_cover_is_cover_thumbnails_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.jpg"):
        cached_thumbnail(tmp_path / "missing.jpg", tmp_path / "cache")
