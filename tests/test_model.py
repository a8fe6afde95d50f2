"""The document model: validation, and to_dict/from_dict round trips."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.model import (
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
    Unit,
    UnitRef,
    iter_units,
    map_units,
)

text = st.text(min_size=1, max_size=12)
lines = st.integers(min_value=0, max_value=500)
urls = st.sampled_from(["https://example.org/", "mailto:a@example.org", "tel:+1988", "page.html", "#x"])
names = st.from_regex(r"\A[a-z][a-z0-9_]{0,5}\.[a-z0-9_]{1,5}\Z")
langs = st.sampled_from(["", "en"])
labels = st.from_regex(r"\A[a-z0-9]{1,4}\Z")


def inlines(depth: int = 2) -> st.SearchStrategy[tuple[Inline, ...]]:
    leaves = st.one_of(
        text.map(Text),
        text.map(Code),
        st.just(LineBreak()),
        names.map(Placeholder),
        labels.map(FootnoteRef),
        st.builds(Image, src=st.sampled_from(["assets/a.png", "b.jpg"]), alt=text.filter(str.strip)),
    )
    if depth == 0:
        return st.lists(leaves, max_size=3).map(tuple)
    inner = inlines(depth - 1).filter(bool)
    nodes = st.one_of(
        leaves,
        inner.map(Emphasis),
        inner.map(Strong),
        st.builds(Link, url=urls, children=inner),
    )
    return st.lists(nodes, max_size=4).map(tuple)


paragraphs = st.builds(Paragraph, inlines=inlines(), line=lines, lang=langs, note=st.text(max_size=8))
headings = st.builds(
    Heading,
    level=st.integers(1, 6),
    id=st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,10}\Z"),
    inlines=inlines(),
    line=lines,
    lang=langs,
)
cells = st.builds(
    TableCell,
    inlines=inlines(1),
    header=st.booleans(),
    align=st.sampled_from(["", "left", "center", "right"]),
    lang=langs,
)
tables = st.builds(
    Table,
    rows=st.lists(
        st.builds(TableRow, cells=st.lists(cells, max_size=3).map(tuple), line=lines), max_size=3
    ).map(tuple),
    line=lines,
)


def blocks(depth: int = 1) -> st.SearchStrategy[object]:
    simple = st.one_of(
        paragraphs,
        headings,
        tables,
        st.builds(CodeBlock, text=st.text(), line=lines, info=st.text(max_size=5)),
        st.builds(ThematicBreak, line=lines),
    )
    if depth == 0:
        return simple
    items = st.lists(
        st.builds(ListItem, blocks=st.lists(blocks(depth - 1), max_size=2).map(tuple), line=lines),
        max_size=3,
    ).map(tuple)
    return st.one_of(
        simple,
        st.builds(BulletList, items=items, line=lines),
        st.builds(OrderedList, items=items, line=lines, start=st.integers(0, 99)),
        st.builds(Quote, blocks=st.lists(blocks(depth - 1), max_size=2).map(tuple), line=lines),
    )


documents = st.builds(
    Document,
    slug=st.from_regex(r"\A[a-z0-9]+(-[a-z0-9]+)*\Z"),
    language=st.sampled_from(["en", "es", "zh-Hant"]),
    metadata=st.builds(
        Metadata,
        title=paragraphs,
        summary=st.lists(paragraphs, max_size=3).map(tuple),
        last_reviewed=st.just("2026-11-27"),
        source_language=st.just("en"),
    ),
    blocks=st.lists(blocks(), max_size=5).map(tuple),
    footnotes=st.lists(
        st.builds(Footnote, label=labels, inlines=inlines(1).filter(bool), line=lines, lang=langs),
        max_size=2,
        unique_by=lambda note: note.label,
    ).map(tuple),
)


@settings(max_examples=150, deadline=None)
@given(documents)
def test_round_trip_through_json(doc: Document) -> None:
    data = json.loads(json.dumps(doc.to_dict()))
    assert data["schema"] == 1
    assert Document.from_dict(data) == doc


@settings(max_examples=50, deadline=None)
@given(documents)
def test_identity_map_keeps_the_document(doc: Document) -> None:
    assert map_units(doc, lambda ref: ref.node) is doc  # walking it (iter_units) copies nothing
    assert len(iter_units(doc)) >= 1 + len(doc.metadata.summary)


@settings(max_examples=80, deadline=None)
@given(documents, st.integers(0, 50))
def test_mapping_one_unit_changes_that_unit_only(doc: Document, which: int) -> None:
    refs = iter_units(doc)
    target = refs[which % len(refs)].node

    def mark(ref: UnitRef) -> Unit:
        return dataclasses.replace(ref.node, lang="xx") if ref.node is target else ref.node

    mapped = map_units(doc, mark)
    assert [ref.node for ref in iter_units(mapped)] == [mark(ref) for ref in refs]
    assert [(ref.kind, ref.line, ref.note) for ref in iter_units(mapped)] == [
        (ref.kind, ref.line, ref.note) for ref in refs
    ]


def test_documents_are_frozen() -> None:
    node = Text("a")
    with pytest.raises(AttributeError):
        node.text = "b"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Image("assets/a.png", "  "), "no alt text"),
        (lambda: Image("https://cdn.example/a.png", "x"), "must be a file under source/"),
        (lambda: Image("../../etc/passwd", "x"), "must be a file under source/"),
        (lambda: Link("javascript:alert(1)", (Text("x"),)), "unsafe link"),
        (lambda: Link(" JaVaScRiPt:alert(1)", (Text("x"),)), "unsafe link"),
        (lambda: Link("data:text/html,<script>", (Text("x"),)), "unsafe link"),
        (lambda: Heading(7, "x", (), 1), "heading level 7"),
        (lambda: Heading(2, "../x", (), 1), "bad heading id"),
        (lambda: Paragraph((Paragraph((), 1),), 1), "cannot hold Paragraph"),  # type: ignore[arg-type]
        (lambda: Text(""), "non-empty"),
        (lambda: Placeholder("clinic"), "bad placeholder"),
        (lambda: FootnoteRef("a b"), "bad footnote label"),
        (lambda: Footnote("1", (), 1), "footnote \\[\\^1\\] is empty"),
    ],
)
def test_invalid_nodes_are_refused(build: object, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        build()  # type: ignore[operator]


def test_from_dict_refuses_other_schema_versions() -> None:
    doc = Document("a", "en", Metadata(Paragraph((Text("T"),), 1), (), "2026-01-01", "en"))
    data = doc.to_dict()
    data["schema"] = 99
    with pytest.raises(ModelError, match="unsupported schema 99"):
        Document.from_dict(data)
