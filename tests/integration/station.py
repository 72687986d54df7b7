"""A workspace plus the newspaper's audio server: what the integration tests publish from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pytest_httpserver import HTTPServer

SEED = """\
{title}

Cập nhật ngày: {date}

{url}

ĐTO - {lead}

Ảnh minh họa cho bài viết (Ảnh: CTV)

{body}

NGỌC TÂM

< Trở về trang trước
Gửi bình luận của bạn
"""


MakeMp3 = Callable[..., Path]


@dataclass
class Station:
    """A workspace plus the newspaper's audio server."""

    root: Path
    server: HTTPServer
    mp3_factory: MakeMp3

    def url(self, name: str) -> str:
        return self.server.url_for(f"/audio/{name}")

    def serve_mp3(self, name: str, **mp3: object) -> bytes:
        data = self.mp3_factory(**mp3).read_bytes()
        self.server.expect_request(f"/audio/{name}").respond_with_data(data, content_type="audio/mpeg")
        return data

    def seed(
        self,
        name: str,
        *,
        title: str,
        url: str,
        date: str = "19/12/2021 06:08:40",
        lead: str = "Thời gian qua, lề lối làm việc của cấp ủy được đổi mới.",
        body: str = "Công tác cải cách hành chính được đẩy mạnh theo cơ chế “một cửa”.",
    ) -> Path:
        path = self.root / "seeds" / name
        path.write_text(
            SEED.format(title=title, date=date, url=url, lead=lead, body=body),
            encoding="utf-8",
        )
        return path

    def requests_for(self, name: str) -> int:
        return sum(1 for request, _ in self.server.log if request.path == f"/audio/{name}")
