"""A message as text and numbered inline codes, the form XLIFF 1.2, XLIFF 2.0 and TMX all carry."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.markup import escape_text, markdown_url, to_markdown
from pipeline.model import (
    Code,
    Emphasis,
    FootnoteRef,
    Image,
    Inline,
    LineBreak,
    Link,
    Placeholder,
    Strong,
    Text,
)
from pipeline.source.parse import parse_inline

_UI_PLACEHOLDER = re.compile(r"(\{[A-Za-z_][\w.]*\})")


@dataclass(frozen=True)
class Piece:
    """Text, or one inline code: a standalone code (ph), or the opening (bpt) or closing (ept) of a pair.

    ``native`` is the text itself, or the Markdown the code stands for; ``kind`` is what it is
    (bold, link, image, x-placeholder…) and ``id`` numbers codes, the same for both ends of a pair.
    """

    tag: str
    native: str
    kind: str = ""
    id: int = 0


class Pieces:
    """Inline nodes to text and inline codes; a target numbers its codes as its source does.

    Text a reader sees is text (alt text too); what the CAT tool must keep is a code. A node type
    without a method here raises TypeError, never goes out silently dropped.
    """

    def __init__(self, source: Pieces | None = None) -> None:
        self.pieces: list[Piece] = []
        self.next_id: int = source.next_id if source else 1
        #: (tag, native code) → ids, in order; a target reuses its source's ids for the same codes.
        self.ids: dict[tuple[str, str], list[int]] = {}
        self.reuse = {key: list(ids) for key, ids in source.ids.items()} if source else None
        self._by_type: dict[type[Any], Callable[[Any], object]] = {
            Text: lambda n: self.text(n.text),
            Emphasis: lambda n: self.pair("*", "*", "italic", n.children),
            Strong: lambda n: self.pair("**", "**", "bold", n.children),
            Link: lambda n: self.pair("[", f"]({markdown_url(n.url)})", "link", n.children),
            Image: lambda n: self.pair("![", f"]({markdown_url(n.src)})", "image", (Text(n.alt),)),
            Code: lambda n: self.code("ph", to_markdown((n,)), "x-code"),
            LineBreak: lambda n: self.code("ph", to_markdown((n,)), "lb"),
            Placeholder: lambda n: self.code("ph", f"{{{n.name}}}", "x-placeholder"),
            FootnoteRef: lambda n: self.code("ph", f"[^{n.label}]", "x-footnote"),
        }

    def inlines(self, nodes: Sequence[Inline]) -> None:
        for node in nodes:
            write = self._by_type.get(type(node))
            if write is None:
                raise TypeError(f"no inline code for {type(node).__name__} nodes")
            write(node)

    def text(self, value: str) -> None:
        if self.pieces and self.pieces[-1].tag == "text":
            value = self.pieces.pop().native + value
        self.pieces.append(Piece("text", value))

    def code(self, tag: str, native: str, kind: str, number: int | None = None, key: str = "") -> int:
        number = number if number is not None else self._number((tag, key or native))
        self.pieces.append(Piece(tag, native, kind, number))
        return number

    def _number(self, key: tuple[str, str]) -> int:
        if self.reuse is not None and self.reuse.get(key):
            number = self.reuse[key].pop(0)
        else:
            number, self.next_id = self.next_id, self.next_id + 1
        self.ids.setdefault(key, []).append(number)
        return number

    def pair(self, opening: str, closing: str, kind: str, children: Sequence[Inline]) -> None:
        number = self.code("bpt", opening, kind, key=opening + closing)
        self.inlines(children)
        self.code("ept", closing, kind, number)


def message_pieces(text: str, *, markdown: bool, source: Pieces | None = None) -> Pieces:
    """A message as pieces: Markdown parsed into codes, or plain interface text with {placeholders}."""
    pieces = Pieces(source)
    if markdown:
        pieces.inlines(parse_inline(text))
        return pieces
    for index, part in enumerate(_UI_PLACEHOLDER.split(text)):
        if index % 2:
            pieces.code("ph", part, "x-placeholder")
        elif part:
            pieces.text(part)
    return pieces


def escape_for(*, markdown: bool) -> Callable[[str], str]:
    """How text between codes goes back into a msgstr: Markdown-escaped, or as it is."""
    return escape_text if markdown else str
