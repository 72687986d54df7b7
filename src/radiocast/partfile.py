"""``dest.part`` and its ``.part.json``: a download's bytes so far, and what lets a later run resume it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from radiocast.files import write_atomic
from radiocast.httpclient import CHUNK_BYTES, SNIFF_BYTES


@dataclass(slots=True)
class PartFile:
    """``dest.part``: always a genuine prefix of the representation its .part.json names."""

    url: str
    path: Path
    meta: Path
    accepts: Callable[[bytes], bool]  # whether the first bytes look like the audio expected
    size: int = 0
    sha: hashlib._Hash = field(default_factory=hashlib.sha256)
    etag: str | None = None
    last_modified: str | None = None
    total: int | None = None
    resumable: bool = False

    @property
    def validator(self) -> str | None:
        """What If-Range may carry: a strong ETag, else Last-Modified (RFC 9110 §13.1.5)."""
        if self.etag and not self.etag.startswith("W/"):
            return self.etag
        return self.last_modified

    @classmethod
    def open(cls, url: str, dest: Path, accepts: Callable[[bytes], bool]) -> PartFile:
        """Pick up a .part left by an earlier run when it can be resumed safely (size > 0), else clear it."""
        part = cls(
            url=url,
            accepts=accepts,
            path=dest.with_name(dest.name + ".part"),
            meta=dest.with_name(dest.name + ".part.json"),
        )
        try:
            meta = json.loads(part.meta.read_text(encoding="utf-8"))
            size = part.path.stat().st_size
        except (OSError, ValueError):
            part.discard()
            return part
        if not isinstance(meta, dict) or meta.get("url") != url:
            part.discard()
            return part
        etag, last_modified, total = (
            meta.get("etag"),
            meta.get("last_modified"),
            meta.get("total"),
        )
        if not (_optional(etag, str) and _optional(last_modified, str) and _optional(total, int)):
            part.discard()
            return part
        part.etag, part.last_modified, part.total = etag, last_modified, total
        part.resumable = meta.get("resumable") is True
        if not part.resumable or size < SNIFF_BYTES or (part.total is not None and size > part.total):
            part.discard()
            return part
        with part.path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
            if not part.accepts(head):
                part.discard()
                return part
            part.sha.update(head)
            while block := f.read(CHUNK_BYTES):
                part.sha.update(block)
        part.size = size
        return part

    def begin(
        self,
        *,
        total: int | None,
        etag: str | None,
        last_modified: str | None,
        encoded: bool,
    ) -> None:
        """Record what the (empty) .part is about to hold, before any byte of it is written."""
        self.total, self.etag, self.last_modified = total, etag, last_modified
        # Ranges of a content-coded body count coded bytes: resuming such a download is unsafe.
        self.resumable = not encoded and (self.validator is not None or total is not None)
        record = {
            "url": self.url,
            "etag": etag,
            "last_modified": last_modified,
            "total": total,
            "resumable": self.resumable,
        }
        write_atomic(self.meta, json.dumps(record).encode())
        self.path.write_bytes(b"")

    def reset(self) -> None:
        """Empty the .part (before its .part.json changes, so a crash never pairs old bytes with a new validator)."""
        self.path.write_bytes(b"")
        self.size, self.sha = 0, hashlib.sha256()

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)
        self.meta.unlink(missing_ok=True)
        self.size, self.sha, self.resumable = 0, hashlib.sha256(), False


def _optional(value: object, kind: type) -> bool:
    return value is None or isinstance(value, kind)
