"""Cover art (Pillow): draw the default cover, shrink a cover for ID3, check Apple's rules."""

from __future__ import annotations

import functools
import io
import logging
import unicodedata
from importlib.resources import files
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from radiocast.errors import ConfigError
from radiocast.i18n import _

log = logging.getLogger(__name__)

# Apple Podcasts (FEED-SPEC §1.1): square, 1400..3000 px, JPEG or PNG, RGB; 512 KB
# is PRX's ceiling that also satisfies NPR One and Spotify.
COVER_MIN_PX = 1400
COVER_MAX_PX = 3000
COVER_MAX_BYTES = 512 * 1024
# An APIC frame sits before the audio: IAB counts the first minute of bytes as a
# "download", so the embedded copy stays well under 500 KB (FEED-SPEC §4.1).
APIC_MAX_BYTES = 256 * 1024

_FORMATS_BY_SUFFIX = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}

_BOLD = "DejaVuSans-Bold.ttf"
_REGULAR = "DejaVuSans.ttf"

# A deep blue field, one lighter band, white title, amber accents: high contrast
# that survives the 55 px thumbnails of podcast directories.
_BACKGROUND = (14, 47, 77)
_BAND = (21, 62, 99)
_ACCENT = (242, 178, 52)
_TITLE = (255, 255, 255)
_SUBTITLE = (214, 228, 240)


def render_cover(title: str, *, subtitle: str | None = None, size: int = COVER_MAX_PX) -> bytes:
    """Draw a square JPEG cover with *title* (and *subtitle*) centred on a plain design.

    Raises ConfigError when the text is empty or has characters the bundled font cannot draw.
    """
    if not COVER_MIN_PX <= size <= COVER_MAX_PX:
        raise ValueError(f"cover size {size} is outside {COVER_MIN_PX}..{COVER_MAX_PX} px")
    title = " ".join(unicodedata.normalize("NFC", title).split())
    subtitle = " ".join(unicodedata.normalize("NFC", subtitle or "").split()) or None
    if not title:
        raise ConfigError(
            _("the cover needs a title, got an empty one"),
            hint=_("set podcast.title in podcast.toml"),
        )
    for text, face in ((title, _BOLD), (subtitle or "", _REGULAR)):
        missing = missing_glyphs(text, face)
        if missing:
            raise ConfigError(
                _("the cover font cannot draw {missing!r} in {text!r}").format(missing="".join(missing), text=text),
                hint=_("remove those characters from the title, or give podcast.image your own cover"),
            )

    img = Image.new("RGB", (size, size), _BACKGROUND)
    draw = ImageDraw.Draw(img)
    u = size / 1000  # design units: the layout below is drawn on a 1000-unit square

    draw.rectangle((0, round(280 * u), size, round(760 * u)), fill=_BAND)
    _draw_waves(draw, centre=(size / 2, 150 * u), u=u)
    title_bottom = _draw_block(
        draw,
        title,
        face=_BOLD,
        box=(80 * u, 310 * u, 840 * u, 420 * u),
        max_px=round(95 * u),
        min_px=round(34 * u),
        fill=_TITLE,
        line_gap=0.22,
    )
    rule_y = max(title_bottom + 50 * u, 810 * u)
    draw.rectangle((size / 2 - 70 * u, rule_y, size / 2 + 70 * u, rule_y + 8 * u), fill=_ACCENT)
    if subtitle:
        _draw_block(
            draw,
            subtitle,
            face=_REGULAR,
            box=(80 * u, rule_y + 40 * u, 840 * u, 950 * u - (rule_y + 40 * u)),
            max_px=round(44 * u),
            min_px=round(24 * u),
            fill=_SUBTITLE,
            line_gap=0.3,
        )
    return _encode_jpeg(img, max_bytes=COVER_MAX_BYTES, qualities=(92, 88, 84, 80, 75, 70))


def cover_thumbnail(path: Path, *, size: int = COVER_MIN_PX) -> bytes:
    """Return *path*'s image as RGB JPEG bytes fitting size×size, small enough for an ID3 APIC frame.

    Raises ConfigError naming the file when it is missing or not an image.
    """
    try:
        with Image.open(path) as src:
            src.load()
            # Phone photos store "rotate me" in EXIF; ID3 readers ignore it.
            img = _to_rgb(ImageOps.exif_transpose(src))
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as e:
        raise ConfigError(
            _("cover image {path} cannot be read ({error})").format(path=path, error=e),
            hint=_("fix podcast.image in podcast.toml, or replace the file with a JPEG or PNG"),
        ) from e
    img.thumbnail((size, size), Image.Resampling.LANCZOS)
    qualities = (88, 80, 70, 60)
    data = _encode_jpeg(img, max_bytes=APIC_MAX_BYTES, qualities=qualities)
    # A photo too busy for the budget even at low quality gets fewer pixels
    # instead: the budget protects every listener's first minute of download.
    while len(data) > APIC_MAX_BYTES and min(img.size) > 300:
        scale = max(0.5, 0.95 * (APIC_MAX_BYTES / len(data)) ** 0.5)
        img = img.resize(
            (round(img.width * scale), round(img.height * scale)),
            Image.Resampling.LANCZOS,
        )
        data = _encode_jpeg(img, max_bytes=APIC_MAX_BYTES, qualities=qualities[-1:])
        log.warning(
            _("cover {path} shrunk to {width}×{height} px to fit an ID3 picture in {size} bytes").format(
                path=path, width=img.width, height=img.height, size=len(data)
            )
        )
    return data


