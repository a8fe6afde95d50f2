"""Segment ids come from a unit's words and section, so an edit elsewhere never renames them."""

from __future__ import annotations

import re

from conftest import ROOTS
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.model import iter_units, plain_text, unit_anchors
from pipeline.render.speech import render_speech
from pipeline.source.parse import parse_article

SOURCE = (ROOTS / "basic/source/every-node.md").read_text()


def ids_by_text(markdown: str) -> dict[str, str]:
    doc = parse_article(markdown, path="source/every-node.md", slug="every-node")
    anchors = unit_anchors(doc)
    return {f"{ref.kind}: {plain_text(ref.node.inlines)}": anchors[id(ref.node)] for ref in iter_units(doc)}


def blank_lines(markdown: str) -> list[int]:
    """Where a new paragraph may go: blank lines of the body outside the code block and table."""
    lines = markdown.split("\n")
    body = lines.index("---", 1) + 1
    fence = [n for n, line in enumerate(lines) if line.startswith("```")]
    return [n for n in range(body, len(lines)) if lines[n] == "" and not (fence and fence[0] < n < fence[-1])]


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_inserting_a_paragraph_keeps_every_other_id(data: st.DataObject) -> None:
    before = ids_by_text(SOURCE)
    where = data.draw(st.sampled_from(blank_lines(SOURCE)))
    words = data.draw(st.text(alphabet="abcdefgh ", min_size=3, max_size=30).filter(str.strip))
    lines = SOURCE.split("\n")
    edited = "\n".join([*lines[:where], "", f"New {words}.", "", *lines[where:]])
    after = ids_by_text(edited)
    assert {text: after[text] for text in before} == before
    assert len(set(after.values())) == len(after)  # unique within the page


def test_ids_are_unique_even_for_repeated_words_and_survive_punctuation_fixes() -> None:
    body = "\n\nSame words.\n\nSame words.\n\n## Next\n\nSame words.\n"
    head, _, _ = SOURCE.partition("An opening paragraph")
    ids = list(unit_anchors(parse_article(head + body, path="x.md", slug="x")).values())
    assert len(set(ids)) == len(ids)
    first, repeat, heading, other_section = ids[-4:]
    assert repeat == first + "-2" and heading == "next"  # a counter only for a repeat in one section
    assert re.fullmatch(r"u-[0-9a-f]{8}", other_section) and other_section != first
    fixed = ids_by_text(SOURCE.replace("First step.", "First step!"))
    assert fixed["list item: First step!"] == ids_by_text(SOURCE)["list item: First step."]


def test_the_page_and_the_speech_script_share_the_ids() -> None:
    from pipeline.render.pages import article_parts

    doc = parse_article(SOURCE, path="source/every-node.md", slug="every-node")
    script = render_speech(doc, facts={}, lexicon={}, gettext=lambda s: s)
    parts = article_parts(doc, facts={}, asset_prefix="")
    html = str(parts["title_attrs"]) + "".join(str(p["attrs"]) for p in parts["summary"]) + str(parts["body"])
    for segment in script.segments:
        assert re.fullmatch(r"u-[0-9a-f]{8}(-\d+)?|[a-z0-9-]+", segment.anchor)
        if segment.anchor != "key-points":
            assert f'id="{segment.anchor}"' in html
