"""The intermediate document: frozen dataclasses, JSON-ready with to_dict/from_dict."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeAlias

SCHEMA_VERSION = 1

#: URL schemes a link may use; anything else (javascript:, data:, file:) is refused.
SAFE_LINK_SCHEMES = ("http", "https", "mailto", "tel")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_PLACEHOLDER_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
_FOOTNOTE_LABEL = re.compile(r"^[^\s\]\[^]+$")


class ModelError(ValueError):
    """A node was built with values the model does not allow."""


def is_safe_url(url: str) -> bool:
    """True for relative URLs and those with a scheme in SAFE_LINK_SCHEMES."""
    cleaned = "".join(ch for ch in url if ch > " " and ch != "\x7f")
    match = _SCHEME.match(cleaned)
    return match is None or match.group(1).lower() in SAFE_LINK_SCHEMES


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ModelError(message)


def _require_all(items: tuple[Any, ...], kinds: Any, what: str) -> None:
    _require(isinstance(items, tuple), f"{what} must be a tuple")
    for item in items:
        _require(isinstance(item, kinds), f"{what} cannot hold {type(item).__name__}")


# --- inlines -----------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """Plain text."""

    text: str

    def __post_init__(self) -> None:
        _require(isinstance(self.text, str) and self.text != "", "Text must be a non-empty str")


@dataclass(frozen=True)
class Emphasis:
    """Emphasised text (*…*)."""

    children: tuple[Inline, ...]

    def __post_init__(self) -> None:
        _require_all(self.children, INLINE_TYPES, "Emphasis")
        _require(bool(self.children), "Emphasis must not be empty")


@dataclass(frozen=True)
class Strong:
    """Strongly emphasised text (**…**)."""

    children: tuple[Inline, ...]

    def __post_init__(self) -> None:
        _require_all(self.children, INLINE_TYPES, "Strong")
        _require(bool(self.children), "Strong must not be empty")


@dataclass(frozen=True)
class Link:
    """A hyperlink; its text is translatable, its URL is not."""

    url: str
    children: tuple[Inline, ...]

    def __post_init__(self) -> None:
        _require_all(self.children, INLINE_TYPES, "Link")
        _require(is_safe_url(self.url), f"unsafe link URL {self.url!r}")


@dataclass(frozen=True)
class Image:
    """An image from the project's assets; its alt text is translatable."""

    src: str
    alt: str

    def __post_init__(self) -> None:
        _require(self.alt.strip() != "", f"image {self.src!r} has no alt text")
        parts = self.src.split("/")
        _require(
            _SCHEME.match(self.src) is None and not self.src.startswith("/") and ".." not in parts,
            f"image {self.src!r} must be a file under source/, e.g. assets/photo.png",
        )


@dataclass(frozen=True)
class Code:
    """Inline code, never translated."""

    text: str


@dataclass(frozen=True)
class LineBreak:
    """A hard line break."""


@dataclass(frozen=True)
class Placeholder:
    """A fact from site.toml such as {clinic.phone}, filled in at render time."""

    name: str

    def __post_init__(self) -> None:
        _require(bool(_PLACEHOLDER_NAME.match(self.name)), f"bad placeholder {self.name!r}")


@dataclass(frozen=True)
class FootnoteRef:
    """A reference to a footnote by its author's label ([^1], [^cdc]); numbered when rendered."""

    label: str

    def __post_init__(self) -> None:
        _require(bool(_FOOTNOTE_LABEL.match(self.label)), f"bad footnote label {self.label!r}")


Inline: TypeAlias = Text | Emphasis | Strong | Link | Image | Code | LineBreak | Placeholder | FootnoteRef
INLINE_TYPES = (Text, Emphasis, Strong, Link, Image, Code, LineBreak, Placeholder, FootnoteRef)


