"""Search without a server: a Pagefind index of every episode under feeds/pagefind/, read by feeds/search.html.

Each episode is indexed as a small HTML document of its own (never served): its title, date,
summary and text, then one heading per chapter and per transcript cue whose id is `t=SECONDS`.
Pagefind makes each such heading a sub-result with the URL `<page>#t=SECONDS`, so a hit on a
question or a cue opens the episode page at that second.

Pagefind folds tone and vowel marks itself ("so do" finds "sổ đỏ") but keeps đ a letter of its own,
so "dat dai" would miss "đất đai": every section carries its đ-words again with d.

The index is rebuilt only when its documents (or Pagefind's version) change: a digest of them is
kept in .radiocast/. New files are written before pagefind-entry.json, which names them, and the
old ones removed after: a reader never meets an entry without its chunks.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import logging
import shutil
import tempfile
from collections.abc import Awaitable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Final

from radiocast import __version__
from radiocast.errors import FeedError, SeedError
from radiocast.i18n import _
from radiocast.models import Channel, Episode
from radiocast.text import one_line, seconds_text, unaccented
from radiocast.transcripts import parse_transcript_file
from radiocast.workspace import FEEDS_DIR, Workspace, episode_page_path

if TYPE_CHECKING:
    from pagefind.index import PagefindIndex

log = logging.getLogger(__name__)

SEARCH_DIR: Final = f"{FEEDS_DIR}/pagefind"
ENTRY: Final = "pagefind-entry.json"
SEARCH_ENTRY: Final = f"{SEARCH_DIR}/{ENTRY}"  # read first by the browser: it names the rest
DIGEST_FILE: Final = "search.digest"  # under .radiocast/
# What `check --online` asks the server for besides the feed's files: the search page loads the
# index as a module script, which a browser refuses when served with a wrong type.
PROBED: Final = (
    f"{FEEDS_DIR}/search.html",
    f"{FEEDS_DIR}/questions.json",
    f"{SEARCH_DIR}/pagefind.js",
    SEARCH_ENTRY,
    f"{SEARCH_DIR}/wasm.unknown.pagefind",
)
TIMED_TRANSCRIPTS: Final = frozenset({"text/vtt", "application/x-subrip"})
# Pagefind's own search UIs: search.html has a script of its own, so these are not published.
_UNUSED: Final = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")


def documents(ws: Workspace, channel: Channel, episodes: Sequence[Episode]) -> list[tuple[str, str]]:
    """(URL, HTML) of each episode's indexed document, URLs root-relative to feeds/."""
    tz = channel.config.tz
    out = []
    for ep in sorted(episodes, key=lambda e: e.guid):
        parts = [f"<h1>{_escape(ep.title) or ep.slug}</h1>"]
        parts.append(f'<p data-pagefind-meta="date">{ep.published.astimezone(tz):%d/%m/%Y}</p>')
        parts.extend(_section(text) for text in (ep.summary, *ep.body) if one_line(text))
        for chapter in sorted(ep.chapters, key=lambda c: c.start_ms):
            q = chapter.question
            about = [q.asker, q.commune, q.topic, q.answered_by] if q else []
            parts.append(_heading("h2", chapter.start_ms, chapter.title))
            parts.append(_section(", ".join(one_line(a) for a in about if a and one_line(a))))
        for cue in _cues(ws, ep):
            parts.append(_heading("h3", cue[0], cue[1]))
        body = "\n".join(p for p in parts if p)
        url = "/" + episode_page_path(ep.slug).removeprefix(FEEDS_DIR + "/")
        out.append((url, f'<html lang="vi"><body>\n{body}\n</body></html>'))
    return out


def update_index(ws: Workspace, channel: Channel, episodes: Sequence[Episode]) -> bool:
    """Rebuild feeds/pagefind/ if what it indexes changed; True when it did."""
    digest = _digest(ws, channel, episodes)
    stamp = ws.state_dir / DIGEST_FILE
    folder = ws.root / SEARCH_DIR
    if (folder / ENTRY).is_file() and stamp.is_file() and stamp.read_text() == digest.hexdigest():
        return False
    docs = documents(ws, channel, episodes)
    if not docs:  # nothing to search: no index, and no binary started
        shutil.rmtree(folder, ignore_errors=True)
        stamp.unlink(missing_ok=True)
        return False
    ws.staging_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ws.staging_dir, prefix="pagefind-") as work:
        built = asyncio.run(_build(docs, Path(work)))
        files = sorted(
            p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file() and not p.name.startswith(_UNUSED)
        )
        # The entry last: it names the meta file, which names the chunks.
        for name in sorted(files, key=lambda n: n == ENTRY):
            new, path = built / name, folder / name
            data = new.read_bytes()
            if not path.is_file() or path.read_bytes() != data:
                ws.write(path, data)  # staged and renamed: feeds/ may be another filesystem
    for old in sorted(folder.rglob("*"), reverse=True):
        name = old.relative_to(folder).as_posix()
        if old.is_file() and name not in files:
            old.unlink()
        elif old.is_dir() and not any(old.iterdir()):
            old.rmdir()
    ws.write(stamp, digest.hexdigest().encode())
    log.debug("search index: %d documents, %d files", len(docs), len(files))
    return True


