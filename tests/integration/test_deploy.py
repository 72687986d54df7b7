"""`radiocast deploy` to a folder served by nginx, to S3 (moto's server) and with rsync, read back."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3
import pytest
import requests
from click.testing import CliRunner
from moto.server import ThreadedMotoServer
from station import Station
from test_check import ONE, publish_three
from test_notify import add_episode

from nginx import free_port, needs_nginx, nginx
from radiocast import pipeline
from radiocast.cli import cli
from radiocast.deploy import LONG, SHORT, deploy, published_files
from radiocast.errors import ConfigError, DeployError
from radiocast.probe import check_online
from radiocast.search import SEARCH_ENTRY
from radiocast.workspace import Workspace

FEED = "feeds/podcast.xml"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def published(station: Station) -> dict[str, bytes]:
    names = published_files(Workspace(station.root), Path("audio/cover.jpg"))
    return {name: (station.root / name).read_bytes() for name in names}


@pytest.fixture
def site(station: Station) -> Station:
    publish_three(station)
    return station


def test_a_folder_gets_every_published_file_and_nothing_private(site: Station, tmp_path: Path) -> None:
    www = tmp_path / "www"
    www.mkdir()
    order: list[str] = []
    report = deploy(site.root, www.as_uri() + "/", progress=order.append)
    assert tree(www) == published(site)
    assert not any(name.startswith(("seeds", ".radiocast", "podcast.toml", "recordings")) for name in tree(www))
    assert order[-1] == FEED
    assert order.index(ONE) < order.index("feeds/index.html")
    # The search index's entry names its other files: they are there before it is.
    index = [name for name in order if name.startswith("feeds/pagefind/") and name != SEARCH_ENTRY]
    assert index
    assert max(map(order.index, index)) < order.index(SEARCH_ENTRY) < order.index(FEED)
    assert report.unchanged == 0

    again = deploy(site.root, www.as_uri() + "/")
    assert (again.uploaded, again.unchanged) == ((), len(order))

    add_episode(site, "ba", "Kỳ 88: Trợ cấp xã hội ở xã Long Hậu", "25/02/2022 08:00:00")
    pipeline.publish(site.root)
    dry = deploy(site.root, www.as_uri() + "/", dry_run=True)
    assert dry.uploaded
    assert tree(www) != published(site)  # a dry run changes nothing
    third = deploy(site.root, www.as_uri() + "/")
    assert third.uploaded == dry.uploaded
    assert third.uploaded[-1] == FEED
    assert "audio/ky-88-tro-cap-xa-hoi-o-xa-long-hau.mp3" in third.uploaded
    assert ONE not in third.uploaded
    assert SEARCH_ENTRY in third.uploaded
    assert tree(www) == published(site)  # the old index's files are gone, without --delete


def test_delete_only_when_asked_and_only_what_radiocast_published(site: Station, tmp_path: Path) -> None:
    www = tmp_path / "www"
    www.mkdir()
    (www / "index.html").write_text("the station's own home page", encoding="utf-8")
    deploy(site.root, www.as_uri())
    (www / "audio" / "old.mp3").write_bytes(b"retired")
    assert deploy(site.root, www.as_uri()).deleted == ()
    assert (www / "audio" / "old.mp3").is_file()
    report = deploy(site.root, www.as_uri(), delete=True)
    assert report.deleted == ("audio/old.mp3",)
    assert not (www / "audio" / "old.mp3").exists()
    assert (www / "index.html").is_file()


@needs_nginx
@pytest.mark.nginx
def test_deployed_to_nginx_the_online_check_passes(site: Station, tmp_path: Path) -> None:
    www = tmp_path / "www"
    www.mkdir()
    with nginx(www, tmp_path / "nginx") as url:
        result = CliRunner().invoke(cli, ["-C", str(site.root), "deploy", www.as_uri(), "--base-url", url])
        assert result.exit_code == 0, result.output
        assert check_online(site.root, base_url=url) == []
    # The server is gone: the upload succeeds, the check after it fails the command.
    result = CliRunner().invoke(cli, ["-C", str(site.root), "deploy", www.as_uri(), "--base-url", url])
    assert result.exit_code == 1
    assert "[http.unreachable]" in result.stdout


def test_rsync_to_a_folder(site: Station, tmp_path: Path) -> None:
    if shutil.which("rsync") is None:
        pytest.skip("needs rsync (apt install rsync)")
    copy = tmp_path / "copy"
    report = deploy(site.root, f"rsync:{copy}/")
    assert tree(copy) == published(site)
    assert report.uploaded[-1] == FEED
    assert deploy(site.root, f"rsync:{copy}/").uploaded == ()
    (copy / "audio" / "old.mp3").write_bytes(b"retired")
    assert deploy(site.root, f"rsync:{copy}/", delete=True).deleted == ("audio/old.mp3",)
    assert tree(copy) == published(site)


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's standalone S3 emulator on 127.0.0.1, with the AWS environment pointing at it."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for key, value in {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    # The emulator keeps its buckets in the process, across servers: start each test empty.
    requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()
    client = boto3.client("s3")
    client.create_bucket(Bucket="dai-lai-vung", CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
    client.close()
    yield endpoint
    server.stop()


def test_s3_objects_carry_their_type_and_cache_control(site: Station, s3: str) -> None:
    report = deploy(site.root, "s3://dai-lai-vung/laivung/")
    assert report.uploaded[-1] == FEED
    client = boto3.client("s3")
    try:
        keys = {o["Key"] for o in client.list_objects_v2(Bucket="dai-lai-vung")["Contents"]}
        assert keys == {f"laivung/{name}" for name in published(site)}
        feed = client.get_object(Bucket="dai-lai-vung", Key=f"laivung/{FEED}")
        assert feed["ContentType"] == "application/xml; charset=utf-8"
        assert feed["CacheControl"] == SHORT
        assert feed["Body"].read() == (site.root / FEED).read_bytes()
        audio = client.head_object(Bucket="dai-lai-vung", Key=f"laivung/{ONE}")
        assert (audio["ContentType"], audio["CacheControl"]) == ("audio/mpeg", LONG)
        assert audio["ContentLength"] == (site.root / ONE).stat().st_size
    finally:
        client.close()
    again = deploy(site.root, "s3://dai-lai-vung/laivung/")
    assert (again.uploaded, again.unchanged) == ((), len(report.uploaded))


def test_s3_problems_are_one_line_with_a_fix(site: Station, s3: str) -> None:
    with pytest.raises(DeployError) as caught:
        deploy(site.root, "s3://no-such-bucket/podcast/")
    assert "no-such-bucket" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert caught.value.hint


@pytest.mark.parametrize("target", ["ftp://example.vn/podcast/", "file://host/var/www/", "podcast"])
def test_an_unknown_target_is_a_usage_error(site: Station, target: str) -> None:
    with pytest.raises(ConfigError):
        deploy(site.root, target)


def test_nothing_published_is_refused(station: Station, tmp_path: Path) -> None:
    with pytest.raises(DeployError, match="publish"):
        deploy(station.root, tmp_path.as_uri())


def test_a_scheduled_episode_is_not_sent_before_its_time(site: Station, tmp_path: Path) -> None:
    air = datetime(2030, 1, 5, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    add_episode(site, "ba", "Kỳ 99: Lịch tiếp công dân năm 2030", "05/01/2030 08:00:00")
    pipeline.publish(site.root, now=air - timedelta(days=1))
    held = "ky-99-lich-tiep-cong-dan-nam-2030"
    assert (site.root / "audio" / f"{held}.mp3").is_file()
    www = tmp_path / "www"
    www.mkdir()
    deploy(site.root, www.as_uri())
    assert not [name for name in tree(www) if held in name]
    pipeline.publish(site.root, now=air)
    assert f"audio/{held}.mp3" in deploy(site.root, www.as_uri()).uploaded
    assert tree(www) == published(site)


def test_a_changed_file_of_the_same_size_is_found_on_either_side(site: Station, tmp_path: Path) -> None:
    # Sizes alone would miss these: the recorded MD5 is trusted only while size and mtime match.
    www = tmp_path / "www"
    www.mkdir()
    deploy(site.root, www.as_uri())
    page = site.root / "feeds" / "index.html"
    data = page.read_bytes()
    edited = data.replace(b"</html>", b"</HTML>")
    assert edited != data
    page.write_bytes(edited)
    assert deploy(site.root, www.as_uri()).uploaded == ("feeds/index.html",)
    assert (www / "feeds" / "index.html").read_bytes() == edited

    served = www / ONE
    audio = served.read_bytes()
    served.write_bytes(audio[:-1] + bytes([audio[-1] ^ 0xFF]))
    assert deploy(site.root, www.as_uri()).uploaded == (ONE,)
    assert served.read_bytes() == audio
    assert deploy(site.root, www.as_uri()).uploaded == ()
