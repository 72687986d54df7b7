"""Offline narration: eSpeak NG's Vietnamese voice, from the espeakng-loader wheel, through ctypes.

The wheel ships libespeak-ng and its voice data, so no system package is needed. eSpeak NG
keeps global state (voice, rate, callback) and is not re-entrant: every call into it holds
``_LOCK``.

Each sentence is synthesised on its own and the pauses between sentences are silence we
insert, so every sentence's start is known exactly rather than taken from the engine's
events (its SENTENCE/WORD events were measured up to ~110 ms away from the audible onset).
"""

from __future__ import annotations

import ctypes
import logging
import threading
import wave
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from radiocast.errors import AudioError
from radiocast.files import atomic_path
from radiocast.i18n import N_, _

log = logging.getLogger(__name__)

DEFAULT_VOICE = "vi-vn-x-south"
SENTENCE_PAUSE_MS = 450
PARAGRAPH_PAUSE_MS = 1000
EDGE_MS = 300  # silence before the first and after the last sentence
MIN_RATE_WPM, MAX_RATE_WPM = 80, 450

# speak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000  # without it, a missing data directory calls exit()
_BUFFER_MS = 1000
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAM_RATE = 1
_EE_OK, _EE_NOT_FOUND = 0, 2
# Trailing and leading samples quieter than this (about -54 dBFS) are the engine's own
# silence; trimming them lets our pauses be exactly what we say they are.
_SILENCE_AMPLITUDE = 64

_INSTALL_HINT = N_("install the espeakng-loader wheel (pip install espeakng-loader), which bundles eSpeak NG")


class _Event(ctypes.Structure):
    _fields_ = (
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_void_p),  # a union of int, const char* and char[8]
    )


class _Voice(ctypes.Structure):
    _fields_ = (
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_char_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    )


_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass(frozen=True, slots=True, kw_only=True)
class Synthesis:
    """Machine-read speech: PCM and where each sentence starts in it."""

    pcm: bytes  # 16-bit mono little-endian
    sample_rate: int  # eSpeak's (22050)
    sentence_starts_ms: tuple[int, ...]  # one per input sentence, where its speech starts
    sentence_ends_ms: tuple[int, ...] = ()  # one per input sentence, where its speech ends

    @property
    def duration_ms(self) -> int:
        return len(self.pcm) * 1000 // (2 * self.sample_rate)


class _Engine:
    """The loaded library, initialised once; use only while holding ``_LOCK``."""

    def __init__(self) -> None:
        try:
            # Imported on first use: radiocast works without narration when the wheel is absent.
            import espeakng_loader
        except ImportError as e:
            raise AudioError(_("eSpeak NG is not installed"), hint=_(_INSTALL_HINT)) from e
        try:
            library = str(espeakng_loader.get_library_path())
            lib = ctypes.CDLL(library)
            data = espeakng_loader.get_data_path()
        except (OSError, RuntimeError) as e:
            raise AudioError(_("eSpeak NG cannot be loaded ({error})").format(error=e), hint=_(_INSTALL_HINT)) from e
        lib.espeak_Initialize.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int)
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = (_SynthCallback,)
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = (ctypes.c_char_p,)
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_int)
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_ListVoices.argtypes = (ctypes.c_void_p,)
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        lib.espeak_Synth.argtypes = (
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        )
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Info.argtypes = (ctypes.c_void_p,)
        lib.espeak_Info.restype = ctypes.c_char_p
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS, data.encode(), _INITIALIZE_DONT_EXIT)
        if rate <= 0:
            raise AudioError(
                _("eSpeak NG failed to start with its data at {data}").format(data=data), hint=_(_INSTALL_HINT)
            )
        self.lib = lib
        self.library, self.data = library, data
        self.version = (lib.espeak_Info(None) or b"?").decode("ascii", "replace")
        self.sample_rate = int(rate)
        self.chunks: list[bytes] = []
        # Kept on self: ctypes frees the C trampoline when the Python object dies.
        self._callback = _SynthCallback(self._receive)
        lib.espeak_SetSynthCallback(self._callback)

    def _receive(self, wav: ctypes._Pointer[ctypes.c_short], count: int, events: ctypes._Pointer[_Event]) -> int:
        # The events (sentence, word, end) are not used: we time sentences ourselves, see above.
        if count > 0 and wav:
            self.chunks.append(ctypes.string_at(wav, count * 2))
        return 0  # 0 = go on

    def voices(self) -> dict[str, str]:
        """Language code → voice name, for every voice in the bundled data."""
        found: dict[str, str] = {}
        listed = self.lib.espeak_ListVoices(None)
        i = 0
        while listed[i]:
            voice = listed[i].contents
            # `languages` is a priority byte then a NUL-terminated code; the first one is enough.
            code = (voice.languages or b"\x00")[1:].decode("ascii", "replace")
            found[code] = (voice.name or b"").decode("utf-8", "replace")
            i += 1
        return found

    def speak(self, text: str) -> bytes:
        self.chunks = []
        data = text.encode("utf-8")
        status = self.lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        if status != _EE_OK:
            raise AudioError(
                _("eSpeak NG failed (status {status}) on the sentence {text!r}").format(status=status, text=text[:60]),
                hint=_("report this sentence; remove unusual characters from the seed meanwhile"),
            )
        pcm = b"".join(self.chunks)
        self.chunks = []
        return pcm