# --- blocks ------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    """A paragraph: one translatable unit.

    ``lang`` is empty when the text is in the document's language, and names the
    language it fell back to otherwise.
    """

    inlines: tuple[Inline, ...]
    line: int
    lang: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        _require_all(self.inlines, INLINE_TYPES, "Paragraph")
        _require(self.line >= 0, "line must be >= 0")


@dataclass(frozen=True)
class Heading:
    """A section heading with an id that is the same in every language."""

    level: int
    id: str
    inlines: tuple[Inline, ...]
    line: int
    lang: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        _require(1 <= self.level <= 6, f"heading level {self.level} is not 1-6")
        _require(bool(re.fullmatch(r"[a-z0-9][a-z0-9-]*", self.id)), f"bad heading id {self.id!r}")
        _require_all(self.inlines, INLINE_TYPES, "Heading")


@dataclass(frozen=True)
class ListItem:
    """One item of a list: blocks, usually one paragraph. A task-list item (``- [ ] Call us``) is a
    tick box: ``checked`` False or True; None for an ordinary item. The box is structure, not words:
    a translator sees only "Call us", and cannot lose or move it."""

    blocks: tuple[Block, ...]
    line: int
    checked: bool | None = None

    def __post_init__(self) -> None:
        _require_all(self.blocks, BLOCK_TYPES, "ListItem")
        _require(self.checked in (None, False, True), "checked must be None, False or True")


@dataclass(frozen=True)
class BulletList:
    """An unordered list."""

    items: tuple[ListItem, ...]
    line: int
    note: str = ""

    def __post_init__(self) -> None:
        _require_all(self.items, ListItem, "BulletList")


@dataclass(frozen=True)
class OrderedList:
    """A numbered list starting at ``start``."""

    items: tuple[ListItem, ...]
    line: int
    start: int = 1
    note: str = ""

    def __post_init__(self) -> None:
        _require_all(self.items, ListItem, "OrderedList")


@dataclass(frozen=True)
class TableCell:
    """One cell; header cells become <th>."""

    inlines: tuple[Inline, ...]
    header: bool = False
    align: str = ""
    lang: str = ""

    def __post_init__(self) -> None:
        _require_all(self.inlines, INLINE_TYPES, "TableCell")
        _require(self.align in ("", "left", "center", "right"), f"bad align {self.align!r}")


@dataclass(frozen=True)
class TableRow:
    """A row of cells."""

    cells: tuple[TableCell, ...]
    line: int

    def __post_init__(self) -> None:
        _require_all(self.cells, TableCell, "TableRow")


@dataclass(frozen=True)
class Table:
    """A table; rows whose cells are all headers form its head."""

    rows: tuple[TableRow, ...]
    line: int
    note: str = ""

    def __post_init__(self) -> None:
        _require_all(self.rows, TableRow, "Table")


@dataclass(frozen=True)
class Quote:
    """A block quotation."""

    blocks: tuple[Block, ...]
    line: int

    def __post_init__(self) -> None:
        _require_all(self.blocks, BLOCK_TYPES, "Quote")


@dataclass(frozen=True)
class CodeBlock:
    """Preformatted code, never translated."""

    text: str
    line: int
    info: str = ""


@dataclass(frozen=True)
class ThematicBreak:
    """A horizontal rule between parts of the text."""

    line: int


@dataclass(frozen=True)
class Footnote:
    """A footnote's text: one translatable unit, shown after the article (or read after its section)."""

    label: str
    inlines: tuple[Inline, ...]
    line: int
    lang: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        _require(bool(_FOOTNOTE_LABEL.match(self.label)), f"bad footnote label {self.label!r}")
        _require_all(self.inlines, INLINE_TYPES, "Footnote")
        _require(bool(self.inlines), f"footnote [^{self.label}] is empty")


Block: TypeAlias = Heading | Paragraph | BulletList | OrderedList | Table | Quote | CodeBlock | ThematicBreak
BLOCK_TYPES = (Heading, Paragraph, BulletList, OrderedList, Table, Quote, CodeBlock, ThematicBreak)


# --- document ----------------------------------------------------------------


@dataclass(frozen=True)
class Metadata:
    """Front matter: title, key points, date last reviewed and source language."""

    title: Paragraph
    summary: tuple[Paragraph, ...]
    last_reviewed: str
    source_language: str

    def __post_init__(self) -> None:
        _require(isinstance(self.title, Paragraph), "title must be a Paragraph")
        _require_all(self.summary, Paragraph, "summary")
        _require(
            bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", self.last_reviewed)),
            f"last_reviewed {self.last_reviewed!r} is not YYYY-MM-DD",
        )


