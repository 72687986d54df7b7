"""radiocast doctor: the tools radiocast runs (ffmpeg, eSpeak NG), where they come from, what they can do."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from pathlib import Path

from radiocast import __version__
from radiocast.audio import MIN_RELEASE, Ffmpeg, chosen_by, configure_ffmpeg, ffmpeg
from radiocast.config import load_config
from radiocast.errors import AudioError, ConfigError, ExitCode, RadiocastError
from radiocast.i18n import _
from radiocast.speech import EngineInfo, engine_info
from radiocast.workspace import Workspace


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    radiocast: str
    python: str
    python_path: str
    ffmpeg: Ffmpeg | None  # None: unusable, see problems
    espeak: EngineInfo | None
    problems: tuple[RadiocastError, ...]  # each a one-line message with its fix

    @property
    def exit_code(self) -> ExitCode:
        return max((p.exit_code for p in self.problems), default=ExitCode.OK)


def diagnose(root: Path) -> Report:
    """Choose and probe ffmpeg as `radiocast publish` in *root* would, and load eSpeak NG."""
    problems: list[RadiocastError] = []
    ws = Workspace(root)
    if ws.config_path.is_file():
        try:
            configure_ffmpeg(load_config(ws.config_path).audio.ffmpeg, source=ws.config_path)
        except ConfigError as e:
            problems.append(e)
    tool = espeak = None
    try:
        tool = ffmpeg()
    except AudioError as e:
        problems.append(e)
    try:
        espeak = engine_info()
    except AudioError as e:
        problems.append(e)
    return Report(
        radiocast=__version__,
        python=platform.python_version(),
        python_path=sys.executable,
        ffmpeg=tool,
        espeak=espeak,
        problems=tuple(problems),
    )


def describe(report: Report) -> list[str]:
    """The report as lines for the terminal (the problems are the caller's to show as errors)."""
    lines = [_("Python {version} ({path})").format(version=report.python, path=report.python_path)]
    tool = report.ffmpeg
    if tool is None:
        lines.append(_("ffmpeg: not usable (see the error)"))
    else:
        caps = tool.caps
        lines += [
            _("ffmpeg {path}").format(path=tool.path),
            "  "
            + _("version {version}, {chosen_by}; radiocast supports {minimum} or newer").format(
                version=caps.version,
                chosen_by=chosen_by(tool.origin, tool.source),
                minimum=".".join(map(str, MIN_RELEASE)),
            ),
            "  "
            + (
                _("ebur128 framelog=quiet: yes")
                if caps.framelog == "quiet"
                else _("ebur128 framelog=quiet: no (framelog=verbose instead, hidden at ffmpeg's default log level)")
            ),
            "  "
            + (
                _("loopback decoders (-dec): yes (the encoded MP3 is measured in the same run)")
                if caps.loopback_decoders
                else _("loopback decoders (-dec): no (the encoded MP3 is measured in a second run)")
            ),
            "  " + _("MP3 encoder: LAME {version}").format(version=caps.lame or _("unknown version")),
        ]
    if report.espeak is None:
        lines.append(_("eSpeak NG: not usable (see the error)"))
    else:
        lines += [
            _("eSpeak NG {version}").format(version=report.espeak.version),
            "  " + _("library {path}").format(path=report.espeak.library),
            "  " + _("voice data {path}").format(path=report.espeak.data),
        ]
    return lines
