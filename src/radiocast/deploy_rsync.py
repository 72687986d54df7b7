"""The rsync target of `deploy`: any destination rsync takes (over SSH, an rsync daemon, a local path).

rsync judges what changed itself (size and modification time) and writes each file under a
temporary name before its rename, so the web server never serves half a file. One run per
upload stage keeps `deploy`'s order: media, then sidecars and pages, the feed last. Headers are
the web server's business here (README: Hosting).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence
from itertools import groupby
from pathlib import Path

from radiocast.errors import DeployError
from radiocast.i18n import _
from radiocast.workspace import AUDIO_DIR, FEEDS_DIR

_DELETABLE = (f"{AUDIO_DIR}/", f"{FEEDS_DIR}/")


class RsyncTarget:
    def __init__(self, target: str) -> None:
        self.target = target
        # "rsync:" marks any rsync destination (rsync:/mnt/copy/ is a local folder); rsync:// is a daemon's URL.
        destination = target if target.startswith("rsync://") else target.removeprefix("rsync:")
        self.destination = destination if destination.endswith("/") else destination + "/"
        binary = shutil.which("rsync")
        if binary is None:
            raise DeployError(_("{target}: rsync is not installed").format(target=target), hint=_("apt install rsync"))
        self.binary = binary

    def sync(
        self, root: Path, names: Sequence[str], stage: Callable[[str], object], *, dry_run: bool, delete: bool
    ) -> tuple[list[str], list[str]]:
        """Send *names* (in upload order, one rsync run per *stage*); return what was sent and deleted."""
        sent: list[str] = []
        for _stage, group in groupby(names, key=stage):
            listed = "".join(f"{name}\n" for name in group)
            out = self._run(["--files-from=-", "--out-format=%n", f"{root}/", self.destination], listed, dry_run)
            sent += [line for line in out.splitlines() if line in listed.splitlines()]
        deleted: list[str] = []
        if delete:
            for folder in _DELETABLE:
                if (root / folder).is_dir():
                    # Nothing is sent by this run (--existing with --ignore-existing): it only deletes.
                    args = ["-r", "--delete", "--existing", "--ignore-existing", "--itemize-changes"]
                    out = self._run([*args, f"{root}/{folder}", self.destination + folder], "", dry_run)
                    deleted += [
                        folder + line.split(None, 1)[1] for line in out.splitlines() if line.startswith("*deleting")
                    ]
        return sent, deleted

    def _run(self, args: list[str], stdin: str, dry_run: bool) -> str:
        command = [self.binary, "-a", "--chmod=D755,F644", "--timeout=60", *(["--dry-run"] if dry_run else []), *args]
        try:
            done = subprocess.run(command, input=stdin, capture_output=True, text=True, check=False)
        except OSError as e:
            raise DeployError(_("{target}: cannot run rsync ({error})").format(target=self.target, error=e)) from e
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            raise DeployError(
                _("{target}: rsync failed with exit code {code}: {error}").format(
                    target=self.target, code=done.returncode, error=lines[0] if lines else ""
                ),
                hint=_(
                    "check the destination's path and permissions, and for SSH that `ssh HOST` logs in without a password"
                ),
            )
        return done.stdout
