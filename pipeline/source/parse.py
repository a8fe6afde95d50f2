"""Markdown articles to Documents (the only module that imports markdown_it)."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.front_matter import front_matter_plugin

from pipeline.errors import PlainspokenError
from pipeline.model import (
    Block,
    BulletList,
    Code,
    CodeBlock,
    Document,
    Emphasis,
    Heading,
    Image,
    Inline,
    LineBreak,
    Link,
    ListItem,
    Metadata,
    ModelError,
    OrderedList,
    Paragraph,
    Placeholder,
    Quote,
    Strong,
    Table,
    TableCell,
    TableRow,
    Text,
    ThematicBreak,
    plain_text,
)

#: Deepest nesting of blocks or inlines we accept; markdown-it would silently drop text past 20.
MAX_DEPTH = 16
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)\}")
_NOTE = re.compile(r"^[ \t]*<!--[ \t]*i18n:(.*?)-->[ \t]*$", re.MULTILINE | re.DOTALL)
FRONT_MATTER_KEYS = ("title", "summary", "last_reviewed", "language")


def _placeholder_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule: ``{clinic.phone}`` becomes a placeholder token."""
    if state.src[state.pos] != "{":
        return False
    match = _PLACEHOLDER.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("placeholder", "", 0)
        token.content = match.group(1)
    state.pos = match.end()
    return True


def make_markdown() -> MarkdownIt:
    """CommonMark with tables and front matter; raw HTML off; placeholders on."""
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": 4 * MAX_DEPTH})
    md.enable("table")
    md.use(front_matter_plugin)
    md.inline.ruler.push("placeholder", _placeholder_rule)
    return md


_MD = make_markdown()


@dataclass
class _Context:
    """What the converter needs while walking one file."""

    path: str
    notes: dict[int, str]
    heading_ids: set[str] = field(default_factory=set)
    line: int = 0

    def error(self, message: str, line: int | None = None) -> PlainspokenError:
        return PlainspokenError.at(self.path, line if line is not None else self.line, message)

    def take_note(self, line: int) -> str:
        """The i18n note written just above ``line``, if any."""
        earlier = [n for n in self.notes if n < line]
        if not earlier:
            return ""
        return self.notes.pop(max(earlier))


@functools.lru_cache(maxsize=256)
def parse_article(text: str, *, path: str, slug: str) -> Document:
    """Parse one Markdown article with front matter into a Document (cached: documents are immutable)."""
    ctx = _Context(path=path, notes={})
    text = _strip_notes(text, ctx)
    tokens = _MD.parse(text)
    _check_depth(tokens, ctx)
    tree = SyntaxTreeNode(tokens)
    children = list(tree.children)
    if not children or children[0].type != "front_matter":
        raise ctx.error("missing front matter (--- title, summary, last_reviewed, language ---)", 1)
    metadata = _metadata(children[0], text, ctx)
    blocks = tuple(_block(node, ctx) for node in children[1:])
    try:
        return Document(slug, metadata.source_language, metadata, blocks, source_path=path)
    except ModelError as error:
        raise ctx.error(str(error), 1) from None


@functools.lru_cache(maxsize=65536)
def parse_inline(text: str, *, path: str = "", line: int = 0) -> tuple[Inline, ...]:
    """Parse one message's Markdown (a msgid or msgstr) into inlines (cached: nodes are immutable)."""
    ctx = _Context(path=path, notes={}, line=line)
    tokens = _MD.parseInline(text)
    _check_depth(tokens, ctx)
    children = SyntaxTreeNode(tokens).children
    return _inlines(children[0] if children else None, ctx)


def _strip_notes(text: str, ctx: _Context) -> str:
    """Blank out ``<!-- i18n: … -->`` notes, keeping line numbers, and remember them."""

    def blank(match: re.Match[str]) -> str:
        end_line = text.count("\n", 0, match.end()) + 1
        ctx.notes[end_line] = " ".join(match.group(1).split())
        return "\n" * match.group(0).count("\n")

    return _NOTE.sub(blank, text)


def _check_depth(tokens: list[Token], ctx: _Context, depth: int = 0) -> None:
    """Refuse nesting deep enough that markdown-it could drop text."""
    for token in tokens:
        if token.level + depth > MAX_DEPTH:
            line = token.map[0] + 1 if token.map else ctx.line
            raise ctx.error(f"nesting deeper than {MAX_DEPTH} levels is not supported", line)
        if token.children:
            inner_line = token.map[0] + 1 if token.map else ctx.line
            saved, ctx.line = ctx.line, inner_line
            _check_depth(token.children, ctx, token.level + depth)
            ctx.line = saved


