"""Ctrl-C in the middle of a download: exit 130, nothing half-made published, the next run resumes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from pytest_httpserver import HTTPServer
from station import Station
from werkzeug import Request, Response

CHUNK = 256 * 1024
MIB = 1024 * 1024


def test_interrupted_publish_resumes_with_a_range_request(station: Station, httpserver: HTTPServer) -> None:
    data = station.mp3_factory(seconds=110.0, bitrate="320k").read_bytes()  # > 4 MiB
    ranges: list[str] = []

    def handler(request: Request) -> Response:
        # The fetcher asks "Range: bytes=0-" from the start, so every answer drips (the run is killed mid-body).
        asked = request.headers.get("Range")
        start = int(asked.removeprefix("bytes=").split("-")[0]) if asked else 0
        if asked:
            ranges.append(asked)

        def drip():  # type: ignore[no-untyped-def]
            for i in range(start, len(data), CHUNK):
                time.sleep(0.2)
                yield data[i : i + CHUNK]

        headers = {"Content-Length": str(len(data) - start), "ETag": '"v1"', "Accept-Ranges": "bytes"}
        if asked:
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        return Response(
            drip(), status=206 if asked else 200, content_type="audio/mpeg", headers=headers, direct_passthrough=True
        )

    httpserver.expect_request("/audio/long.mp3").respond_with_handler(handler)
    station.seed("a.txt", title="Bài dài", url=station.url("long.mp3"))
    command = [sys.executable, "-m", "radiocast", "-C", str(station.root), "publish"]

    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    part = station.root / ".radiocast" / "partial" / "bai-dai.source.mp3.part"
    deadline = time.monotonic() + 20
    while not (part.exists() and part.stat().st_size >= MIB) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)

    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert not list((station.root / "audio").glob("*.mp3"))  # nothing half-made is published
    kept = part.stat().st_size
    assert 0 < kept < len(data)

    again = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    assert again.returncode == 0, again.stderr
    resumed = [r for r in ranges if r != "bytes=0-"]
    assert resumed == [f"bytes={kept}-"], "the second run should have resumed where the first one stopped"
    assert (station.root / "audio" / "bai-dai.mp3").is_file()
