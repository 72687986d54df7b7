"""The README's "Reliability" figures, from running the tests that prove them.

    .venv/bin/python benchmarks/reliability.py [--profile ci|long]

Runs the crash, disk-fault, network-fault, fetch-policy, hostile-text, hostile-XML and
preview-server tests in this process and prints one Markdown table: what each group exercised
and how much of it held (kill points survived, fault cases, fuzz examples run, attacks
refused). Paste its output into the README. Exit 1 if any of those tests failed: a figure
from a failing run is not one to publish.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]

# (test module, what one passing test of it stands for)
GROUPS: tuple[tuple[str, str], ...] = (
    ("tests/integration/test_crash.py", "SIGKILL points survived"),
    ("tests/integration/test_disk_faults.py", "full-disk and read-only cases"),
    ("tests/test_fetch_faults.py", "network fault cases"),
    ("tests/test_fetch_policy.py", "fetch policy cases"),
    ("tests/integration/test_credentials.py", "checks that a URL's password is never shown or published"),
    ("tests/test_text_properties.py", "hostile-text properties"),
    ("tests/test_safexml.py", "hostile XML attacks refused"),
    ("tests/test_serve_security.py", "preview-server attacks refused"),
)
# Hypothesis statistics: "- 100 passing, 0 failing, and 1 invalid test cases" per phase.
_PASSING = re.compile(r"(\d+) passing\b")


@dataclass
class Tally:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    examples: int = 0
    # Counts a test reports itself with record_property(name, n), e.g. the kills it made.
    properties: dict[str, int] = field(default_factory=dict)


class Collector:
    """A pytest plugin that adds up each module's outcomes, Hypothesis examples and recorded counts."""

    def __init__(self) -> None:
        self.tallies: dict[str, Tally] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        tally = self.tallies.setdefault(report.nodeid.split("::")[0], Tally())
        if report.when == "call" or (report.when == "setup" and not report.passed):
            if report.passed:
                tally.passed += 1
            elif report.skipped:
                tally.skipped += 1
            else:
                tally.failed += 1
        # Hypothesis attaches a test's statistics to its teardown report.
        stats: Any = report.__dict__.get("_hypothesis_stats")
        if report.when == "teardown" and stats:
            tally.examples += sum(int(n) for n in _PASSING.findall(str(stats)))
        # Every phase's report carries the test's properties so far: count them once, from the last.
        for name, value in report.user_properties if report.when == "teardown" else ():
            if isinstance(value, int):
                tally.properties[name] = tally.properties.get(name, 0) + value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="ci", help="Hypothesis profile (ci: fast; long: thorough)")
    args = parser.parse_args(argv)
    os.environ["HYPOTHESIS_PROFILE"] = args.profile
    os.chdir(ROOT)
    collector = Collector()
    code = pytest.main(
        ["-q", "-p", "no:cacheprovider", "--hypothesis-show-statistics", *(module for module, _ in GROUPS)],
        plugins=[collector],
    )
    print(f"\n| group | tests passed | failed | figures (Hypothesis profile `{args.profile}`) |")
    print("| --- | --- | --- | --- |")
    for module, meaning in GROUPS:
        tally = collector.tallies.get(module, Tally())
        # A module that counts for itself says more than its number of tests.
        figures = [f"{value} {name.replace('_', ' ')}" for name, value in sorted(tally.properties.items())]
        figures = figures or [f"{tally.passed} {meaning}"]
        if tally.examples:
            figures.append(f"{tally.examples} generated examples")
        print(f"| `{module}` | {tally.passed} | {tally.failed} | {'; '.join(figures)} |")
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
