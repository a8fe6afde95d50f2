"""PDFs right inside: the text layer in every script, tags for every piece of content, notices, full pages."""

from __future__ import annotations

import dataclasses
import html
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, ROOTS

from pipeline.builders.pdf import PdfBuilder
from pipeline.builders.pdf_audit import (
    compare,
    content_text,
    empty_unicode_codes,
    normalise,
    pdftotext,
    squash,
    text_layer,
    unlisted_content,
)
from pipeline.builders.print_measure import page_fills
from pipeline.builders.printing import render_pdf
from pipeline.engine.tasks import translate_language
from pipeline.i18n.article import prepare_article
from pipeline.i18n.review import ReviewState
from pipeline.model import plain_text
from pipeline.render.direction_marks import mark_rtl_boundaries
from pipeline.render.fonts import css_font_family
from pipeline.render.handout import VARIANTS, running_texts
from pipeline.source.articles import load_sources
from pipeline.source.project import language_info, load_project

pypdf = pytest.importorskip("pypdf")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
SENTENCES: dict[str, list[str]] = tomllib.loads((ROOTS / "scripts/sentences.toml").read_text("utf-8"))
REPO_LANGUAGES = load_project(REPO).config.languages


def _page(language: str, sentences: list[str]) -> str:
    body = "".join(f"<p>{html.escape(s)}</p>" for s in sentences)
    direction = language_info(language).direction
    return f'<html lang="{language}" dir="{direction}"><head><title>t</title></head><body>{body}</body></html>'


def _print(language: str, sentences: list[str], tmp_path: Path) -> Path:
    """The sentences as paragraphs of a tagged PDF, through the pipeline's own WeasyPrint setup."""
    page = _page(language, sentences)
    if language_info(language).direction == "rtl":
        page = mark_rtl_boundaries(page)  # as render_handout does
    css = f"html {{ font-family: {css_font_family(language)}; font-size: 11pt; }}"
    data = render_pdf(page, css, base_url=tmp_path.as_uri() + "/", allowed_dirs=[tmp_path], label="t.pdf")
    out = tmp_path / f"{language}.pdf"
    out.write_bytes(data)
    return out


@needs_poppler
@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_text_layer_gives_back_every_sentence_in_its_script(language: str, tmp_path: Path) -> None:
    sentences = SENTENCES[language]
    pdf = _print(language, sentences, tmp_path)
    assert compare(language, sentences, pdftotext(pdf)).missing == ()
    assert unlisted_content(pdf) == []


@pytest.mark.parametrize("language", ["km", "ar", "hy"])
def test_no_glyph_code_maps_to_nothing(language: str, tmp_path: Path) -> None:
    """Khmer draws a cluster as several glyphs; each maps to some text, not to empty Unicode (#22)."""
    assert empty_unicode_codes(_print(language, SENTENCES[language], tmp_path)) == {}


@needs_poppler
def test_khmer_clusters_come_back_character_for_character(tmp_path: Path) -> None:
    """Subscript consonants and pre-base vowels in their written order, not only after normalising."""
    title = SENTENCES["km"][0]
    text = pdftotext(_print("km", [title], tmp_path))
    squash = re.compile(r"[\s\u200b]+")
    assert squash.sub("", title) in squash.sub("", text)


@needs_poppler
@pytest.mark.parametrize("language", ["ar", "fa"])
def test_right_to_left_text_layer_keeps_every_character_in_its_order(language: str, tmp_path: Path) -> None:
    """Brackets around Latin words, number ranges, punctuation, tanwin and Farsi's zero-width non-joiner.

    Whitespace and bidi controls aside (poppler adds embeddings and places some spaces its own way),
    the text comes back as written: not ``( ،)IOP`` for ``(IOP)،``, ``5–3`` for ``3–5``, or ``میکنید``
    for ``می‌کنید``. Raised marks (tanwīn) come back too, after their letter (#22): not ``بعيدا``.
    """
    sentences = SENTENCES[language]
    lines = pdftotext(_print(language, sentences, tmp_path))
    got = squash(lines)
    assert "\u200c" in got or language != "fa"
    for sentence in sentences:
        assert squash(sentence) in got


