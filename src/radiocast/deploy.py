"""`radiocast deploy TARGET`: the published files to a web server's folder, S3 or an rsync destination.

Media go first, then sidecars and pages, the feed last: an app never reads a feed whose episodes
are not there yet. Only what changed goes up, judged by size and MD5 (the checksum S3 keeps as
the ETag of a single-part upload); local MD5s are cached by size and mtime, so an unchanged
deploy of a big archive reads no audio. Nothing is deleted unless asked, and then only once the
feed is up.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Protocol
from urllib.parse import urlsplit

from radiocast.catalog import Catalog
from radiocast.config import load_config
from radiocast.deploy_rsync import RsyncTarget
from radiocast.errors import ConfigError, DeployError
from radiocast.files import atomic_path, write_atomic
from radiocast.i18n import _
from radiocast.schedule import is_held
from radiocast.search import SEARCH_DIR, SEARCH_ENTRY
from radiocast.serve import content_type
from radiocast.workspace import ARCHIVE_DIR, FEEDS_DIR, Workspace

__all__ = ["DeployReport", "deploy", "headers_for", "published_files"]

MEDIA_SUFFIXES = frozenset({".mp3", ".m4a", ".jpg", ".jpeg", ".png"})
# Media keep their bytes for good (a new recording gets a new URL); what points at them changes.
LONG = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
_HASH_CACHE = "deploy-md5.json"
_CHUNK = 1024 * 1024


class Target(Protocol):
    def listing(self) -> dict[str, tuple[int, str | None]]:
        """Each remote file under the target: its size and MD5 (None: unknown)."""

    def put(self, source: Path, name: str, *, content_type: str, cache_control: str, md5: str) -> None: ...

    def delete(self, name: str) -> None: ...

    def close(self) -> None:
        """Called once the run is over, whatever happened: save what the target needs to remember."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DeployReport:
    target: str
    uploaded: tuple[str, ...] = ()
    unchanged: int = 0
    deleted: tuple[str, ...] = ()
    dry_run: bool = False


