"""podcast.toml: defaults, and one clear error naming the key and the file for each mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from radiocast.config import load_config
from radiocast.errors import ConfigError
from radiocast.models import Category
from radiocast.validate import validate_feed

REPO = Path(__file__).parents[1]

MINIMAL = """\
[podcast]
title = "Chính quyền đối thoại"
description = "Mô tả"
author = "Đài Truyền thanh huyện Lai Vung"
owner_name = "Đài"
owner_email = "podcast@example.vn"
base_url = "https://radio.example.vn/podcast/"
image = "audio/cover.jpg"
categories = ["Government", "News/Politics"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "podcast.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_repository_config_loads() -> None:
    config = load_config(REPO / "podcast.toml")
    assert config.title == "Chính quyền đối thoại với Nhân dân qua sóng phát thanh"
    assert config.categories == (
        Category(name="Government"),
        Category(name="News", sub="Politics"),
    )
    assert config.language == "vi"
    assert config.explicit is False
    assert config.author == "Đài Truyền thanh huyện Lai Vung"


def test_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    assert config.language == "vi"
    assert config.timezone == "Asia/Ho_Chi_Minh"
    assert config.audio.loudness == -16.0
    assert config.audio.true_peak == -1.0
    assert config.audio.bitrate == "64k"
    assert config.audio.channels == 1
    assert config.audio.sample_rate == 44100
    assert config.audio.normalize_mp3 is False
    assert config.feed_url == "https://radio.example.vn/podcast/feeds/podcast.xml"
    assert config.image_url == "https://radio.example.vn/podcast/audio/cover.jpg"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t + 'colour = "blue"\n', r"unknown key podcast\.colour"),
        (lambda t: t + "[podcats]\n", r"unknown key podcats"),
        (
            lambda t: t.replace('image = "audio/cover.jpg"', "image = 3"),
            r"podcast\.image must be a string, got 3",
        ),
        (lambda t: t + 'explicit = "no"\n', r"podcast\.explicit must be true or false"),
        (
            lambda t: t.replace('podcast/"', 'podcast"'),
            r"podcast\.base_url .* ending with '/'",
        ),
        (
            lambda t: t.replace("podcast@example.vn", "podcast"),
            r"podcast\.owner_email .* not an e-mail",
        ),
        (
            lambda t: t.replace('"News/Politics"', '"News & Politics"'),
            r"'News & Politics' is not an Apple Podcasts category",
        ),
        (
            lambda t: t.replace('"News/Politics"', '"News/Weather"'),
            r"'Weather' is not a subcategory of 'News'",
        ),
        (
            lambda t: t.replace('title = "Chính quyền đối thoại"\n', ""),
            r"podcast\.title is required",
        ),
        (
            lambda t: t + 'timezone = "Mars/Olympus"\n',
            r"podcast\.timezone .* not a known time zone",
        ),
        (
            lambda t: t + '[audio]\nloudness = "loud"\n',
            r"audio\.loudness must be an integer or a number",
        ),
        (
            lambda t: t + "[audio]\nchannels = 6\n",
            r"audio\.channels = 6 must be 1 or 2",
        ),
        (
            lambda t: t + '[audio]\nintro = "../jingle.wav"\n',
            r"audio\.intro .* inside the workspace",
        ),
        (lambda t: t + "[audio]\nvolume = 3\n", r"unknown key audio\.volume"),
        (
            lambda t: t + 'new_feed_url = "radio.example.vn/new.xml"\n',
            r"podcast\.new_feed_url = 'radio\.example\.vn/new\.xml' is not the URL of another feed",
        ),
        (
            lambda t: t + 'new_feed_url = "https://radio.example.vn/podcast/feeds/podcast.xml"\n',
            r"podcast\.new_feed_url = .* is not the URL of another feed",
        ),
        (lambda t: t.replace("[podcast]", "[podcast"), r"not valid TOML"),
    ],
)
def test_mistakes_name_the_key_and_the_file(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, change(MINIMAL))
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(path)
    assert str(path) in str(caught.value)


def test_new_feed_url(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, MINIMAL)).new_feed_url is None
    moved = load_config(
        write(tmp_path, MINIMAL + 'new_feed_url = "https://new.example.vn/podcast/feeds/podcast.xml"\n')
    )
    assert moved.new_feed_url == "https://new.example.vn/podcast/feeds/podcast.xml"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"podcast\.toml: not found .*radiocast init"):
        load_config(tmp_path / "podcast.toml")


def test_a_config_that_cannot_be_read_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "folder" / "podcast.toml"
    folder.mkdir(parents=True)
    with pytest.raises(ConfigError, match=r"folder/podcast\.toml: cannot read it \(Is a directory\) — "):
        load_config(folder)
    # A read that fails even for root: EIO from /proc/self/mem.
    broken = tmp_path / "podcast.toml"
    broken.symlink_to("/proc/self/mem")
    with pytest.raises(ConfigError, match=r"podcast\.toml: cannot read it \(Input/output error\)"):
        load_config(broken)


def test_audio_section(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        MINIMAL + '[audio]\nloudness = -19\nintro = "jingles/intro.wav"\nnormalize_mp3 = true\n',
    )
    config = load_config(path)
    assert config.audio.loudness == -19.0
    assert config.audio.intro == Path("jingles/intro.wav")
    assert config.audio.normalize_mp3 is True


@pytest.mark.parametrize("language", ["vi", "vi-VN", "en-us", "es-419", "VI", "vie", "xx", "vi_VN", "vi-VNM", ""])
def test_podcast_toml_takes_a_language_exactly_when_the_feed_linter_does(tmp_path: Path, language: str) -> None:
    """Two rules that disagreed let podcast.toml accept "vie", which validate then refused in our own feed."""
    refused: ConfigError | None = None
    try:
        load_config(write(tmp_path, MINIMAL + f'language = "{language}"\n'))
    except ConfigError as e:
        refused = e
    assert refused is None or "podcast.language" in str(refused)
    accepted = refused is None
    feed = f"<rss version='2.0'><channel><language>{language}</language></channel></rss>".encode()
    linted = any(p.rule == "channel.language" for p in validate_feed(feed))
    assert accepted is not linted