@needs_poppler
def test_marks_and_invisible_glyphs_change_nothing_on_the_page(tmp_path: Path) -> None:
    """The page printed with RLMs and the shim's invisible glyphs looks exactly like plain WeasyPrint's."""
    import weasyprint

    sentences = SENTENCES["ar"] + SENTENCES["fa"]
    plain = tmp_path / "plain.pdf"
    css = weasyprint.CSS(string=f"html {{ font-family: {css_font_family('fa')}; font-size: 11pt; }}")
    weasyprint.HTML(string=_page("fa", sentences)).write_pdf(plain, stylesheets=[css])
    ours = _print("fa", sentences, tmp_path)
    assert mark_rtl_boundaries(_page("fa", sentences)).count("\u200f") >= 8  # the marks are there
    assert "\u200c" in pdftotext(ours) and "\u200c" not in pdftotext(plain)
    assert _pixels(ours, tmp_path / "ours") == _pixels(plain, tmp_path / "plain")


def _pixels(pdf: Path, prefix: Path) -> bytes:
    """The first page rendered by poppler in grey at 100 dpi (PGM bytes)."""
    subprocess.run(["pdftoppm", "-r", "100", "-gray", "-singlefile", str(pdf), str(prefix)], check=True)
    return prefix.with_suffix(".pgm").read_bytes()


@needs_poppler
def test_arabic_tanwin_stays_on_its_line(tmp_path: Path) -> None:
    sentence = SENTENCES["ar"][1]
    lines = [line for line in pdftotext(_print("ar", [sentence], tmp_path)).splitlines() if line.strip()]
    assert len(lines) == 1 and normalise(lines[0]) == normalise(sentence)


def test_measure_ignores_what_extraction_may_change_and_nothing_else() -> None:
    wanted = ["Zero\u200b-width, bidi \u2066(626)\u2069 and marks: بعيدًا."]
    assert compare("x", wanted, "Zero width bidi 626 and\nmarks بعيدا").share == 1.0
    assert compare("x", wanted, "Zero width bidi 625 and marks بعيدا").share == 0.0
    pages = "Body starts here and\nClinic · Page 1 of 2\n\fgoes on.\nClinic · Page 2 of 2\n\f"
    furniture = lambda page, pages: ("Clinic", f"Page {page} of {pages}")  # noqa: E731
    assert compare("x", ["Body starts here and goes on."], pages, furniture).share == 1.0
    assert compare("x", ["Body starts here and goes on."], pages).share == 0.0


def test_measure_in_order_counts_order_punctuation_and_non_joiners() -> None:
    wanted = ["في (IOP)، من 3–5 أيام، بعيدًا", "می\u200cکنید"]
    good = "\u202bفي (\u202aIOP\u202c\u200f)\u060c من 3\u200f–5 أيام، بعيدًا\n\fمی\u200cکنید"
    assert compare("x", wanted, good, simplify=squash).share == 1.0
    assert compare("x", wanted, "في ( ،)IOP من 5–3 أيام، بعيدًا", simplify=squash).share == 0.0
    assert compare("x", wanted[:1], good.replace("\u064b", ""), simplify=squash).share == 0.0  # tanwīn lost
    assert compare("x", wanted, "میکنید", simplify=squash).share == 0.0
    assert compare("x", ["pang-araw-araw na"], "pang-araw-\naraw na", simplify=squash).share == 1.0


# --- the real site (content and layout tests: they depend on the current article) ------------


@pytest.fixture(scope="module")
def site(shipped_site: Path) -> Path:
    """The shipped article in every published language: these are content tests."""
    return shipped_site


@pytest.fixture(scope="module")
def site_articles(site: Path) -> dict[str, Any]:
    project = load_project(site)
    docs = load_sources(project).documents
    return {lang: translate_language(project, lang, docs)[0][0] for lang in project.config.languages}


