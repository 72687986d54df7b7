"""The search index: what each episode's indexed document holds, and how publish keeps feeds/pagefind/ up to date.

Searching itself runs in a browser (Pagefind's WebAssembly): tests/integration/test_browser.py.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import lxml.html
import pytest

from radiocast.models import Channel, Chapter, Episode, Question
from radiocast.search import SEARCH_DIR, documents, update_index
from radiocast.workspace import Workspace
from test_site import make_channel, make_recording

VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
Xin chào quý thính giả.

00:02:10.500 --> 00:02:15.000
Về sổ đỏ, huyện sẽ cấp trong tháng này.
"""


@pytest.fixture
def channel() -> Channel:
    return make_channel()


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    (ws.root / "feeds").mkdir(parents=True)
    (ws.root / "feeds" / "ky-86-thao-go-vuong-mac-ve-dat-dai.vtt").write_text(VTT, encoding="utf-8")
    return ws


def recording(channel: Channel) -> Episode:
    return make_recording(
        channel,
        chapters=(
            Chapter(start_ms=0, title="Giới thiệu"),
            Chapter(
                start_ms=130_500,
                title="Bà Trần Thị C hỏi về đất đai",
                question=Question(asker="Trần Thị C", commune="Tân Thành", topic="đất đai"),
            ),
        ),
    )


def test_each_question_and_cue_is_a_heading_with_its_second(ws: Workspace, channel: Channel) -> None:
    [(url, text)] = documents(ws, channel, [recording(channel)])
    assert url == "/ky-86-thao-go-vuong-mac-ve-dat-dai.html"
    doc = lxml.html.document_fromstring(text)
    headings = [(h.tag, h.get("id"), h.text_content()) for h in doc.xpath("//h2|//h3")]
    assert headings == [
        ("h2", "t=0", "Giới thiệu"),
        ("h2", "t=130.5", "Bà Trần Thị C hỏi về đất đai"),
        ("h3", "t=1", "Xin chào quý thính giả."),
        ("h3", "t=130.5", "Về sổ đỏ, huyện sẽ cấp trong tháng này."),
    ]
    body = doc.text_content()
    # Pagefind keeps đ apart from d: the đ-words come again without marks, the rest it folds itself.
    assert "dat dai" in body
    assert "Tân Thành" in body
    assert "Trần Thị C" in body
    assert doc.xpath("//p[@data-pagefind-meta='date']")[0].text_content() == "25/12/2021"


def test_publish_builds_the_index_once_and_only_again_when_it_changes(ws: Workspace, channel: Channel) -> None:
    episode = recording(channel)
    assert update_index(ws, channel, [episode])
    folder = ws.root / SEARCH_DIR
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {"pagefind-entry.json", "pagefind.js", "pagefind-worker.js", "wasm.unknown.pagefind"} <= names
    assert not any(n.startswith(("pagefind-ui", "pagefind-component-ui", "pagefind-modular-ui")) for n in names)
    assert any(n.startswith("index/") for n in names)
    assert any(n.startswith("fragment/") for n in names)
    assert not Path("pagefind").exists()  # nothing written where the process happens to run
    assert not list(ws.staging_dir.iterdir())
    entry = json.loads((folder / "pagefind-entry.json").read_text())
    meta = f"pagefind.{entry['languages']['vi']['hash']}.pf_meta"
    assert meta in names

    mtimes = {p: p.stat().st_mtime_ns for p in folder.rglob("*")}
    assert not update_index(ws, channel, [episode])
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*")} == mtimes

    changed = replace(episode, chapters=(*episode.chapters, Chapter(start_ms=200_000, title="Nước sạch ấp 3")))
    assert update_index(ws, channel, [changed])
    now = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    entry = json.loads((folder / "pagefind-entry.json").read_text())
    assert f"pagefind.{entry['languages']['vi']['hash']}.pf_meta" in now
    # The old chunks are gone, the files that did not change kept their mtime.
    assert meta not in now
    assert (folder / "pagefind.js").stat().st_mtime_ns == mtimes[folder / "pagefind.js"]


def test_an_unreadable_transcript_leaves_only_its_cues_out(ws: Workspace, channel: Channel) -> None:
    (ws.root / "feeds" / "ky-86-thao-go-vuong-mac-ve-dat-dai.vtt").unlink()
    [(_, text)] = documents(ws, channel, [recording(channel)])
    doc = lxml.html.document_fromstring(text)
    assert [h.get("id") for h in doc.xpath("//h2")] == ["t=0", "t=130.5"]
    assert not doc.xpath("//h3")
