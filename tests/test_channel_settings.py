"""podcast.toml settings that become Podcasting 2.0 tags on the channel: updateFrequency, location."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from radiocast.config import load_config
from radiocast.errors import ConfigError
from radiocast.feed import build_feed
from test_config import MINIMAL, write
from test_feed import make_channel

NS = {"podcast": "https://podcastindex.org/namespace/1.0"}


def _tag(tmp_path: Path, extra: str = "", name: str = "updateFrequency") -> list[etree._Element]:
    config = load_config(write(tmp_path, MINIMAL + extra))
    root = etree.fromstring(build_feed(make_channel(config), []))
    return root.xpath(f"/rss/channel/podcast:{name}", namespaces=NS)  # type: ignore[no-any-return]


def test_default_is_monthly(tmp_path: Path) -> None:
    (tag,) = _tag(tmp_path)
    assert tag.get("rrule") == "FREQ=MONTHLY"
    assert tag.text == "Hằng tháng"


def test_names_and_rules(tmp_path: Path) -> None:
    (tag,) = _tag(tmp_path, 'update_frequency = "weekly"\n')
    assert (tag.get("rrule"), tag.text) == ("FREQ=WEEKLY", "Hằng tuần")
    (tag,) = _tag(
        tmp_path, 'update_frequency = "FREQ=MONTHLY;BYDAY=-1SA"\nupdate_frequency_text = "Thứ Bảy cuối tháng"\n'
    )
    assert (tag.get("rrule"), tag.text) == ("FREQ=MONTHLY;BYDAY=-1SA", "Thứ Bảy cuối tháng")
    assert _tag(tmp_path, 'update_frequency = ""\n') == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('update_frequency = "sometimes"\n', "podcast.update_frequency"),
        ('update_frequency = "FREQ=WEEKLY;COUNT=10"\nupdate_frequency_text = "x"\n', "podcast.update_frequency"),
        ('update_frequency = "FREQ=MONTHLY;BYDAY=1MO"\n', "update_frequency_text"),
    ],
)
def test_mistakes_name_the_key(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load_config(write(tmp_path, MINIMAL + extra))
    assert "podcast.toml" in str(info.value)


def test_location_where_the_programme_is_made(tmp_path: Path) -> None:
    assert _tag(tmp_path, name="location") == []
    (tag,) = _tag(tmp_path, 'location = "Lai Vung, Đồng Tháp"\ncountry = "vn"\n', "location")
    assert (tag.text, tag.get("rel"), tag.get("country")) == ("Lai Vung, Đồng Tháp", "creator", "VN")
    (tag,) = _tag(tmp_path, 'location = "Lai Vung, Đồng Tháp"\n', "location")
    assert (tag.text, tag.get("rel"), tag.get("country")) == ("Lai Vung, Đồng Tháp", "creator", None)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ('country = "VN"\n', "podcast.country needs podcast.location"),
        ('location = "Lai Vung"\ncountry = "VNM"\n', "podcast.country = 'VNM' is not an ISO 3166-1 two-letter code"),
    ],
)
def test_a_wrong_location_names_the_key(tmp_path: Path, extra: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        load_config(write(tmp_path, MINIMAL + extra))
