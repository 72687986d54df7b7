"""Speech: the machine voice (eSpeak NG), sentence splitting, narration, and aligning text to audio.

Each name is loaded from its module on first use (PEP 562): alignment and the voice import numpy
and eSpeak NG's bindings, which a publish with nothing to narrate or align never needs. Import
them where the work is done, not at the top of a module.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from radiocast.speech._align import align_sentences, decode_mono
    from radiocast.speech._espeak import EngineInfo, engine_info
    from radiocast.speech._narrate import narrate
    from radiocast.speech._sentences import split_paragraphs

_MODULES = {
    "align_sentences": "_align",
    "decode_mono": "_align",
    "EngineInfo": "_espeak",
    "engine_info": "_espeak",
    "narrate": "_narrate",
    "split_paragraphs": "_sentences",
}

__all__ = ["EngineInfo", "align_sentences", "decode_mono", "engine_info", "narrate", "split_paragraphs"]


def __getattr__(name: str) -> object:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_MODULES[name]}"), name)
