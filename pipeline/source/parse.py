"""Markdown articles to Documents (the only module that imports markdown_it)."""

from __future__ import annotations

import datetime as dt
import difflib
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
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from pipeline.errors import PlainspokenError, Problem
from pipeline.model import (
    Block,
    BulletList,
    Code,
    CodeBlock,
    Document,
    Emphasis,
    Footnote,
    FootnoteRef,
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
    is_safe_url,
    plain_text,
)
from pipeline.source.languages import SOURCE_LANGUAGE

#: Deepest nesting of blocks or inlines we accept; markdown-it would silently drop text past 20.
MAX_DEPTH = 16
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)\}")
_NOTE = re.compile(r"^[ \t]*<!--[ \t]*i18n:(.*?)-->[ \t]*$", re.MULTILINE | re.DOTALL)
_COMMENT = re.compile(r"<!--(.*?)-->", re.DOTALL)
#: A placeholder's opening brace and name with no closing brace: "{clinic.phone".
_UNCLOSED = re.compile(r"(?<!\\)\{([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)(?![a-z0-9_.]*\})")
#: A link with no scheme that names a web host: "www.samhsa.gov", "samhsa.gov/families".
_HOST_LIKE = re.compile(
    r"^(?:www\.[^/\s]+|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|gov|net|edu|us|io|info|health|mil|int|co)"
    r"(?:[/?#:]|$))",
    re.IGNORECASE,
)
#: Relative links an article may hold: another article (with an anchor), or an anchor on this page.
ARTICLE_LINK = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)\.md(?:#([A-Za-z0-9][\w-]*))?$")
_ANCHOR_LINK = re.compile(r"^#[A-Za-z0-9][\w-]*$")
#: A file of the project's own, such as a printable form: assets/intake-form.pdf.
ASSET_LINK = re.compile(r"^assets/(?!.*(?:^|/)\.\.(?:/|$))[\w./-]+$")
FRONT_MATTER_KEYS = ("title", "summary", "last_reviewed", "language")
#: Front matter keys an article must have (``language`` defaults to the project's source language).
REQUIRED_KEYS = ("title", "summary", "last_reviewed")
#: Where the supported Markdown and front matter are described.
WRITING = "see docs/clinic-staff.md, 'Writing articles'"


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
    """CommonMark with tables, footnotes, front matter, task lists and placeholders.

    Raw HTML, strikethrough and every link are recognised only so that the converter can refuse
    them with a clear message (or drop an author's private comment): none is ever rendered.
    """
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": 4 * MAX_DEPTH})
    md.enable(["table", "strikethrough"])
    md.use(front_matter_plugin)
    md.use(footnote_plugin, inline=False, always_match_refs=True)
    md.use(tasklists_plugin)  # - [ ] Call us: a tick box (ListItem.checked)
    md.inline.ruler.push("placeholder", _placeholder_rule)
    md.validateLink = lambda url: True  # type: ignore[method-assign]  # an unsafe link is reported, never left as literal text
    return md


_MD = make_markdown()


@dataclass
class _Context:
    """What the converter needs while walking one file."""

    path: str
    notes: dict[int, str]
    heading_ids: set[str] = field(default_factory=set)
    line: int = 0
    level: int = 1  # of the last heading; the title is level 1
    problems: list[Problem] = field(default_factory=list)  # errors that do not stop the parse
    comments: list[Problem] = field(default_factory=list)  # the author's private notes
    footnote_lines: dict[str, int] = field(default_factory=dict)  # label → line of its first use

    def error(self, message: str, line: int | None = None) -> PlainspokenError:
        return PlainspokenError.at(self.path, line if line is not None else self.line, message)

    def report(self, message: str, line: int | None = None) -> None:
        """An error that lets the parse go on, so that every one is listed."""
        self.problems.append(self.error(message, line).problems[0])

    def take_note(self, line: int) -> str:
        """The i18n note written just above ``line``, if any."""
        earlier = [n for n in self.notes if n < line]
        if not earlier:
            return ""
        return self.notes.pop(max(earlier))


@dataclass(frozen=True)
class ParsedArticle:
    """An article's document and its author's private comments (never published)."""

    document: Document
    comments: tuple[Problem, ...] = ()
    problems: tuple[Problem, ...] = ()  # errors found: the document must not be published


def parse_article(text: str, *, path: str, slug: str) -> Document:
    """Parse one Markdown article with front matter into a Document; raises on any error."""
    parsed = parse_source(text, path=path, slug=slug)
    if parsed.problems:
        raise PlainspokenError(parsed.problems)
    return parsed.document


@functools.lru_cache(maxsize=256)
def parse_source(text: str, *, path: str, slug: str) -> ParsedArticle:
    """Parse an article, keeping its private comments and every error that lets the parse go on.

    Raises PlainspokenError only for errors that stop it (cached: documents are immutable).
    """
    ctx = _Context(path=path, notes={})
    try:
        doc = _document(_strip_notes(text, ctx), slug, ctx)
    except PlainspokenError as error:
        raise PlainspokenError(sorted({*ctx.problems, *error.problems})) from None
    return ParsedArticle(doc, tuple(ctx.comments), tuple(sorted(set(ctx.problems))))


def _document(text: str, slug: str, ctx: _Context) -> Document:
    env: dict[str, Any] = {}
    tokens = _MD.parse(text, env)
    _check_depth(tokens, ctx)
    children = list(SyntaxTreeNode(tokens).children)
    if not children or children[0].type != "front_matter":
        raise ctx.error("missing front matter (--- title, summary, last_reviewed, language ---)", 1)
    metadata = _metadata(children[0], ctx)
    notes = [node for node in children[1:] if node.type == "footnote_block"]
    blocks = tuple(b for b in (_block(node, ctx) for node in children[1:] if node not in notes) if b)
    footnotes = tuple(_footnote(node, ctx) for block in notes for node in block.children)
    _unused_footnotes(env, text, ctx)
    try:
        return Document(
            slug, metadata.source_language, metadata, blocks, source_path=ctx.path, footnotes=footnotes
        )
    except ModelError as error:
        raise ctx.error(str(error), 1) from None


@functools.lru_cache(maxsize=65536)
def parse_inline(text: str, *, path: str = "", line: int = 0) -> tuple[Inline, ...]:
    """Parse one message's Markdown (a msgid or msgstr) into inlines (cached: nodes are immutable)."""
    ctx = _Context(path=path, notes={}, line=line)
    tokens = _MD.parseInline(text, {})
    _check_depth(tokens, ctx)
    children = SyntaxTreeNode(tokens).children
    inlines = _inlines(children[0] if children else None, ctx)
    if ctx.problems:
        raise PlainspokenError(ctx.problems)
    return inlines


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


def _metadata(node: SyntaxTreeNode, ctx: _Context) -> Metadata:
    """Validate the YAML front matter into Metadata, reporting every problem it has at once.

    Lines come from the YAML nodes themselves; values are read as written (a date in quotes or
    not), so that no YAML type, such as an impossible date, can escape as an exception.
    """
    values = _front_nodes(_compose(node.content, ctx), ctx)
    missing = [key for key in REQUIRED_KEYS if key not in values]
    if missing:
        names = " and ".join(", ".join(repr(k) for k in missing).rsplit(", ", 1))
        ctx.report(f"front matter is missing {names} ({WRITING})", 1)
    title = _front_text(values["title"], "title", ctx) if "title" in values else None
    summary = _summary(values["summary"], ctx) if "summary" in values else None
    reviewed = _last_reviewed(values["last_reviewed"], ctx) if "last_reviewed" in values else None
    language = _language(values["language"], ctx) if "language" in values else SOURCE_LANGUAGE
    if title is None or summary is None or reviewed is None or language is None:
        return _UNPUBLISHABLE  # the problems reported keep the document from being published
    return Metadata(title, summary, reviewed, language)


#: Stands in for front matter with errors, so that the rest of the article is still checked.
_UNPUBLISHABLE = Metadata(Paragraph((), 1), (), "0001-01-01", "en")


def _compose(content: str, ctx: _Context) -> yaml.MappingNode:
    """The front matter's YAML node tree (line 1 of the file is its opening ---)."""
    try:
        root = yaml.compose(content, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        raise ctx.error(f"front matter is not valid YAML: {getattr(error, 'problem', error)}", line) from None
    if not isinstance(root, yaml.MappingNode):
        raise ctx.error("front matter must be a mapping of keys to values, one 'key: value' per line", 1)
    return root


def _node_line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 2


def _front_nodes(root: yaml.MappingNode, ctx: _Context) -> dict[str, yaml.Node]:
    """Each known key's value node; an unknown or repeated key is reported at its line."""
    values: dict[str, yaml.Node] = {}
    first_line: dict[str, int] = {}
    for key_node, value_node in root.value:
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
        line = _node_line(key_node)
        if key not in FRONT_MATTER_KEYS:
            ctx.report(_unknown_key(key), line)
        elif key in values:
            ctx.report(
                f"front matter key {key!r} is written twice (also on line {first_line[key]}): keep one", line
            )
        else:
            values[key], first_line[key] = value_node, line
    return values


def _unknown_key(key: str) -> str:
    close = difflib.get_close_matches(key.lower(), FRONT_MATTER_KEYS, n=1, cutoff=0.6)
    known = f"known: {', '.join(FRONT_MATTER_KEYS)}"
    hint = f": did you mean {close[0]!r}? ({known})" if close else f" ({known})"
    return f"unknown front matter key {key!r}{hint}"


def _scalar_text(node: yaml.Node) -> str | None:
    """A single value's text exactly as written (quoted or not); None for a list, a mapping or nothing."""
    if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
        return None
    return str(node.value)


def _front_text(node: yaml.Node, key: str, ctx: _Context) -> Paragraph | None:
    line = _node_line(node)
    text = _scalar_text(node)
    if isinstance(node, yaml.MappingNode):
        ctx.report(f"{key} must be one line of text: put it in quotes (a ': ' makes YAML read a key)", line)
        return None
    if text is None or not text.strip():
        ctx.report(f"{key} must be a non-empty line of text", line)
        return None
    ctx.line = line
    try:
        return Paragraph(parse_inline(text.strip(), path=ctx.path, line=line), line)
    except PlainspokenError as error:
        ctx.problems.extend(error.problems)
        return Paragraph((), line)


def _summary(node: yaml.Node, ctx: _Context) -> tuple[Paragraph, ...] | None:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        ctx.report("summary must be a list of key points, one per '- ' line", _node_line(node))
        return None
    points = [_front_text(item, "each summary point", ctx) for item in node.value]
    kept = tuple(point for point in points if point is not None)
    return kept if len(kept) == len(points) else None


def _last_reviewed(node: yaml.Node, ctx: _Context) -> str | None:
    """The date as written; a real date in the calendar, quoted or not."""
    text = (_scalar_text(node) or "").strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        ctx.report("last_reviewed must be a date written YYYY-MM-DD", _node_line(node))
        return None
    try:
        dt.date.fromisoformat(text)
    except ValueError as error:
        ctx.report(
            f"last_reviewed {text} is not a real date ({error}): check the month and day", _node_line(node)
        )
        return None
    return text


def _language(node: yaml.Node, ctx: _Context) -> str | None:
    """The articles' language: English, whose tag marks every message a page shows untranslated."""
    text = (_scalar_text(node) or "").strip()
    if text != SOURCE_LANGUAGE:
        shown = f"{text!r}" if text else "empty"
        message = f"language must be {SOURCE_LANGUAGE}, not {shown}: articles are written in English"
        ctx.report(message + " (translations go in locales/<lang>/)", _node_line(node))
        return None
    return text


# --- blocks ------------------------------------------------------------------


def _line(node: SyntaxTreeNode) -> int:
    return node.map[0] + 1 if node.map else 0


def _block(node: SyntaxTreeNode, ctx: _Context) -> Block | None:
    """Convert one block node, dispatching on its type; None for an author's private comment."""
    ctx.line = _line(node)
    if node.type == "html_block":
        _html(node.content, ctx)
        return None
    handler = _BLOCKS.get(node.type)
    if handler is None:
        raise ctx.error(f"{node.type.replace('_', ' ')} is not supported ({WRITING})")
    try:
        return handler(node, ctx)
    except ModelError as error:
        raise ctx.error(str(error)) from None


def _html(content: str, ctx: _Context) -> None:
    """An HTML comment is the author's private note (listed as info); any other HTML is an error."""
    line = ctx.line
    for match in _COMMENT.finditer(content):
        text = " ".join(match.group(1).split())
        where = line + content.count("\n", 0, match.start())
        ctx.comments.append(Problem(ctx.path, where, f"private comment, not published: {text[:70]}"))
    rest = _COMMENT.sub("", content).strip()
    opened = any(p.line == line and "raw HTML" in p.message for p in ctx.problems)
    if rest and not (rest.startswith("</") and opened):  # one error for <b>…</b>
        shown = rest.splitlines()[0][:40]
        hint = (
            "end the line with a backslash \\ for a line break"
            if re.match(r"(?i)<br\b", rest)
            else f"write Markdown instead ({WRITING})"
        )
        ctx.report(f"raw HTML is not supported ({shown}): {hint}", line)


def _heading(node: SyntaxTreeNode, ctx: _Context) -> Heading:
    if node.tag == "h1":
        raise ctx.error("the title (front matter) is the page's only level-1 heading: use ## for sections")
    level = int(node.tag[1])
    if level > ctx.level + 1:
        ctx.report(
            f"heading level skipped: {'#' * level} after {'#' * ctx.level or 'the title'}; "
            f"use {'#' * (ctx.level + 1)} so that screen readers can follow the outline (WCAG 1.3.1)"
        )
    ctx.level = level
    inlines = _inlines(node.children[0] if node.children else None, ctx)
    return Heading(level, _heading_id(inlines, ctx), inlines, ctx.line, note=ctx.take_note(ctx.line))


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
        checked = _take_task_box(item)
        items.append(ListItem(_blocks(item.children, ctx), line, checked=checked))
    return tuple(items)


def _take_task_box(item: SyntaxTreeNode) -> bool | None:
    """A task-list item's box (``[ ]`` False, ``[x]`` True), taken out of its text; None if none.

    mdit-py-plugins' tasklists marks the item and puts the box first in its first paragraph as an
    ``<input>``: that input is removed here, with the space after it."""
    if "task-list-item" not in str(item.attrs.get("class", "")).split():
        return None
    inline = item.children[0].children[0]
    box, *rest = inline.children
    if rest and rest[0].type == "text":
        rest[0].token.content = rest[0].token.content.removeprefix(" ")  # type: ignore[union-attr]
    inline.children = rest
    return 'checked="checked"' in box.content


def _blocks(nodes: list[SyntaxTreeNode], ctx: _Context) -> tuple[Block, ...]:
    return tuple(block for block in (_block(child, ctx) for child in nodes) if block is not None)


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
    return Quote(_blocks(node.children, ctx), line)


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


def _footnote(node: SyntaxTreeNode, ctx: _Context) -> Footnote:
    """One footnote definition: a single paragraph."""
    label = str(node.meta["label"])
    paragraphs = [child for child in node.children if child.type == "paragraph"]
    if not paragraphs:
        raise ctx.error(
            f"footnote [^{label}] is used but never written: add a line [^{label}]: …",
            ctx.footnote_lines.get(label, 0),
        )
    ctx.line = _line(paragraphs[0])
    if len(paragraphs) > 1 or len(paragraphs) != len(
        [c for c in node.children if c.type != "footnote_anchor"]
    ):
        raise ctx.error(f"footnote [^{label}] must be one paragraph")
    line = ctx.line
    inlines = _inlines(paragraphs[0].children[0] if paragraphs[0].children else None, ctx)
    try:
        return Footnote(label, inlines, line, note=ctx.take_note(line))
    except ModelError as error:
        raise ctx.error(str(error), line) from None


def _unused_footnotes(env: dict[str, Any], text: str, ctx: _Context) -> None:
    """A footnote written but never referred to would be lost: say so."""
    refs = env.get("footnotes", {}).get("refs", {})
    for key, number in refs.items():
        if number < 0:
            label = key[1:]
            match = re.search(rf"^[ \t]*\[\^{re.escape(label)}\]:", text, re.MULTILINE)
            line = text.count("\n", 0, match.start()) + 1 if match else 0
            ctx.report(
                f"footnote [^{label}] is never referred to: add [^{label}] after the words it is about", line
            )


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
    if node.type == "inline":  # the source as written: an escaped \{ is meant as a brace
        _unclosed_placeholders(node.content, ctx)
    result: list[Inline] = []
    dropped = removed = False  # a private comment was taken out: leave no extra space where it was
    for child in node.children:
        converted = _inline(child, ctx)
        if converted is None:
            dropped = removed = True
            continue
        if isinstance(converted, Text) and result and isinstance(result[-1], Text):
            before = result[-1].text
            if dropped and before.endswith(" ") and converted.text.startswith(" "):
                before = before[:-1]
            result[-1] = Text(before + converted.text)
        else:
            result.append(converted)
        dropped = False
    return _trim(result) if removed else tuple(result)


def _trim(result: list[Inline]) -> tuple[Inline, ...]:
    """No space left at either end of the text once a private comment is taken out."""
    for index in (0, -1):
        node = result[index] if result else None
        if isinstance(node, Text):
            text = node.text.lstrip() if index == 0 else node.text.rstrip()
            if text:
                result[index] = Text(text)
            else:
                del result[index]
    return tuple(result)


def _inline(node: SyntaxTreeNode, ctx: _Context) -> Inline | None:
    """Convert one inline node, dispatching on its type."""
    kind = node.type
    if kind == "text":
        return Text(node.content) if node.content else None
    if kind == "softbreak":
        ctx.line += 1 if ctx.line else 0
        return Text(" ")
    if kind == "html_inline":
        _html(node.content, ctx)
        return None
    if kind == "s":
        ctx.report("strikethrough (~~…~~) is not supported: delete the words, or say in words what changed")
        return None
    handler = _INLINES.get(kind)
    if handler is None:
        raise ctx.error(f"inline {kind.replace('_', ' ')} is not supported ({WRITING})")
    try:
        return handler(node, ctx)
    except ModelError as error:
        raise ctx.error(str(error)) from None


def _unclosed_placeholders(text: str, ctx: _Context) -> None:
    for match in _UNCLOSED.finditer(text):
        name, line = match.group(1), ctx.line + text.count("\n", 0, match.start()) if ctx.line else 0
        ctx.report(f"unclosed placeholder {{{name}: write {{{name}}}", line)


def _link(node: SyntaxTreeNode, ctx: _Context) -> Link | None:
    if node.attrs.get("title"):
        raise ctx.error("link titles are not supported; put the words in the link text")
    href = str(node.attrs["href"])
    children = _inlines(node, ctx)
    problem = link_problem(href)
    if problem:
        ctx.report(problem)
        return None
    return Link(href, children)


def link_problem(href: str) -> str:
    """Why an article may not link to ``href``, or '' (whether its target exists is checked later)."""
    if not is_safe_url(href):
        return f"link to {href[:40]!r} is not allowed: links may use https:, http:, mailto: or tel:"
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", href) or ARTICLE_LINK.match(href) or _ANCHOR_LINK.match(href):
        return ""
    if ASSET_LINK.match(href):
        return ""
    if _HOST_LIKE.match(href):
        return f"link to {href!r} has no scheme, so it would lead nowhere: write https://{href}"
    return (
        f"link to {href!r} is neither a web address (https://…) nor another article "
        "(other-article.md or other-article.md#section) nor a file under source/assets/"
    )


def _image(node: SyntaxTreeNode, ctx: _Context) -> Image:
    if node.attrs.get("title"):
        raise ctx.error("image titles are not supported; put the words in the alt text")
    alt = node.content.strip()
    if not alt:
        raise ctx.error(f"image {node.attrs['src']!s} has no alt text: write ![what it shows](...)")
    return Image(str(node.attrs["src"]), alt)


_INLINES: dict[str, Callable[[SyntaxTreeNode, _Context], Inline | None]] = {
    "em": lambda n, c: Emphasis(_inlines(n, c)),
    "strong": lambda n, c: Strong(_inlines(n, c)),
    "link": _link,
    "image": _image,
    "code_inline": lambda n, c: Code(n.content),
    "hardbreak": lambda n, c: LineBreak(),
    "placeholder": lambda n, c: Placeholder(n.content),
    "footnote_ref": lambda n, c: _footnote_ref(n, c),
}


def _footnote_ref(node: SyntaxTreeNode, ctx: _Context) -> FootnoteRef:
    label = str(node.meta["label"])
    ctx.footnote_lines.setdefault(label, ctx.line)
    return FootnoteRef(label)
