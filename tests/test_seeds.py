"""Seed reader: golden pairs (NAME.txt → NAME.expected.json) plus properties of the parser."""

from __future__ import annotations

import contextlib
import json
import unicodedata
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from radiocast.errors import SeedError
from radiocast.seeds import parse_article, read_article

DATA = Path(__file__).parent / "data" / "seeds"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize("seed_path", sorted(DATA.glob("*.txt")), ids=lambda p: p.stem)
def test_golden(seed_path: Path) -> None:
    expected = json.loads(seed_path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    seed = f"seeds/{seed_path.name}"
    if "error" in expected:
        with pytest.raises(SeedError) as caught:
            read_article(seed_path, seed=seed, tz=TZ)
        assert str(caught.value) == expected["error"]
        assert str(caught.value).startswith(seed)
        return
    article = read_article(seed_path, seed=seed, tz=TZ)
    assert {
        "title": article.title,
        "published": article.published.isoformat(),
        "audio_url": article.audio_url,
        "lead": article.lead,
        "paragraphs": list(article.paragraphs),
        "captions": list(article.captions),
        "author": article.author,
        "source_site": article.source_site,
    } == expected


def test_repository_seed_matches_its_golden_copy() -> None:
    """The workspace's own seed is the one the golden pair describes."""
    repo_seed = Path(__file__).parents[1] / "seeds" / "000_8d475bc5d7e1daab.txt"
    assert repo_seed.read_bytes() == (DATA / "laivung-2021-12-19.txt").read_bytes()


def test_dateline_navigation_and_byline_are_not_text() -> None:
    article = read_article(DATA / "laivung-2021-12-19.txt", seed="s.txt", tz=TZ)
    text = "\n".join((article.lead, *article.paragraphs))
    assert not article.lead.startswith("ĐTO")
    assert "Trở về trang trước" not in text
    assert "Gửi bình luận" not in text
    assert "NGỌC TÂM" not in text
    assert "(Ảnh:" not in text
    assert article.author == "Ngọc Tâm"
    assert article.published.utcoffset().total_seconds() == 7 * 3600  # type: ignore[union-attr]


def test_nfd_input_comes_out_nfc() -> None:
    text = "Đổi mới lề lối\nCập nhật ngày: 19/12/2021 06:08\nhttp://x.vn/a.mp3\nĐTO - Thời gian qua.\n"
    article = parse_article(unicodedata.normalize("NFD", text), seed="s.txt", tz=TZ)
    assert article.title == "Đổi mới lề lối"
    assert unicodedata.is_normalized("NFC", article.title)
    assert article.lead == "Thời gian qua."


def test_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    seed = tmp_path / "cp1258.txt"
    seed.write_bytes("Đổi mới\nCập nhật ngày: 19/12/2021 06:08\nhttp://x.vn/a.mp3\n".encode("cp1258", errors="replace"))
    with pytest.raises(SeedError, match=r"cp1258.txt: not UTF-8 text .*save the article as UTF-8"):
        read_article(seed, seed="cp1258.txt", tz=TZ)


_line = st.text(
    st.characters(
        exclude_categories=("Cs",),
        exclude_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
    ),
    max_size=60,
)


@given(title=_line, body=st.lists(_line, max_size=5))
def test_any_title_round_trips_or_fails_cleanly(title: str, body: list[str]) -> None:
    text = "\n".join([title, "Cập nhật ngày: 01/02/2022 03:04:05", "https://x.vn/a.mp3", *body])
    try:
        article = parse_article(text, seed="s.txt", tz=TZ)
    except SeedError as e:
        message = str(e)
        assert message.startswith("s.txt: ")
        return
    assert article.title
    assert unicodedata.is_normalized("NFC", article.title)
    assert article.title == article.title.strip()
    assert article.audio_url == "https://x.vn/a.mp3"


@given(st.text(max_size=400))
def test_arbitrary_text_raises_only_seed_errors(text: str) -> None:
    with contextlib.suppress(SeedError):
        parse_article(text, seed="s.txt", tz=TZ)
