"""Right-to-left marks for the PDF text layer: where they go, where they never go, and that the page is unchanged."""

from __future__ import annotations

import html
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.render.direction_marks import RLM, mark_rtl_boundaries

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")


def shown(page: str) -> str:
    return mark_rtl_boundaries(page).replace(RLM, "^")


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        ("<p>في (IOP)، تعيش</p>", "<p>في (IOP^)،^ تعيش</p>"),  # the bracket ends the Latin run
        ("<p>من 3–5 أيام</p>", "<p>من 3^–5^ أيام</p>"),  # a range: each number ends
        ("<p>كلمة، كلمة.</p>", "<p>كلمة،^ كلمة.</p>"),  # poppler gave the space to the comma's word
        ("<p>24/7 و 3.5 و 50% معًا</p>", "<p>24/7^ و 3.5^ و 50%^ معًا</p>"),  # numbers go on over / . %
        ("<p>Arroyo Seco Recovery Center, Pasadena</p>", "<p>Arroyo Seco Recovery Center, Pasadena</p>"),
        ("<li><strong>IOP:</strong> تعيش</li>", "<li><strong>IOP^:^</strong> تعيش</li>"),  # kept in its box
        (
            '<p>الرقم <a><bdi dir="ltr">(626) 555-0142</bdi></a>. يمكننا</p>',
            '<p>الرقم <a><bdi dir="ltr">(626) 555-0142</bdi></a>^. يمكننا</p>',  # isolates stay whole
        ),
        ("<p>الرقم \u2066(626) 555\u2069 الآن</p>", "<p>الرقم \u2066(626) 555\u2069 ^الآن</p>"),
        ("<style>p > a { x: 1 }</style><title>IOP: x</title>", "<style>p > a { x: 1 }</style><title>IOP: x</title>"),
        ('<div dir="ltr"><p>IOP: 3–5</p></div>', '<div dir="ltr"><p>IOP: 3–5</p></div>'),
        # where a mark would change the order on the page (found by the pixel test below), none goes
        ("<p>كلمة, 50%</p>", "<p>كلمة, 50%</p>"),  # W2: 50 after an Arabic letter is an Arabic number
        ("<p>Center (IOP) كلمة</p>", "<p>Center (IOP)^ كلمة</p>"),  # N0: not inside: the brackets are L
        ("<p>كلمة IOP 3 كلمة</p>", "<p>كلمة IOP 3^ كلمة</p>"),  # W7: 3 after IOP reads left to right
    ],
)
def test_marks_go_where_the_page_already_reads_right_to_left(text: str, marked: str) -> None:
    assert shown(text) == marked


WORDS = ["كلمة", "برنامج", "بعيدًا", "می‌کنید", "IOP", "SAMHSA", "Center", "3", "24/7", "3.5", "50%", "988"]
GLUE = [" ", " ", ", ", "، ", ". ", ": ", " (", ") ", "–", " — ", "؟ "]
INLINE = ["<strong>{}</strong>", "<em>{}</em>", '<bdi dir="ltr">{}</bdi>', "<bdi>{}</bdi>", "{}"]


@st.composite
def rtl_paragraphs(draw: st.DrawFn) -> str:
    """Paragraphs of Arabic, Farsi, Latin words and numbers, with punctuation and inline elements."""
    parts = []
    for _ in range(draw(st.integers(1, 9))):
        word = draw(st.sampled_from(WORDS))
        parts.append(draw(st.sampled_from(INLINE)).format(html.escape(word)) + draw(st.sampled_from(GLUE)))
    return f"<p>{''.join(parts).strip()}</p>"


@given(rtl_paragraphs())
def test_marks_are_all_that_changes_and_marking_twice_changes_nothing(page: str) -> None:
    marked = mark_rtl_boundaries(page)
    assert marked.replace(RLM, "") == page
    assert mark_rtl_boundaries(marked) == marked


@given(st.text(alphabet="IOP (626) 555-0142.،:", max_size=30))
def test_nothing_is_marked_inside_an_isolate(inside: str) -> None:
    for isolate in (f'<bdi dir="ltr">{html.escape(inside)}</bdi>', f"\u2066{inside}\u2069"):
        marked = mark_rtl_boundaries(f"<p>كلمة {isolate}، كلمة</p>")
        assert isolate in marked


@needs_poppler
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page=rtl_paragraphs())
def test_the_marked_page_looks_exactly_like_the_unmarked_one(page: str, tmp_path: Path) -> None:
    """Rendered by WeasyPrint and poppler: the marks are zero-width, invisible and move no glyph."""
    from pipeline.builders.printing import render_pdf
    from pipeline.render.fonts import css_font_family

    css = f"html {{ font-family: {css_font_family('ar')}; font-size: 12pt; }}"
    images = []
    for name, body in (("plain", page), ("marked", mark_rtl_boundaries(page))):
        document = f'<html lang="ar" dir="rtl"><head><title>t</title></head><body>{body}</body></html>'
        pdf = tmp_path / f"{name}.pdf"
        pdf.write_bytes(render_pdf(document, css, base_url=tmp_path.as_uri() + "/", allowed_dirs=[tmp_path], label=name))
        subprocess.run(["pdftoppm", "-r", "72", "-gray", "-singlefile", str(pdf), str(tmp_path / name)], check=True)
        images.append((tmp_path / f"{name}.pgm").read_bytes())
    assert images[0] == images[1]


def test_left_to_right_line_ends_get_a_mark_after_their_punctuation() -> None:
    """For a page poppler reads right to left (a right-to-left review packet): ``Hello, world.``
    came back as ``.Hello, world``. Right-to-left elements and the stylesheet are left alone."""
    from pipeline.render.direction_marks import LRM, mark_ltr_line_ends

    html = '<style>p { a: b; }</style><p>Hello, world. (IOP) 3–5.</p><div lang="ar" dir="rtl"><p>كلمة، كلمة.</p></div>'
    assert mark_ltr_line_ends(html) == (
        f'<style>p {{ a: b; }}</style><p>Hello,{LRM} world.{LRM} (IOP){LRM} 3–5.{LRM}</p>'
        '<div lang="ar" dir="rtl"><p>كلمة، كلمة.</p></div>'
    )