# --- front matter --------------------------------------------------------------


def _metadata(node: SyntaxTreeNode, text: str, ctx: _Context) -> Metadata:
    """Validate the YAML front matter into Metadata."""
    try:
        data = yaml.safe_load(node.content)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        raise ctx.error(f"front matter is not valid YAML: {getattr(error, 'problem', error)}", line) from None
    if not isinstance(data, dict):
        raise ctx.error("front matter must be a mapping of keys to values", 1)
    lines = _key_lines(text)
    for key in data:
        if key not in FRONT_MATTER_KEYS:
            raise ctx.error(
                f"unknown front matter key {key!r} (known: {', '.join(FRONT_MATTER_KEYS)})",
                lines.get(str(key), 1),
            )
    for key in FRONT_MATTER_KEYS:
        if key not in data:
            raise ctx.error(f"front matter is missing {key!r}", 1)
    title = _front_text(data["title"], "title", lines["title"], ctx)
    summary = _summary(data["summary"], lines["summary"], text, ctx)
    reviewed = data["last_reviewed"]
    if isinstance(reviewed, dt.date):
        reviewed = reviewed.isoformat()
    if not (isinstance(reviewed, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", reviewed)):
        raise ctx.error("last_reviewed must be a date written YYYY-MM-DD", lines["last_reviewed"])
    language = data["language"]
    if not isinstance(language, str) or not language:
        raise ctx.error("language must be a language tag such as en", lines["language"])
    return Metadata(title, summary, reviewed, language)


def _key_lines(text: str) -> dict[str, int]:
    """The line of each top-level front matter key."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"([A-Za-z_][\w-]*)\s*:", line)
        if match and match.group(1) not in lines:
            lines[match.group(1)] = number
        if number > 1 and line.strip() == "---":
            break
    return lines


def _front_text(value: Any, key: str, line: int, ctx: _Context) -> Paragraph:
    if not isinstance(value, str) or not value.strip():
        raise ctx.error(f"{key} must be a non-empty line of text", line)
    ctx.line = line
    return Paragraph(parse_inline(value.strip(), path=ctx.path, line=line), line)


def _summary(value: Any, line: int, text: str, ctx: _Context) -> tuple[Paragraph, ...]:
    if not isinstance(value, list) or not value:
        raise ctx.error("summary must be a list of key points, one per '- ' line", line)
    item_lines = [
        number
        for number, row in enumerate(text.splitlines(), start=1)
        if number > line and re.match(r"\s+-\s", row)
    ]
    points = []
    for index, item in enumerate(value):
        item_line = item_lines[index] if index < len(item_lines) else line
        points.append(_front_text(item, "each summary point", item_line, ctx))
    return tuple(points)


# --- blocks ------------------------------------------------------------------


def _line(node: SyntaxTreeNode) -> int:
    return node.map[0] + 1 if node.map else 0


def _block(node: SyntaxTreeNode, ctx: _Context) -> Block:
    """Convert one block node, dispatching on its type."""
    ctx.line = _line(node)
    handler = _BLOCKS.get(node.type)
    if handler is None:
        raise ctx.error(f"{node.type.replace('_', ' ')} is not supported (see README, 'Writing articles')")
    try:
        return handler(node, ctx)
    except ModelError as error:
        raise ctx.error(str(error)) from None


def _heading(node: SyntaxTreeNode, ctx: _Context) -> Heading:
    if node.tag == "h1":
        raise ctx.error("the title (front matter) is the page's only level-1 heading: use ## for sections")
    inlines = _inlines(node.children[0] if node.children else None, ctx)
    return Heading(
        int(node.tag[1]), _heading_id(inlines, ctx), inlines, ctx.line, note=ctx.take_note(ctx.line)
    )


def _heading_id(inlines: tuple[Inline, ...], ctx: _Context) -> str:
    """A readable ASCII id from the heading text, unique within the article."""
    ascii_text = unicodedata.normalize("NFKD", plain_text(inlines)).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "section"
    candidate, number = base, 1
    while candidate in ctx.heading_ids:
        number += 1
        candidate = f"{base}-{number}"
    ctx.heading_ids.add(candidate)
    return candidate


def _paragraph(node: SyntaxTreeNode, ctx: _Context) -> Paragraph:
    line = ctx.line
    inlines = _inlines(node.children[0] if node.children else None, ctx)
    return Paragraph(inlines, line, note=ctx.take_note(line))


def _items(node: SyntaxTreeNode, ctx: _Context) -> tuple[ListItem, ...]:
    items = []
    for item in node.children:
        line = _line(item)
        items.append(ListItem(tuple(_block(child, ctx) for child in item.children), line))
    return tuple(items)


def _bullet_list(node: SyntaxTreeNode, ctx: _Context) -> BulletList:
    line = ctx.line
    note = ctx.take_note(line)
    return BulletList(_items(node, ctx), line, note=note)


def _ordered_list(node: SyntaxTreeNode, ctx: _Context) -> OrderedList:
    line = ctx.line
    note = ctx.take_note(line)
    start = int(str(node.attrs.get("start", 1)))
    return OrderedList(_items(node, ctx), line, start=start, note=note)


def _quote(node: SyntaxTreeNode, ctx: _Context) -> Quote:
    line = ctx.line
    return Quote(tuple(_block(child, ctx) for child in node.children), line)


def _code_block(node: SyntaxTreeNode, ctx: _Context) -> CodeBlock:
    return CodeBlock(node.content, ctx.line, info=node.info.strip())


def _hr(node: SyntaxTreeNode, ctx: _Context) -> ThematicBreak:
    return ThematicBreak(ctx.line)


def _table(node: SyntaxTreeNode, ctx: _Context) -> Table:
    line = ctx.line
    note = ctx.take_note(line)
    rows = []
    for section in node.children:
        for row in section.children:
            rows.append(TableRow(tuple(_cell(cell, ctx) for cell in row.children), _line(row)))
    return Table(tuple(rows), line, note=note)


def _cell(node: SyntaxTreeNode, ctx: _Context) -> TableCell:
    style = str(node.attrs.get("style", ""))
    align = style.removeprefix("text-align:") if style.startswith("text-align:") else ""
    inlines = _inlines(node.children[0] if node.children else None, ctx)
    return TableCell(inlines, header=node.type == "th", align=align)


_BLOCKS: dict[str, Callable[[SyntaxTreeNode, _Context], Block]] = {
    "heading": _heading,
    "paragraph": _paragraph,
    "bullet_list": _bullet_list,
    "ordered_list": _ordered_list,
    "blockquote": _quote,
    "fence": _code_block,
    "code_block": _code_block,
    "hr": _hr,
    "table": _table,
}


# --- inlines -----------------------------------------------------------------


def _inlines(node: SyntaxTreeNode | None, ctx: _Context) -> tuple[Inline, ...]:
    """Convert an inline node's children, merging adjacent text."""
    if node is None:
        return ()
    result: list[Inline] = []
    for child in node.children:
        converted = _inline(child, ctx)
        if converted is None:
            continue
        if isinstance(converted, Text) and result and isinstance(result[-1], Text):
            result[-1] = Text(result[-1].text + converted.text)
        else:
            result.append(converted)
    return tuple(result)


def _inline(node: SyntaxTreeNode, ctx: _Context) -> Inline | None:
    """Convert one inline node, dispatching on its type."""
    kind = node.type
    if kind == "text":
        return Text(node.content) if node.content else None
    if kind == "softbreak":
        return Text(" ")
    handler = _INLINES.get(kind)
    if handler is None:
        raise ctx.error(f"inline {kind.replace('_', ' ')} is not supported (see README, 'Writing articles')")
    try:
        return handler(node, ctx)
    except ModelError as error:
        raise ctx.error(str(error)) from None


def _link(node: SyntaxTreeNode, ctx: _Context) -> Link:
    if node.attrs.get("title"):
        raise ctx.error("link titles are not supported; put the words in the link text")
    return Link(str(node.attrs["href"]), _inlines(node, ctx))


def _image(node: SyntaxTreeNode, ctx: _Context) -> Image:
    if node.attrs.get("title"):
        raise ctx.error("image titles are not supported; put the words in the alt text")
    alt = node.content.strip()
    if not alt:
        raise ctx.error(f"image {node.attrs['src']!s} has no alt text: write ![what it shows](...)")
    return Image(str(node.attrs["src"]), alt)


_INLINES: dict[str, Callable[[SyntaxTreeNode, _Context], Inline]] = {
    "em": lambda n, c: Emphasis(_inlines(n, c)),
    "strong": lambda n, c: Strong(_inlines(n, c)),
    "link": _link,
    "image": _image,
    "code_inline": lambda n, c: Code(n.content),
    "hardbreak": lambda n, c: LineBreak(),
    "placeholder": lambda n, c: Placeholder(n.content),
}
