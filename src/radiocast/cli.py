"""The command line: arguments in, one core call, results out; errors → exit codes.

Each command imports the stages it runs inside its own function: `radiocast --help` and
`radiocast status` must start without loading numpy, feedgen, lxml, jinja2, werkzeug, boto3 or
rich's progress machinery (benchmarks/startup.py measures it).
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from radiocast import __version__, i18n
from radiocast.errors import ExitCode, RadiocastError
from radiocast.i18n import N_, _

if TYPE_CHECKING:
    from radiocast import check, doctor, queries
    from radiocast.models import Broadcast

# Help texts are English msgids, translated when Click shows them (see _TranslatedHelp).
EPILOG = N_("""\
\b
Exit codes:
  0    everything asked for succeeded
  1    some episodes failed (the others are published and in the feed)
  2    usage or configuration error; nothing changed
  3    the catalog or the feed could not be read, built or written
  130  interrupted (Ctrl-C); the next publish resumes
""")

_STATES = {
    "pending": N_("pending"),
    "fetched": N_("fetched"),
    "tagged": N_("tagged"),
    "published": N_("published"),
    "failed": N_("failed"),
    "scheduled": N_("scheduled"),
    "live-pending": N_("live, upcoming"),
    "live": N_("live now"),
    "live-ended": N_("live, ended"),
}
# Keyed by validate.Severity's values (a StrEnum): the linter is not loaded to print a help.
_SEVERITIES = {"error": N_("error"), "warning": N_("warning")}


class _TranslatedHelp:
    """Keeps help, epilog and short_help as written (English msgids); translates them when Click reads them.

    The decorators run at import, before the language is known; Click reads these attributes only
    to format help, inside RadiocastGroup.main, once the language is chosen. Properties rather than
    lazy string objects, because Click runs inspect.cleandoc() and str methods on the values (an
    option's help at construction): a property hands Click a plain, already translated str.
    """

    _help: str | None = None
    _epilog: str | None = None
    _short_help: str | None = None

    @property
    def help(self) -> str | None:
        return _(self._help) if self._help else self._help

    @help.setter
    def help(self, value: str | None) -> None:
        self._help = value

    @property
    def epilog(self) -> str | None:
        return _(self._epilog) if self._epilog else self._epilog

    @epilog.setter
    def epilog(self, value: str | None) -> None:
        self._epilog = value

    @property
    def short_help(self) -> str | None:
        return _(self._short_help) if self._short_help else self._short_help

    @short_help.setter
    def short_help(self, value: str | None) -> None:
        self._short_help = value


class RadiocastCommand(_TranslatedHelp, click.Command):
    """A subcommand whose help is shown in the chosen language."""


class RadiocastOption(_TranslatedHelp, click.Option):
    """An option whose help is shown in the chosen language."""


class _TranslatedName:
    """A parameter type whose name ("directory", "integer range"), said in its errors, is translated too.

    Click sets these names at import; options that use these types give an explicit metavar,
    which would otherwise be the translated name in capitals.
    """

    _name = "value"

    @property
    def name(self) -> str:
        return _(self._name)

    @name.setter
    def name(self, value: str) -> None:
        self._name = value


class PathType(_TranslatedName, click.Path):
    pass


class IntRangeType(_TranslatedName, click.IntRange):
    _name = N_("integer range")


class FloatRangeType(_TranslatedName, click.FloatRange):
    _name = N_("float range")


F = TypeVar("F", bound=Callable[..., Any])


def option(*decls: str, **attrs: Any) -> Callable[[F], F]:
    """click.option with translated help."""
    return click.option(*decls, cls=RadiocastOption, **attrs)


class RadiocastGroup(_TranslatedHelp, click.Group):
    """Chooses the language before anything is shown; maps every RadiocastError to one stderr line and its exit code."""

    command_class = RadiocastCommand

    def main(self, args: Sequence[str] | None = None, *rest: Any, **extra: Any) -> Any:
        # The language must be known before Click parses (its usage errors are translated too),
        # so it is read from the raw arguments and the environment, as CliRunner passes them.
        argv = sys.argv[1:] if args is None else args
        with i18n.language(i18n.choose_language(argv, os.environ)):
            return super().main(args, *rest, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RadiocastError as e:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            from radiocast.console import error_line

            click.echo(error_line(str(e)), err=True)
            ctx.exit(e.exit_code)
        except KeyboardInterrupt:
            click.echo(_("radiocast: interrupted; the next publish resumes where this one stopped"), err=True)
            ctx.exit(ExitCode.INTERRUPTED)


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    # Not eager, unlike -C and -v: processed after them, it knows both wherever they are written.
    if value and not ctx.resilient_parsing:
        click.echo(_("radiocast, version {version}").format(version=__version__))
        if ctx.params.get("verbose"):
            from radiocast import doctor

            _show_report(doctor.diagnose(ctx.params.get("directory", Path())))
        ctx.exit()


def _show_report(report: doctor.Report) -> None:
    from radiocast import doctor
    from radiocast.console import error_line

    for line in doctor.describe(report):
        click.echo(line)
    for problem in report.problems:
        click.echo(error_line(str(problem)), err=True)


@click.group(
    cls=RadiocastGroup,
    help=N_("Publish a radio programme's articles and recordings as a podcast."),
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@option(
    "-C",
    "--directory",
    type=PathType(file_okay=False, path_type=Path),
    metavar="DIRECTORY",
    default=Path(),
    is_eager=True,
    help=N_("The workspace (default: the current directory)."),
)
@option("-v", "--verbose", count=True, is_eager=True, help=N_("More detail on stderr (-vv for debugging)."))
@option("-q", "--quiet", is_flag=True, help=N_("Only errors on stderr."))
@option("--debug", is_flag=True, help=N_("Show Python tracebacks for errors."))
@option(
    "--lang",
    type=click.Choice(i18n.LANGUAGES[::-1]),
    expose_value=False,  # applied by RadiocastGroup.main before parsing
    help=N_("Language of messages (default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG)."),
)
@option(
    "--version",
    is_flag=True,
    expose_value=False,
    callback=_show_version,
    help=N_("Show the version and exit (with -v: also the ffmpeg and eSpeak NG in use)."),
)
@click.pass_context
def cli(ctx: click.Context, directory: Path, verbose: int, quiet: bool, debug: bool) -> None:
    from radiocast.console import setup_logging

    setup_logging(-1 if quiet else verbose)
    ctx.obj = {"root": directory, "debug": debug, "quiet": quiet}


@cli.command(
    help=N_("""\
Create a workspace: podcast.toml, seeds/, audio/, feeds/ and a default cover.

\b
Example:
  radiocast init laivung --title "Chính quyền đối thoại với Nhân dân" \\
      --base-url https://radio.example.vn/podcast/ --email podcast@example.vn
""")
)
@click.argument("directory", required=False, type=PathType(file_okay=False, path_type=Path))
@option("--title", default="Podcast mới", show_default=True, help=N_("The podcast's title."))
@option(
    "--base-url",
    default="http://127.0.0.1:8000/",
    show_default=True,
    help=N_("Public URL of the workspace root, ending with '/'."),
)
@option("--author", default="Đài Truyền thanh", show_default=True, help=N_("The station or person responsible."))
@option(
    "--email",
    default="podcast@example.com",
    show_default=True,
    help=N_("The owner's e-mail (podcast directories write to it)."),
)
@click.pass_obj
def init(obj: dict[str, Any], directory: Path | None, title: str, base_url: str, author: str, email: str) -> None:
    from radiocast import scaffold

    root = obj["root"] / directory if directory else obj["root"]
    ws = scaffold.create_workspace(root, title=title, base_url=base_url, author=author, email=email)
    click.echo(
        _("Created workspace {root}: edit {config}, put seeds in seeds/, then run radiocast publish").format(
            root=ws.root, config=ws.config_path.name
        )
    )


@cli.command(
    help=N_("""\
Fetch, tag and publish the seeds' episodes, then rebuild feeds/podcast.xml.

SEEDS default to every file in seeds/. Already published, unchanged episodes
are not fetched again.

\b
Example:
  radiocast publish
  radiocast publish seeds/2021-12-19.txt --jobs 2
""")
)
@click.argument("seeds", nargs=-1, type=PathType(dir_okay=False, path_type=Path))
@option("--base-url", help=N_("Override podcast.base_url for this run (new episodes' URLs keep it)."))
@option(
    "--jobs",
    "-j",
    type=IntRangeType(1, 32),
    metavar="N",
    default=4,
    show_default=True,
    help=N_("Episodes fetched at once."),
)
@option("--refresh", is_flag=True, help=N_("Ask the source again (conditional GET) for already published episodes."))
@option(
    "--narrate/--no-narrate",
    default=None,
    help=N_(
        "Read articles whose MP3 can't be fetched (or that link none) with the machine voice (default: audio.narrate)."
    ),
)
@option(
    "--wait",
    "wait_s",
    type=FloatRangeType(0),
    metavar="SECONDS",
    default=0,
    help=N_("Seconds to wait for another publish to finish."),
)
@click.pass_obj
def publish(
    obj: dict[str, Any],
    seeds: tuple[Path, ...],
    base_url: str | None,
    jobs: int,
    refresh: bool,
    narrate: bool | None,
    wait_s: float,
) -> None:
    from radiocast import pipeline
    from radiocast.console import PublishDisplay
    from radiocast.models import Outcome
    from radiocast.workspace import ARCHIVE_DIR

    with PublishDisplay(quiet=obj["quiet"]) as display:
        report = pipeline.publish(
            obj["root"],
            list(seeds) or None,
            base_url=base_url,
            jobs=jobs,
            refresh=refresh,
            narrate=narrate,
            lock_wait_s=wait_s,
            progress=display,
        )
    counts = {o: sum(r.outcome is o for r in report.results) for o in Outcome}
    click.echo(
        _(
            "{published} published, {narrated} narrated, {retagged} re-tagged, {unchanged} unchanged, "
            "{failed} failed; {in_feed} episodes in {feed}"
        ).format(
            published=counts[Outcome.PUBLISHED],
            narrated=counts[Outcome.NARRATED],
            retagged=counts[Outcome.RETAGGED],
            unchanged=counts[Outcome.UNCHANGED],
            failed=counts[Outcome.FAILED],
            in_feed=report.episodes_in_feed,
            feed=report.feed_path,
        )
    )
    if report.episodes_archived:
        click.echo(
            _("{archived} older episodes in the archive pages {folder}").format(
                archived=report.episodes_archived, folder=ARCHIVE_DIR
            )
        )
    if report.failed:
        raise click.exceptions.Exit(ExitCode.EPISODES_FAILED)


@cli.command(
    help=N_("""\
Show one row per episode: slug, title, date, state, last error.

\b
Example:
  radiocast status --json | jq '.[] | select(.state == "failed")'
""")
)
@option("--json", "as_json", is_flag=True, help=N_("One JSON document on stdout."))
@click.pass_obj
def status(obj: dict[str, Any], as_json: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    from radiocast import queries

    rows = queries.status(obj["root"])
    if as_json:
        # Stable keys and values for scripts, whatever the language.
        click.echo(json.dumps([_status_json(r) for r in rows], ensure_ascii=False, indent=2))
        return
    table = Table(_("slug"), _("title"), _("date"), _("state"), _("last error"), box=None, pad_edge=False)
    for r in rows:
        table.add_row(
            r.slug or "-",
            r.title or "-",
            f"{r.date:%Y-%m-%d %H:%M}" if r.date else "-",
            _(_STATES[r.state]) if r.state in _STATES else r.state,
            r.error or "",
        )
    out = Console(highlight=False)
    if not out.is_terminal:
        # Piped or redirected: never truncate slugs or errors to a guessed width.
        out = Console(highlight=False, width=10_000)
    out.print(table)


def _status_json(row: queries.StatusRow) -> dict[str, Any]:
    return {
        "seed": row.seed,
        "slug": row.slug,
        "title": row.title,
        "date": row.date.isoformat() if row.date else None,
        "state": row.state,
        "in_feed": row.in_feed,
        "duration_s": round(row.duration_ms / 1000, 3) if row.duration_ms is not None else None,
        "size_bytes": row.size_bytes,
        "last_error": row.error,
        "error": row.error,  # the same as last_error, kept for scripts that read "error"
        "live": _live_json(row.live) if row.live else None,
    }


def _live_json(live: Broadcast) -> dict[str, Any]:
    return {
        "start": live.slot.start.isoformat(),
        "end": live.slot.end.isoformat(),
        "stream": live.slot.stream,
        "type": live.slot.stream_type,
        "guid": live.guid,
    }


@cli.command(
    "validate",
    help=N_("""\
Check a feed against the podcast rules (default: the workspace's feed).

FEED is a path or an http(s) URL. Prints each problem with its rule; exits 1 if
any is an error.

\b
Example:
  radiocast validate
  radiocast validate https://radio.example.vn/podcast/feeds/podcast.xml
"""),
)
@click.argument("feed", required=False)
@click.pass_obj
def validate_command(obj: dict[str, Any], feed: str | None) -> None:
    from radiocast import check

    problems = check.check_feed(obj["root"], feed)
    for p in problems:
        click.echo(f"{_(_SEVERITIES[p.severity])}: {p.rule}: {p.message} [{p.source}]")
    errors = sum(p.severity == "error" for p in problems)
    click.echo(
        _("{errors} errors, {warnings} warnings").format(errors=errors, warnings=len(problems) - errors), err=True
    )
    if errors:
        raise click.exceptions.Exit(ExitCode.PROBLEMS_FOUND)


@cli.command(
    "import",
    help=N_("""\
Take over another feed's episodes: one manifest per episode in seeds/.

FEED is the old feed's http(s) URL or a saved copy. Each manifest keeps the old
guid and date, so podcast apps see no new episode; its audio is the old
enclosure, fetched by the next publish. The old podcast:guid becomes this
podcast's. Episodes already imported are left as they are.

\b
Example:
  radiocast import https://old-host.example.vn/rss.xml --dry-run
  radiocast import https://old-host.example.vn/rss.xml && radiocast publish
"""),
)
@click.argument("feed")
@option(
    "--feed-url", metavar="URL", help=N_("The old feed's public URL, if FEED is a saved copy (for its podcast:guid).")
)
@option("--dry-run", is_flag=True, help=N_("List what would be written; write nothing."))
@click.pass_obj
def import_command(obj: dict[str, Any], feed: str, feed_url: str | None, dry_run: bool) -> None:
    from radiocast import importer

    report = importer.import_feed(obj["root"], feed, feed_url=feed_url, dry_run=dry_run)
    for seed, item in report.written:
        click.echo(f"{seed}\t{item.guid}\t{item.title}")
    summary = _("{written} manifests written, {kept} already imported, {skipped} skipped; podcast:guid {guid}")
    if report.dry_run:
        summary = _(
            "dry run: {written} manifests to write, {kept} already imported, {skipped} skipped; podcast:guid {guid}"
        )
    click.echo(
        summary.format(
            written=len(report.written), kept=len(report.kept), skipped=len(report.skipped), guid=report.podcast_guid
        ),
        err=True,
    )
    if report.written and not report.dry_run:
        click.echo(_("Review them, then run `radiocast publish` to fetch their audio."), err=True)


@cli.command(
    "import-archive",
    help=N_("""\
Turn a folder of old recordings and a spreadsheet of their questions into manifests.

DIRECTORY holds the recordings (WAV, MP3 or M4A), named by broadcast date
(2019-05-25.mp3) or named in the spreadsheet's recording column. QUESTIONS is
the spreadsheet saved as CSV (UTF-8, comma or semicolon), one question a row:
date, time, asker, commune, question, answered_by, office, topic. Each broadcast
becomes seeds/<recording's name>.toml; recordings outside the workspace are
copied into recordings/. Each bad row is one line naming its line and column; the
good rows still import. Running it again rewrites the same manifests.

\b
Example:
  radiocast import-archive ~/luu-tru --questions ~/luu-tru/cau-hoi.csv --dry-run
  radiocast import-archive ~/luu-tru --questions ~/luu-tru/cau-hoi.csv && radiocast publish
"""),
)
@click.argument("directory", type=PathType(exists=True, file_okay=False, path_type=Path))
@option(
    "--questions",
    required=True,
    type=PathType(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE.csv",
    help=N_("The spreadsheet of questions, saved as CSV."),
)
@option(
    "--air-time",
    metavar="HH:MM",
    default="08:00",
    show_default=True,
    help=N_("The programme's usual start, local time: each episode's date is its broadcast day at this time."),
)
@option("--dry-run", is_flag=True, help=N_("Print the manifests that would be written; write nothing."))
@click.pass_obj
def import_archive_command(obj: dict[str, Any], directory: Path, questions: Path, air_time: str, dry_run: bool) -> None:
    from datetime import time

    from radiocast import archive_import
    from radiocast.console import error_line

    try:
        at = time.fromisoformat(air_time)
    except ValueError:
        raise click.BadParameter(_("{value!r} is not HH:MM").format(value=air_time), param_hint="--air-time") from None
    report = archive_import.import_archive(obj["root"], directory, questions, dry_run=dry_run, air_time=at)
    for manifest in report.manifests:
        if dry_run:
            click.echo(f"# {manifest.seed} ({_(manifest.status.value)})\n{manifest.text}")
        else:
            click.echo(f"{manifest.seed}\t{_(manifest.status.value)}\t{manifest.chapters}")
    for problem in report.problems:
        click.echo(error_line(problem), err=True)
    counts = {status: sum(m.status is status for m in report.manifests) for status in archive_import.Status}
    summary = (
        _("dry run: {new} manifests to write, {updated} to update, {unchanged} unchanged; {problems} problems")
        if dry_run
        else _("{new} manifests written, {updated} updated, {unchanged} unchanged; {problems} problems")
    )
    click.echo(
        summary.format(
            new=counts[archive_import.Status.NEW],
            updated=counts[archive_import.Status.UPDATED],
            unchanged=counts[archive_import.Status.UNCHANGED],
            problems=len(report.problems),
        ),
        err=True,
    )
    if report.problems:
        raise click.exceptions.Exit(ExitCode.EPISODES_FAILED)


@cli.command(
    "check",
    help=N_("""\
The publish gate: the feed, every episode's MP3 and tags, the sidecars and the artwork.

Prints each problem with where it is, its rule and the fix; exits 1 if any is an
error (warnings alone exit 0). --online also asks every published URL what
Apple asks: HEAD, a byte range, no redirect, the type and length, and for the
feed ETag/Last-Modified and 304. `validate` is the feed's part of this gate.

\b
Example:
  radiocast check
  radiocast check --online
  radiocast check --online --base-url https://staging.example.vn/podcast/
"""),
)
@option("--online", is_flag=True, help=N_("Also probe the published URLs over HTTP."))
@option("--base-url", help=N_("Probe this copy instead of podcast.base_url (with --online)."))
@option("--loudness", is_flag=True, help=N_("Also measure each episode's loudness (slow: reads all the audio)."))
@option("--json", "as_json", is_flag=True, help=N_("One JSON document on stdout."))
@click.pass_obj
def check_command(obj: dict[str, Any], online: bool, base_url: str | None, loudness: bool, as_json: bool) -> None:
    from radiocast import check, probe

    findings = check.check_workspace(obj["root"], loudness=loudness)
    if online:
        findings += probe.check_online(obj["root"], base_url=base_url)
    _report_findings(findings, as_json=as_json)


@cli.command(
    "deploy",
    help=N_("""\
Upload the published files to TARGET, then check them online.

Media first, then sidecars and pages, the feed last; only what changed (size and
MD5). TARGET is file:///var/www/podcast/ (a folder a web server serves),
s3://bucket/prefix/ (AWS_* environment variables or profile) or an rsync
destination (user@host:/var/www/podcast/, rsync://host/module/, rsync:/path/).
After the upload, `check --online` runs against podcast.base_url (or
--base-url) and its result is the exit code.

\b
Example:
  radiocast deploy --dry-run file:///var/www/podcast/
  radiocast deploy s3://dai-lai-vung/podcast/
"""),
)
@click.argument("target")
@option("--dry-run", is_flag=True, help=N_("List what would be uploaded or deleted; change nothing."))
@option("--delete", is_flag=True, help=N_("Also delete files under audio/ and feeds/ that are no longer published."))
@option("--base-url", help=N_("The public URL of TARGET to check (default podcast.base_url)."))
@option("--no-check", is_flag=True, help=N_("Do not run check --online after the upload."))
@click.pass_obj
def deploy_command(
    obj: dict[str, Any], target: str, dry_run: bool, delete: bool, base_url: str | None, no_check: bool
) -> None:
    from radiocast import deploy, probe

    report = deploy.deploy(obj["root"], target, dry_run=dry_run, delete=delete)
    verb = _("would upload") if dry_run else _("uploaded")
    for name in report.uploaded:
        click.echo(f"{verb} {name}")
    for name in report.deleted:
        click.echo(f"{_('would delete') if dry_run else _('deleted')} {name}")
    click.echo(
        _("{uploaded} uploaded, {unchanged} unchanged, {deleted} deleted").format(
            uploaded=len(report.uploaded), unchanged=report.unchanged, deleted=len(report.deleted)
        ),
        err=True,
    )
    if not dry_run and not no_check:
        _report_findings(probe.check_online(obj["root"], base_url=base_url), as_json=False)


def _report_findings(findings: Sequence[check.Finding], *, as_json: bool) -> None:
    """Print the gate's findings; exit 1 when one is an error."""
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(f) for f in findings], ensure_ascii=False, indent=2))
    else:
        for f in findings:
            click.echo(f"{_(_SEVERITIES[f.severity])}: {f.where}: {f.message} [{f.rule}] — {f.fix}")
    errors = sum(f.severity == "error" for f in findings)
    click.echo(
        _("{errors} errors, {warnings} warnings").format(errors=errors, warnings=len(findings) - errors), err=True
    )
    if errors:
        raise click.exceptions.Exit(ExitCode.PROBLEMS_FOUND)