@dataclass(slots=True)
class _Hashes:
    """MD5 of each published file, remembered by size and mtime between deploys."""

    path: Path
    known: dict[str, list[object]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> _Hashes:
        try:
            known = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = {}
        return cls(path, known if isinstance(known, dict) else {})

    def md5(self, name: str, file: Path) -> tuple[int, str]:
        """The file's size and MD5; hashed only when its size or mtime differ from the record."""
        stat = file.stat()
        entry = self.known.get(name)
        if entry is not None and entry[:2] == [stat.st_size, stat.st_mtime_ns]:
            return stat.st_size, str(entry[2])
        digest = file_md5(file)
        self.known[name] = [stat.st_size, stat.st_mtime_ns, digest]
        return stat.st_size, digest

    def save(self, names: Iterable[str]) -> None:
        keep = set(names)
        write_atomic(self.path, json.dumps({k: v for k, v in self.known.items() if k in keep}).encode())


def file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def published_files(ws: Workspace, image: Path) -> list[str]:
    """What listeners fetch, relative to the workspace, in upload order: media, then sidecars and pages, the feed last.

    A scheduled episode's files wait in the workspace until its time: they are not sent before.
    """
    names = {image.as_posix()} if (ws.root / image).is_file() else set()
    held = _held_slugs(ws)
    for folder in (ws.audio_dir, ws.feeds_dir):
        names.update(
            name
            for name, _stat in files_under(ws.root, folder.name)
            if name.rsplit("/", 1)[-1].split(".", 1)[0] not in held
        )
    return sorted(names, key=_upload_order)


def files_under(root: Path, folder: str) -> Iterator[tuple[str, os.stat_result]]:
    """Each file under *root*/*folder*, as a name relative to *root*, with its stat; dot-names skipped.

    os.scandir, not Path.rglob: a deploy lists thousands of files twice, and pathlib's objects
    cost more than the stat calls.
    """
    try:
        entries = list(os.scandir(root / folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        name = f"{folder}/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            yield from files_under(root, name)
        elif entry.is_file():
            yield name, entry.stat()


def _held_slugs(ws: Workspace) -> set[str]:
    if not ws.catalog_path.is_file():
        return set()
    with Catalog(ws.catalog_path) as catalog:
        return {episode.slug for episode in catalog.episodes() if is_held(episode)}


def _upload_order(name: str) -> tuple[int, str]:
    path = PurePosixPath(name)
    if path.suffix.lower() in MEDIA_SUFFIXES:
        return 0, name
    if path.parent.as_posix() in (FEEDS_DIR, ARCHIVE_DIR) and path.suffix.lower() == ".xml":
        return (3 if path.name == "podcast.xml" else 2), name  # archive pages, then the feed itself
    if name == SEARCH_ENTRY:
        return 2, name  # after the index files it names
    return 1, name


def headers_for(name: str) -> tuple[str, str]:
    """Content-Type and Cache-Control of a published file."""
    kind = content_type(PurePosixPath(name).name)
    long_lived = PurePosixPath(name).suffix.lower() in MEDIA_SUFFIXES
    return kind, LONG if long_lived else SHORT


def deploy(
    root: Path,
    target: str,
    *,
    dry_run: bool = False,
    delete: bool = False,
    progress: Callable[[str], None] | None = None,
) -> DeployReport:
    """Upload the workspace's published files to *target*; see the module's docstring for the order."""
    ws = Workspace(root)
    config = load_config(ws.config_path)
    names = published_files(ws, config.image)
    if ws.relative(ws.feed_path) not in names:
        raise DeployError(
            _("{path}: nothing published yet").format(path=ws.feed_path), hint=_("run `radiocast publish` first")
        )
    remote = open_target(target, ws)
    if isinstance(remote, RsyncTarget):
        uploaded, deleted = remote.sync(
            ws.root, names, lambda name: _upload_order(name)[0], dry_run=dry_run, delete=delete
        )
        return DeployReport(
            target=target,
            uploaded=tuple(uploaded),
            unchanged=len(names) - len(uploaded),
            deleted=tuple(deleted),
            dry_run=dry_run,
        )
    hashes = _Hashes.load(ws.state_dir / _HASH_CACHE)
    listing = remote.listing()
    changed = []
    for name in names:
        size, md5 = hashes.md5(name, ws.root / name)
        if listing.get(name) != (size, md5):
            changed.append((name, md5))
    published = set(names)
    # The search index's files are named by their content: those the new entry no longer names go
    # even without --delete, or every rebuild would leave its old index behind.
    extra = sorted(name for name in listing if name not in published and (_ours(name) if delete else _old_index(name)))
    if not dry_run:
        try:
            for name, md5 in changed:
                kind, cache = headers_for(name)
                if progress:
                    progress(name)
                remote.put(ws.root / name, name, content_type=kind, cache_control=cache, md5=md5)
            for name in extra:
                remote.delete(name)
        finally:
            remote.close()
        with contextlib.suppress(OSError):  # only a cache: the next deploy hashes again
            hashes.save(names)
    return DeployReport(
        target=target,
        uploaded=tuple(name for name, _md5 in changed),
        unchanged=len(names) - len(changed),
        deleted=tuple(extra),
        dry_run=dry_run,
    )


def _old_index(name: str) -> bool:
    return name.startswith(SEARCH_DIR + "/")


def _ours(name: str) -> bool:
    """Only what radiocast publishes is ever deleted from a target: audio/ and feeds/."""
    return name.split("/", 1)[0] in ("audio", FEEDS_DIR)


def open_target(target: str, ws: Workspace) -> Target | RsyncTarget:
    parts = urlsplit(target)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise ConfigError(
                _("{target}: a folder target is file:///absolute/path/").format(target=target),
                hint=_("e.g. radiocast deploy file:///var/www/podcast/"),
            )
        key = hashlib.sha256(target.encode()).hexdigest()[:16]
        return FolderTarget(Path(parts.path), state=ws.state_dir / "deploy" / f"{key}.json")
    if parts.scheme == "s3":
        # Imported here: boto3 takes a tenth of a second to load, which every other command would pay.
        from radiocast.deploy_s3 import S3Target

        return S3Target(target)
    if parts.scheme == "rsync" or (not parts.scheme and ":" in target) or target.startswith("ssh://"):
        return RsyncTarget(target)
    raise ConfigError(
        _("{target}: not a deploy target").format(target=target),
        hint=_(
            "use file:///var/www/podcast/, s3://bucket/prefix/, user@host:/var/www/podcast/ or rsync://host/module/"
        ),
    )


class FolderTarget:
    """A folder a web server serves: each file replaced in one rename, so it never serves half a file."""

    def __init__(self, root: Path, *, state: Path) -> None:
        self.root = root
        self.state = state  # in the workspace: size, mtime and MD5 of each file put there
        try:
            self.known: dict[str, list[object]] = json.loads(self.state.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.known = {}
        if not root.is_dir():
            raise DeployError(
                _("{root}: no such folder").format(root=root),
                hint=_("create it (and let the web server read it), or fix the target"),
            )

    def listing(self) -> dict[str, tuple[int, str | None]]:
        found: dict[str, tuple[int, str | None]] = {}
        for folder in sorted({"audio", FEEDS_DIR, *(n.split("/", 1)[0] for n in self.known)}):
            for name, stat in files_under(self.root, folder):
                entry = self.known.get(name)
                md5 = str(entry[2]) if entry is not None and entry[:2] == [stat.st_size, stat.st_mtime_ns] else None
                found[name] = (stat.st_size, md5 if md5 is not None else file_md5(self.root / name))
        return found

    def put(self, source: Path, name: str, *, content_type: str, cache_control: str, md5: str) -> None:
        final = self.root / name
        try:
            with atomic_path(final) as tmp:
                shutil.copyfile(source, tmp)
            stat = final.stat()
        except OSError as e:
            raise DeployError(
                _("cannot write {path}: {reason}").format(path=final, reason=e.strerror or e),
                hint=_("check the folder's free space and permissions"),
            ) from e
        self.known[name] = [stat.st_size, stat.st_mtime_ns, md5]

    def delete(self, name: str) -> None:
        (self.root / name).unlink(missing_ok=True)
        self.known.pop(name, None)

    def close(self) -> None:
        with contextlib.suppress(OSError):  # a lost record only costs hashing the folder once
            write_atomic(self.state, json.dumps(self.known).encode())
