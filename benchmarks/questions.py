"""The question index and the search at archive scale: 72 broadcasts of 13 questions each plus 500 articles.

    .venv/bin/python benchmarks/questions.py [--broadcasts 72] [--questions 13] [--articles 500] [--runs 3]

The workspace is generated with its catalog rows written directly (Catalog.add), not by publishing
572 episodes for real (fetching, encoding and aligning them would take most of an hour and is
measured elsewhere): each episode is a published row with a small placeholder MP3 of the size
the row says, broadcasts with 13 question chapters and a timed transcript (one cue every 6 s of
an hour), articles with the text of a typical newspaper article. Then it prints:

- the first publish (pages and search index built from nothing), and a rebuild after one
  broadcast's chapter changed (pages and the index again); goal under 10 s;
- an unchanged publish, in-process and through the CLI, best of --runs; goal under 2 s;
- the search index's size in bytes (feeds/pagefind/) and the largest page's weight;
- what the browser downloads for typical queries (Chromium, when /usr/bin/chromium is there):
  Pagefind's script and WebAssembly, the entry, the index chunks and the fragments of the
  first 20 results, as sent over the wire by `radiocast serve`; goal under 300 KB.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from radiocast.catalog import Catalog
from radiocast.config import load_config
from radiocast.feed import episode_guid, podcast_guid
from radiocast.models import Chapter, Episode, EpisodeState, Kind, Question, Sidecar, Speaker
from radiocast.pipeline import publish
from radiocast.scaffold import create_workspace
from radiocast.search import SEARCH_DIR
from radiocast.serve import serve
from radiocast.transcripts import Cue, to_vtt

UNCHANGED_GOAL_S = 2.0
REBUILD_GOAL_S = 10.0
QUERY_GOAL_BYTES = 300_000
PAGE_GOAL_BYTES = 100_000
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
RADIOCAST = Path(sys.executable).with_name("radiocast")
CHROMIUM = Path("/usr/bin/chromium")
QUERIES = ("dat dai", "so do", "giấy chứng nhận quyền sử dụng đất", "nuoc sach ap 3", "thu tuc hanh chinh")
TOPICS = ("đất đai", "thủ tục hành chính", "giao thông", "an sinh xã hội", "nước sạch", "nông nghiệp")
COMMUNES = ("Tân Thành", "Long Hậu", "Vĩnh Thới", "Định Hòa", "Tân Phước", "Hòa Long", "Phong Hòa")
ASKED = (
    "Bao giờ gia đình tôi được cấp giấy chứng nhận quyền sử dụng đất (sổ đỏ) cho thửa đất đã mua năm {y}?",
    "Thủ tục chuyển mục đích sử dụng đất nông nghiệp sang đất ở tại ấp {n} cần những giấy tờ gì?",
    "Đường liên ấp {n} xuống cấp, khi nào huyện sửa chữa để người dân đi lại an toàn?",
    "Hộ cận nghèo ở ấp {n} được hỗ trợ những gì khi có người ốm đau, nằm viện?",
    "Khi nào nước sạch về đến các hộ dân ở cuối ấp {n}?",
    "Giá lúa thấp, huyện có chương trình nào giúp nông dân ấp {n} chuyển đổi cây trồng?",
)
ANSWER = (
    "Về nội dung này, Ủy ban nhân dân huyện đã chỉ đạo phòng chuyên môn kiểm tra hồ sơ, phối hợp với "
    "xã rà soát và trả lời bằng văn bản cho bà con trong thời hạn quy định."
)
PARAGRAPHS = (
    "Thời gian qua, lề lối làm việc của cấp ủy, chính quyền các xã được đổi mới theo hướng tận tâm, "
    "tận tụy phục vụ Nhân dân; cán bộ tiếp dân đúng lịch, giải quyết hồ sơ đúng hẹn.",
    "Công tác cải cách hành chính được đẩy mạnh theo cơ chế “một cửa”, “một cửa liên thông”; người dân "
    "có thể nộp hồ sơ đất đai, hộ tịch và chứng thực tại bộ phận tiếp nhận của xã.",
    "Huyện tiếp tục đầu tư đường giao thông nông thôn, hệ thống cấp nước sạch và hỗ trợ các hộ nghèo, "
    "cận nghèo ổn định cuộc sống, phát triển sản xuất nông nghiệp.",
)


def generate(root: Path, *, broadcasts: int, questions: int, articles: int) -> int:
    """A workspace with the catalog rows of a published archive; returns the number of episodes."""
    create_workspace(
        root,
        title="Chính quyền đối thoại với Nhân dân qua sóng phát thanh",
        base_url="https://radio.example.vn/laivung/",
        author="Đài Truyền thanh huyện Lai Vung",
        email="podcast@example.vn",
    )
    for seed in (root / "seeds").iterdir():
        seed.unlink()
    config = load_config(root / "podcast.toml")
    guid = podcast_guid(config.feed_url)
    placeholder = b"\xff\xfb\x90\x64" + bytes(4_096)
    start = datetime(2020, 12, 26, 8, 0, tzinfo=TZ)
    episodes = []
    for b in range(broadcasts):
        slug = f"ky-{broadcasts - b}-chinh-quyen-doi-thoai-voi-nhan-dan"
        chapters = [Chapter(start_ms=0, title="Giới thiệu chương trình")]
        for q in range(questions):
            chapters.append(
                Chapter(
                    start_ms=60_000 + q * 260_000,
                    title=f"{'Ông' if q % 2 else 'Bà'} {_name(b, q)}, xã {COMMUNES[(b + q) % len(COMMUNES)]}: "
                    + ASKED[(b + q) % len(ASKED)].format(y=2005 + q, n=q + 1),
                    question=Question(
                        asker=_name(b, q),
                        commune=COMMUNES[(b + q) % len(COMMUNES)],
                        topic=TOPICS[(b + q) % len(TOPICS)],
                        answered_by="Nguyễn Văn Bình",
                    ),
                )
            )
        cues = [
            Cue(
                start_ms=ms,
                end_ms=ms + 5_500,
                text=(ASKED[ms // 260_000 % len(ASKED)] if ms % 260_000 < 6_000 else ANSWER)[:110],
            )
            for ms in range(0, 3_600_000, 6_000)
        ]
        vtt = f"feeds/{slug}.vtt"
        (root / vtt).write_text(to_vtt(cues), encoding="utf-8")
        episodes.append(
            _episode(
                root,
                guid=episode_guid(guid, f"archive:{b}"),
                slug=slug,
                title=f"Kỳ {broadcasts - b}: Chính quyền đối thoại với Nhân dân",
                published=start - timedelta(days=30 * b),
                kind=Kind.RECORDING,
                placeholder=placeholder,
                base_url=config.base_url,
                summary="Lãnh đạo huyện Lai Vung trả lời câu hỏi của người dân gửi tới chương trình.",
                speakers=(Speaker(name="Nguyễn Văn Bình", office="Phó Chủ tịch UBND huyện Lai Vung"),),
                chapters=tuple(chapters),
                transcripts=(Sidecar(path=vtt, mime="text/vtt", rel="captions"),),
                duration_ms=3_600_000,
            )
        )
    for a in range(articles):
        slug = f"bai-{a}-doi-moi-le-loi-lam-viec-xa-{a}"
        episodes.append(
            _episode(
                root,
                guid=episode_guid(guid, f"article:{a}"),
                slug=slug,
                title=f"Bài {a}: Đổi mới lề lối làm việc, tận tụy phục vụ Nhân dân xã {COMMUNES[a % len(COMMUNES)]}",
                published=start - timedelta(days=4 * a, hours=3),
                kind=Kind.ARTICLE,
                placeholder=placeholder,
                base_url=config.base_url,
                summary=PARAGRAPHS[a % len(PARAGRAPHS)],
                body=PARAGRAPHS * 3,
                duration_ms=300_000,
            )
        )
    with Catalog(root / ".radiocast" / "catalog.sqlite3") as catalog:
        catalog.set_meta_once("podcast_guid", guid)
        for episode in episodes:
            catalog.add(episode)
    return len(episodes)


def _name(b: int, q: int) -> str:
    return (
        f"{('Nguyễn', 'Trần', 'Lê', 'Phạm', 'Huỳnh', 'Võ')[b % 6]} Văn {('An', 'Bình', 'Cường', 'Dũng', 'Đức')[q % 5]}"
    )


def _episode(
    root: Path, *, slug: str, placeholder: bytes, base_url: str, kind: Kind, published: datetime, **fields: object
) -> Episode:
    (root / "audio" / f"{slug}.mp3").write_bytes(placeholder)
    return Episode(
        slug=slug,
        seed=f"seeds/{slug}.txt",
        source_url=f"bench:{slug}",
        enclosure_url=f"{base_url}audio/{slug}.mp3",
        state=EpisodeState.PUBLISHED,
        size_bytes=len(placeholder),
        kind=kind,
        published=published,
        live_since=published,
        **fields,  # type: ignore[arg-type]
    )


def timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def best(runs: int, action: Callable[[], object]) -> float:
    return min(timed(action) for _ in range(runs))


def query_downloads(root: Path, queries: tuple[str, ...]) -> dict[str, tuple[dict[str, int], int]] | None:
    """Bytes over the wire by kind of file (and results shown) per query on feeds/search.html, each in a fresh browser."""
    if not CHROMIUM.exists():
        return None
    from playwright.sync_api import sync_playwright

    urls: list[str] = []
    ready, stop = threading.Event(), threading.Event()
    threading.Thread(
        target=serve,
        args=(root,),
        kwargs={"port": 0, "ready": lambda url: (urls.append(url), ready.set()), "stop": stop},
        daemon=True,
    ).start()
    ready.wait(10)
    out = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            for query in queries:
                page = browser.new_context().new_page()
                fetched: dict[str, int] = {}
                page.on(
                    "requestfinished", lambda r, fetched=fetched: _count(fetched, r.url, r.sizes()["responseBodySize"])
                )
                page.goto(f"{urls[0]}feeds/search.html?q={query}")
                page.wait_for_function(
                    "() => document.querySelector('#search-results > li') || /Không/.test(document.getElementById('search-status').textContent)",
                    timeout=30_000,
                )
                page.wait_for_load_state("networkidle")
                out[query] = (fetched, page.locator("#search-results > li").count())
                page.context.close()
            browser.close()
    finally:
        stop.set()
    return out


def _count(fetched: dict[str, int], url: str, size: int) -> None:
    if "/pagefind/" not in url:
        return
    name = url.split("/pagefind/", 1)[1].split("?", 1)[0]
    kind = name.split("/", 1)[0] if "/" in name else name.rsplit(".", 1)[-1]
    fetched[kind] = fetched.get(kind, 0) + size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--broadcasts", type=int, default=72)
    parser.add_argument("--questions", type=int, default=13)
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true", help="skip the query downloads (no Chromium)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="radiocast-questions-"))
    root = tmp / "ws"
    try:
        count = generate(root, broadcasts=args.broadcasts, questions=args.questions, articles=args.articles)
        print(
            f"workspace: {count} published episodes ({args.broadcasts} broadcasts × {args.questions} questions, "
            f"{args.articles} articles), catalog rows written directly"
        )

        first = timed(lambda: publish(root))
        print(f"first publish (pages + search index from nothing): {first:.2f} s")
        with Catalog(root / ".radiocast" / "catalog.sqlite3") as catalog:
            episode = next(e for e in catalog.episodes() if e.kind is Kind.RECORDING)
            chapters = (*episode.chapters[:-1], replace(episode.chapters[-1], title="Nước sạch ấp 3: khi nào có?"))
            catalog.save(replace(episode, chapters=chapters))
        entry = root / SEARCH_DIR / "pagefind-entry.json"
        before = entry.read_bytes()
        rebuild = timed(lambda: publish(root))
        ok = rebuild < REBUILD_GOAL_S
        print(
            f"rebuild after one chapter changed (pages + index): {rebuild:.2f} s  goal < {REBUILD_GOAL_S:.0f} s  {'ok' if ok else 'OVER'}"
        )

        print(f"the rebuild made a new index: {entry.read_bytes() != before}")
        feeds = root / "feeds"
        mtimes = {p: p.stat().st_mtime_ns for p in feeds.rglob("*")}
        in_process = best(args.runs, lambda: publish(root))
        cli = best(
            args.runs,
            lambda: subprocess.run([str(RADIOCAST), "-C", str(root), "publish"], check=True, capture_output=True),
        )
        ok &= cli < UNCHANGED_GOAL_S
        print(
            f"unchanged publish: in-process {in_process:.2f} s, CLI {cli:.2f} s  goal < {UNCHANGED_GOAL_S:.0f} s  {'ok' if cli < UNCHANGED_GOAL_S else 'OVER'}"
        )

        print(
            f"unchanged publishes wrote nothing under feeds/: {mtimes == {p: p.stat().st_mtime_ns for p in feeds.rglob('*')}}"
        )
        index = [p for p in (root / SEARCH_DIR).rglob("*") if p.is_file()]
        print(f"search index: {sum(p.stat().st_size for p in index):,} B in {len(index)} files")
        pages = list((root / "feeds").glob("*.html"))
        largest = max(pages, key=lambda p: p.stat().st_size)
        ok &= largest.stat().st_size < PAGE_GOAL_BYTES
        print(f"largest page: {largest.stat().st_size:,} B  {largest.name}  ({len(pages)} pages)")

        downloads = None if args.no_browser else query_downloads(root, QUERIES)
        if downloads is None:
            print("query downloads: skipped (no Chromium, or --no-browser)")
        else:
            for query, (kinds, results) in downloads.items():
                size = sum(kinds.values())
                ok &= size < QUERY_GOAL_BYTES
                parts = ", ".join(f"{kind} {n:,}" for kind, n in sorted(kinds.items()))
                print(
                    f"query {query!r}: {size:,} B over the wire, first {results} results shown"
                    f"  goal < 300 KB  {'ok' if size < QUERY_GOAL_BYTES else 'OVER'}  ({parts})"
                )
        print(f"all goals met: {ok}")
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
