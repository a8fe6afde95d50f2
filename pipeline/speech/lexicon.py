"""The project's pronunciation lexicon: source/pronunciation.toml, one table per language."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pipeline.errors import PlainspokenError


def load_lexicon(path: Path, language: str, *, display: str) -> dict[str, str]:
    """Written form → spoken form for ``language``; {} when the file or table is absent."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        line = int(str(error).rsplit("line ", 1)[-1].split(",")[0]) if "line " in str(error) else 0
        raise PlainspokenError.at(display, line, f"not valid TOML: {error}") from None
    table = data.get(language, {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise PlainspokenError.at(display, 0, f"[{language}] must map written words to spoken words")
    return dict(table)
