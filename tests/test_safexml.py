"""Safe XML input: every hostile feed is refused with one line, before anything is expanded, loaded or fetched.

ATTACKS and INERT are data so that a report can count them: each ATTACKS case must be refused
(by parse_feed, by `radiocast validate PATH` and by `radiocast validate URL`) without a single
request for what it points at; each INERT case parses, with nothing it names fetched or read.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from radiocast.cli import cli
from radiocast.errors import FeedInputError
from radiocast.safexml import MAX_FEED_BYTES, MalformedFeedError, parse_feed
from radiocast.validate import validate_feed

MIB = 1024 * 1024
CHANNEL = "<channel><title>{title}</title><link>https://radio.example.vn/</link></channel>"


def rss(prolog: str, title: str = "Kỳ 85", attributes: str = "") -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}\n<rss version="2.0"{attributes}>{CHANNEL.format(title=title)}</rss>'.encode()


def billion_laughs(levels: int = 10) -> str:
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)]
    return f"<!DOCTYPE rss [{''.join(entities)}]>"


# libxml2 stops an expansion past 5 times the bytes parsed so far, even with huge_tree: so the
# padding parsed first lets its 12 items of 100 × 50 kB expand to 60 MB.
AMPLIFICATION_PADDING_MIB = 14


def amplified_within_libxml2s_limit() -> bytes:
    padding = "".join(f"<!-- {'p' * (MIB - 9)} -->\n" for _ in range(AMPLIFICATION_PADDING_MIB))
    items = "".join(f"<item><title>{'&a;' * 100}</title></item>" for _ in range(12))
    feed = rss(f'<!DOCTYPE rss [<!ENTITY a "{"a" * 50_000}">]>\n{padding}')
    return feed.replace(b"</channel>", f"{items}</channel>".encode(), 1)


@dataclass(frozen=True, slots=True)
class Attack:
    name: str
    build: Callable[[str], bytes]  # the local server's base URL → the document
    refusal: str  # what the one-line error says
    lint: bool = False  # refused as an xml.wellformed finding of validate, not a FeedInputError


DTD_MARKUP = "declares entities or other DTD markup"
EXTERNAL_DTD = "names an external DTD"
NOT_WELL_FORMED = "not well-formed XML"

ATTACKS = [
    Attack("billion laughs", lambda _: rss(billion_laughs(), "&lol9;"), DTD_MARKUP),
    Attack(
        "quadratic blowup",
        lambda _: rss(f'<!DOCTYPE rss [<!ENTITY a "{"a" * 50_000}">]>', "&a;" * 20_000),
        DTD_MARKUP,
    ),
    Attack(
        "quadratic blowup within libxml2's amplification limit", lambda _: amplified_within_libxml2s_limit(), DTD_MARKUP
    ),
    Attack(
        "external entity, file:",
        lambda _: rss('<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/hostname">]>', "&x;"),
        DTD_MARKUP,
    ),
    Attack(
        "external entity, http: to the local server",
        lambda server: rss(f'<!DOCTYPE rss [<!ENTITY x SYSTEM "{server}/secret">]>', "&x;"),
        DTD_MARKUP,
    ),
    Attack(
        "external entity in an attribute value",
        lambda server: rss(f'<!DOCTYPE rss [<!ENTITY x SYSTEM "{server}/secret">]>', attributes=' a="&x;"'),
        DTD_MARKUP,
    ),
    Attack(
        "external parameter entity",
        lambda server: rss(f'<!DOCTYPE rss [<!ENTITY % pe SYSTEM "{server}/pe.dtd"> %pe;]>', "&x;"),
        DTD_MARKUP,
    ),
    Attack(
        "internal parameter entity declaring an entity",
        lambda _: rss("<!DOCTYPE rss [<!ENTITY % pe \"<!ENTITY x 'y'>\"> %pe;]>", "&x;"),
        DTD_MARKUP,
    ),
    Attack(
        "external DTD, SYSTEM",
        lambda server: rss(f'<!DOCTYPE rss SYSTEM "{server}/evil.dtd">', "&x;"),
        EXTERNAL_DTD,
    ),
    Attack(
        "external DTD, PUBLIC",
        lambda server: rss(f'<!DOCTYPE rss PUBLIC "-//Evil//DTD RSS//EN" "{server}/evil.dtd">', "&x;"),
        EXTERNAL_DTD,
    ),
    Attack(
        "external DTD and an internal subset",
        lambda server: rss(f'<!DOCTYPE rss SYSTEM "{server}/evil.dtd" [<!ENTITY x "y">]>', "&x;"),
        EXTERNAL_DTD,
    ),
    Attack(
        "DOCTYPE behind comments and processing instructions",
        lambda server: rss(
            f'<!-- a --><?pi x?>\n<!-- b -->\n<!DOCTYPE rss [<!ENTITY x SYSTEM "{server}/secret">]>', "&x;"
        ),
        DTD_MARKUP,
    ),
    Attack(
        "billion laughs in UTF-16 with a BOM",
        lambda _: rss(billion_laughs(), "&lol9;").decode().replace("UTF-8", "UTF-16").encode("utf-16"),
        DTD_MARKUP,
    ),
    Attack(
        "entity in UTF-16 without a BOM",
        lambda _: (
            rss('<!DOCTYPE rss [<!ENTITY x "y">]>', "&x;").decode().replace("UTF-8", "UTF-16").encode("utf-16-le")
        ),
        "in an encoding radiocast cannot check",
    ),
    Attack("oversized feed", lambda _: rss("", " " * (MAX_FEED_BYTES + 1)), f"over {MAX_FEED_BYTES // MIB} MiB"),
    Attack(
        "undeclared entity behind a bare DOCTYPE",
        lambda _: rss("<!DOCTYPE rss>", "&x;"),
        "Entity 'x' not defined",
        lint=True,
    ),
    Attack("deep nesting", lambda _: rss("", "<b>" * 100_000), "Excessive depth", lint=True),
    Attack("huge text node", lambda _: rss("", "x" * 10_100_000), "Text node too long", lint=True),
]


@dataclass(frozen=True, slots=True)
class Inert:
    name: str
    build: Callable[[str], bytes]


INERT = [
    Inert("bare DOCTYPE", lambda _: rss("<!DOCTYPE rss>")),
    Inert(
        "XInclude of a local file and a URL",
        lambda server: rss(
            "",
            f'Kỳ 85<xi:include href="file:///etc/hostname" parse="text"/><xi:include href="{server}/include.xml"/>',
            ' xmlns:xi="http://www.w3.org/2001/XInclude"',
        ),
    ),
    Inert("xml-stylesheet PI", lambda server: rss(f'<?xml-stylesheet type="text/xsl" href="{server}/evil.xsl"?>')),
    Inert(
        "xsi:schemaLocation",
        lambda server: rss(
            "",
            attributes=f' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x {server}/s.xsd"',
        ),
    ),
]


class Server:
    """A local HTTP server that records every path asked for; routes are set per test."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.routes: dict[str, Callable[[BaseHTTPRequestHandler], None]] = {}
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"

    def requested(self) -> list[str]:
        return [p for p in self.paths if p != "/feed.xml"]


