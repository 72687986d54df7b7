"""The SQLite catalog: migrations, identity that cannot move, the workspace lock."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from radiocast.catalog import MIGRATIONS, Catalog, chapter_dict, workspace_lock
from radiocast.errors import CatalogError, WorkspaceBusyError
from radiocast.models import Chapter, Episode, EpisodeState, Kind, Question, Role, Sidecar, Speaker

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def episode(**overrides: object) -> Episode:
    values: dict[str, object] = {
        "guid": "g1",
        "slug": "doi-moi",
        "seed": "seeds/a.txt",
        "title": "Đổi mới lề lối",
        "published": datetime(2021, 12, 19, 6, 8, 40, tzinfo=TZ),
        "source_url": "http://x.vn/a.mp3",
        "enclosure_url": "http://127.0.0.1:8000/audio/doi-moi.mp3",
        "summary": "Thời gian qua",
        "body": ("Đoạn một.", "Đoạn hai."),
        "author": "Ngọc Tâm",
    }
    values.update(overrides)
    return Episode(**values)  # type: ignore[arg-type]


def test_round_trip_keeps_text_and_timezone(tmp_path: Path) -> None:
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        catalog.add(episode())
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        got = catalog.episode("g1")
    assert got == episode()
    assert got is not None
    assert got.published.utcoffset().total_seconds() == 7 * 3600  # type: ignore[union-attr]


def test_schema_version_and_strict_tables(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    Catalog(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO episodes (guid, slug, seed, title, published, source_url, enclosure_url, state, updated_at, size_bytes) "
            "VALUES ('g', 's', 'x', 't', 'p', 'u', 'e', 'published', 'now', 'not a number')"
        )
    db.close()


def test_identity_is_frozen_once_live(tmp_path: Path) -> None:
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        first = episode()
        catalog.add(first)
        renamed = catalog.save(replace(first, slug="new-slug"))  # not yet live: allowed
        live = catalog.save(replace(renamed, live_since=datetime.now(UTC), state=EpisodeState.PUBLISHED))
        with pytest.raises(ValueError, match="identity"):
            catalog.save(replace(live, enclosure_url="http://elsewhere/x.mp3"))
        catalog.save(replace(live, title="Tiêu đề đã sửa"))
        stored = catalog.episode("g1")
        assert stored is not None
        assert stored.title == "Tiêu đề đã sửa"
        assert stored.slug == "new-slug"
        catalog.remove_unreleased("g1")
        assert catalog.episode("g1") is not None


def test_saving_an_episode_that_is_not_there_is_a_catalog_error(tmp_path: Path) -> None:
    with Catalog(tmp_path / "c.sqlite3") as catalog, pytest.raises(CatalogError, match="no episode g1"):
        catalog.save(episode())


def test_duplicate_slug_is_refused(tmp_path: Path) -> None:
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        catalog.add(episode())
        with pytest.raises(CatalogError, match="UNIQUE"):
            catalog.add(episode(guid="g2", enclosure_url="http://x/2.mp3"))
        assert [e.guid for e in catalog.episodes()] == ["g1"]


def test_meta_is_set_once(tmp_path: Path) -> None:
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        assert catalog.set_meta_once("podcast_guid", "first") == "first"
        assert catalog.set_meta_once("podcast_guid", "second") == "first"


def test_not_a_catalog(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CatalogError, match=r"cannot open the catalog \(file is not a database\)"):
        Catalog(path)


def test_lock_refuses_a_second_holder_in_another_process(tmp_path: Path) -> None:
    lock = tmp_path / "lock"
    with workspace_lock(lock):
        code = (
            "import sys; from pathlib import Path\n"
            "from radiocast.catalog import workspace_lock\n"
            "from radiocast.errors import WorkspaceBusyError\n"
            "try:\n"
            f"    with workspace_lock(Path({str(lock)!r}), wait_s=0.2): sys.exit(0)\n"
            "except WorkspaceBusyError as e:\n"
            "    print(e); sys.exit(3)\n"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 3, proc.stderr
    assert "another radiocast is publishing" in proc.stdout
    with workspace_lock(lock, wait_s=0):
        pass


def test_lock_is_released_on_exit(tmp_path: Path) -> None:
    lock = tmp_path / "lock"
    with workspace_lock(lock):
        pass
    with workspace_lock(lock), pytest.raises(WorkspaceBusyError), workspace_lock(lock):
        pass


def test_recording_fields_round_trip(tmp_path: Path) -> None:
    recording = episode(
        kind=Kind.RECORDING,
        episode_number=86,
        season=2021,
        speakers=(Speaker(name="Nguyễn Văn Bình", role=Role.GUEST, office="Phó Chủ tịch UBND huyện"),),
        chapters=(
            Chapter(start_ms=0, title="Mở đầu"),
            Chapter(
                start_ms=130_000,
                title="Bà Trần Thị C, xã Tân Thành: thủ tục cấp giấy chứng nhận quyền sử dụng đất",
                question=Question(
                    asker="Trần Thị C", commune="Tân Thành", topic="đất đai", answered_by="Nguyễn Văn Bình"
                ),
            ),
        ),
        transcripts=(Sidecar(path="feeds/doi-moi.vtt", mime="text/vtt", rel="captions"),),
        chapters_file=Sidecar(path="feeds/doi-moi.chapters.json", mime="application/json+chapters"),
        machine_read=True,
    )
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        catalog.add(recording)
        assert catalog.episode("g1") == recording


def test_migrating_a_version_1_catalog_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    db.execute(
        "INSERT INTO episodes (guid, slug, seed, title, published, source_url, enclosure_url, state, updated_at) "
        "VALUES ('g1', 'doi-moi', 'seeds/a.txt', 'Đổi mới', '2021-12-19T06:08:40+07:00', 'http://x.vn/a.mp3', "
        "'http://127.0.0.1:8000/audio/doi-moi.mp3', 'published', 'now')"
    )
    db.commit()
    db.close()
    with Catalog(path) as catalog:
        got = catalog.episode("g1")
    assert got is not None
    assert got.title == "Đổi mới"
    assert got.kind is Kind.ARTICLE
    assert got.chapters == ()


def test_a_chapter_without_a_question_is_stored_as_before_questions_existed() -> None:
    """Rows and tag digests written before chapters had questions must still compare equal."""
    assert chapter_dict(Chapter(start_ms=5, title="Mở đầu")) == {"start_ms": 5, "title": "Mở đầu"}
