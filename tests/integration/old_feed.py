"""A feed made by another tool, the way such tools write them: its own GUID styles, its own offsets."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
# Older hosts still write the namespace's first URI.
PODCAST_LEGACY = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"


@dataclass
class OldItem:
    title: str
    pub_date: str  # RFC 2822, as the old tool wrote it
    enclosure: str | None  # URL
    guid: str | None = None
    permalink: bool | None = None  # the isPermaLink attribute; None: not written
    enclosure_type: str = "audio/mpeg"
    description: str = ""
    episode: int | None = None
    season: int | None = None


@dataclass
class OldFeed:
    items: list[OldItem]
    self_url: str | None = None
    podcast_guid: str | None = None
    locked: str | None = None

    def xml(self) -> bytes:
        rss = etree.Element(
            "rss",
            nsmap={"itunes": ITUNES, "atom": ATOM, "content": CONTENT, "podcast": PODCAST_LEGACY},
            version="2.0",
        )
        channel = etree.SubElement(rss, "channel")
        etree.SubElement(channel, "title").text = "Đối thoại trên sóng (bản cũ)"
        etree.SubElement(channel, "link").text = "https://old-host.example.vn/"
        etree.SubElement(channel, "description").text = "Chương trình của Đài Truyền thanh huyện Lai Vung."
        etree.SubElement(channel, "generator").text = "OldCast 2.3"
        if self.self_url:
            etree.SubElement(channel, f"{{{ATOM}}}link", rel="self", href=self.self_url, type="application/rss+xml")
        if self.podcast_guid:
            etree.SubElement(channel, f"{{{PODCAST_LEGACY}}}guid").text = self.podcast_guid
        if self.locked:
            etree.SubElement(channel, f"{{{PODCAST_LEGACY}}}locked").text = self.locked
        for item in self.items:
            element = etree.SubElement(channel, "item")
            etree.SubElement(element, "title").text = item.title
            if item.guid is not None:
                guid = etree.SubElement(element, "guid")
                guid.text = item.guid
                if item.permalink is not None:
                    guid.set("isPermaLink", "true" if item.permalink else "false")
            etree.SubElement(element, "pubDate").text = item.pub_date
            if item.enclosure is not None:
                etree.SubElement(element, "enclosure", url=item.enclosure, length="12345", type=item.enclosure_type)
            if item.description:
                etree.SubElement(element, "description").text = etree.CDATA(item.description)
            if item.episode is not None:
                etree.SubElement(element, f"{{{ITUNES}}}episode").text = str(item.episode)
            if item.season is not None:
                etree.SubElement(element, f"{{{ITUNES}}}season").text = str(item.season)
        return etree.tostring(rss, encoding="UTF-8", xml_declaration=True, pretty_print=True)


def three_episodes(audio_url: str) -> OldFeed:
    """Three episodes in three GUID styles and three offsets, plus two items that are not episodes.

    *audio_url* maps a file name to its URL on the old host.
    """
    return OldFeed(
        items=[
            OldItem(
                title="Kỳ 1: Đổi mới lề lối làm việc, tận tụy phục vụ Nhân dân",
                guid="https://old-host.example.vn/tap/1",
                permalink=True,
                pub_date="Sat, 02 Mar 2019 18:30:05 +0700",
                enclosure=audio_url("ky-1.mp3"),
                description="<p>Ông <b>Nguyễn Văn Bình</b> trả lời cử tri.</p><p>Phần hai: đất đai &amp; nhà ở.</p>",
                episode=1,
            ),
            OldItem(
                title="Kỳ 2: Tháo gỡ vướng mắc về đất đai – xã Tân Thành",
                guid="tag:old-host.example.vn,2019:tap-2",
                pub_date="Sun, 07 Apr 2019 01:02:03 GMT",
                enclosure=audio_url("ky-2.mp3"),
                description="Cử tri hỏi, lãnh đạo huyện trả lời.",
                episode=2,
                season=2019,
            ),
            OldItem(
                title="Kỳ 3: Giải quyết ý kiến, kiến nghị của cử tri",
                guid="a1b2c3-ky-3",
                permalink=False,
                pub_date="Wed, 15 May 2019 21:45:59 -0500",
                enclosure=audio_url("ky-3.mp3"),
            ),
            OldItem(
                title="Thông báo lịch phát sóng",
                guid="notice-1",
                pub_date="Thu, 16 May 2019 08:00:00 +0700",
                enclosure=None,
            ),
            OldItem(
                title="Video: toàn cảnh buổi đối thoại",
                guid="video-1",
                pub_date="Fri, 17 May 2019 08:00:00 +0700",
                enclosure=audio_url("toan-canh.mp4"),
                enclosure_type="video/mp4",
            ),
        ]
    )