@needs_poppler
@pytest.mark.parametrize("language", REPO_LANGUAGES)
def test_real_site_text_layer_is_the_translation(
    site: Path, site_articles: dict[str, Any], language: str
) -> None:
    project = load_project(site)
    article = site_articles[language]
    facts = {name: fact.value for name, fact in project.config.facts().items()}
    furniture = running_texts(article, project.config).on_page
    for variant in VARIANTS:
        pdf = site / f"build/site/{language}/{article.doc.slug}{variant.suffix}.pdf"
        layer = text_layer(article.doc, facts, pdf, furniture)
        assert layer.share == 1.0, (pdf.name, layer.missing)
        in_order = text_layer(article.doc, facts, pdf, furniture, simplify=squash)  # punctuation, order, ZWNJ
        assert in_order.share == 1.0, (pdf.name, in_order.missing)
        # The running header comes first: its phone neither ")626(" (brackets drawn mirrored
        # elsewhere) nor split over two lines (Armenian large print did).
        header = pdftotext(pdf).split("\n\n", 1)[0].replace("\u00a0", " ")
        assert project.config.clinic_name in header and facts["clinic.phone"] in header, (pdf.name, header)


@pytest.mark.parametrize("language", REPO_LANGUAGES)
def test_real_site_marked_content_is_tagged_or_artifact(site: Path, language: str) -> None:
    for pdf in sorted((site / f"build/site/{language}").glob("*.pdf")):
        assert unlisted_content(pdf) == [], pdf.name


@pytest.mark.parametrize("language", REPO_LANGUAGES)
def test_real_site_handouts_are_letter_with_no_near_empty_page(site: Path, language: str) -> None:
    """Content and layout test: the page count follows from the type, but no page is near-empty."""
    for pdf in sorted((site / f"build/site/{language}").glob("*.pdf")):
        box = pypdf.PdfReader(str(pdf)).pages[0].mediabox
        assert (round(box.width), round(box.height)) == (612, 792)
        fills = page_fills(pdf)
        assert len(fills) == 1 or min(fills) >= 0.25, (pdf.name, fills)


def _first_structure_element(pdf: Path) -> str:
    """The first block a reader that follows the structure tree meets (inside Document and Art)."""
    node = pypdf.PdfReader(str(pdf)).trailer["/Root"]["/StructTreeRoot"]["/K"][0].get_object()
    while node["/S"] in ("/Document", "/Art", "/Sect", "/Div", "/NonStruct"):
        kids = node["/K"]
        node = (kids[0] if isinstance(kids, list) else kids).get_object()
    return str(node["/S"])


@needs_poppler
@pytest.mark.parametrize("language", [tag for tag in REPO_LANGUAGES if tag != "en"])
def test_real_site_draft_notice_is_read_first(
    site: Path, site_articles: dict[str, Any], language: str
) -> None:
    article = site_articles[language]
    if not article.is_draft:
        pytest.skip("signed off: no draft notice")
    project = load_project(site)
    notice = normalise(running_texts(article, project.config).footer_note)
    facts = {name: fact.value for name, fact in project.config.facts().items()}
    title = normalise(plain_text(article.doc.metadata.title.inlines, facts))
    for variant in VARIANTS:
        pdf = site / f"build/site/{language}/{article.doc.slug}{variant.suffix}.pdf"
        first_page = normalise(pdftotext(pdf).split("\f")[0])
        # The notice is in the body, before the title (not only in the footer, after it).
        assert 0 <= first_page.find(notice) < first_page.find(title), pdf.name
        assert _first_structure_element(pdf) == "/P"


# --- notices on page 1 (regular and large print) ---------------------------------------------------------------------------


@needs_poppler
@pytest.mark.parametrize("state", ["voided", "draft", "reviewed"])
def test_sign_off_states_leave_no_empty_box_on_page_one(make_project: Any, state: str) -> None:
    project = load_project(make_project("basic"))
    article, _ = prepare_article(project, "every-node", "es")
    article = dataclasses.replace(article, review=ReviewState(state, "Ana Ruiz", "2026-01-02", "Luis"))
    # In Spanish: the root has no ui.po of its own, and the shipped Spanish interface is shown.
    notice = "Traducción preliminar: todavía no la ha revisado un traductor médico calificado."
    for pdf in PdfBuilder(project).write(article):
        first = " ".join(pdftotext(pdf).split("\f")[0].split())
        # The draft notice is real content in the body (its box is not empty), read before the
        # title, besides the footer; gone once reviewed, when the colophon says who reviewed it.
        assert first.count(notice) == (0 if state == "reviewed" else 2), first
        assert _first_structure_element(pdf) == "/P"  # a notice (English parts, at least), then H1
        if state == "reviewed":
            assert "Revisado por Ana Ruiz" in first


