"""Build hook: compile the gettext catalogs (.po → .mo) before the package data is collected.

Everything else about the package is in pyproject.toml. The .mo files are build products
(git-ignored); they are written next to their .po inside src/radiocast/locale/, so a wheel
(`pip install .`) packs them and an editable install (`pip install -e .`) finds them in place.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE_DIR = Path(__file__).parent / "src" / "radiocast" / "locale"


def compile_catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile every <lang>/LC_MESSAGES/*.po under *locale_dir*; a broken catalog fails the build."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name, domain=po.stem)
        errors = [f"{po}: {message.id!r}: {error}" for message, found in catalog.check() for error in found]
        if errors:
            raise SystemExit("\n".join(errors))
        mo = po.with_suffix(".mo")
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as f:
            # Fuzzy entries are guesses: English is better than a wrong translation.
            write_mo(f, catalog, use_fuzzy=False)
        tmp.replace(mo)
        written.append(mo)
    return written


class BuildPyWithCatalogs(build_py):
    def run(self) -> None:
        compile_catalogs()
        # build_py lists package data lazily; forget any list made before the .mo files existed.
        self.__dict__.pop("data_files", None)
        super().run()


setup(cmdclass={"build_py": BuildPyWithCatalogs})
