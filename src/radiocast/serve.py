"""Preview server: the workspace over HTTP the way a podcast host should serve it.

Byte ranges, conditional GET, HEAD and ETags are werkzeug's (send_file with conditional=True);
this module decides what may be served, with which headers.
"""

from __future__ import annotations

import gzip
import logging
import mimetypes
import os
import socket
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.security import safe_join
from werkzeug.serving import (
    BaseWSGIServer,
    WSGIRequestHandler,
    make_server,
    select_address_family,
)
from werkzeug.utils import redirect, send_file
from werkzeug.wrappers import Request, Response

from radiocast.chapters import CHAPTERS_MIME
from radiocast.errors import ConfigError
from radiocast.i18n import _
from radiocast.workspace import FEED_PATH, INDEX_PAGE

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    ".mp3": "audio/mpeg",
    # Browsers apply an <?xml-stylesheet?> only to XML types; podcast apps accept application/xml.
    ".xml": "application/xml; charset=utf-8",
    ".xsl": "application/xml; charset=utf-8",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".json": "application/json",
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".m4a": "audio/mp4",
    ".wav": "audio/wav",
    # The search index (feeds/pagefind/): chunks Pagefind compressed itself, which its script inflates.
    ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pagefind": "application/octet-stream",
}
# Text is worth compressing; media never is, and a Range must count the file's own bytes.
COMPRESSIBLE = frozenset({".xml", ".xsl", ".html", ".json", ".vtt", ".srt", ".txt", ".css", ".js", ".svg"})
PRIVATE_NAMES = frozenset({"podcast.toml"})
METHODS = ("GET", "HEAD", "OPTIONS")


def content_type(name: str) -> str:
    """The Content-Type the preview (and an uploader) should give a published file."""
    lower = name.lower()
    if lower.endswith(".chapters.json"):
        return CHAPTERS_MIME
    suffix = PurePosixPath(lower).suffix
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(lower)
    return guessed or "application/octet-stream"


def make_app(root: Path) -> WSGIApplication:
    """A WSGI app serving the workspace *root*: public files only, 404 for anything else."""
    return _Preview(root)