@dataclass(frozen=True)
class Document:
    """One article in one language."""

    slug: str
    language: str
    metadata: Metadata
    blocks: tuple[Block, ...] = field(default=())
    source_path: str = ""
    footnotes: tuple[Footnote, ...] = field(default=())  # in the order they are first referred to

    kind: ClassVar[str] = "document"

    def __post_init__(self) -> None:
        _require(bool(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", self.slug)), f"bad slug {self.slug!r}")
        _require_all(self.blocks, BLOCK_TYPES, "Document")
        _require_all(self.footnotes, Footnote, "footnotes")
        labels = [f.label for f in self.footnotes]
        _require(len(set(labels)) == len(labels), "footnote labels must be unique")

    def footnote_numbers(self) -> dict[str, int]:
        """Footnote label → the number readers see (1, 2, … in order of first reference)."""
        return {note.label: number for number, note in enumerate(self.footnotes, start=1)}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with the schema version."""
        return {"schema": SCHEMA_VERSION, **node_to_dict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """Rebuild a Document written by to_dict."""
        if data.get("schema") != SCHEMA_VERSION:
            raise ModelError(f"unsupported schema {data.get('schema')!r}, want {SCHEMA_VERSION}")
        body = {key: value for key, value in data.items() if key != "schema"}
        node = node_from_dict(body)
        if not isinstance(node, Document):
            raise ModelError("not a document")
        return node


NODE_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (*INLINE_TYPES, *BLOCK_TYPES, ListItem, TableRow, TableCell, Footnote, Metadata, Document)
}


def node_to_dict(node: Any) -> Any:
    """Turn a node (or tuple of nodes, or plain value) into JSON-ready data."""
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        data = {"type": type(node).__name__}
        for f in dataclasses.fields(node):
            data[f.name] = node_to_dict(getattr(node, f.name))
        return data
    if isinstance(node, tuple):
        return [node_to_dict(item) for item in node]
    return node


def node_from_dict(data: Any) -> Any:
    """The inverse of node_to_dict."""
    if isinstance(data, list):
        return tuple(node_from_dict(item) for item in data)
    if isinstance(data, dict):
        cls = NODE_TYPES.get(str(data.get("type")))
        if cls is None:
            raise ModelError(f"unknown node type {data.get('type')!r}")
        fields = {k: node_from_dict(v) for k, v in data.items() if k != "type"}
        try:
            return cls(**fields)
        except TypeError as error:
            raise ModelError(f"{cls.__name__}: {error}") from None
    return data


# --- walking -----------------------------------------------------------------

#: Nodes whose inlines are one translatable unit.
Unit: TypeAlias = Paragraph | Heading | TableCell | Footnote


def walk_inlines(inlines: tuple[Inline, ...]) -> Iterator[Inline]:
    """Every inline node, depth first in reading order (a link, then the nodes of its text)."""
    for node in inlines:
        yield node
        if isinstance(node, Emphasis | Strong | Link):
            yield from walk_inlines(node.children)


def iter_inline_text(inlines: tuple[Inline, ...], facts: Mapping[str, str] | None = None) -> Iterator[str]:
    """Every piece of visible text in the inlines, in reading order."""
    for node in walk_inlines(inlines):
        if isinstance(node, Text | Code):
            yield node.text
        elif isinstance(node, Image):
            yield node.alt
        elif isinstance(node, Placeholder) and facts is not None:
            yield facts.get(node.name, "")


def plain_text(inlines: tuple[Inline, ...], facts: Mapping[str, str] | None = None) -> str:
    """The inlines' text without markup; placeholders filled from ``facts``, or left out."""
    return "".join(iter_inline_text(inlines, facts))


@dataclass(frozen=True)
class UnitRef:
    """A translatable unit in its place: what kind it is, its line and author note."""

    kind: str
    line: int
    note: str
    node: Unit


def unit_anchors(doc: Document) -> dict[int, str]:
    """id(unit node) → its element id on the page: the heading's own id, else one made from the unit.

    The web page puts these ids on its elements, the audio guide names its cues with them and a
    narrator's recordings are saved under them, so they must survive unrelated edits: an id is
    ``u-`` and a short hash of the unit's kind, its section (the heading above it) and its words
    (case and punctuation aside, placeholders by name), with ``-2``, ``-3``… only for repeats.
    """
    anchors: dict[int, str] = {}
    seen: dict[str, int] = {}
    section = ""
    for ref in iter_units(doc):
        if isinstance(ref.node, Heading):
            anchors[id(ref.node)] = section = ref.node.id
            continue
        words = " ".join(re.findall(r"\w+", _message_text(ref.node.inlines).casefold()))
        digest = hashlib.sha256(f"{ref.kind}\n{section}\n{words}".encode()).hexdigest()[:8]
        seen[digest] = count = seen.get(digest, 0) + 1
        anchors[id(ref.node)] = f"u-{digest}" if count == 1 else f"u-{digest}-{count}"
    return anchors


def _message_text(inlines: tuple[Inline, ...]) -> str:
    """The unit's words as written: placeholders by their names, so a changed fact keeps the id."""
    parts = [f" {node.name} " if isinstance(node, Placeholder) else "" for node in walk_inlines(inlines)]
    return plain_text(inlines) + " " + "".join(parts)


def map_units(doc: Document, fn: Callable[[UnitRef], Unit]) -> Document:
    """A copy of ``doc`` with every translatable unit replaced by ``fn(ref)``."""
    meta = doc.metadata
    title = _paragraph(fn(UnitRef("title", meta.title.line, meta.title.note, meta.title)))
    summary = tuple(_paragraph(fn(UnitRef("key point", p.line, p.note, p))) for p in meta.summary)
    same_meta = title is meta.title and _unchanged(summary, meta.summary)
    new_meta = meta if same_meta else dataclasses.replace(meta, title=title, summary=summary)
    blocks = _map_blocks(doc.blocks, fn, "paragraph", "")
    footnotes = tuple(_footnote(fn(UnitRef("footnote", f.line, f.note, f))) for f in doc.footnotes)
    if new_meta is meta and _unchanged(blocks, doc.blocks) and _unchanged(footnotes, doc.footnotes):
        return doc
    return dataclasses.replace(doc, metadata=new_meta, blocks=blocks, footnotes=footnotes)


def _unchanged(new: tuple[Any, ...], old: tuple[Any, ...]) -> bool:
    """Whether mapping gave back the very same nodes: the node holding them is kept, not rebuilt
    (walking a document, as iter_units does, then copies nothing)."""
    return all(a is b for a, b in zip(new, old, strict=True))


def iter_units(doc: Document) -> list[UnitRef]:
    """Every translatable unit of ``doc`` in reading order."""
    found: list[UnitRef] = []

    def collect(ref: UnitRef) -> Unit:
        found.append(ref)
        return ref.node

    map_units(doc, collect)
    return found


def _paragraph(unit: Unit) -> Paragraph:
    _require(isinstance(unit, Paragraph), "a title or key point must stay a Paragraph")
    return unit  # type: ignore[return-value]


def _footnote(unit: Unit) -> Footnote:
    _require(isinstance(unit, Footnote), "a footnote must stay a Footnote")
    return unit  # type: ignore[return-value]


def _map_block(block: Block, fn: Callable[[UnitRef], Unit], kind: str, note: str) -> Block:
    """Apply ``fn`` to the units inside ``block``; ``note`` is inherited from a list or quote."""
    if isinstance(block, Heading | Paragraph):
        unit_kind = "heading" if isinstance(block, Heading) else kind
        return fn(UnitRef(unit_kind, block.line, block.note or note, block))  # type: ignore[return-value]
    if isinstance(block, BulletList | OrderedList):
        items = tuple(_map_item(item, fn, block.note) for item in block.items)
        return block if _unchanged(items, block.items) else dataclasses.replace(block, items=items)
    if isinstance(block, Quote):
        blocks = _map_blocks(block.blocks, fn, "quote", note)
        return block if _unchanged(blocks, block.blocks) else dataclasses.replace(block, blocks=blocks)
    if isinstance(block, Table):
        rows = tuple(_map_row(r, fn, block.note) for r in block.rows)
        return block if _unchanged(rows, block.rows) else dataclasses.replace(block, rows=rows)
    return block


def _map_item(item: ListItem, fn: Callable[[UnitRef], Unit], note: str) -> ListItem:
    blocks = _map_blocks(item.blocks, fn, "list item", note)
    return item if _unchanged(blocks, item.blocks) else dataclasses.replace(item, blocks=blocks)


def _map_blocks(
    blocks: tuple[Block, ...], fn: Callable[[UnitRef], Unit], kind: str, note: str
) -> tuple[Block, ...]:
    return tuple(_map_block(block, fn, kind, note) for block in blocks)


def _map_row(row: TableRow, fn: Callable[[UnitRef], Unit], note: str) -> TableRow:
    cells = tuple(
        fn(UnitRef("table header" if c.header else "table cell", row.line, note, c)) for c in row.cells
    )
    return row if _unchanged(cells, row.cells) else dataclasses.replace(row, cells=cells)  # type: ignore[arg-type]