_LOCK = threading.Lock()
_engine: _Engine | None = None


def _get_engine() -> _Engine:
    global _engine  # one engine per process, as eSpeak NG's state is global
    if _engine is None:
        _engine = _Engine()
    return _engine


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineInfo:
    """Which eSpeak NG narration runs."""

    version: str  # as the library reports it, e.g. "1.52.0"
    library: str  # path of the shared library loaded
    data: str  # its voice data directory


def engine_info() -> EngineInfo:
    """The eSpeak NG library narration uses, loading it if needed; an AudioError if it cannot be."""
    with _LOCK:
        engine = _get_engine()
        return EngineInfo(version=engine.version, library=engine.library, data=engine.data)


def voices() -> dict[str, str]:
    """The voices eSpeak NG offers: language code (e.g. ``vi-vn-x-south``) → name."""
    with _LOCK:
        return _get_engine().voices()


def synthesize(
    sentences: Sequence[str],
    *,
    voice: str = DEFAULT_VOICE,
    paragraph_breaks: Collection[int] = (),
    rate_wpm: int = 160,
    sentence_pause_ms: int = SENTENCE_PAUSE_MS,
    paragraph_pause_ms: int = PARAGRAPH_PAUSE_MS,
) -> Synthesis:
    """Read *sentences* aloud; a longer pause goes before each index in *paragraph_breaks*.

    The sentences should already be speakable (``radiocast.sentences.speakable``): eSpeak NG's
    Vietnamese rules do not expand dates or the newspaper's abbreviations.
    """
    if not MIN_RATE_WPM <= rate_wpm <= MAX_RATE_WPM:
        raise AudioError(
            _("speech rate {rate} words per minute is out of range").format(rate=rate_wpm),
            hint=_("choose a rate between {low} and {high}").format(low=MIN_RATE_WPM, high=MAX_RATE_WPM),
        )
    with _LOCK:
        engine = _get_engine()
        rate = engine.sample_rate
        if engine.lib.espeak_SetVoiceByName(voice.encode("ascii", "replace")) != _EE_OK:
            vietnamese = sorted(code for code in engine.voices() if code.startswith("vi"))
            raise AudioError(
                _("eSpeak NG has no voice {voice!r}").format(voice=voice),
                hint=_("use one of {voices}").format(voices=", ".join(vietnamese) or _("its voices")),
            )
        engine.lib.espeak_SetParameter(_PARAM_RATE, rate_wpm, 0)
        parts: list[bytes] = [_silence(EDGE_MS, rate)]
        length = len(parts[0])
        starts: list[int] = []
        ends: list[int] = []
        spoken = new_paragraph = False
        for i, sentence in enumerate(sentences):
            speech = _trim(engine.speak(sentence.strip())) if sentence.strip() else b""
            # A break on an empty sentence still separates the paragraphs around it.
            new_paragraph = new_paragraph or i in paragraph_breaks
            if speech and spoken:
                pause = _silence(paragraph_pause_ms if new_paragraph else sentence_pause_ms, rate)
                parts.append(pause)
                length += len(pause)
            if speech:
                spoken, new_paragraph = True, False
            starts.append(length * 1000 // (2 * rate))
            parts.append(speech)
            length += len(speech)
            ends.append(length * 1000 // (2 * rate))
        parts.append(_silence(EDGE_MS, rate))
    log.debug("synthesised %d sentences, %d ms", len(starts), length * 1000 // (2 * rate))
    return Synthesis(
        pcm=b"".join(parts), sample_rate=rate, sentence_starts_ms=tuple(starts), sentence_ends_ms=tuple(ends)
    )


def write_wav(synthesis: Synthesis, path: Path) -> None:
    """Write *synthesis* as a 16-bit mono WAV file, atomically."""
    try:
        with atomic_path(path) as tmp, wave.open(str(tmp), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(synthesis.sample_rate)
            out.writeframes(synthesis.pcm)
    except OSError as e:
        raise AudioError(
            _("cannot write {path} ({reason})").format(path=path, reason=e.strerror),
            hint=_("check the folder's permissions and free space"),
        ) from e


def _silence(ms: int, rate: int) -> bytes:
    return bytes(2 * (rate * ms // 1000))


def _trim(pcm: bytes) -> bytes:
    """Drop the engine's leading and trailing near-silence."""
    loud = np.flatnonzero(np.abs(np.frombuffer(pcm, dtype="<i2").astype(np.int32)) > _SILENCE_AMPLITUDE)
    if loud.size == 0:
        return b""
    return pcm[2 * int(loud[0]) : 2 * (int(loud[-1]) + 1)]
