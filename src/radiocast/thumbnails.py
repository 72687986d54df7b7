"""The cover's thumbnails, kept between runs: decoding and resizing a 3000 px JPEG is most of
what an unchanged publish would otherwise spend on the cover."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import PIL
from PIL import features

from radiocast import cover
from radiocast.files import write_atomic

log = logging.getLogger(__name__)


def cached_thumbnail(path: Path, cache_dir: Path, *, size: int = cover.COVER_MIN_PX) -> bytes:
    """cover.cover_thumbnail(path, size=size), from *cache_dir* when made before from the same inputs.

    The key is everything the bytes depend on: the image's bytes, the size, the code that makes
    them (cover.py's source) and the Pillow and libjpeg versions; a hit is the same bytes a fresh
    run would make. A result that came with a warning (a cover shrunk to fit) is not kept, so the
    warning is given on every run; a cache that cannot be read or written is only slower.
    """
    try:
        key = _key(path.read_bytes(), size)
    except OSError:
        return cover.cover_thumbnail(path, size=size)  # its error names the file and the fix
    cached = cache_dir / f"cover-{size}-{key}.jpg"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    warned = _Warned()
    cover.log.addHandler(warned)
    try:
        data = cover.cover_thumbnail(path, size=size)
    finally:
        cover.log.removeHandler(warned)
    if not warned.any and cover.log.isEnabledFor(logging.WARNING):
        try:
            for old in cache_dir.glob(f"cover-{size}-*.jpg"):
                old.unlink()  # made from an earlier cover or version: never read again
            write_atomic(cached, data)
        except OSError as e:
            log.debug("cannot keep the cover thumbnail in %s: %s", cached, e)
    return data


def _key(image: bytes, size: int) -> str:
    code = Path(cover.__file__).read_bytes()
    versions = f"{size}:{PIL.__version__}:{features.version('jpg')}".encode()
    return hashlib.sha256(
        b"\0".join((hashlib.sha256(image).digest(), hashlib.sha256(code).digest(), versions))
    ).hexdigest()[:32]


class _Warned(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.any = False

    def emit(self, record: logging.LogRecord) -> None:
        self.any = True