def serve(
    root: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    ready: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Serve *root* until Ctrl-C (or until *stop* is set); call *ready(url)* once listening.

    Port 0 picks a free port; *ready* gets the real one.
    """
    if not root.is_dir():
        raise ConfigError(_("{root}: not a directory").format(root=root), hint=_("pass -C WORKSPACE"))
    # Bind here, not in make_server: werkzeug prints and sys.exit()s when the port is taken.
    try:
        listener = socket.create_server((host, port), family=select_address_family(host, port))
    except OSError as e:
        raise ConfigError(
            _("cannot listen on {host}:{port}: {error}").format(host=host, port=port, error=e.strerror or e),
            hint=_("pick another --port (or --port 0 for any free one), or stop the program using it"),
        ) from e
    with listener:
        server = make_server(
            host,
            port,
            make_app(root),
            threaded=True,
            request_handler=_QuietHandler,
            fd=listener.fileno(),
        )
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{server.port}/"
    if not (root / FEED_PATH).is_file():
        log.warning(_("%s has no feeds/podcast.xml yet: run `radiocast publish`"), root)
    log.info(_("serving %s at %s"), root, url)
    if stop is not None:
        threading.Thread(
            target=_stop_when_set,
            args=(stop, server),
            daemon=True,
            name="radiocast-serve-stop",
        ).start()
    try:
        if ready is not None:
            ready(url)
        # werkzeug's serve_forever returns on KeyboardInterrupt (and closes the socket itself).
        server.serve_forever()
    finally:
        server.server_close()


def _stop_when_set(stop: threading.Event, server: BaseWSGIServer) -> None:
    stop.wait()
    server.shutdown()


class _Preview:
    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.realpath(root))

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self.respond(request)
        except HTTPException as e:
            response = e.get_response(environ)
        # The HTTP server writes its own Date; werkzeug's conditional responses would repeat it.
        response.headers.pop("Date", None)
        return response(environ, start_response)

    def respond(self, request: Request) -> Response:
        if request.method not in METHODS:
            raise MethodNotAllowed(valid_methods=METHODS)
        if request.path == "/":
            index = self.root / INDEX_PAGE
            return redirect(
                "/feeds/index.html" if index.is_file() else "/feeds/podcast.xml",
                code=302,
            )
        file, public = self.resolve(request.path)
        if request.method == "OPTIONS":
            response = Response(status=204, headers={"Allow": ", ".join(METHODS)})
        else:
            response = self.send(request, file)
        response.headers["X-Content-Type-Options"] = "nosniff"
        if public.parts[0] == "feeds":
            # Web players fetch transcripts, chapters and the feed itself from other origins.
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Allow-Headers"] = "Range, If-None-Match, If-Modified-Since"
            response.headers["Access-Control-Expose-Headers"] = "Content-Length, Content-Range, Accept-Ranges, ETag"
        return response

    def resolve(self, url_path: str) -> tuple[Path, PurePosixPath]:
        """The real file behind *url_path* and its public path; NotFound for anything not public."""
        # Strip one slash only: "//etc/passwd" stays absolute and safe_join refuses it.
        joined = safe_join(str(self.root), url_path.removeprefix("/")) if "\x00" not in url_path else None
        if joined is None:
            raise NotFound()
        public = PurePosixPath(joined).relative_to(self.root.as_posix())
        real = Path(os.path.realpath(joined))
        try:
            inside = real.relative_to(self.root)
        except ValueError:
            raise NotFound() from None  # a symlink pointing out of the workspace
        # Both names count: ".radiocast/x" via a public symlink, or a public file via a hidden one.
        # os.path.isfile, not Path.is_file (which raises ENAMETOOLONG): a name too long for the disk is a 404.
        is_file = os.path.isfile(real)  # noqa: PTH113
        if not public.parts or _private(public.parts) or _private(inside.parts) or not is_file:
            raise NotFound()
        return real, public

    def send(self, request: Request, file: Path) -> Response:
        kind = content_type(file.name)
        compressible = file.suffix.lower() in COMPRESSIBLE
        if compressible and request.range is None and request.accept_encodings["gzip"] > 0:
            response = _send_gzip(request, file, kind)
        else:
            stat = file.stat()
            response = send_file(
                file,
                request.environ,
                mimetype=kind,
                conditional=True,
                etag=_etag(stat),
                max_age=None,
            )
        # Set verbatim: werkzeug would append a second charset to text types.
        response.headers["Content-Type"] = kind
        # A re-tagged MP3 or a rebuilt feed keeps its URL: always revalidate (the ETag makes that cheap).
        response.cache_control.no_cache = True
        if compressible:
            response.vary.add("Accept-Encoding")
        return response


def _send_gzip(request: Request, file: Path, kind: str) -> Response:
    with file.open("rb") as f:
        stat = os.fstat(f.fileno())
        raw = f.read()
    # mtime=0: the same file gives the same bytes, so the ETag stays honest.
    response = Response(gzip.compress(raw, compresslevel=6, mtime=0), content_type=kind)
    response.content_encoding = "gzip"
    # A different representation needs a different strong ETag (RFC 9110 §8.8.3).
    response.set_etag(_etag(stat) + "-gzip")
    response.last_modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
    return response.make_conditional(request.environ)


def _etag(stat: os.stat_result) -> str:
    # The inode changes on an atomic replace, the mtime on an in-place re-tag.
    return f"{stat.st_ino:x}-{stat.st_mtime_ns:x}-{stat.st_size:x}"


def _private(parts: Iterable[str]) -> bool:
    return any(part.startswith(".") or part.lower() in PRIVATE_NAMES for part in parts)


class _QuietHandler(WSGIRequestHandler):
    """Request lines go to logging at DEBUG, not to stderr in colour."""

    # Seconds a client may stall (sending its request or reading the answer) before its connection is
    # dropped: without it every stalled socket holds a thread and a file descriptor for good.
    timeout = 30

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug('%s "%s" %s %s', self.address_string(), self.requestline, code, size)

    def log_error(self, format: str, *args: Any) -> None:
        # http.server reports client trouble here (bad request lines, timeouts), not server bugs.
        log.debug("%s " + format, self.address_string(), *args)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def connection_dropped(self, error: BaseException, environ: WSGIEnvironment | None = None) -> None:
        # A player that seeks or stops closes its connection mid-file: normal, not an error.
        log.debug("%s closed the connection: %s", self.address_string(), error)
