"""The command line in the station's language: every message translated, chosen without setlocale."""

from __future__ import annotations

import gettext
import os
import re
import string
import subprocess
import sys
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from click.testing import CliRunner

import radiocast
from radiocast import i18n, produce
from radiocast.cli import cli
from radiocast.config import with_base_url
from radiocast.errors import ConfigError
from radiocast.models import Chapter, Kind, PodcastConfig
from radiocast.produce import Source

PACKAGE = Path(radiocast.__file__).parent
LOCALE = PACKAGE / "locale"
VI_PO = LOCALE / "vi" / "LC_MESSAGES" / "radiocast.po"
POT = LOCALE / "radiocast.pot"
REEXTRACT = (
    "re-extract with `python -m babel.messages.frontend extract` (see radiocast/i18n.py), "
    "update vi.po with `python -m babel.messages.frontend update` and translate"
)
VI = {"LANG": "vi_VN.UTF-8"}
_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def placeholders(text: str) -> tuple[frozenset[tuple[str, str | None, str]], tuple[str, ...]]:
    """The str.format fields (name, conversion, spec) and the %-conversions in order (order matters for %s)."""
    fields = frozenset(
        (name, conversion, spec) for _text, name, spec, conversion in string.Formatter().parse(text) if name is not None
    )
    return fields, tuple(_PERCENT.findall(text))


def source_messages() -> dict[str | tuple[str, str], list[str]]:
    """Every message radiocast's own source marks for translation, with where it is."""
    found: dict[str | tuple[str, str], list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=DEFAULT_KEYWORDS
    ):
        key = message if isinstance(message, str) else (message[0], message[1])
        found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


def translation_problem(message: Message | None) -> str | None:
    if message is None:
        return "missing from vi.po"
    if message.fuzzy:
        return "fuzzy (a guess nobody checked)"
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    if not all(forms):
        return "not translated"
    # Vietnamese has one plural form: it serves every count, so it needs the plural's placeholders.
    english = message.id[1] if isinstance(message.id, tuple) else message.id
    want = placeholders(english)
    for form in forms:
        if placeholders(form) != want:
            return f"placeholders differ: {form!r}"
    return None


def test_every_message_in_the_source_has_a_vietnamese_translation() -> None:
    catalog = read_catalog(VI_PO)
    messages = source_messages()
    assert len(messages) > 300  # the extraction really ran over the package
    problems = [
        f"{where[0]}: {msgid!r}: {problem}"
        for msgid, where in messages.items()
        if (problem := translation_problem(catalog.get(msgid))) is not None
    ]
    assert not problems, f"{len(problems)} messages; {REEXTRACT}:\n" + "\n".join(problems)


def test_every_message_of_the_template_is_translated_including_clicks() -> None:
    catalog = read_catalog(VI_PO)
    template = [m for m in read_catalog(POT) if m.id]
    assert any("click" in location for m in template for location, _line in m.locations), "Click's messages"
    problems = [f"{m.id!r}: {problem}" for m in template if (problem := translation_problem(catalog.get(m.id)))]
    assert not problems, "\n".join(problems)
    stale = set(source_messages()) - {m.id for m in template}
    assert not stale, f"not in radiocast.pot; {REEXTRACT}: {sorted(map(str, stale))}"


def test_a_wrong_placeholder_is_caught() -> None:
    """The check above can fail: a translation that renames or drops a field is reported."""
    assert translation_problem(Message("{seed}: no date", "{tep}: không có ngày")) is not None
    assert translation_problem(Message("%s: %d ms", "%d ms: %s")) is not None
    assert translation_problem(Message("{seed}: no date", "")) is not None
    assert translation_problem(Message("{seed}: no date", "{seed}: không có ngày", flags=["fuzzy"])) is not None
    assert translation_problem(Message("{seed}: no date", "{seed}: không có ngày")) is None


def test_the_compiled_catalog_is_installed_with_the_package() -> None:
    mo = files("radiocast") / "locale" / "vi" / "LC_MESSAGES" / "radiocast.mo"
    assert mo.is_file(), "build the package (pip install -e .) so setup.py compiles the .po"
    with mo.open("rb") as f:
        catalog = gettext.GNUTranslations(f)
    assert catalog.gettext("{seed}: no date") == "{seed}: không có ngày"
    assert catalog.gettext("Usage:") == "Cách dùng:"
    stale = [
        m.id
        for m in read_catalog(VI_PO)
        if isinstance(m.id, str) and m.id and not m.fuzzy and catalog.gettext(m.id) != m.string
    ]
    assert not stale, f"radiocast.mo is older than vi.po: reinstall (pip install -e .) to compile it; {stale[:5]}"


