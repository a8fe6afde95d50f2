"""The interface translations that come with Plainspoken (pipeline/data/ui/<lang>.po)."""

from __future__ import annotations

import functools
from pathlib import Path

from pipeline.i18n.catalogs import ProjectCatalog, read_catalog

SHIPPED_DIR = Path(__file__).parent.parent / "data" / "ui"


def shipped_path(language: str) -> Path | None:
    """The interface catalog Plainspoken ships for ``language``, or None if it has none."""
    path = SHIPPED_DIR / f"{language}.po"
    return path if path.is_file() else None


def shipped_display(language: str) -> str:
    """How messages name a shipped catalog (it is no file of the project's)."""
    return f"plainspoken's interface ({language})"


@functools.lru_cache(maxsize=32)
def shipped_ui(language: str) -> ProjectCatalog | None:
    """The shipped interface catalog, read (with its review state in its header), or None.

    Read by Babel alone: msgfmt --check is for catalogs people edit. These are Plainspoken's own
    files, checked by msgfmt in its test suite; checking them again cost every process that built
    pages a msgfmt process per language (13 of a page-only build's 39), each run anew since they are
    kept under no project."""
    path = shipped_path(language)
    if path is None:
        return None
    return read_catalog(path, shipped_display(language), locale=language)
