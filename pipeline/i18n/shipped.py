"""The interface translations that come with Plainspoken (pipeline/data/ui/<lang>.po)."""

from __future__ import annotations

import functools
from pathlib import Path

from pipeline.i18n.catalogs import ProjectCatalog, load_catalog

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
    """The shipped interface catalog, loaded (with its review state in its header), or None."""
    path = shipped_path(language)
    if path is None:
        return None
    return load_catalog(path, shipped_display(language), locale=language)
