"""Files published beside an episode's MP3: transcripts and chapters, named after its slug."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from radiocast.chapters import CHAPTERS_MIME, chapters_json
from radiocast.models import Chapter, Sidecar
from radiocast.speech import split_paragraphs
from radiocast.transcripts import Cue, to_html, to_srt, to_text, to_vtt
from radiocast.workspace import sidecar_path

# Apple picks the first transcript it understands; VTT is the one it ingests.
VTT, SRT, HTML, TEXT = "text/vtt", "application/x-subrip", "text/html", "text/plain"
ALIGN_RATE = 16_000


@dataclass(frozen=True, slots=True)
class SidecarFile:
    sidecar: Sidecar
    data: bytes


def transcript_files(
    slug: str, title: str, paragraphs: Sequence[str], cues: Sequence[Cue] | None, *, language: str
) -> list[SidecarFile]:
    """The transcript in every form we have: timed captions (VTT, SRT) when *cues*, HTML and text."""
    files = []
    if cues:
        files += [
            SidecarFile(
                Sidecar(path=sidecar_path(slug, ".vtt"), mime=VTT, rel="captions"),
                to_vtt(cues, language=language).encode(),
            ),
            SidecarFile(Sidecar(path=sidecar_path(slug, ".srt"), mime=SRT, rel="captions"), to_srt(cues).encode()),
        ]
    files += [
        SidecarFile(
            Sidecar(path=sidecar_path(slug, ".transcript.html"), mime=HTML),
            to_html(title, paragraphs, language=language).encode(),
        ),
        SidecarFile(Sidecar(path=sidecar_path(slug, ".txt"), mime=TEXT), to_text(title, paragraphs).encode()),
    ]
    return files


def chapters_file(
    slug: str, title: str, podcast_title: str, chapters: Sequence[Chapter], *, duration_ms: int
) -> SidecarFile | None:
    if not chapters:
        return None
    data = chapters_json(title, podcast_title, chapters, duration_ms=duration_ms)
    return SidecarFile(Sidecar(path=sidecar_path(slug, ".chapters.json"), mime=CHAPTERS_MIME), data)


def aligned_cues(mp3: Path, texts: Sequence[str]) -> list[Cue]:
    """Timed cues for a machine-read article: its sentences placed on the pauses of the audio."""
    sentences = split_paragraphs(texts).sentences
    if not sentences:
        return []
    # Here, not at the top: alignment imports numpy, which a publish with nothing to align does not need.
    from radiocast.speech import align_sentences, decode_mono

    return align_sentences(decode_mono(mp3, ALIGN_RATE), ALIGN_RATE, sentences)


def shifted(cues: Sequence[Cue], offset_ms: int) -> list[Cue]:
    """Cues moved later by *offset_ms* (an intro before the recording)."""
    return [
        Cue(start_ms=c.start_ms + offset_ms, end_ms=c.end_ms + offset_ms, text=c.text, speaker=c.speaker) for c in cues
    ]
