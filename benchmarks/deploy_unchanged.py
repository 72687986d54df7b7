"""Time of an unchanged `radiocast deploy` of a workspace with 1,000 published episodes.

    .venv/bin/python benchmarks/deploy_unchanged.py [--episodes 1000] [--jobs 2] [--keep DIR]

Builds a workspace of --episodes published episodes (benchmarks/_workspace.py, as
publish_unchanged.py does), deploys it once to a `file://` folder target, then times a second,
unchanged deploy, in-process (radiocast.deploy.deploy) and through the CLI in a subprocess
(`deploy --no-check`: the online check after it is the web server's time, not deploy's), and
checks that it uploaded nothing and left the target's files alone. References measured in the
same run: `rsync -a --dry-run` of the same tree to the same folder (which also only compares),
and `python -c pass` (the CLI). Goal: an unchanged deploy under 2 s for 1,000 episodes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from _workspace import (
    add_workspace_arguments,
    best_of,
    cli_runner,
    print_time,
    published_workspace,
    snapshot,
    start_up,
    verdict,
)

from radiocast.deploy import deploy

GOAL_S = 2.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_workspace_arguments(parser, what="deploy")
    args = parser.parse_args()

    with published_workspace(args.keep, args.episodes, jobs=args.jobs) as root, tempfile.TemporaryDirectory() as www:
        target = Path(www).as_uri() + "/"
        first = deploy(root, target)
        print(f"setup: first deploy uploaded {len(first.uploaded)} files")
        before = snapshot(Path(www), ("audio", "feeds"))

        reports = []
        in_process, in_median = best_of(args.runs, lambda: reports.append(deploy(root, target)))
        cli, cli_median = best_of(args.runs, cli_runner("-C", str(root), "deploy", "--no-check", target))
        # rsync compares the same tree (size and mtime, its default) and copies nothing.
        rsync_run = lambda: subprocess.run(  # noqa: E731
            ["rsync", "-a", "--dry-run", f"{root}/audio", f"{root}/feeds", f"{www}/"], check=True, capture_output=True
        )
        rsync, _ = best_of(args.runs, rsync_run)
        python = start_up(args.runs)
        after = snapshot(Path(www), ("audio", "feeds"))

    uploaded = {name for report in reports for name in report.uploaded}
    print(f"workspace: {first.unchanged + len(first.uploaded)} published files, {len(before)} in the target")
    print_time("unchanged deploy, in-process:", in_process, in_median, "`rsync -a --dry-run`", rsync)
    print_time("unchanged deploy, CLI:", cli, cli_median, "`python -c pass`", python)
    untouched = before == after and not uploaded
    print(f"unchanged deploy uploaded nothing (target's mtimes kept): {untouched}")
    return verdict("deploy", untouched, max(in_process, cli), GOAL_S, args.episodes)


if __name__ == "__main__":
    sys.exit(main())
