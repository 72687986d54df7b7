"""The short cuts an unchanged publish takes give exactly what the long way gives."""

from __future__ import annotations

import hashlib
import itertools
import json
import posixpath
from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from radiocast.models import Chapter, Kind, Question, Role, Speaker
from radiocast.pipeline import _as_dict, _sha256
from radiocast.produce import Source
from radiocast.site import _relative


def test_the_digest_fields_are_asdicts_json() -> None:
    # The re-tag digest stored by earlier versions was made from asdict(source): it must not move.
    source = Source(
        seed="seeds/2024-01.toml",
        kind=Kind.RECORDING,
        identity="manifest:seeds/2024-01.toml",
        title="Chính quyền đối thoại với Nhân dân, kỳ 1",
        published=datetime(2024, 1, 2, 19, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
        summary="Lãnh đạo huyện trả lời câu hỏi của người dân.",
        audio="audio/2024-01.wav",
        body=("Đoạn một.", "Đoạn hai."),
        speakers=(Speaker(name="Ông Nguyễn Văn A", role=Role.HOST, office="Chủ tịch UBND huyện"), Speaker(name="Bà B")),
        chapters=(
            Chapter(start_ms=0, title="Mở đầu"),
            Chapter(start_ms=65_000, title="Đất đai", question=Question(asker="Bà C", topic="đất đai")),
        ),
        transcript=Path("transcripts/2024-01.vtt"),
        episode_number=1,
        season=2024,
    )
    fast = {f.name: _as_dict(getattr(source, f.name)) for f in fields(source)}
    slow = asdict(source)
    # Chapters had no question before: one without a question digests as it did then.
    slow["chapters"] = [{k: v for k, v in c.items() if k != "question" or v is not None} for c in slow["chapters"]]
    assert json.dumps(fast, default=str, sort_keys=True) == json.dumps(slow, default=str, sort_keys=True)


def test_the_cached_hash_is_sha256() -> None:
    for data in (b"", b"\xff\xd8\xff cover", bytes(range(256)) * 100):
        assert _sha256(data) == hashlib.sha256(data).hexdigest()
        assert _sha256(bytes(data)) == hashlib.sha256(data).hexdigest()


def test_page_links_are_relpaths() -> None:
    segments = ["feeds", "audio", "a.mp3", "Kỳ 1 – bản ghi.vtt", ".", "..", "", "feedsx"]
    checked = 0
    for count in range(1, 4):
        for combo in itertools.product(segments, repeat=count):
            for path in ("/".join(combo), "/" + "/".join(combo)):
                try:
                    expected = quote(posixpath.relpath(path.lstrip("/"), "feeds"))
                except ValueError:
                    continue  # relpath refuses an empty path; so does _relative
                assert _relative(path) == expected, path
                checked += 1
    assert checked > 1000
