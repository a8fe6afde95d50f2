"""Inline nodes back to Markdown: the canonical text of a message id."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

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

_SPECIAL = re.compile(r"([\\`*_\[\]{}<>~])")
_ENTITY = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)")


def escape_text(text: str) -> str:
    """Backslash-escape what Markdown would otherwise read as markup."""
    return _ENTITY.sub(r"\\&", _SPECIAL.sub(r"\\\1", text))


@functools.lru_cache(maxsize=65536)
def to_markdown(inlines: tuple[Inline, ...]) -> str:
    """Serialise inlines as Markdown; parsing the result gives the same inlines (cached)."""
    return "".join(_WRITERS[type(node)](node) for node in inlines)


def markdown_url(url: str) -> str:
    """A link or image target as Markdown writes it: in <…> when it has spaces or brackets."""
    return f"<{url}>" if re.search(r"[\s()<>]", url) else url


def _code(node: Code) -> str:
    runs = [len(r) for r in re.findall(r"`+", node.text)]
    fence = "`" * (max(runs, default=0) + 1)
    text = node.text
    if text.startswith("`") or text.endswith("`") or (text[:1] == text[-1:] == " " and text.strip()):
        text = f" {text} "
    return f"{fence}{text}{fence}"


_WRITERS: dict[type[Any], Callable[[Any], str]] = {
    Text: lambda n: escape_text(n.text),
    Emphasis: lambda n: f"*{to_markdown(n.children)}*",
    Strong: lambda n: f"**{to_markdown(n.children)}**",
    Link: lambda n: f"[{to_markdown(n.children)}]({markdown_url(n.url)})",
    Image: lambda n: f"![{escape_text(n.alt)}]({markdown_url(n.src)})",
    Code: _code,
    LineBreak: lambda n: "\\\n",
    Placeholder: lambda n: f"{{{n.name}}}",
    FootnoteRef: lambda n: f"[^{n.label}]",
}