def run_module(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    return subprocess.run(
        [sys.executable, "-m", "radiocast", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**clean, **env},
        check=False,
    )


def test_help_is_vietnamese_under_a_vietnamese_lang_without_the_locale_installed() -> None:
    # Most servers (this one too) have no vi_VN locale: setlocale would fail, gettext alone must not.
    proc = run_module("--help", env=VI)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Cách dùng: radiocast [OPTIONS] COMMAND [ARGS]...")
    for text in ("Tùy chọn:", "Lệnh:", "Hiện hướng dẫn này rồi thoát.", "Mã thoát:", "Phát hành các bài viết"):
        assert text in proc.stdout
    for english in ("Usage:", "Options:", "Show this message", "Exit codes:", "Publish a radio"):
        assert english not in proc.stdout
    assert proc.stderr == ""


def test_an_error_under_a_vietnamese_lang_is_in_vietnamese(tmp_path: Path) -> None:
    proc = run_module("-C", str(tmp_path), "status", env=VI)
    assert proc.returncode == 2
    assert proc.stdout == ""
    line, rest = proc.stderr.split("\n", 1)
    assert rest == ""
    # The prefix is the contract's (scripts grep for it); what follows is the station's language.
    assert line == (
        f"radiocast: error: {tmp_path / 'podcast.toml'}: không tìm thấy"
        " — chạy `radiocast init` hoặc thêm -C THƯ_MỤC_LÀM_VIỆC"
    )


@pytest.mark.parametrize("command", ["init", "publish", "status", "validate", "serve"])
def test_every_command_help_is_vietnamese(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"], env=VI)
    assert result.exit_code == 0
    assert "Ví dụ:" in result.stdout
    assert "Example:" not in result.stdout
    assert "Tùy chọn:" in result.stdout


def test_lang_option_overrides_the_environment(tmp_path: Path) -> None:
    runner = CliRunner()
    vi = runner.invoke(cli, ["--lang", "vi", "-C", str(tmp_path), "status"], env={"LANG": "en_US.UTF-8"})
    assert vi.exit_code == 2
    assert "không tìm thấy" in vi.stderr
    en = runner.invoke(cli, ["--lang=en", "-C", str(tmp_path), "status"], env={"LANGUAGE": "vi", **VI})
    assert en.exit_code == 2
    assert en.stderr.startswith("radiocast: error: ")
    assert ": not found — run `radiocast init`" in en.stderr


def test_lang_option_overrides_the_environment_in_a_real_process() -> None:
    assert "Cách dùng:" in run_module("--lang", "vi", "--help", env={"LANG": "en_US.UTF-8"}).stdout
    assert run_module("--lang", "en", "--help", env=VI).stdout.startswith("Usage: radiocast")


def test_clicks_usage_errors_are_translated() -> None:
    result = CliRunner().invoke(cli, ["publish", "--jobs", "99"], env=VI, prog_name="radiocast")
    assert result.exit_code == 2
    assert "Cách dùng: radiocast publish [OPTIONS] [SEEDS]..." in result.stderr
    assert "Chạy 'radiocast publish --help' để xem hướng dẫn." in result.stderr
    assert "Lỗi: Giá trị không hợp lệ cho '--jobs' / '-j': 99 không nằm trong khoảng 1<=x<=32." in result.stderr
    unknown = CliRunner().invoke(cli, ["--lang", "vi", "statuss"])
    assert "Lỗi: Không có lệnh 'statuss'." in unknown.stderr
    assert (
        CliRunner().invoke(cli, ["--lang", "vi", "--version"]).stdout
        == f"radiocast, phiên bản {radiocast.__version__}\n"
    )


def test_results_are_vietnamese_too(tmp_path: Path) -> None:
    runner = CliRunner()
    root = tmp_path / "ws"
    init = runner.invoke(cli, ["--lang", "vi", "init", str(root)])
    assert init.exit_code == 0, init.stderr
    assert init.stdout.startswith(f"Đã tạo thư mục làm việc {root}: sửa podcast.toml")
    published = runner.invoke(cli, ["--lang", "vi", "-C", str(root), "publish"])
    assert published.exit_code == 0, published.stderr
    assert published.stdout.startswith("0 đã phát hành, 0 đọc bằng giọng máy, 0 gắn lại thẻ, 0 không đổi, 0 lỗi; 0 tập")
    (root / "seeds" / "hỏng.txt").write_text("chỉ có tiêu đề\n", encoding="utf-8")
    failed = runner.invoke(cli, ["--lang", "vi", "-C", str(root), "publish"])
    assert failed.exit_code == 1
    assert failed.stderr == (
        'radiocast: error: seeds/hỏng.txt: không có ngày — thêm dòng "Cập nhật ngày: DD/MM/YYYY HH:MM:SS" sau tiêu đề\n'
    )
    status = runner.invoke(cli, ["--lang", "vi", "-C", str(root), "status"])
    assert "trạng thái" in status.stdout
    assert "lỗi gần nhất" in status.stdout
    bad = tmp_path / "bad.xml"
    bad.write_text("<rss><channel><title>x</title></channel></rss>", encoding="utf-8")
    checked = runner.invoke(cli, ["--lang", "vi", "-C", str(root), "validate", str(bad)])
    assert checked.exit_code == 1
    lines = checked.stdout.splitlines()
    assert all(line.startswith(("lỗi: ", "cảnh báo: ")) for line in lines)
    assert any(line.startswith("lỗi: rss.version: ") for line in lines)
    assert checked.stderr.endswith(" cảnh báo\n")


def test_the_language_is_put_back_after_a_command(tmp_path: Path) -> None:
    """Library callers (and the next test) see English once the command is done."""
    environment = dict(os.environ)
    CliRunner().invoke(cli, ["--lang", "vi", "-C", str(tmp_path), "status"])
    assert dict(os.environ) == environment
    with pytest.raises(ConfigError, match="must be an http"):
        with_base_url(_config(), "ftp://example.vn")
    with i18n.language("vi"), pytest.raises(ConfigError, match="phải là URL http"):
        with_base_url(_config(), "ftp://example.vn")


def _config() -> PodcastConfig:
    return PodcastConfig(
        title="t",
        description="d",
        author="a",
        owner_name="o",
        owner_email="o@example.vn",
        base_url="https://example.vn/",
        image=Path("audio/cover.jpg"),
        categories=(),
    )


@pytest.mark.parametrize(
    ("argv", "environ", "expected"),
    [
        ([], {}, "en"),
        ([], {"LANG": "vi_VN.UTF-8"}, "vi"),
        ([], {"LANG": "vi_VN"}, "vi"),
        ([], {"LANG": "vi"}, "vi"),
        ([], {"LANG": "en_US.UTF-8"}, "en"),
        ([], {"LANG": "fr_FR.UTF-8"}, "en"),
        ([], {"LANG": "C"}, "en"),
        ([], {"LANG": "C.UTF-8"}, "en"),
        ([], {"LANG": "POSIX"}, "en"),
        ([], {"LANG": ""}, "en"),
        ([], {"LC_MESSAGES": "vi_VN.UTF-8", "LANG": "en_US.UTF-8"}, "vi"),
        ([], {"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "vi_VN.UTF-8"}, "en"),
        ([], {"LC_ALL": "vi_VN.UTF-8", "LANG": "en_US.UTF-8"}, "vi"),
        ([], {"LC_ALL": "C", "LANG": "vi_VN.UTF-8"}, "en"),
        ([], {"LC_ALL": "", "LANG": "vi_VN.UTF-8"}, "vi"),
        ([], {"LANGUAGE": "vi", "LC_ALL": "en_US.UTF-8"}, "vi"),
        ([], {"LANGUAGE": "en", "LANG": "vi_VN.UTF-8"}, "en"),
        ([], {"LANGUAGE": "fr:vi:en", "LANG": "en_US.UTF-8"}, "vi"),
        ([], {"LANGUAGE": "fr:de", "LANG": "vi_VN.UTF-8"}, "en"),
        ([], {"LANGUAGE": "vi_VN@latin"}, "vi"),
        (["--lang", "vi"], {"LANG": "en_US.UTF-8"}, "vi"),
        (["--lang=en"], {"LANGUAGE": "vi"}, "en"),
        (["-C", "x", "--lang", "en", "status"], {"LANG": "vi_VN.UTF-8"}, "en"),
        (["--lang", "xx"], {"LANG": "vi_VN.UTF-8"}, "vi"),  # Click rejects it; the error is still in Vietnamese
        (["--lang"], {"LANG": "vi_VN.UTF-8"}, "vi"),
        (["publish", "--", "--lang", "en"], {"LANG": "vi_VN.UTF-8"}, "vi"),
        (["--lang", "en", "--lang", "vi"], {}, "vi"),
    ],
)
def test_choose_language(argv: list[str], environ: dict[str, str], expected: str) -> None:
    assert i18n.choose_language(argv, environ) == expected


@pytest.mark.parametrize(
    ("podcast_language", "title"),
    [
        ("vi", "Giới thiệu"),
        ("vi-VN", "Giới thiệu"),
        ("en", "Introduction"),
        ("en-US", "Introduction"),
        ("fr", "Introduction"),
    ],
)
def test_the_intro_chapter_speaks_the_podcasts_language_not_the_operators(podcast_language: str, title: str) -> None:
    """The jingle's chapter goes into the tags and the feed: listeners read it, whatever --lang says."""
    chapter = Chapter(start_ms=0, title="Câu hỏi 1")
    source = Source(
        seed="seeds/ky-1.toml",
        kind=Kind.RECORDING,
        identity="seeds/ky-1.toml",
        title="Kỳ 1",
        published=datetime(2021, 12, 25, 8, tzinfo=UTC),
        summary="",
        audio="recordings/ky-1.wav",
        chapters=(chapter,),
    )
    for operator in ("en", "vi"):
        with i18n.language(operator):
            chapters = produce._published_chapters(source, 3000, 60_000, language=podcast_language)
        assert [(c.start_ms, c.title) for c in chapters] == [(0, title), (3000, "Câu hỏi 1")]
