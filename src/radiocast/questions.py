"""A chapter's question as the station writes it (asker, commune, topic, answered_by) → a checked Question.

The same rules for a manifest's [[chapters]], a chapters CSV and the archive's spreadsheet: the
topic is one of podcast.toml's topics, and whoever answered is one of the episode's speakers.
Both are matched without regard to case and written as the list spells them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from radiocast.i18n import _
from radiocast.models import Question, Speaker
from radiocast.text import one_line

QUESTION_FIELDS = ("asker", "commune", "topic", "answered_by")


class QuestionError(ValueError):
    """One field of a question is wrong; the caller says where it is."""

    def __init__(self, field: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.hint = hint


def make_question(
    values: Mapping[str, str | None], *, topics: Sequence[str], speakers: Sequence[Speaker]
) -> Question | None:
    """The question *values* describe, or None when they name none of QUESTION_FIELDS."""
    text = {name: one_line(values.get(name) or "") or None for name in QUESTION_FIELDS}
    if not any(text.values()):
        return None
    topic, answered_by = text["topic"], text["answered_by"]
    if topic is not None:
        topic = check_topic(topic, topics)
    if answered_by is not None:
        names = [s.name for s in speakers]
        answered_by = _listed(answered_by, names)
        if answered_by is None:
            raise QuestionError(
                "answered_by",
                _("{value!r} is not one of the episode's speakers ({names})").format(
                    value=text["answered_by"], names=", ".join(names) or _("none")
                ),
                _("add them under [[speakers]] or write the name as it is there"),
            )
    return Question(asker=text["asker"], commune=text["commune"], topic=topic, answered_by=answered_by)


def check_topic(value: str, topics: Sequence[str]) -> str:
    """*value* as podcast.toml's topics spell it; QuestionError if it is not one of them."""
    topic = _listed(value, topics)
    if topic is None:
        raise QuestionError(
            "topic",
            _("{value!r} is not one of podcast.toml's topics ({topics})").format(
                value=value, topics=", ".join(topics) or _("none")
            ),
            _("use one of them, or add it to topics under [podcast] in podcast.toml"),
        )
    return topic


def _listed(value: str, choices: Sequence[str]) -> str | None:
    key = one_line(value).casefold()
    return next((choice for choice in choices if choice.casefold() == key), None)
