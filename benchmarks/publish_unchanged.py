"""Time of an unchanged `radiocast publish` of a workspace with 1,000 published episodes.

    .venv/bin/python benchmarks/publish_unchanged.py [--episodes 1000] [--jobs 2] [--keep DIR]

Builds a workspace of --episodes published episodes (benchmarks/_workspace.py: article seeds
whose audio is one small MP3 served on 127.0.0.1, published once; this setup takes a while).
Then it times a second, unchanged publish, in-process (radiocast.pipeline.publish) and through
the CLI in a subprocess (which adds the interpreter's start-up and imports), and checks that it
wrote nothing. References measured in the same run: parsing and re-serialising the resulting
feed with lxml (in-process) and `python -c pass` (the CLI). Goal: an unchanged publish under 1 s
for 1,000 episodes.
"""

from __future__ import annotations

import argparse
import sys

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
from lxml import etree

from radiocast.pipeline import publish

GOAL_S = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_workspace_arguments(parser, what="publish")
    args = parser.parse_args()

    with published_workspace(args.keep, args.episodes, jobs=args.jobs) as root:
        before = snapshot(root)
        in_process, in_median = best_of(args.runs, lambda: publish(root))
        feed = (root / "feeds" / "podcast.xml").read_bytes()
        lxml_ref, _ = best_of(args.runs, lambda: etree.tostring(etree.fromstring(feed), xml_declaration=True))
        cli, cli_median = best_of(args.runs, cli_runner("-C", str(root), "publish"))
        python = start_up(args.runs)
        after = snapshot(root)

    episodes = sum(1 for p in before if p.startswith("audio/") and p.endswith(".mp3"))
    print(f"workspace: {episodes} published MP3s, {len(before)} published files, feed {len(feed):,} B")
    print_time("unchanged publish, in-process:", in_process, in_median, "lxml parse+serialise of the feed", lxml_ref)
    print_time("unchanged publish, CLI:", cli, cli_median, "`python -c pass`", python)
    wrote_nothing = before == after
    print(f"unchanged publish wrote nothing (mtimes kept): {wrote_nothing}")
    return verdict("publish", wrote_nothing, max(in_process, cli), GOAL_S, args.episodes)


if __name__ == "__main__":
    sys.exit(main())
