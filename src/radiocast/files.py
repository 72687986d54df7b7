"""Atomic file writes: nothing half-made is ever visible at a final path."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(final: Path, *, staging_dir: Path | None = None) -> Iterator[Path]:
    """Yield a temporary path; on success it is fsynced and renamed onto *final*.

    The temporary file lives in *staging_dir* (default: *final*'s directory), which
    must be on the same filesystem so that the rename is atomic. On failure it is removed.
    """
    directory = staging_dir or final.parent
    directory.mkdir(parents=True, exist_ok=True)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        move_into_place(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def move_into_place(src: Path, final: Path) -> None:
    """Flush *src* to disk and rename it onto *final* (same filesystem), world-readable."""
    with src.open("rb+") as f:
        os.fsync(f.fileno())
    # mkstemp creates 0600; published files must be readable by a web server.
    src.chmod(0o644)
    src.replace(final)


def write_atomic(final: Path, data: bytes) -> None:
    """Replace *final* with *data* in one rename."""
    with atomic_path(final) as tmp:
        tmp.write_bytes(data)