# --- each language's own punctuation --------------------------------------------------------------

_GLUED = re.compile(r"_\((?:[^()]|\([^()]*\))*\)\s*\}\}\s*(?:</\w+>)?[:.;,]|[:.;,]\s*\{\{\s*_\(")


@pytest.mark.parametrize("template", ["base.html", "handout.html"])
def test_no_template_glues_english_punctuation_to_translated_text(template: str) -> None:
    text = (REPO / "pipeline/templates" / template).read_text("utf-8")
    assert _GLUED.findall(text) == []


@pytest.mark.parametrize("language", ["ja", "km", "zh-Hant"])
def test_real_site_help_box_punctuates_like_the_language(site: Path, language: str) -> None:
    page = (site / f"build/site/{language}/iop-vs-residential-rehab.html").read_text("utf-8")
    project = load_project(site)
    article, _ = prepare_article(project, "iop-vs-residential-rehab", language)
    pattern = article.ui.gettext("{name}: {number}. {note}")
    assert pattern != "{name}: {number}. {note}"
    separator = pattern.split("{name}")[1].split("{number}")[0]
    assert f"</strong>{separator}<a" in page
    assert "</strong>:" not in page


def test_the_weasyprint_shim_is_in_place_only_while_the_pipeline_prints(tmp_path: Path) -> None:
    import weasyprint.draw.text
    import weasyprint.pdf.fonts
    from weasyprint.pdf.stream import Stream

    def wrapped() -> list[Any]:
        fonts, text = weasyprint.pdf.fonts, weasyprint.draw.text
        return [Stream.marked, Stream.set_text_rise, text.draw_first_line, fonts._build_vector_font_dictionary]

    before = wrapped()
    _print("ar", SENTENCES["ar"][:1], tmp_path)
    assert wrapped() == before


def test_running_header_and_footer_are_pagination_artifacts(make_project: Any) -> None:
    project = load_project(make_project("basic"))
    article, _ = prepare_article(project, "every-node", "en")
    for pdf in PdfBuilder(project).write(article):
        reader = pypdf.PdfReader(str(pdf))
        for page in reader.pages:
            content = page.get_contents().get_data().decode("latin-1")
            kinds = set(re.findall(r"/Artifact\s*<<\s*/Type\s*/Pagination\s*/Subtype\s*/(\w+)", content))
            assert kinds == {"Header", "Footer"}, pdf.name
        assert unlisted_content(pdf) == []


def test_last_reviewed_date_is_content_a_screen_reader_announces(make_project: Any) -> None:
    """Not only in the running header, an Artifact that screen readers skip (#22)."""
    project = load_project(make_project("basic"))
    article, _ = prepare_article(project, "every-node", "es")
    for pdf in PdfBuilder(project).write(article):
        content = content_text(pdf)
        label = article.ui.gettext("Last reviewed:")  # the shipped Spanish, as this root has no ui.po
        assert f"{label} 15 de enero de 2026" in " ".join(content.split()), pdf.name
        assert "Test Clinic · " not in content  # the running header is left out: it is furniture
        assert unlisted_content(pdf) == []


def test_no_glyph_code_maps_to_nothing_in_any_handout(full_site: Path) -> None:
    """Every handout of tests/roots/clinic, regular and large print, in all its languages (#22:
    Khmer handouts' fonts had 30–36 glyph codes mapped to empty Unicode)."""
    pdfs = sorted((full_site / "build/site").glob("*/*.pdf"))
    published = load_project(full_site).config.languages
    assert len(pdfs) >= 2 * len(published)
    assert {pdf.relative_to(full_site).as_posix(): empty_unicode_codes(pdf) for pdf in pdfs if empty_unicode_codes(pdf)} == {}
