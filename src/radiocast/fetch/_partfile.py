"""``dest.part`` and its ``.part.json``: a download's bytes so far, and what lets a later run resume it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from radiocast.fetch._http import CHUNK_BYTES, SNIFF_BYTES
from radiocast.files import write_atomic


@dataclass(slots=True)
class PartFile:
    """``dest.part``: always a genuine prefix of the representation its .part.json names.

    It is resumable only under a strong validator (*validator*, sent as If-Range): with a
    weak ETag, a weak date or none, a file replaced by another of the same length would
    have its new tail joined to the old prefix (RFC 9110 §13.1.5, §15.3.7.3).
    """

    url: str
    path: Path
    meta: Path
    accepts: Callable[[bytes], bool]  # whether the first bytes look like the audio expected
    size: int = 0
    sha: hashlib._Hash = field(default_factory=hashlib.sha256)
    etag: str | None = None
    last_modified: str | None = None
    validator: str | None = None  # the strong ETag or Last-Modified that If-Range carries
    total: int | None = None

    @property
    def resumable(self) -> bool:
        return self.validator is not None

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
        etag, last_modified, validator, total = (meta.get(k) for k in ("etag", "last_modified", "validator", "total"))
        # A record without a strong validator (older radiocast wrote such) is never resumed.
        if not (_optional(etag, str) and _optional(last_modified, str) and isinstance(validator, str)):
            part.discard()
            return part
        if not _optional(total, int) or size < SNIFF_BYTES or (total is not None and size > total):
            part.discard()
            return part
        part.etag, part.last_modified, part.validator, part.total = etag, last_modified, validator, total
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

    def begin(self, *, total: int | None, etag: str | None, last_modified: str | None, validator: str | None) -> None:
        """Record what the (empty) .part is about to hold, before any byte of it is written.

        *validator* is None when the body may not be resumed (see strong_validator, and a
        content-coded body, whose ranges would count coded bytes).
        """
        self.total, self.etag, self.last_modified, self.validator = total, etag, last_modified, validator
        record = {"url": self.url, "etag": etag, "last_modified": last_modified, "validator": validator, "total": total}
        write_atomic(self.meta, json.dumps(record).encode())
        self.path.write_bytes(b"")

    def reset(self) -> None:
        """Empty the .part (before its .part.json changes, so a crash never pairs old bytes with a new validator)."""
        self.path.write_bytes(b"")
        self.size, self.sha = 0, hashlib.sha256()

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)
        self.meta.unlink(missing_ok=True)
        self.size, self.sha, self.validator = 0, hashlib.sha256(), None


def _optional(value: object, kind: type) -> bool:
    return value is None or isinstance(value, kind)
