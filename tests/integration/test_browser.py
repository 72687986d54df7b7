"""The programme page and the feed's XSL view in a real browser: Debian's Chromium driven by Playwright.

Served by `radiocast serve` from a workspace `publish` built: an article and a recording with
chapters. Screenshots land in test-artifacts/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, sync_playwright
from station import Station

from radiocast import pipeline
from radiocast.audio import ffmpeg_path
from radiocast.models import Outcome

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Chromium turns XSLT off by default from version 158 (enterprise policy and this feature
    # switch keep it until 164): the feed view is still what Chromium 156 users see.
    "--enable-features=XSLT",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TITLE = "Chính quyền đối thoại với Nhân dân qua sóng phát thanh"
ARTICLE_TITLE = "Đổi mới lề lối làm việc, tận tụy phục vụ Nhân dân"
RECORDING_TITLE = "Kỳ 86: Tháo gỡ vướng mắc về đất đai"
CHAPTERS = [
    ("00:00:00", "Giới thiệu chương trình"),
    ("00:00:07", "Ông Nguyễn Văn A, xã Tân Thành hỏi về đất đai"),
    ("00:00:14", "Bà Trần Thị C, xã Long Hậu hỏi về thủ tục hành chính"),
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found (apt-get install chromium)"),
]


def make_wav(path: Path, seconds: float) -> None:
    """Speech-like: a tone with a syllable-rate envelope and a short pause every four seconds."""
    expr = "0.2*sin(2*PI*220*t)*(0.55+0.45*sin(2*PI*4*t))*gt(mod(t,4),0.4)"
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            *(ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y"),
            *("-f", "lavfi", "-i", f"aevalsrc='{expr}':s=44100:d={seconds}", "-ac", "1", path.as_posix()),
        ],
        check=True,
    )


@pytest.fixture
def programme(station: Station, served: str) -> str:
    """Two published episodes, an article and a recording with chapters; returns the server's URL."""
    station.serve_mp3("one.mp3", seconds=3.0)
    station.seed("a.txt", title=ARTICLE_TITLE, url=station.url("one.mp3"))
    make_wav(station.root / "recordings" / "ky-86.wav", 20)
    chapters = "".join(f'\n[[chapters]]\nstart = "{start}"\ntitle = "{title}"\n' for start, title in CHAPTERS)
    (station.root / "seeds" / "ky-86.toml").write_text(
        f'title = "{RECORDING_TITLE}"\ndate = "2021-12-25 08:00"\naudio = "recordings/ky-86.wav"\nepisode = 86\n'
        'summary = "Lãnh đạo huyện Lai Vung trả lời câu hỏi của người dân về đất đai."\n\n'
        '[[speakers]]\nname = "Nguyễn Văn Bình"\nrole = "guest"\noffice = "Phó Chủ tịch UBND huyện Lai Vung"\n'
        + chapters,
        encoding="utf-8",
    )
    report = pipeline.publish(station.root, base_url=served)
    assert [r.outcome for r in report.results] == [Outcome.PUBLISHED, Outcome.PUBLISHED], report.results
    return served