def check_cover(path: Path) -> list[str]:
    """List how *path* breaks Apple's artwork rules (FEED-SPEC §1.1, §7); empty when it is fine."""
    name = path.name
    try:
        size_bytes = path.stat().st_size
        with Image.open(path) as img:
            fmt, mode, (width, height) = img.format, img.mode, img.size
            # Image.open reads only the header: decode to catch a truncated file.
            img.load()
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as e:
        return [_("{name} is not a readable image ({error}); use a JPEG or PNG").format(name=name, error=e)]

    problems: list[str] = []
    expected = _FORMATS_BY_SUFFIX.get(path.suffix.lower())
    if fmt not in ("JPEG", "PNG"):
        problems.append(_("{name} is {format}, not JPEG or PNG; convert it to JPEG").format(name=name, format=fmt))
    if expected is None:
        problems.append(
            _("{name} has the extension {suffix!r}; Apple needs .jpg or .png").format(name=name, suffix=path.suffix)
        )
    elif fmt in ("JPEG", "PNG") and fmt != expected:
        problems.append(
            _("{name} is really a {format} file; rename it or convert it to {expected}").format(
                name=name, format=fmt, expected=expected
            )
        )
    if width != height:
        problems.append(
            _("{name} is {width}×{height} px, not square; crop it to a square").format(
                name=name, width=width, height=height
            )
        )
    if not (COVER_MIN_PX <= width <= COVER_MAX_PX and COVER_MIN_PX <= height <= COVER_MAX_PX):
        problems.append(
            _("{name} is {width}×{height} px; Apple needs {low}..{high} px (3000 recommended)").format(
                name=name, width=width, height=height, low=COVER_MIN_PX, high=COVER_MAX_PX
            )
        )
    if mode != "RGB":
        problems.append(
            _("{name} uses colour mode {mode}; Apple needs RGB (save it as RGB, no alpha)").format(name=name, mode=mode)
        )
    if size_bytes > COVER_MAX_BYTES:
        problems.append(
            _("{name} is {size} KB; keep it at most {limit} KB").format(
                name=name, size=size_bytes // 1024, limit=COVER_MAX_BYTES // 1024
            )
        )
    return problems


def missing_glyphs(text: str, face: str = _BOLD) -> list[str]:
    """The characters of *text* that the bundled font *face* has no glyph for, each listed once."""
    font = _font(face, 64)
    notdef = _glyph_key(font, "\U0010fffe")  # a noncharacter: no font maps it
    missing: list[str] = []
    for ch in dict.fromkeys(unicodedata.normalize("NFC", text)):
        if not ch.isspace() and _glyph_key(font, ch) == notdef:
            missing.append(ch)
    return missing


def _glyph_key(font: ImageFont.FreeTypeFont, ch: str) -> tuple[object, ...]:
    """What FreeType draws for *ch*: equal to the .notdef box's key when the glyph is missing."""
    mask = font.getmask(ch)
    return (mask.size, bytes(mask), font.getlength(ch))


@functools.cache
def _font_bytes(face: str) -> bytes:
    # Shipped in the package so an installed radiocast needs no system fonts.
    return files("radiocast").joinpath("data", face).read_bytes()


@functools.cache
def _font(face: str, px: int) -> ImageFont.FreeTypeFont:
    # Vietnamese NFC text is precomposed: the basic layout needs no shaping
    # library and draws the same pixels on every machine.
    return ImageFont.truetype(io.BytesIO(_font_bytes(face)), px, layout_engine=ImageFont.Layout.BASIC)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str] | None:
    """Greedy word wrap; None when one word alone is wider than *width*."""
    lines: list[str] = []
    for word in text.split(" "):
        if font.getlength(word) > width:
            return None
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def _balance(text: str, font: ImageFont.FreeTypeFont, width: float, count: int) -> list[str]:
    """Narrow the wrap width while the line count holds, so lines come out of similar length."""
    best = _wrap(text, font, width) or [text]
    lo, hi = width * 0.5, width
    while hi - lo > 2:
        mid = (lo + hi) / 2
        lines = _wrap(text, font, mid)
        if lines is not None and len(lines) <= count:
            best, hi = lines, mid
        else:
            lo = mid
    return best


