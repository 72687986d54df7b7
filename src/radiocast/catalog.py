"""The SQLite catalog: schema, migrations, state transitions, and the workspace lock."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from radiocast.errors import CatalogError, ConfigError, WorkspaceBusyError
from radiocast.i18n import _
from radiocast.models import Broadcast, Chapter, Episode, EpisodeState, Kind, LiveSlot, Question, Role, Sidecar, Speaker

# Ordered and append-only: each entry moves the schema from user_version i to i+1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) STRICT;
    CREATE TABLE episodes (
        guid TEXT PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        seed TEXT NOT NULL,
        title TEXT NOT NULL,
        published TEXT NOT NULL,
        source_url TEXT NOT NULL,
        enclosure_url TEXT NOT NULL UNIQUE,
        summary TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL DEFAULT '[]',
        author TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'fetched', 'tagged', 'published', 'failed')),
        error TEXT,
        size_bytes INTEGER,
        duration_ms INTEGER,
        sha256 TEXT,
        etag TEXT,
        last_modified TEXT,
        live_since TEXT,
        tags_digest TEXT,
        updated_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX episodes_seed ON episodes (seed);
    CREATE TABLE seed_errors (
        seed TEXT PRIMARY KEY,
        error TEXT NOT NULL,
        updated_at TEXT NOT NULL
    ) STRICT;
    """,
    # Issue 3: station recordings (manifests), chapters, speakers, transcripts; narration.
    """
    ALTER TABLE episodes ADD COLUMN kind TEXT NOT NULL DEFAULT 'article' CHECK (kind IN ('article', 'recording'));
    ALTER TABLE episodes ADD COLUMN episode_number INTEGER;
    ALTER TABLE episodes ADD COLUMN season INTEGER;
    ALTER TABLE episodes ADD COLUMN speakers TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE episodes ADD COLUMN chapters TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE episodes ADD COLUMN transcripts TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE episodes ADD COLUMN chapters_file TEXT;
    ALTER TABLE episodes ADD COLUMN source_site TEXT NOT NULL DEFAULT '';
    ALTER TABLE episodes ADD COLUMN machine_read INTEGER NOT NULL DEFAULT 0 CHECK (machine_read IN (0, 1));
    ALTER TABLE episodes ADD COLUMN offset_ms INTEGER NOT NULL DEFAULT 0;
    """,
    # Issue 8: a manifest's [live] slot (podcast:liveItem), kept so the feed stays derived from the catalog.
    """
    CREATE TABLE live_slots (
        seed TEXT PRIMARY KEY,
        guid TEXT NOT NULL,
        title TEXT NOT NULL,
        summary TEXT NOT NULL DEFAULT '',
        starts_at TEXT NOT NULL,
        ends_at TEXT NOT NULL,
        stream TEXT NOT NULL,
        stream_type TEXT NOT NULL,
        updated_at TEXT NOT NULL
    ) STRICT;
    """,
)

# Fixed at first publish (DESIGN.md: identity is decided once).
IDENTITY = frozenset({"guid", "slug", "published", "enclosure_url"})
_COLUMNS = tuple(f.name for f in fields(Episode))


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedFailure:
    seed: str
    error: str


