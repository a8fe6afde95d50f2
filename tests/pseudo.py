"""A pseudo-locale: every msgstr is its msgid with accented vowels inside ⟦ ⟧, Markdown intact."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from pipeline.i18n.catalogs import read_catalog
from pipeline.i18n.po_edit import NewString, set_msgstrs
from pipeline.markup import to_markdown
from pipeline.model import Emphasis, Inline, Link, Strong, Text
from pipeline.source.parse import parse_inline

PSEUDO = "en-XA"
_ACCENTS = str.maketrans("aeiouAEIOU", "áéíóúÁÉÍÓÚ")


def _pseudo_inlines(inlines: tuple[Inline, ...]) -> tuple[Inline, ...]:
    out: list[Inline] = []
    for node in inlines:
        if isinstance(node, Text):
            out.append(Text(node.text.translate(_ACCENTS)))
        elif isinstance(node, Emphasis | Strong | Link):
            out.append(dataclasses.replace(node, children=_pseudo_inlines(node.children)))
        else:
            out.append(node)
    return tuple(out)


def pseudo_translate(msgid: str) -> str:
    """'**IOP:** Usually' → '⟦**ÍÓP:** Ísúálly⟧'."""
    inlines = (Text("⟦"), *_pseudo_inlines(parse_inline(msgid)), Text("⟧"))
    return to_markdown(inlines)


def pseudo_plain(text: str) -> str:
    """Interface strings are plain text: accent it, keep {placeholders}."""
    parts = re.split(r"(\{[\w.]+\})", text)  # {name} and fact placeholders such as {clinic.phone}
    return "⟦" + "".join(p if p.startswith("{") else p.translate(_ACCENTS) for p in parts) + "⟧"


def fill_catalog(path: Path) -> None:
    """Translate every message of a catalog into the pseudo-locale, in place."""
    catalog = read_catalog(path, str(path))
    translate = pseudo_plain if path.stem == "ui" else pseudo_translate
    strings = {str(m.id): NewString(translate(str(m.id)), False) for m in catalog if m.id}
    path.write_text(set_msgstrs(path.read_text(encoding="utf-8"), strings), encoding="utf-8")
