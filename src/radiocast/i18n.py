"""The command line's language: gettext catalogs shipped in the package, chosen without setlocale.

Messages are English msgids. ``_()`` looks them up in the catalog of the active language when
the message is made, so text built in core modules follows ``--lang`` and the environment as
long as the command runs inside ``language()`` (the CLI does this). Outside it, everything is
English: library callers and tests see the messages as written.

The language comes from ``--lang``, then LANGUAGE, LC_ALL, LC_MESSAGES and LANG (gettext's
order). ``locale.setlocale`` is never called: on most servers the vi_VN locale is not
installed and setlocale would fail, yet the catalog is ours and needs no system locale.

The catalogs live in ``locale/``: ``radiocast.pot`` (the template, with Click's msgids too),
``vi/LC_MESSAGES/radiocast.po`` (the translations, in git) and its ``.mo``, compiled by
setup.py at build time (``pip install .`` or ``pip install -e .``). After changing messages,
from the repository root::

    python -m babel.messages.frontend extract --project=radiocast --version="$(python -c 'import radiocast; print(radiocast.__version__)')" \
        --add-location=file --add-comments=TRANSLATORS: --copyright-holder=radiocast \
        -o src/radiocast/locale/radiocast.pot src/radiocast \
        "$(python -c 'import click, os; print(os.path.relpath(os.path.dirname(click.__file__)))')"
    python -m babel.messages.frontend update --ignore-obsolete \
        -i src/radiocast/locale/radiocast.pot -d src/radiocast/locale -D radiocast
    # translate the new or fuzzy entries of vi.po, then: pip install -e . (or the compile command)
    python -m babel.messages.frontend compile -d src/radiocast/locale -D radiocast

tests/test_i18n.py fails while a message has no Vietnamese translation. Messages must be
constant msgids: ``_("{seed}: no date").format(seed=seed)``, never ``_(f"…")``.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path

DOMAIN = "radiocast"
LANGUAGES = ("en", "vi")
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent / "locale"
# GNU gettext's precedence for LC_MESSAGES (LANGUAGE is a colon-separated priority list).
_ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_translations: gettext.NullTranslations = gettext.NullTranslations()


def _(message: str) -> str:
    """*message* in the active language."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of *singular*/*plural* for *n* in the active language."""
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 (gettext's conventional name)
    """Mark *message* for extraction only: it is translated by ``_()`` where it is shown."""
    return message


def choose_language(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """ "vi" or "en": ``--lang X`` in *argv* wins, then the first set variable of LANGUAGE, LC_ALL, LC_MESSAGES, LANG."""
    chosen = _option(argv)
    if chosen is not None:
        return chosen
    for name in _ENVIRONMENT:
        value = environ.get(name, "")
        if value:
            return _from_locale_names(value)
    return DEFAULT_LANGUAGE


def _option(argv: Sequence[str]) -> str | None:
    """The last valid ``--lang X`` / ``--lang=X`` before ``--`` (Click reports an invalid one)."""
    chosen = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        else:
            continue
        if value in LANGUAGES:
            chosen = value
    return chosen


def _from_locale_names(value: str) -> str:
    """The first of "vi_VN.UTF-8:fr:en" we speak; "C" and "POSIX" mean untranslated (English)."""
    for name in value.split(":"):
        code = name.strip().partition(".")[0].partition("@")[0].replace("-", "_").partition("_")[0].lower()
        if code in ("c", "posix"):
            return DEFAULT_LANGUAGE
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of *lang*; English (no translation) when there is none."""
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def activate(lang: str) -> None:
    """Show radiocast's messages, and Click's own ("Usage:", "Error: …"), in *lang*.

    Click calls the stdlib's ``gettext.gettext`` (the process's text domain, language from
    the environment), so our catalog, which also holds Click's msgids, becomes that domain
    and LANGUAGE names the chosen language: that is how ``--lang`` overrides LANG for Click.
    """
    global _translations
    _translations = translations(lang)
    gettext.bindtextdomain(DOMAIN, os.fspath(LOCALE_DIR))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = lang


def for_listeners(podcast_language: str, message: str) -> str:
    """*message* in the podcast's language (``vi``, ``vi-VN``, …) whatever the command line speaks.

    What goes into the audio's tags and the feed is read by listeners, not by the operator.
    A language radiocast has no catalog for gets English.
    """
    return translations(podcast_language.split("-")[0].lower()).gettext(message)


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Within the block, messages are in *lang*; the previous language is restored after."""
    saved = (_translations, gettext.textdomain(), os.environ.get("LANGUAGE"))
    activate(lang)
    try:
        yield
    finally:
        _restore(*saved)


def _restore(catalog: gettext.NullTranslations, domain: str, variable: str | None) -> None:
    global _translations
    _translations = catalog
    gettext.textdomain(domain)
    if variable is None:
        os.environ.pop("LANGUAGE", None)
    else:
        os.environ["LANGUAGE"] = variable