class Catalog:
    """One workspace's catalog. Safe to share between threads: every call holds a lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA journal_mode = WAL")
        except sqlite3.Error as e:
            raise CatalogError(
                _("{path}: cannot open the catalog ({error})").format(path=path, error=e),
                hint=_storage_hint(e, path)
                or _("restore it from a backup; moving it away makes new identities for every episode"),
            ) from e
        self._lock = threading.RLock()
        self._migrate()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as e:
                raise CatalogError(
                    f"{self.path}: {e}",
                    hint=_storage_hint(e, self.path) or _("is the disk full or the file read-only?"),
                ) from e

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as e:
                raise CatalogError(
                    f"{self.path}: {e}", hint=_storage_hint(e, self.path) or _("the catalog may be damaged")
                ) from e

    def _migrate(self) -> None:
        try:
            (version,) = self._db.execute("PRAGMA user_version").fetchone()
        except sqlite3.DatabaseError as e:
            raise CatalogError(
                _("{path}: not a radiocast catalog ({error})").format(path=self.path, error=e),
                hint=_storage_hint(e, self.path) or _("move it away and publish again"),
            ) from e
        if version > len(MIGRATIONS):
            raise CatalogError(
                _("{path}: made by a newer radiocast (schema {version})").format(path=self.path, version=version),
                hint=_("upgrade radiocast"),
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction() as db:
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    # -- meta ---------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else None

    def set_meta(self, key: str, value: str | None) -> None:
        """Store *value* under *key*, or forget the key (None)."""
        with self.transaction() as db:
            if value is None:
                db.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def set_meta_once(self, key: str, value: str) -> str:
        """Store *value* under *key* unless one is stored already; return the stored one."""
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, value))
            return str(db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()["value"])

    # -- episodes -----------------------------------------------------------

    def episode(self, guid: str) -> Episode | None:
        rows = self._query("SELECT * FROM episodes WHERE guid = ?", (guid,))
        return _episode(rows[0]) if rows else None

    def episodes_of_seed(self, seed: str) -> list[Episode]:
        return [_episode(r) for r in self._query("SELECT * FROM episodes WHERE seed = ? ORDER BY guid", (seed,))]

    def episodes(self) -> list[Episode]:
        return [_episode(r) for r in self._query("SELECT * FROM episodes ORDER BY published DESC, guid")]

    def live_episodes(self) -> list[Episode]:
        """Every episode that has gone into the feed, newest first."""
        rows = self._query("SELECT * FROM episodes WHERE live_since IS NOT NULL ORDER BY published DESC, guid")
        return [_episode(r) for r in rows]

    def unreleased_seeds(self) -> frozenset[str]:
        """The seeds of every episode that never went live."""
        return frozenset(r["seed"] for r in self._query("SELECT DISTINCT seed FROM episodes WHERE live_since IS NULL"))

    def slug_taken(self, slug: str) -> bool:
        return bool(self._query("SELECT 1 FROM episodes WHERE slug = ?", (slug,)))

    def add(self, episode: Episode) -> None:
        row = _row(episode)
        with self.transaction() as db:
            db.execute(
                f"INSERT INTO episodes ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",  # noqa: S608 - column names are ours
                tuple(row.values()),
            )

    def save(self, episode: Episode) -> Episode:
        """Write *episode* over its row and return it; its identity may change only while it was never live.

        Callers change what they mean with ``dataclasses.replace(episode, …)``, which mypy checks.
        """
        current = self.episode(episode.guid)
        if current is None:
            raise CatalogError(_("{path}: no episode {guid}").format(path=self.path, guid=episode.guid))
        frozen = sorted(name for name in IDENTITY if getattr(current, name) != getattr(episode, name))
        if frozen and current.live_since is not None:
            raise ValueError(f"identity of a live episode cannot change: {frozen}")
        row = _row(episode)
        with self.transaction() as db:
            written = db.execute(
                f"UPDATE episodes SET {', '.join(f'{k} = ?' for k in row)} WHERE guid = ?",  # noqa: S608 - column names are ours
                (*row.values(), episode.guid),
            ).rowcount
        if not written:  # removed between the read above and this write: they take the lock apart
            raise CatalogError(_("{path}: episode {guid} vanished").format(path=self.path, guid=episode.guid))
        return episode

    def remove_unreleased(self, guid: str) -> None:
        """Forget an episode that never went live (its identity was never published)."""
        with self.transaction() as db:
            db.execute("DELETE FROM episodes WHERE guid = ? AND live_since IS NULL", (guid,))

    # -- live broadcasts ----------------------------------------------------

    def broadcasts(self) -> list[Broadcast]:
        return [_broadcast(r) for r in self._query("SELECT * FROM live_slots ORDER BY starts_at, guid")]

    def set_broadcast(self, broadcast: Broadcast) -> None:
        slot = broadcast.slot
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO live_slots "
                "(seed, guid, title, summary, starts_at, ends_at, stream, stream_type, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    broadcast.seed,
                    broadcast.guid,
                    broadcast.title,
                    broadcast.summary,
                    slot.start.isoformat(),
                    slot.end.isoformat(),
                    slot.stream,
                    slot.stream_type,
                    _now(),
                ),
            )

    def drop_broadcast(self, seed: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM live_slots WHERE seed = ?", (seed,))

    # -- seeds that could not be read --------------------------------------

    def record_seed_error(self, seed: str, error: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO seed_errors (seed, error, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (seed) DO UPDATE SET error = excluded.error, updated_at = excluded.updated_at",
                (seed, error, _now()),
            )

    def clear_seed_error(self, seed: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM seed_errors WHERE seed = ?", (seed,))

    def seed_errors(self) -> list[SeedFailure]:
        return [
            SeedFailure(seed=r["seed"], error=r["error"])
            for r in self._query("SELECT * FROM seed_errors ORDER BY seed")
        ]


@contextmanager
def workspace_lock(lock_path: Path, *, wait_s: float = 0) -> Iterator[None]:
    """Hold the workspace's lock: only one publish at a time may change it."""
    lock = FileLock(lock_path)
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=wait_s)
    except Timeout as e:
        raise WorkspaceBusyError(
            _("another radiocast is publishing this workspace ({lock_path} is locked)").format(lock_path=lock_path),
            hint=_("wait for it to finish, or pass --wait SECONDS"),
        ) from e
    except OSError as e:
        # A read-only workspace (or a file where .radiocast belongs): nothing was changed, as for a
        # wrong podcast.toml; the catalog itself was never touched.
        raise ConfigError(
            _("cannot lock the workspace: {lock_path}: {reason}").format(lock_path=lock_path, reason=e.strerror or e),
            hint=_("make {folder} and the files in it writable for the user running radiocast").format(
                folder=lock_path.parent
            ),
        ) from e
    try:
        yield
    finally:
        lock.release()