def _handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.paths.append(self.path)
            route = server.routes.get(self.path)
            if route is None:
                self.send_error(404)
            else:
                route(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def body(data: bytes) -> Callable[[BaseHTTPRequestHandler], None]:
    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        with contextlib.suppress(OSError):  # the client stopped reading: what a refusal looks like from here
            handler.wfile.write(data)

    return send


def endless(chunk: bytes, *, pause_s: float, limit_s: float = 20.0) -> Callable[[BaseHTTPRequestHandler], None]:
    """A body without Content-Length that never ends (until the client leaves, or *limit_s* passes)."""

    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.end_headers()
        handler.wfile.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>')
        stop = time.monotonic() + limit_s
        try:
            while time.monotonic() < stop:
                handler.wfile.write(chunk)
                handler.wfile.flush()
                time.sleep(pause_s)
        except OSError:
            pass

    return send


@pytest.fixture(scope="module")
def module_server() -> Iterator[Server]:
    server = Server()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def server(module_server: Server) -> Server:
    module_server.paths.clear()
    module_server.routes.clear()
    # What a successful attack would fetch: served, so that a request would not even fail.
    for path in ("/secret", "/pe.dtd", "/evil.dtd", "/include.xml", "/evil.xsl", "/s.xsd"):
        module_server.routes[path] = body(b'<!ENTITY x "owned">')
    return module_server


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    # Only the CLI's own exit: an exception escaping it would be a traceback for the user.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def assert_refused(attack: Attack, code: int, out: str, err: str, source: str) -> None:
    assert code == 1, (out, err)
    assert "Traceback" not in out + err
    lines = err.splitlines()
    assert len(lines) == 1, err
    if attack.lint:
        assert out.startswith("error: xml.wellformed: "), out
        assert attack.refusal in out, out
    else:
        assert lines[0].startswith(f"radiocast: error: {source} "), err
        assert attack.refusal in lines[0], err
        assert " — " in lines[0], err  # and the hint: what to do about it


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.name)
def test_parse_feed_refuses(attack: Attack, server: Server, record_property: Callable[[str, object], None]) -> None:
    with pytest.raises(FeedInputError) as refused:
        parse_feed(attack.build(server.url), source="feed.xml")
    message = str(refused.value)
    assert message.startswith("feed.xml ")
    assert attack.refusal in message
    assert "\n" not in message
    assert isinstance(refused.value, MalformedFeedError) is attack.lint
    assert server.requested() == []
    record_property("attacks_refused", 1)


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.name)
def test_validate_path_refuses(
    attack: Attack, server: Server, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(attack.build(server.url))
    assert_refused(attack, *run("-C", str(tmp_path), "validate", str(feed)), source=str(feed))
    assert server.requested() == []
    record_property("attacks_refused", 1)


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.name)
def test_validate_url_refuses(
    attack: Attack, server: Server, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    server.routes["/feed.xml"] = body(attack.build(server.url))
    url = f"{server.url}/feed.xml"
    code, out, err = run("-C", str(tmp_path), "validate", url)
    if attack.name == "oversized feed":  # fetch_bytes refuses it first, from its Content-Length
        assert code == 1
        assert err == f"radiocast: error: GET {url} is over the 16.0 MB limit for a feed — is this URL really a feed?\n"
    else:
        assert_refused(attack, code, out, err, source=url)
    assert server.paths == ["/feed.xml"]
    record_property("attacks_refused", 1)


@pytest.mark.parametrize("case", INERT, ids=lambda c: c.name)
def test_inert_markup_parses_and_fetches_nothing(case: Inert, server: Server, tmp_path: Path) -> None:
    root = parse_feed(case.build(server.url), source="feed.xml")
    assert root.tag == "rss"
    assert all(isinstance(node.tag, str) for node in root.iter())  # no PI, comment or entity node
    feed = tmp_path / "feed.xml"
    feed.write_bytes(case.build(server.url))
    code, out, err = run("-C", str(tmp_path), "validate", str(feed))
    assert code == 1  # the minimal feed breaks many rules, nothing else
    assert "Traceback" not in out + err
    assert "channel.title" not in out
    assert root.findtext("channel/title") == "Kỳ 85"  # nothing included
    assert server.requested() == []


def test_comments_pis_and_cdata_in_elements_do_not_count_as_child_elements() -> None:
    feed = rss(
        "",
        "Kỳ 85<!-- sửa sau --><?pi x?>",
    ).replace(b"</title>", b"</title><description><!-- c --><?pi x?><![CDATA[<p>Lai Vung</p>]]></description>", 1)
    problems = validate_feed(feed)
    assert not [p for p in problems if "contains XML elements" in p.message], problems
    root = parse_feed(feed, source="feed.xml")
    assert root.findtext("channel/title") == "Kỳ 85"  # the comment's split is gone: one text node


def test_a_feed_exactly_at_the_cap_is_parsed() -> None:
    # Filled with items, as a big feed is: one 16 MiB run of white space or text would hit libxml2's
    # 10 MB limit for a single node, which stays on (see "huge text node").
    head = rss("", "x")
    item = f"<item><title>Kỳ 85</title><description>{'Lai Vung ' * 100}</description></item>".encode()
    count, rest = divmod(MAX_FEED_BYTES - len(head), len(item))
    feed = head.replace(b"</channel>", item * count + b" " * rest + b"</channel>", 1)
    assert len(feed) == MAX_FEED_BYTES
    root = parse_feed(feed, source="feed.xml")
    assert len(root.findall("channel/item")) == count
    with pytest.raises(FeedInputError, match=f"over {MAX_FEED_BYTES // MIB} MiB"):
        parse_feed(feed + b" ", source="feed.xml")


def test_vietnamese_and_character_references_survive() -> None:
    root = parse_feed(rss("<!DOCTYPE rss>", "Tho&#225;t ngh&#232;o &amp; Đổi mới"), source="feed.xml")
    assert root.findtext("channel/title") == "Thoát nghèo & Đổi mới"


# Peak memory is measured in a child process, as its own high-water mark (VmHWM): the child's
# ru_maxrss would not do, since Linux carries the forked pytest's RSS over into it across exec.
# The child's address space is capped too, so that a guard that is broken fails the test instead
# of taking the machine's memory.
PEAK_WRAPPER = """
import atexit, resource, runpy, sys
peak_file = sys.argv.pop(1)
cap, hard = int(sys.argv.pop(1)), resource.getrlimit(resource.RLIMIT_AS)[1]
resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
def report():
    with open("/proc/self/status") as status, open(peak_file, "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
atexit.register(report)
runpy.run_module("radiocast", run_name="__main__")
"""
ADDRESS_SPACE_CAP = 2048 * MIB
CHILD_TIMEOUT_S = 60


def peak_rss_mib(*args: str, cwd: Path) -> tuple[float, int]:
    """`radiocast -C cwd *args` in a child process: its peak RSS in MiB and its exit code."""
    peak_file = cwd / "peak-kib"
    proc = subprocess.run(
        [sys.executable, "-c", PEAK_WRAPPER, str(peak_file), str(ADDRESS_SPACE_CAP), "-C", str(cwd), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "LANGUAGE": "en"},
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    assert b"Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.count(b"\n") == 1, proc.stderr
    return int(peak_file.read_text()) / 1024, proc.returncode


@pytest.fixture(scope="module")
def baseline_mib(tmp_path_factory: pytest.TempPathFactory) -> float:
    root = tmp_path_factory.mktemp("baseline")
    (root / "good.xml").write_bytes(rss("<!DOCTYPE rss>"))
    return peak_rss_mib("validate", str(root / "good.xml"), cwd=root)[0]


# Generous bounds, far from what a failed guard takes: expanded, the amplification case holds 60 MB
# more; a read past the cap holds the whole 64 MiB. Noise in a child's VmHWM is a MiB or two. Classic
# billion laughs and quadratic blowup are not measured: libxml2 itself stops them (its amplification
# limit), so they could not make a memory test fail; their refusal is tested above.
EXPANSION_BOUND_MIB = 24
READ_BOUND_MIB = 3 * MAX_FEED_BYTES // MIB  # the bytes read (once, as fetched or from disk) and no tree
MEMORY_CASES = {  # attack → the most its peak RSS may grow over a good feed's, in MiB
    # The bytes, twice while a download is joined up, and no expansion.
    "quadratic blowup within libxml2's amplification limit": 2 * AMPLIFICATION_PADDING_MIB + EXPANSION_BOUND_MIB,
    "oversized feed": READ_BOUND_MIB,
}


@pytest.mark.parametrize("name", MEMORY_CASES)
def test_peak_memory_stays_bounded(
    name: str, baseline_mib: float, server: Server, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    attack = next(a for a in ATTACKS if a.name == name)
    data = attack.build(server.url)
    if name == "oversized feed":
        data += b" " * (3 * MAX_FEED_BYTES)  # a read that did not stop at the cap would show
    feed = tmp_path / "feed.xml"
    feed.write_bytes(data)
    server.routes["/feed.xml"] = body(data)
    for source in (str(feed), f"{server.url}/feed.xml"):
        peak, code = peak_rss_mib("validate", source, cwd=tmp_path)
        growth = peak - baseline_mib
        print(f"{name} via {source[:4]}: peak RSS {peak:.0f} MiB, {growth:+.1f} MiB over a good feed")
        assert code == 1
        assert growth < MEMORY_CASES[name], (source, growth)
    assert server.requested() == []
    record_property("attacks_refused", 2)


def test_dev_zero_as_a_path_is_read_only_up_to_the_cap(
    baseline_mib: float, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    # The child first: were the read unbounded, only its capped address space would fill up.
    started = time.monotonic()
    peak, code = peak_rss_mib("validate", "/dev/zero", cwd=tmp_path)
    print(f"/dev/zero: peak RSS {peak:.0f} MiB, {peak - baseline_mib:+.1f} MiB over a good feed")
    assert code == 1
    assert peak - baseline_mib < READ_BOUND_MIB
    assert time.monotonic() - started < 10
    code, out, err = run("-C", str(tmp_path), "validate", "/dev/zero")
    assert (code, out) == (1, "")
    assert err == (
        f"radiocast: error: /dev/zero is over {MAX_FEED_BYTES // MIB} MiB; radiocast reads feeds up to that size"
        " — is this really a podcast feed?\n"
    )
    record_property("attacks_refused", 1)


def test_never_ending_response_stops_at_the_cap(
    baseline_mib: float, server: Server, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    server.routes["/feed.xml"] = endless(b"x" * 65536, pause_s=0)
    url = f"{server.url}/feed.xml"
    started = time.monotonic()
    code, _, err = run("-C", str(tmp_path), "validate", url)
    assert code == 1
    assert err == f"radiocast: error: GET {url} is over the 16.0 MB limit for a feed — is this URL really a feed?\n"
    assert time.monotonic() - started < 10
    peak, code = peak_rss_mib("validate", url, cwd=tmp_path)
    print(f"never-ending response: peak RSS {peak:.0f} MiB, {peak - baseline_mib:+.1f} MiB over a good feed")
    assert code == 1
    assert peak - baseline_mib < READ_BOUND_MIB
    record_property("attacks_refused", 1)


def test_trickling_response_stops_at_the_deadline(
    server: Server, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    server.routes["/feed.xml"] = endless(b"x", pause_s=0.05)
    assert run("init", str(tmp_path / "ws"))[0] == 0
    config = tmp_path / "ws" / "podcast.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[fetch]\nfeed_deadline = 1\n", encoding="utf-8")
    url = f"{server.url}/feed.xml"
    started = time.monotonic()
    code, out, err = run("-C", str(tmp_path / "ws"), "validate", url)
    elapsed = time.monotonic() - started
    assert code == 1
    assert "Traceback" not in out + err
    assert err.startswith(f"radiocast: error: GET {url} did not finish within 1 s"), err
    assert err.count("\n") == 1, err
    assert elapsed < 5
    record_property("attacks_refused", 1)


def test_parse_feed_gives_elements_only() -> None:
    root = parse_feed(rss("<!-- c -->", "a<!-- b --><?c d?>e"), source="feed.xml")
    assert [type(node) for node in root.iter()] == [etree._Element] * 4