class Watch:
    """What a page did wrong: console errors, uncaught exceptions, requests that left 127.0.0.1."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("request", self.request)

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text} at {message.location}")

    def request(self, request: Request) -> None:
        if urlsplit(request.url).hostname != "127.0.0.1" and not request.url.startswith("data:"):
            self.problems.append(f"request outside 127.0.0.1: {request.url}")


def test_programme_page_plays_and_seeks_and_the_feed_reads_as_a_page(programme: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # A phone-sized window: the page is made for phones first.
            context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=programme.rstrip("/"))
            page = context.new_page()
            watch = Watch(page)

            # / redirects to the programme page.
            page.goto(programme)
            assert page.url == programme + "feeds/index.html"
            assert page.locator("html").get_attribute("lang") == "vi"
            assert page.locator("h1").inner_text() == TITLE
            listed = page.locator("ol.episodes h3").all_inner_texts()
            assert listed == [RECORDING_TITLE, ARTICLE_TITLE]  # newest first
            # Keyboard first: Tab reaches the skip link before anything else.
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
            page.screenshot(path=ARTIFACTS / "programme-page.png", full_page=True)

            # The recording's page: the player gets its metadata from radiocast serve.
            page.locator("ol.episodes").get_by_role("link", name=RECORDING_TITLE).click()
            page.wait_for_load_state()
            assert page.url.endswith("/feeds/ky-86-thao-go-vuong-mac-ve-dat-dai.html")
            page.wait_for_function(
                "() => { const a = document.getElementById('player'); return a.readyState >= 1 && a.duration > 0; }",
                timeout=15_000,
            )
            duration = page.evaluate("document.getElementById('player').duration")
            assert 19 <= duration <= 23, duration

            # A chapter link seeks the player there and plays.
            chapter = page.locator("a[data-start]").nth(2)
            start = float(chapter.get_attribute("data-start") or "nan")
            assert 13 <= start <= 18, start  # 14 s into the recording, plus any intro radiocast adds
            assert chapter.inner_text().endswith(CHAPTERS[2][1])
            assert page.evaluate("document.getElementById('player').currentTime") < start - 5
            chapter.click()
            # Promptly: played from the start instead, the player would pass the chapter only seconds later.
            page.wait_for_function(
                "(t) => { const a = document.getElementById('player');"
                " return !a.seeking && a.readyState >= 2 && Math.abs(a.currentTime - t) <= 1; }",
                arg=start,
                timeout=8_000,
            )
            assert page.url.endswith(f"#t={chapter.get_attribute('data-start')}")
            # The player really runs from there: time moves on from the chapter's start.
            page.wait_for_function("(t) => document.getElementById('player').currentTime > t + 0.2", arg=start)

            # The copy button puts the feed's URL on the clipboard and says so.
            page.get_by_role("button", name="Sao chép").click()
            page.wait_for_function("() => document.getElementById('copy-status').textContent.length > 0")
            assert page.locator("#copy-status").inner_text() == "Đã sao chép địa chỉ."
            assert page.evaluate("navigator.clipboard.readText()") == programme + "feeds/podcast.xml"
            page.screenshot(path=ARTIFACTS / "episode-page.png", full_page=True)

            # The feed itself, opened in the browser, is shown through podcast.xsl as a page.
            page.goto(programme + "feeds/podcast.xml")
            page.wait_for_load_state()
            assert page.evaluate("document.documentElement.tagName.toLowerCase()") == "html"
            assert page.locator("html").get_attribute("lang") == "vi"
            assert page.locator("h1").inner_text() == TITLE
            assert page.locator("ol.episodes h3").all_inner_texts() == [RECORDING_TITLE, ARTICLE_TITLE]
            assert page.locator("ol.episodes audio").count() == 2
            assert page.locator("#feed-url").input_value() == programme + "feeds/podcast.xml"
            assert "Thứ Bảy, 25/12/2021" in page.locator("main").inner_text()
            page.screenshot(path=ARTIFACTS / "feed-view.png", full_page=True)

            assert watch.problems == []
        finally:
            browser.close()


def test_search_without_diacritics_finds_a_question_and_plays_it_from_there(programme: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN").new_page()
            watch = Watch(page)
            page.goto(programme)
            # The words of CHAPTERS[1]'s question, typed as people type on a phone: no marks, đ as d.
            # (Pagefind matches pages with some of the words: every word here must need the folding.)
            box = page.get_by_role("searchbox", name="Tìm trong các kỳ phát sóng")
            box.fill("dat dai")
            box.press("Enter")
            page.wait_for_load_state()
            assert urlsplit(page.url).path == "/feeds/search.html"
            hit = page.locator("#search-results a", has_text=CHAPTERS[1][1])
            hit.wait_for(timeout=15_000)
            assert page.locator("#search-status").inner_text().startswith("Tìm thấy")
            page.screenshot(path=ARTIFACTS / "search-page.png", full_page=True)
            href = hit.get_attribute("href") or ""
            assert href.startswith("/feeds/ky-86-thao-go-vuong-mac-ve-dat-dai.html#t="), href
            start = float(href.rsplit("#t=", 1)[1])
            assert 6 <= start <= 11, start  # 7 s into the recording, plus any intro radiocast adds

            hit.click()
            page.wait_for_load_state()
            assert page.url.endswith(href)
            # The page seeks its player there on load; playing goes on from there, not from 0.
            page.wait_for_function(
                "(t) => { const a = document.getElementById('player');"
                " return a.readyState >= 1 && Math.abs(a.currentTime - t) <= 1; }",
                arg=start,
                timeout=15_000,
            )
            page.locator("#player").focus()
            page.keyboard.press("Space")
            page.wait_for_function(
                "(t) => { const a = document.getElementById('player');"
                " return !a.paused && a.currentTime > t + 0.2 && a.currentTime < t + 3; }",
                arg=start,
                timeout=8_000,
            )
            assert watch.problems == []
        finally:
            browser.close()
