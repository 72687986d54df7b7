"""Fixtures for whole publish runs: a fresh workspace and a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from station import MakeMp3, Station

from radiocast.scaffold import create_workspace
from radiocast.serve import serve


@pytest.fixture
def station(tmp_path: Path, httpserver: HTTPServer, mp3_factory: MakeMp3) -> Station:
    root = tmp_path / "ws"
    create_workspace(
        root,
        title="Chính quyền đối thoại với Nhân dân qua sóng phát thanh",
        base_url="https://radio.example.vn/laivung/",
        author="Đài Truyền thanh huyện Lai Vung",
        email="podcast@example.vn",
    )
    return Station(root=root, server=httpserver, mp3_factory=mp3_factory)


@pytest.fixture
def snapshot() -> Callable[[Path], dict[str, bytes]]:
    """Every file under a folder (relative path → bytes), to prove a run changed nothing."""
    return lambda root: {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def served(station: Station) -> Iterator[str]:
    """radiocast serve on the station's workspace, on a free port of 127.0.0.1."""
    urls: list[str] = []
    ready, stop = threading.Event(), threading.Event()

    def on_ready(url: str) -> None:
        urls.append(url)
        ready.set()

    thread = threading.Thread(
        target=serve, args=(station.root,), kwargs={"port": 0, "ready": on_ready, "stop": stop}, daemon=True
    )
    thread.start()
    assert ready.wait(10), "radiocast serve did not start"
    yield urls[0]
    stop.set()
    thread.join(10)