@cli.command(
    "serve",
    help=N_("""\
Serve the workspace for preview, with byte ranges and conditional GET.

\b
Example:
  radiocast serve --port 8000    # then open http://127.0.0.1:8000/feeds/podcast.xml
"""),
)
@option("--host", default="127.0.0.1", show_default=True, help=N_("The address to listen on."))
@option(
    "--port",
    type=IntRangeType(0, 65535),
    metavar="PORT",
    default=8000,
    show_default=True,
    help=N_("The port to listen on."),
)
@click.pass_obj
def serve_command(obj: dict[str, Any], host: str, port: int) -> None:
    from radiocast.console import stderr
    from radiocast.serve import serve

    root: Path = obj["root"]
    serve(
        root,
        host=host,
        port=port,
        ready=lambda url: stderr.print(
            _("Serving {root} at {url} (Ctrl-C stops)").format(root=root.resolve(), url=url), markup=False
        ),
    )


@cli.command(
    "doctor",
    help=N_("""\
Check the ffmpeg and eSpeak NG in use.

Shows which ffmpeg and eSpeak NG radiocast runs, where they come from and what
they can do; exits 1 with the fix when one of them is unusable.

\b
Example:
  radiocast doctor
  RADIOCAST_FFMPEG=system radiocast doctor    # try the ffmpeg on PATH
"""),
)
@click.pass_obj
def doctor_command(obj: dict[str, Any]) -> None:
    from radiocast import doctor

    report = doctor.diagnose(obj["root"])
    click.echo(_("radiocast, version {version}").format(version=__version__))
    _show_report(report)
    if report.exit_code:
        raise click.exceptions.Exit(report.exit_code)


def main() -> None:
    cli(prog_name="radiocast")
