"""Cover art: the default cover meets Apple's rules and really draws Vietnamese; the checks catch bad art."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from radiocast.cover import (
    APIC_MAX_BYTES,
    COVER_MAX_BYTES,
    check_cover,
    cover_thumbnail,
    missing_glyphs,
    render_cover,
)
from radiocast.errors import ConfigError

TITLE = "Chính quyền đối thoại với Nhân dân qua sóng phát thanh"
STATION = "Đài Truyền thanh huyện Lai Vung"
# Every Vietnamese letter with every tone mark, both cases.
VIETNAMESE = (
    "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
    "AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬEÈÉẺẼẸÊỀẾỂỄỆIÌÍỈĨỊOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴĐ"
)


@pytest.fixture(scope="module")
def cover_bytes() -> bytes:
    return render_cover(TITLE, subtitle=STATION)


@pytest.fixture
def cover_file(cover_bytes: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "cover.jpg"
    path.write_bytes(cover_bytes)
    return path


def _image(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def _noise(px: int) -> Image.Image:
    """The worst case for JPEG: no two neighbouring pixels alike."""
    return Image.merge("RGB", [Image.effect_noise((px, px), 128) for _ in range(3)])


def _save(img: Image.Image, path: Path, fmt: str, **options: object) -> Path:
    img.save(path, fmt, **options)
    return path


def test_default_cover_meets_apple_rules(cover_bytes: bytes, cover_file: Path) -> None:
    img = _image(cover_bytes)
    assert (img.format, img.mode, img.size) == ("JPEG", "RGB", (3000, 3000))
    assert len(cover_bytes) <= COVER_MAX_BYTES
    assert check_cover(cover_file) == []


def test_cover_size_can_be_smaller() -> None:
    img = _image(render_cover("Tin tức", size=1400))
    assert (img.mode, img.size) == ("RGB", (1400, 1400))


def test_cover_size_outside_apple_range_is_refused() -> None:
    with pytest.raises(ValueError, match="1399"):
        render_cover(TITLE, size=1399)


def test_title_is_large_light_on_dark_wrapped_and_centred(cover_bytes: bytes) -> None:
    grey = _image(cover_bytes).convert("L")
    ink = grey.point(lambda v: 255 if v > 200 else 0)
    # The title's band is the middle of the square; the subtitle sits below it.
    band = ink.crop((0, 840, 3000, 2280))
    left, _, right, _ = band.getbbox() or (0, 0, 0, 0)
    assert right - left > 2000  # large: spans most of the width
    assert abs(left - (3000 - right)) < 60  # centred
    rows = [band.crop((0, y, 3000, y + 1)).getbbox() is not None for y in range(band.height)]
    runs = sum(1 for y, on in enumerate(rows) if on and (y == 0 or not rows[y - 1]))
    assert runs >= 3  # several lines (stacked marks may add a run)
    background = grey.getpixel((40, 40))
    assert isinstance(background, int)
    assert background < 70  # deep background: white text contrasts strongly


def test_every_vietnamese_letter_is_in_the_bundled_fonts() -> None:
    assert missing_glyphs(VIETNAMESE + TITLE + STATION) == []
    assert missing_glyphs(VIETNAMESE, "DejaVuSans.ttf") == []
    # The detector itself works: DejaVu has no CJK ideographs.
    assert missing_glyphs("Lai Vung 中文") == ["中", "文"]


def test_diacritics_are_actually_drawn() -> None:
    with_stroke = _image(render_cover("Đ", size=1400)).convert("L")
    plain = _image(render_cover("D", size=1400)).convert("L")
    assert ImageChops.difference(with_stroke, plain).getbbox() is not None
    tone = _image(render_cover("Chính quyền", size=1400)).convert("L")
    bare = _image(render_cover("Chinh quyen", size=1400)).convert("L")
    diff = ImageChops.difference(tone, bare).point(lambda v: 255 if v > 64 else 0)
    assert diff.getbbox() is not None


def test_text_the_font_cannot_draw_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="中"):
        render_cover("Phát thanh 中文", size=1400)
    with pytest.raises(ConfigError, match="title"):
        render_cover("   ", size=1400)


def test_a_very_long_title_still_fits() -> None:
    img = _image(render_cover(TITLE * 8, subtitle=STATION * 4, size=1400))
    assert img.size == (1400, 1400)


def test_thumbnail_fits_the_apic_budget(cover_file: Path) -> None:
    data = cover_thumbnail(cover_file)
    img = _image(data)
    assert (img.format, img.mode, img.size) == ("JPEG", "RGB", (1400, 1400))
    assert len(data) <= APIC_MAX_BYTES


def test_thumbnail_of_a_noisy_photo_stays_under_budget(tmp_path: Path) -> None:
    noise = _noise(1000)
    data = cover_thumbnail(_save(noise, tmp_path / "noise.bmp", "BMP"), size=900)
    assert len(data) <= APIC_MAX_BYTES
    width, height = _image(data).size
    assert width == height <= 900


@pytest.mark.parametrize(
    ("mode", "fmt", "name"),
    [
        ("CMYK", "JPEG", "c.jpg"),
        ("RGBA", "PNG", "a.png"),
        ("L", "JPEG", "g.jpg"),
        ("P", "PNG", "p.png"),
    ],
)
def test_thumbnail_converts_to_rgb(tmp_path: Path, mode: str, fmt: str, name: str) -> None:
    src = _save(Image.new(mode, (3000, 2000)), tmp_path / name, fmt)
    img = _image(cover_thumbnail(src, size=600))
    assert (img.format, img.mode, img.size) == ("JPEG", "RGB", (600, 400))


def test_thumbnail_of_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=re.escape("nowhere.jpg")) as info:
        cover_thumbnail(tmp_path / "nowhere.jpg")
    assert info.value.__cause__ is not None


def test_thumbnail_of_a_non_image_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "cover.jpg"
    bad.write_text("not a picture", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape("cover.jpg")):
        cover_thumbnail(bad)


@pytest.mark.parametrize(
    ("size", "mode", "fmt", "name", "expected"),
    [
        ((3000, 2000), "RGB", "JPEG", "wide.jpg", "not square"),
        ((1000, 1000), "RGB", "JPEG", "small.jpg", "1400..3000"),
        ((3200, 3200), "RGB", "JPEG", "huge.jpg", "1400..3000"),
        ((1400, 1400), "CMYK", "JPEG", "cmyk.jpg", "CMYK"),
        ((1400, 1400), "L", "JPEG", "grey.jpg", "mode L"),
        ((1400, 1400), "RGBA", "PNG", "alpha.png", "RGBA"),
        ((1400, 1400), "RGB", "PNG", "really-png.jpg", "really a PNG"),
        ((1400, 1400), "RGB", "JPEG", "really-jpeg.png", "really a JPEG"),
        ((1400, 1400), "RGB", "GIF", "anim.gif", "not JPEG or PNG"),
    ],
)
def test_check_cover_names_each_problem(
    tmp_path: Path, size: tuple[int, int], mode: str, fmt: str, name: str, expected: str
) -> None:
    path = _save(Image.new(mode, size, "navy"), tmp_path / name, fmt)
    problems = check_cover(path)
    assert any(expected in p for p in problems), problems
    assert all(name in p for p in problems)


def test_check_cover_flags_a_heavy_file(tmp_path: Path) -> None:
    noise = _noise(1400)
    path = _save(noise, tmp_path / "noise.jpg", "JPEG", quality=95)
    assert path.stat().st_size > COVER_MAX_BYTES
    (problem,) = check_cover(path)
    assert "512 KB" in problem


def test_check_cover_reports_unreadable_files(tmp_path: Path, cover_bytes: bytes) -> None:
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(cover_bytes[: len(cover_bytes) // 2])
    text = tmp_path / "text.jpg"
    text.write_text("<html>Không tìm thấy</html>", encoding="utf-8")
    for path in (truncated, text, tmp_path / "missing.jpg"):
        (problem,) = check_cover(path)
        assert path.name in problem
        assert "not a readable image" in problem


def test_thumbnail_applies_exif_rotation(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    src = _save(Image.new("RGB", (1600, 800), "navy"), tmp_path / "phone.jpg", "JPEG", exif=exif)
    assert _image(cover_thumbnail(src)).size == (700, 1400)
