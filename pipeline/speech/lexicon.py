"""Pronunciation lexicons: locales/<lang>/pronunciation.toml, written form = spoken form."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pipeline.errors import PlainspokenError


def load_lexicon(path: Path, *, display: str) -> dict[str, str]:
    """Written form → spoken form; {} when the language has no lexicon."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"\(at line (\d+)", str(error))
        raise PlainspokenError.at(
            display, int(match.group(1)) if match else 0, f"not valid TOML: {error}"
        ) from None
    if not all(isinstance(v, str) for v in data.values()):
        raise PlainspokenError.at(display, 0, 'write one entry a line: IOP = "I O P"')
    return dict(data)
