"""Atomic file writes: nothing half-made is ever visible at a final path."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(final: Path, *, staging_dir: Path | None = None) -> Iterator[Path]:
    """Yield a temporary path; on success it is fsynced and renamed onto *final*.

    The temporary file lives in *staging_dir* (default: *final*'s directory), which
    should be on the same filesystem so that the rename is atomic. On failure it is removed.
    An OSError about the temporary file is raised as one about *final*: that is the file
    the operator knows, and the one that could not be written.
    """
    directory = staging_dir or final.parent
    tmp: Path | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=directory)
        os.close(fd)
        tmp = Path(name)
        yield tmp
        move_into_place(tmp, final)
    except OSError as e:
        if _about_temporary(e, directory, final):
            raise OSError(e.errno, e.strerror, str(final)) from e
        raise
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def move_into_place(src: Path, final: Path) -> None:
    """Flush *src* to disk and rename it onto *final*, world-readable; errors name *final*.

    *src* should be on *final*'s filesystem; when it is not (a folder of the web root mounted
    from elsewhere), it is copied beside *final* first, so the last step is still one rename.
    """
    try:
        with src.open("rb+") as f:
            os.fsync(f.fileno())
        # mkstemp creates 0600; published files must be readable by a web server.
        src.chmod(0o644)
        try:
            src.replace(final)
        except OSError as e:
            if e.errno != errno.EXDEV:
                raise
            with atomic_path(final) as near:
                shutil.copyfile(src, near)
            src.unlink()
        _fsync_dir(final.parent)
    except OSError as e:
        raise OSError(e.errno, e.strerror, str(final)) from e


def write_atomic(final: Path, data: bytes, *, staging_dir: Path | None = None) -> None:
    """Replace *final* with *data* in one rename (the temporary file in *staging_dir*, as for atomic_path)."""
    with atomic_path(final, staging_dir=staging_dir) as tmp:
        tmp.write_bytes(data)


def _about_temporary(error: OSError, directory: Path, final: Path) -> bool:
    """True when *error* names no file or one of atomic_path's temporary files for *final*."""
    names = [n for n in (error.filename, error.filename2) if n is not None]
    return not names or any(
        Path(n).parent == directory and Path(n).name.startswith(f".{final.name}.") for n in map(os.fsdecode, names)
    )


def _fsync_dir(directory: Path) -> None:
    """Make a rename into *directory* survive a power cut (before the catalog says the file is there)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