def _storage_hint(error: sqlite3.Error, path: Path) -> str | None:
    """The fix when the disk or the folder refused SQLite's write: the catalog itself is not the problem."""
    name = getattr(error, "sqlite_errorname", None) or ""
    if name.startswith(("SQLITE_FULL", "SQLITE_IOERR")):
        return _("free some space on the disk that holds the workspace (or raise ulimit -f), then publish again")
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")):
        return _("make {folder} and the files in it writable for the user running radiocast").format(folder=path.parent)
    return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _row(episode: Episode) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name in _COLUMNS:
        value = getattr(episode, name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = json.dumps([_plain(v) for v in value], ensure_ascii=False)
        elif isinstance(value, Sidecar):
            value = json.dumps(asdict(value), ensure_ascii=False)
        elif isinstance(value, bool):
            value = int(value)
        elif isinstance(value, StrEnum):
            value = value.value
        row[name] = value
    row["updated_at"] = _now()
    return row


def _plain(value: object) -> object:
    if isinstance(value, Chapter):
        return chapter_dict(value)
    return asdict(value) if isinstance(value, Speaker | Sidecar) else value


def chapter_dict(chapter: Chapter) -> dict[str, object]:
    """A chapter as JSON stores it; without a question it is the dict written before questions existed,
    so the rows and the tag digests stored then still compare equal."""
    data: dict[str, object] = {"start_ms": chapter.start_ms, "title": chapter.title}
    if chapter.question is not None:
        data["question"] = asdict(chapter.question)
    return data


def _chapter(data: dict[str, Any]) -> Chapter:
    question = data.get("question")
    return Chapter(start_ms=data["start_ms"], title=data["title"], question=Question(**question) if question else None)


def _episode(row: sqlite3.Row) -> Episode:
    values = {name: row[name] for name in _COLUMNS}
    values["published"] = datetime.fromisoformat(values["published"])
    if values["live_since"] is not None:
        values["live_since"] = datetime.fromisoformat(values["live_since"])
    values["body"] = tuple(json.loads(values["body"]))
    values["state"] = EpisodeState(values["state"])
    values["kind"] = Kind(values["kind"])
    values["speakers"] = tuple(
        Speaker(name=s["name"], role=Role(s["role"]), office=s["office"]) for s in json.loads(values["speakers"])
    )
    values["chapters"] = tuple(_chapter(c) for c in json.loads(values["chapters"]))
    values["transcripts"] = tuple(Sidecar(**t) for t in json.loads(values["transcripts"]))
    if values["chapters_file"] is not None:
        values["chapters_file"] = Sidecar(**json.loads(values["chapters_file"]))
    values["machine_read"] = bool(values["machine_read"])
    return Episode(**values)


def _broadcast(row: sqlite3.Row) -> Broadcast:
    return Broadcast(
        seed=row["seed"],
        guid=row["guid"],
        title=row["title"],
        summary=row["summary"],
        slot=LiveSlot(
            start=datetime.fromisoformat(row["starts_at"]),
            end=datetime.fromisoformat(row["ends_at"]),
            stream=row["stream"],
            stream_type=row["stream_type"],
        ),
    )