def _digest(ws: Workspace, channel: Channel, episodes: Sequence[Episode]) -> hashlib._Hash:
    """What the documents are made of, without making them (reading every transcript takes seconds)."""
    digest = hashlib.sha256(f"{__version__}\0{version('pagefind_bin')}\0{channel.config.tz}".encode())
    for ep in sorted(episodes, key=lambda e: e.guid):
        digest.update(repr((ep.guid, ep.slug, ep.title, ep.published, ep.summary, ep.body, ep.chapters)).encode())
        for sidecar in ep.transcripts:
            if sidecar.mime in TIMED_TRANSCRIPTS:
                path = ws.root / sidecar.path
                stat = path.stat() if path.is_file() else None
                digest.update(repr((sidecar.path, stat and (stat.st_size, stat.st_mtime_ns))).encode())
    return digest


async def _build(docs: Sequence[tuple[str, str]], work: Path) -> Path:
    """Index *docs* with Pagefind in *work*; return the folder holding the index files."""
    # One request for the whole folder: the wrapper reads one reply per 0.1 s, so a request per
    # document would cost a minute for 600 episodes.
    pages, output = work / "pages", work / "index"
    for url, text in docs:
        page = pages / url.lstrip("/")
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(text, encoding="utf-8")
    try:
        await _pagefind(pages, output)
    except Exception as e:  # the wrapper raises bare Exceptions for the binary's failures
        raise FeedError(
            _("the search index could not be built: {error}").format(error=str(e) or type(e).__name__),
            hint=_(
                "check the free disk space and the file size limit (ulimit -f), or reinstall radiocast with"
                " its dependencies (pagefind[bin]); then publish again"
            ),
        ) from e
    return output


async def _pagefind(pages: Path, output: Path) -> None:
    from pagefind.index import IndexConfig, PagefindIndex  # the indexer starts a binary: only when needed

    # The wrapper logs its own view of a dead binary ("timed out waiting for responses"); the
    # failure is reported once, by us, as one line.
    logging.getLogger("pagefind").setLevel(logging.CRITICAL)
    index = PagefindIndex(config=IndexConfig(force_language="vi", output_path=str(output)))
    try:
        await _indexed(index, pages)
    except ProcessLookupError as e:  # it died after its last reply, before the wrapper stopped it
        raise RuntimeError("the pagefind binary stopped (it was gone when told to stop)") from e


async def _indexed(index: PagefindIndex, pages: Path) -> None:
    async with index:
        service = index._service
        if service is None:  # _start() sets it: never the case inside the block
            raise RuntimeError("the pagefind service did not start")
        # The wrapper waits forever for the reply of a binary that died (killed, a file size
        # limit): each request races the wrapper's reader, which ends when the binary's output does.
        try:
            await _unless_ended(index.add_directory(str(pages)), service._poll_task)
            await _unless_ended(index.write_files(), service._poll_task)
            # Forgotten by the wrapper, the index is not written a second time on leaving the block.
            await _unless_ended(index.delete_index(), service._poll_task)
        except RuntimeError:
            index._service = None  # the binary is gone: leaving the block must not wait for its replies
            raise
    with contextlib.suppress(ProcessLookupError):
        await service.close()


async def _unless_ended(request: Awaitable[object], reader: asyncio.Task[None]) -> None:
    work = asyncio.ensure_future(request)
    await asyncio.wait({work, reader}, return_when=asyncio.FIRST_COMPLETED)
    if not work.done():
        work.cancel()
        cause = None if reader.cancelled() else reader.exception()
        raise RuntimeError(f"the pagefind binary stopped ({cause or 'no reply'})")
    work.result()


def _cues(ws: Workspace, ep: Episode) -> list[tuple[int, str]]:
    """The episode's timed transcript as (start, text), or none."""
    for sidecar in ep.transcripts:
        if sidecar.mime not in TIMED_TRANSCRIPTS:
            continue
        try:
            cues = parse_transcript_file(ws.root / sidecar.path)
        except SeedError as e:
            log.warning(_("search index: %s left out of the index (%s)"), sidecar.path, e)
            return []
        return [(c.start_ms, one_line(c.text)) for c in cues] if isinstance(cues, list) else []
    return []


def _heading(tag: str, start_ms: int, text: str) -> str:
    return f'<{tag} id="t={seconds_text(start_ms)}">{_escape(text)}</{tag}>{_folded(text)}'


def _section(text: str) -> str:
    return f"<p>{_escape(text)}</p>{_folded(text)}" if one_line(text) else ""


def _folded(text: str) -> str:
    """The words of *text* that hold đ, again without marks ("đất đai" → "dat dai"): Pagefind keeps đ apart from d."""
    if "đ" not in text and "Đ" not in text:  # most cues: no need to split them
        return ""
    words = dict.fromkeys(unaccented(w) for w in one_line(text).split() if "đ" in w.lower())
    return f"<p>{_escape(' '.join(words))}</p>" if words else ""


def _escape(text: str) -> str:
    return html.escape(one_line(text), quote=False)
