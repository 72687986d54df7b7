"""eSpeak NG narration through the bundled library: the real engine, no mocks."""

from __future__ import annotations

import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from radiocast.errors import AudioError
from radiocast.speech._espeak import (
    EDGE_MS,
    PARAGRAPH_PAUSE_MS,
    SENTENCE_PAUSE_MS,
    Synthesis,
    synthesize,
    voices,
    write_wav,
)

TWO = ["Xin chào các bạn.", "Hôm nay trời đẹp quá!"]


def levels_db(synthesis: Synthesis, frame_ms: int = 10) -> np.ndarray:
    samples = np.frombuffer(synthesis.pcm, dtype="<i2").astype(np.float64)
    frame = synthesis.sample_rate * frame_ms // 1000
    count = len(samples) // frame
    rms = np.sqrt(np.mean(np.square(samples[: count * frame].reshape(count, frame)), axis=1))
    return 20 * np.log10(np.maximum(rms, 1e-3) / 32768)


def silent_gaps_ms(synthesis: Synthesis, *, min_ms: int = 200) -> list[tuple[int, int]]:
    """(start, end) of every silent stretch of at least *min_ms*, measured independently."""
    quiet = levels_db(synthesis) < -60
    edges = np.diff(np.concatenate(([0], quiet.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1) * 10, np.flatnonzero(edges == -1) * 10
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True) if e - s >= min_ms]


def test_vietnamese_voices_are_bundled() -> None:
    found = voices()
    assert {"vi", "vi-vn-x-south", "vi-vn-x-central"} <= set(found)
    assert found["vi-vn-x-south"] == "Vietnamese (Southern)"


def test_two_sentences() -> None:
    result = synthesize(TWO)
    assert result.sample_rate == 22050
    seconds = len(result.pcm) / 2 / result.sample_rate
    # Nine syllables at 160 words per minute, plus pauses: a few seconds, not zero nor minutes.
    assert 2.0 < seconds < 8.0
    assert len(result.pcm) % 2 == 0
    first, second = result.sentence_starts_ms
    assert first == EDGE_MS
    assert first < result.sentence_ends_ms[0] < second < result.sentence_ends_ms[1] < result.duration_ms
    assert second - result.sentence_ends_ms[0] == pytest.approx(SENTENCE_PAUSE_MS, abs=2)
    # The second start is where an independently measured silent gap ends.
    gaps = silent_gaps_ms(result)
    assert any(abs(end - second) <= 150 and end - start >= SENTENCE_PAUSE_MS - 50 for start, end in gaps), gaps
    levels = levels_db(result)
    assert levels[second // 10 : second // 10 + 15].max() > -40  # speech right after the start


def test_paragraph_breaks_get_longer_pauses() -> None:
    result = synthesize(["Một.", "Hai.", "Ba."], paragraph_breaks={2})
    starts, ends = result.sentence_starts_ms, result.sentence_ends_ms
    assert starts[1] - ends[0] == pytest.approx(SENTENCE_PAUSE_MS, abs=2)
    assert starts[2] - ends[1] == pytest.approx(PARAGRAPH_PAUSE_MS, abs=2)


def same_speech(a: Synthesis, b: Synthesis) -> bool:
    """Equal up to eSpeak NG's jitter: its output varies by a few samples from run to run."""
    starts_close = all(abs(x - y) <= 5 for x, y in zip(a.sentence_starts_ms, b.sentence_starts_ms, strict=True))
    return starts_close and abs(a.duration_ms - b.duration_ms) <= max(10, a.duration_ms // 100)


def test_rate_changes_speed_and_output_is_repeatable() -> None:
    slow, fast = synthesize(TWO, rate_wpm=120), synthesize(TWO, rate_wpm=300)
    assert fast.duration_ms < slow.duration_ms * 0.7
    assert same_speech(synthesize(TWO, rate_wpm=120), slow)


def test_voices_differ() -> None:
    assert synthesize(TWO[:1], voice="vi").pcm != synthesize(TWO[:1]).pcm


def test_empty_sentences() -> None:
    assert synthesize([]).sentence_starts_ms == ()
    result = synthesize(["Một.", "  ", "Hai."])
    assert len(result.sentence_starts_ms) == 3
    assert result.sentence_starts_ms[1] == result.sentence_ends_ms[1] == result.sentence_ends_ms[0]
    # Leading empty sentences add no pause; a break on an empty sentence is kept.
    assert synthesize(["", "Một."]).sentence_starts_ms == (EDGE_MS, EDGE_MS)
    broken = synthesize(["Một.", "", "Hai."], paragraph_breaks={1})
    assert broken.sentence_starts_ms[2] - broken.sentence_ends_ms[0] == pytest.approx(PARAGRAPH_PAUSE_MS, abs=2)


def test_unknown_voice_is_an_audio_error() -> None:
    with pytest.raises(AudioError, match="no voice 'xx-nope'") as info:
        synthesize(TWO, voice="xx-nope")
    assert info.value.hint is not None
    assert "vi-vn-x-south" in info.value.hint


def test_rate_out_of_range() -> None:
    with pytest.raises(AudioError, match="rate 5 words per minute") as info:
        synthesize(TWO, rate_wpm=5)
    assert info.value.hint is not None


def test_threads_share_the_engine_safely() -> None:
    texts = [["Một hai ba."], ["Bốn năm sáu bảy tám."], TWO, ["Chín mười."]] * 3
    alone = [synthesize(t) for t in texts[:4]] * 3
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(synthesize, texts))
    # Interleaved calls would mix one thread's samples into another's result.
    assert all(same_speech(a, b) for a, b in zip(alone, together, strict=True))


def test_write_wav(tmp_path: Path) -> None:
    result = synthesize(TWO)
    path = tmp_path / "out" / "speech.wav"
    write_wav(result, path)
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 22050)
        assert wav.readframes(wav.getnframes()) == result.pcm
    assert sorted(p.name for p in path.parent.iterdir()) == ["speech.wav"]


def test_write_wav_into_a_file_is_an_audio_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(AudioError, match="cannot write"):
        write_wav(synthesize(TWO[:1]), blocker / "speech.wav")
