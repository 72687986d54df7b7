"""Alignment of known sentences on the pauses of speech (radiocast.speech)."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from radiocast.audio import ffmpeg_path
from radiocast.errors import AudioError
from radiocast.seeds import read_article
from radiocast.speech import align_sentences, decode_mono, split_paragraphs
from radiocast.speech._espeak import synthesize, write_wav
from radiocast.speech._sentences import speakable

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_8d475bc5d7e1daab.txt"


@pytest.fixture(scope="module")
def article_sentences() -> tuple[list[str], frozenset[int]]:
    article = read_article(SEED, seed=SEED.name, tz=ZoneInfo("Asia/Ho_Chi_Minh"))
    found = split_paragraphs([article.title, article.lead, *article.paragraphs[:2]])
    return list(found.sentences), found.paragraph_breaks


def bursts(rate: int, pattern: list[tuple[int, int]]) -> np.ndarray:
    """A 220 Hz tone for each (speech_ms, pause_ms) pair, with faint noise in the pauses."""
    rng = np.random.default_rng(0)
    parts = []
    for speech_ms, pause_ms in pattern:
        t = np.arange(rate * speech_ms // 1000) / rate
        parts.append(0.3 * np.sin(2 * np.pi * 220 * t))
        parts.append(rng.normal(0, 0.0005, rate * pause_ms // 1000))
    return (np.concatenate(parts) * 32767).astype(np.int16)


def _said(n: int) -> str:
    """A sentence of *n* syllables."""
    return " ".join(["ba"] * n)


def test_sentences_end_in_the_pauses_between_them() -> None:
    samples = bursts(16000, [(1000, 500), (700, 100), (800, 300), (600, 0)])
    # The 100 ms gap is shorter than a pause: the middle sentence runs across it.
    cues = align_sentences(samples, 16000, [_said(10), _said(15), _said(6)])
    assert [(c.start_ms, c.end_ms) for c in cues] == [(0, 1000), (1500, 3100), (3400, 4000)]
    floats = samples.astype(np.float32) / 32768
    cues = align_sentences(floats, 16000, [_said(10), _said(7), _said(8), _said(6)], min_pause_ms=80)
    assert [(c.start_ms, c.end_ms) for c in cues] == [(0, 1000), (1500, 2200), (2300, 3100), (3400, 4000)]


def test_align_sentences_on_synthetic_speech(
    tmp_path: Path, article_sentences: tuple[list[str], frozenset[int]]
) -> None:
    sentences, breaks = article_sentences
    synthesis = synthesize([speakable(s) for s in sentences], paragraph_breaks=breaks, rate_wpm=220)
    wav, mp3 = tmp_path / "speech.wav", tmp_path / "speech.mp3"
    write_wav(synthesis, wav)
    subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-nostdin", "-i", str(wav), "-b:a", "64k", str(mp3)],
        check=True,
    )
    samples = decode_mono(mp3)
    assert samples.dtype == np.int16
    assert len(samples) / 16000 == pytest.approx(synthesis.duration_ms / 1000, abs=0.1)
    cues = align_sentences(samples, 16000, sentences)
    assert [c.text for c in cues] == sentences
    errors = np.abs(np.array([c.start_ms for c in cues]) - np.array(synthesis.sentence_starts_ms))
    assert np.median(errors) < 500
    assert errors.max() < 500  # every boundary lands on its own pause here, not only most
    assert all(c.start_ms < c.end_ms <= d.start_ms for c, d in itertools.pairwise(cues))


def test_align_at_the_engine_sample_rate(article_sentences: tuple[list[str], frozenset[int]]) -> None:
    # 10 ms frames are 220 samples at 22050 Hz (9.977 ms): no drift over the recording.
    sentences, breaks = article_sentences
    synthesis = synthesize([speakable(s) for s in sentences], paragraph_breaks=breaks, rate_wpm=220)
    samples = np.frombuffer(synthesis.pcm, dtype="<i2")
    cues = align_sentences(samples, synthesis.sample_rate, sentences)
    errors = np.abs(np.array([c.start_ms for c in cues]) - np.array(synthesis.sentence_starts_ms))
    assert errors.max() <= 30
    ends = np.abs(np.array([c.end_ms for c in cues]) - np.array(synthesis.sentence_ends_ms))
    assert np.median(ends) <= 30


def test_align_prefers_pauses_near_the_expected_place() -> None:
    # Three sentences of 10, 10 and 20 syllables; decoy pauses inside the long ones.
    samples = bursts(16000, [(1000, 200), (1000, 600), (1000, 200), (1000, 600), (2000, 200), (2000, 0)])
    ten = " ".join(["ba"] * 10)
    cues = align_sentences(samples, 16000, [ten + ".", ten + ".", ten + " " + ten + "."])
    assert [c.start_ms for c in cues] == [0, 2800, 5600]
    assert [c.end_ms for c in cues] == [2200, 5000, 9800]


def test_align_without_enough_pauses_still_orders_cues() -> None:
    samples = bursts(16000, [(3000, 400), (3000, 0)])
    cues = align_sentences(samples, 16000, ["Một hai ba.", "Bốn năm sáu.", "Bảy tám chín.", "Mười."])
    starts = [c.start_ms for c in cues]
    assert starts == sorted(starts)
    assert 3400 in starts


def test_align_stereo_integer_samples() -> None:
    mono = bursts(16000, [(1000, 500), (1000, 0)])
    stereo = np.stack([mono, mono], axis=1)
    cues = align_sentences(stereo, 16000, ["Một hai.", "Ba bốn."])
    assert [(c.start_ms, c.end_ms) for c in cues] == [(0, 1000), (1500, 2500)]
    # Integer samples are measured against their full scale: 3/32768 is -80 dBFS, no speech.
    hiss = np.random.default_rng(0).integers(-3, 4, size=(16000, 2), dtype=np.int16)
    with pytest.raises(AudioError, match="silent"):
        align_sentences(hiss, 16000, ["Một."])


def test_align_edge_cases() -> None:
    samples = bursts(16000, [(500, 300), (2000, 300)])
    assert align_sentences(samples, 16000, []) == []
    [cue] = align_sentences(samples, 16000, ["Một câu."])
    assert (cue.start_ms, cue.end_ms) == (0, 2800)
    with pytest.raises(AudioError, match="silent"):
        align_sentences(np.zeros(16000, dtype=np.int16), 16000, ["Một."])
    with pytest.raises(AudioError, match="empty"):
        align_sentences(np.zeros(0, dtype=np.int16), 16000, ["Một."])


def test_decode_mono_errors_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"not audio at all" * 10)
    with pytest.raises(AudioError, match=r"broken\.mp3"):
        decode_mono(broken)
    with pytest.raises(AudioError, match=r"missing\.mp3"):
        decode_mono(tmp_path / "missing.mp3")


def test_decode_mono_resamples(sample_mp3: Path) -> None:
    assert len(decode_mono(sample_mp3, rate=8000)) == pytest.approx(3 * 8000, rel=0.02)
