"""Markdown articles to documents: golden dump, nothing lost, errors with file:line."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOTS, golden
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import PlainspokenError
from pipeline.markup import to_markdown
from pipeline.model import Document, Paragraph, Text, iter_units, plain_text
from pipeline.source.parse import parse_article, parse_inline

ARTICLE = ROOTS / "clinic" / "source" / "choosing-care.md"
FRONT = "---\ntitle: T\nsummary:\n  - S\nlast_reviewed: 2026-01-01\nlanguage: en\n---\n"


def parse(body: str, front: str = FRONT) -> Document:
    return parse_article(front + body, path="a.md", slug="a")


def error_of(body: str, front: str = FRONT) -> str:
    with pytest.raises(PlainspokenError) as info:
        parse(body, front)
    return str(info.value)


def test_golden_model_dump() -> None:
    path = ROOTS / "basic" / "source" / "every-node.md"
    doc = parse_article(path.read_text(), path="source/every-node.md", slug="every-node")
    golden(
        "every-node.json",
        json.dumps(doc.to_dict(), indent=1, ensure_ascii=False, sort_keys=True) + "\n",
    )


def _words(text: str) -> list[str]:
    return re.findall(r"[\w’'“”.,:;?!–—/-]+", text)


def test_every_word_of_the_article_is_in_its_document() -> None:
    text = ARTICLE.read_text(encoding="utf-8")
    doc = parse_article(text, path="source/x.md", slug="x")
    body = text.split("\n---\n", 1)[1]
    body = re.sub(r"<!--.*?-->", "", body, flags=re.S)
    source_words = _words(re.sub(r"(?m)^#+ |^- |\*\*", "", body))
    parsed = " ".join(plain_text(ref.node.inlines) for ref in iter_units(doc))
    assert _words(parsed)[-len(source_words) :] == source_words
    assert doc.metadata.title.inlines == (
        Text("IOP vs. Residential Rehab: Which One Is Right for You or a Loved One?"),
    )
    assert 3 <= len(doc.metadata.summary) <= 5


def test_every_unit_survives_its_own_msgid() -> None:
    doc = parse_article(ARTICLE.read_text(encoding="utf-8"), path="x.md", slug="x")
    for ref in iter_units(doc):
        assert parse_inline(to_markdown(ref.node.inlines)) == ref.node.inlines


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1))
def test_plain_text_survives_serialisation(text: str) -> None:
    """Any line of text, however full of Markdown punctuation, parses back to itself."""
    assert parse_inline(to_markdown((Text(text),))) == (Text(text),)


def test_raw_html_is_an_error_never_text() -> None:
    message = error_of("Hello <script>alert(1)</script> <b>x</b>\n\n<div>block</div>\n")
    assert "a.md:8: raw HTML is not supported (<script>)" in message
    assert "a.md:10: raw HTML is not supported (<div>block</div>)" in message


def test_javascript_links_are_errors() -> None:
    message = error_of("[click](javascript:alert(1)) and [ok](https://example.org/)\n")
    assert "a.md:8: link to 'javascript:alert(1)' is not allowed" in message


def test_i18n_notes_attach_to_the_next_block() -> None:
    doc = parse("Intro.\n\n<!-- i18n: say it warmly -->\nWelcome.\n")
    notes = {plain_text(r.node.inlines): r.note for r in iter_units(doc)}
    assert notes["Welcome."] == "say it warmly"
    assert notes["Intro."] == ""


def test_heading_ids_are_stable_ascii_and_unique() -> None:
    doc = parse("## Cost\n\n## Cost\n\n## ¿Qué es?\n")
    assert [b.id for b in doc.blocks] == ["cost", "cost-2", "que-es"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "front", "expected"),
    [
        ("\n![](assets/a.png)\n", FRONT, "a.md:9: image assets/a.png has no alt text"),
        (
            "\n# Title again\n",
            FRONT,
            "a.md:9: the title (front matter) is the page's only level-1 heading",
        ),
        ("\n" + "> " * 30 + "deep\n", FRONT, "a.md:9: nesting deeper than"),
        ('\n[x](https://e.org "title")\n', FRONT, "a.md:9: link titles are not supported"),
        ("\ntext\n", "---\ntitle: T\n---\n", "a.md:1: front matter is missing 'summary'"),
        (
            "\ntext\n",
            FRONT.replace("language: en", "language: en\nauthor: me"),
            "a.md:7: unknown front matter key 'author'",
        ),
        (
            "\ntext\n",
            FRONT.replace("2026-01-01", "yesterday"),
            "a.md:5: last_reviewed must be a date",
        ),
        (
            "\ntext\n",
            FRONT.replace("title: T", "title: [unclosed"),
            "a.md:3: front matter is not valid YAML",
        ),
        ("text\n", "", "a.md:1: missing front matter"),
    ],
)
def test_bad_input_is_one_line_with_file_and_line(body: str, front: str, expected: str) -> None:
    message = error_of(body, front)
    assert message.startswith(expected)
    assert "\n" not in message


def test_deep_nesting_is_refused_not_dropped() -> None:
    """markdown-it drops text past its nesting limit; we must refuse instead."""
    shallow = "".join("**a *b " for _ in range(3)) + "x" + "* b**" * 3  # 6 levels: within the limit
    paragraph = parse(shallow + "\n").blocks[0]
    assert isinstance(paragraph, Paragraph)
    assert plain_text(paragraph.inlines) == "a b " * 3 + "x" + " b" * 3
    deep = "".join("**a *b " for _ in range(12)) + "x" + "* b**" * 12
    with pytest.raises(PlainspokenError, match="nesting"):
        parse(deep + "\n")


def test_cli_parse_prints_one_json_line_per_file(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    bad = project / "source" / "bad.md"
    bad.write_text(FRONT + "\n![](x.png)\n")
    good = project / "source" / "every-node.md"
    result = run(project, "parse", str(good), str(bad), str(good))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert all(Document.from_dict(json.loads(line)).slug == "every-node" for line in lines)
    assert result.stderr.strip() == f"{bad}:9: image x.png has no alt text: write ![what it shows](...)"
    assert "Traceback" not in result.output


def test_source_article_path_in_model() -> None:
    doc = parse_article(FRONT + "\nx\n", path="source/a.md", slug="a")
    assert doc.source_path == "source/a.md"


def test_an_article_without_language_is_in_the_projects_source_language() -> None:
    doc = parse_article(FRONT.replace("language: en\n", "") + "\nText.\n", path="a.md", slug="a")
    assert doc.language == "en"


def test_a_task_list_item_is_a_tick_box_and_its_words_only() -> None:
    """`- [ ] Call us` printed literally before: the box is now the item's state, not its text."""
    from pipeline.model import BulletList, OrderedList

    doc = parse("- [ ] Call us\n- [x] Read *this*\n- plain [ ] item\n\n1. [ ] First\n")
    bullets, numbered = doc.blocks
    assert isinstance(bullets, BulletList) and isinstance(numbered, OrderedList)
    assert [item.checked for item in bullets.items] == [False, True, None]
    assert [item.checked for item in numbered.items] == [False]
    first = bullets.items[0].blocks[0]
    assert isinstance(first, Paragraph) and first.inlines == (Text("Call us"),)
    assert plain_text(bullets.items[2].blocks[0].inlines) == "plain [ ] item"  # type: ignore[union-attr]
