"""The command line: arguments in, one core call, results out; errors → exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from radiocast import __version__, pipeline, queries, scaffold, validate
from radiocast.console import PublishDisplay, error_line, setup_logging, stderr
from radiocast.errors import ExitCode, RadiocastError
from radiocast.produce import Outcome

EPILOG = """\b
Exit codes:
  0    everything asked for succeeded
  1    some episodes failed (the others are published and in the feed)
  2    usage or configuration error; nothing changed
  130  interrupted (Ctrl-C); the next publish resumes
"""


class RadiocastGroup(click.Group):
    """Maps every RadiocastError to one stderr line and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RadiocastError as e:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(error_line(str(e)), err=True)
            ctx.exit(e.exit_code)
        except KeyboardInterrupt:
            click.echo("radiocast: interrupted; the next publish resumes where this one stopped", err=True)
            ctx.exit(ExitCode.INTERRUPTED)


@click.group(cls=RadiocastGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-C",
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(),
    help="The workspace (default: the current directory).",
)
@click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv for debugging).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for errors.")
@click.version_option(__version__, prog_name="radiocast")
@click.pass_context
def cli(ctx: click.Context, directory: Path, verbose: int, quiet: bool, debug: bool) -> None:
    """Publish a radio programme's articles and recordings as a podcast."""
    setup_logging(-1 if quiet else verbose)
    ctx.obj = {"root": directory, "debug": debug, "quiet": quiet}


@cli.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="Podcast mới", show_default=True, help="The podcast's title.")
@click.option(
    "--base-url",
    default="http://127.0.0.1:8000/",
    show_default=True,
    help="Public URL of the workspace root, ending with '/'.",
)
@click.option("--author", default="Đài Truyền thanh", show_default=True, help="The station or person responsible.")
@click.option(
    "--email",
    default="podcast@example.com",
    show_default=True,
    help="The owner's e-mail (podcast directories write to it).",
)
@click.pass_obj
def init(obj: dict[str, Any], directory: Path | None, title: str, base_url: str, author: str, email: str) -> None:
    """Create a workspace: podcast.toml, seeds/, audio/, feeds/ and a default cover.

    \b
    Example:
      radiocast init laivung --title "Chính quyền đối thoại với Nhân dân" \\
          --base-url https://radio.example.vn/podcast/ --email podcast@example.vn
    """
    root = obj["root"] / directory if directory else obj["root"]
    ws = scaffold.create_workspace(root, title=title, base_url=base_url, author=author, email=email)
    click.echo(
        f"Created workspace {ws.root}: edit {ws.config_path.name}, put seeds in seeds/, then run radiocast publish"
    )


@cli.command()
@click.argument("seeds", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--base-url", help="Override podcast.base_url for this run (new episodes' URLs keep it).")
@click.option(
    "--jobs", "-j", type=click.IntRange(1, 32), default=4, show_default=True, help="Episodes fetched at once."
)
@click.option("--refresh", is_flag=True, help="Ask the source again (conditional GET) for already published episodes.")
@click.option(
    "--narrate/--no-narrate",
    default=None,
    help="Read articles whose MP3 can't be fetched (or that link none) with the machine voice (default: audio.narrate).",
)
@click.option(
    "--wait", "wait_s", type=click.FloatRange(0), default=0, help="Seconds to wait for another publish to finish."
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
    """Fetch, tag and publish the seeds' episodes, then rebuild feeds/podcast.xml.

    SEEDS default to every file in seeds/. Already published, unchanged episodes
    are not fetched again.

    \b
    Example:
      radiocast publish
      radiocast publish seeds/2021-12-19.txt --jobs 2
    """
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
        f"{counts[Outcome.PUBLISHED]} published, {counts[Outcome.NARRATED]} narrated, {counts[Outcome.RETAGGED]} re-tagged, "
        f"{counts[Outcome.UNCHANGED]} unchanged, {counts[Outcome.FAILED]} failed; "
        f"{report.episodes_in_feed} episodes in {report.feed_path}"
    )
    if report.failed:
        raise click.exceptions.Exit(ExitCode.EPISODES_FAILED)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.pass_obj
def status(obj: dict[str, Any], as_json: bool) -> None:
    """Show one row per episode: slug, title, date, state, last error.

    \b
    Example:
      radiocast status --json | jq '.[] | select(.state == "failed")'
    """
    rows = queries.status(obj["root"])
    if as_json:
        click.echo(json.dumps([_status_json(r) for r in rows], ensure_ascii=False, indent=2))
        return
    table = Table("slug", "title", "date", "state", "last error", box=None, pad_edge=False)
    for r in rows:
        table.add_row(
            r.slug or "-", r.title or "-", f"{r.date:%Y-%m-%d %H:%M}" if r.date else "-", r.state, r.error or ""
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
        "error": row.error,
    }


@cli.command("validate")
@click.argument("feed", required=False)
@click.pass_obj
def validate_command(obj: dict[str, Any], feed: str | None) -> None:
    """Check a feed against the podcast rules (default: the workspace's feed).

    FEED is a path or an http(s) URL. Prints each problem with its rule; exits 1 if
    any is an error.

    \b
    Example:
      radiocast validate
      radiocast validate https://radio.example.vn/podcast/feeds/podcast.xml
    """
    problems = queries.check_feed(obj["root"], feed)
    for p in problems:
        click.echo(f"{p.severity.value}: {p.rule}: {p.message} [{p.source}]")
    errors = sum(p.severity is validate.Severity.ERROR for p in problems)
    click.echo(f"{errors} errors, {len(problems) - errors} warnings", err=True)
    if errors:
        raise click.exceptions.Exit(ExitCode.EPISODES_FAILED)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.pass_obj
def serve_command(obj: dict[str, Any], host: str, port: int) -> None:
    """Serve the workspace for preview, with byte ranges and conditional GET.

    \b
    Example:
      radiocast serve --port 8000    # then open http://127.0.0.1:8000/feeds/podcast.xml
    """
    from radiocast.serve import serve  # werkzeug is loaded only for this command

    root: Path = obj["root"]
    serve(
        root,
        host=host,
        port=port,
        ready=lambda url: stderr.print(f"Serving {root.resolve()} at {url} (Ctrl-C stops)", markup=False),
    )


def main() -> None:
    cli(prog_name="radiocast")
