"""Debian's nginx, started by a test on 127.0.0.1 with a config the test writes: a real web host.

The site block is the README's (Hosting): the same types, charset, gzip and private paths, so the
tests check the configuration stations are told to use. *extra* adds directives to the server
block, e.g. ``max_ranges 0;`` for a host Apple would refuse.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

NGINX = shutil.which("nginx", path="/usr/sbin:/usr/local/sbin:" + os.environ.get("PATH", ""))

needs_nginx = pytest.mark.skipif(NGINX is None, reason="needs Debian's nginx (apt install nginx)")

# The README's site configuration, with its alias pointing at the test's folder.
SITE = """\
types {{
    audio/mpeg mp3; application/xml xml xsl; text/html html; image/jpeg jpg; image/png png;
    text/vtt vtt; application/x-subrip srt; text/plain txt; application/json json; text/css css;
    text/javascript js; application/octet-stream pf_meta pf_index pf_fragment pagefind;
}}
server {{
    listen 127.0.0.1:{port};
    {extra}
    # Regex locations win over prefix ones: the private files are never served.
    location ~ ^/{prefix}/(\\.|podcast\\.toml|seeds/) {{ return 404; }}
    location ~ ^/{prefix}/(.+\\.chapters\\.json)$ {{
        alias {root}/$1;
        types {{ }} default_type application/json+chapters;
        add_header Access-Control-Allow-Origin * always;
    }}
    location /{prefix}/ {{
        alias {root}/;
        add_header Access-Control-Allow-Origin * always;
        charset utf-8;
        charset_types application/xml text/html text/plain text/vtt;
        gzip on;
        gzip_types application/xml text/html text/plain text/vtt text/javascript application/json;
    }}
}}
"""

MAIN = """\
daemon off;
worker_processes 1;
{user}
pid {state}/nginx.pid;
error_log {state}/error.log warn;
events {{ worker_connections 128; }}
http {{
    access_log off;
    client_body_temp_path {state}/body;
    proxy_temp_path {state}/proxy;
    fastcgi_temp_path {state}/fastcgi;
    uwsgi_temp_path {state}/uwsgi;
    scgi_temp_path {state}/scgi;
    {site}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def nginx(root: Path, state: Path, *, prefix: str = "laivung", extra: str = "") -> Iterator[str]:
    """Serve *root* at http://127.0.0.1:PORT/*prefix*/ until the block ends; yields that base URL."""
    assert NGINX is not None
    state.mkdir(parents=True, exist_ok=True)
    port = free_port()
    site = SITE.format(port=port, prefix=prefix, root=root.resolve(), extra=extra)
    # As root (CI), workers would run as nobody and could not read pytest's 0700 temporary folders.
    user = "user root;" if os.geteuid() == 0 else ""
    conf = state / "nginx.conf"
    conf.write_text(MAIN.format(user=user, state=state, site=site), encoding="utf-8")
    with (state / "stderr.log").open("wb") as stderr:
        process = subprocess.Popen([NGINX, "-p", str(state), "-c", str(conf)], stderr=stderr)
    try:
        _wait_listening(port, process, state)
        yield f"http://127.0.0.1:{port}/{prefix}/"
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_listening(port: int, process: subprocess.Popen[bytes], state: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            logs = [state / "stderr.log", state / "error.log"]
            text = "".join(log.read_text(errors="replace") for log in logs if log.exists())
            raise RuntimeError(f"nginx exited with {process.returncode}: {text}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("nginx did not start listening within 10 s")
