"""`check --online` against Debian's nginx: the README's configuration passes, a careless one fails on every count."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from station import Station
from test_check import ONE, TWO, publish_three

from nginx import free_port, needs_nginx, nginx
from radiocast.cli import cli
from radiocast.probe import check_online
from radiocast.validate import Severity

pytestmark = [pytest.mark.nginx, needs_nginx]


def online(root: Path, base_url: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-C", str(root), "check", "--online", "--base-url", base_url])
    return result.exit_code, result.stdout


def test_the_readmes_nginx_configuration_passes(station: Station, tmp_path: Path) -> None:
    publish_three(station)
    with nginx(station.root, tmp_path / "nginx") as url:
        assert check_online(station.root, base_url=url) == []
        assert online(station.root, url) == (0, "")


def test_a_host_without_ranges_and_with_a_redirect_fails_naming_both(station: Station, tmp_path: Path) -> None:
    publish_three(station)
    # Ranges off for every file, and one episode moved behind a redirect.
    extra = f"max_ranges 0;\n    location = /laivung/{TWO} {{ return 302 /laivung/moved.mp3; }}"
    with nginx(station.root, tmp_path / "nginx", extra=extra) as url:
        findings = check_online(station.root, base_url=url)
        found = {(f.where, f.rule) for f in findings if f.severity is Severity.ERROR}
        assert (url + ONE, "http.range") in found
        assert (url + TWO, "http.redirect") in found
        redirect = next(f for f in findings if f.rule == "http.redirect")
        assert "/laivung/moved.mp3" in redirect.message
        code, out = online(station.root, url)
    assert code == 1
    assert "[http.range]" in out
    assert "[http.redirect]" in out


def test_wrong_types_and_no_validators_are_named(station: Station, tmp_path: Path) -> None:
    publish_three(station)
    # Everything as octet-stream, and no ETag/Last-Modified for the feed.
    extra = 'types { } default_type application/octet-stream;\n    etag off;\n    add_header Last-Modified "";'
    with nginx(station.root, tmp_path / "nginx", extra=extra) as url:
        findings = check_online(station.root, base_url=url)
    rules = {(f.where.removeprefix(url), f.rule) for f in findings if f.severity is Severity.ERROR}
    assert (ONE, "http.content_type") in rules
    assert ("feeds/podcast.xml", "http.content_type") in rules


def test_a_host_that_is_down_is_one_finding_per_url_not_a_crash(station: Station) -> None:
    publish_three(station)
    url = f"http://127.0.0.1:{free_port()}/laivung/"
    findings = check_online(station.root, base_url=url)
    assert findings
    assert {f.rule for f in findings} == {"http.unreachable"}
    assert all(f.where.startswith(url) for f in findings)