def _draw_block(
    draw: ImageDraw.ImageDraw,
    text: str,
    *,
    face: str,
    box: tuple[float, float, float, float],
    max_px: int,
    min_px: int,
    fill: tuple[int, int, int],
    line_gap: float,
) -> float:
    """Draw *text* in the largest size that fits *box* (x, y, width, height), centred; return its bottom."""
    x, y, width, height = box
    px = max_px
    while True:
        font = _font(face, px)
        lines = _wrap(text, font, width)
        pitch = px * (1 + line_gap)
        if lines is not None and len(lines) * pitch <= height:
            lines = _balance(text, font, width, len(lines))
            break
        if px <= min_px:
            lines = _clip(text, font, width, max(1, int(height // pitch)))
            break
        px = max(min_px, round(px * 0.95))

    # Centre on the ink, not on the font's ascent: stacked Vietnamese marks
    # (Ố, Ậ) rise above the ascender and must not touch the band's edge.
    centre_x = x + width / 2
    tops = [font.getbbox(line, anchor="ls")[1] for line in lines]
    bottoms = [font.getbbox(line, anchor="ls")[3] for line in lines]
    ink_top = min(tops)
    ink_height = (len(lines) - 1) * pitch + max(bottoms) - ink_top
    baseline = y + (height - ink_height) / 2 - ink_top
    for i, line in enumerate(lines):
        draw.text((centre_x, baseline + i * pitch), line, font=font, fill=fill, anchor="ms")
    return baseline + (len(lines) - 1) * pitch + max(bottoms)


def _clip(text: str, font: ImageFont.FreeTypeFont, width: float, count: int) -> list[str]:
    """Wrap at the smallest size, breaking overlong words, and end with an ellipsis after *count* lines."""
    words: list[str] = []
    for word in text.split(" "):
        while font.getlength(word) > width:
            cut = len(word) - 1
            while cut > 1 and font.getlength(word[:cut]) > width:
                cut -= 1
            words.append(word[:cut])
            word = word[cut:]
        words.append(word)
    lines = _wrap(" ".join(words), font, width) or [text]
    if len(lines) <= count:
        return lines
    lines = lines[:count]
    while lines[-1] and font.getlength(lines[-1] + "…") > width:
        lines[-1] = lines[-1][:-1]
    lines[-1] = lines[-1].rstrip() + "…"
    return lines


def _draw_waves(draw: ImageDraw.ImageDraw, *, centre: tuple[float, float], u: float) -> None:
    """A transmitter dot with broadcast arcs either side: the station's "on air" mark."""
    cx, cy = centre
    r = 16 * u
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_ACCENT)
    for i, radius in enumerate((48, 82, 116)):
        rr = radius * u
        colour = _ACCENT if i == 0 else _mix(_SUBTITLE, _BACKGROUND, 0.5 if i == 1 else 0.28)
        bbox = (cx - rr, cy - rr, cx + rr, cy + rr)
        for start in (-40, 140):
            draw.arc(bbox, start, start + 80, fill=colour, width=round(11 * u))


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    """*t* of colour *a* over *b*."""
    return (
        round(a[0] * t + b[0] * (1 - t)),
        round(a[1] * t + b[1] * (1 - t)),
        round(a[2] * t + b[2] * (1 - t)),
    )


def _to_rgb(img: Image.Image) -> Image.Image:
    """Flatten any mode (CMYK, palette, grey, alpha) onto RGB; transparency becomes white."""
    if img.mode == "RGB":
        return img.copy()
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return img.convert("RGB")


def _encode_jpeg(img: Image.Image, *, max_bytes: int, qualities: tuple[int, ...]) -> bytes:
    """The best-quality baseline JPEG of *img* that fits *max_bytes* (else the smallest tried)."""
    data = b""
    for quality in qualities:
        # 4:4:4 keeps the edges of coloured text clean while the budget allows;
        # dpi for Apple's "72 dpi".
        subsampling = 0 if quality >= 80 else 2
        options: dict[str, object] = {
            "quality": quality,
            "subsampling": subsampling,
            "dpi": (72, 72),
        }
        buf = io.BytesIO()
        try:
            img.save(buf, "JPEG", optimize=True, **options)
        except OSError:
            # Pillow sizes the optimizer's buffer at one byte per pixel, too
            # small for photo noise at high quality: plain Huffman tables then.
            buf = io.BytesIO()
            img.save(buf, "JPEG", **options)
        data = buf.getvalue()
        if len(data) <= max_bytes:
            return data
        log.debug(
            "cover JPEG at quality %d is %d bytes, over %d",
            quality,
            len(data),
            max_bytes,
        )
    return data
