"""PDFs right inside: the text layer in every script, tags for every piece of content, notices, four pages."""

from __future__ import annotations

import dataclasses
import html
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, ROOTS

from pipeline.builders.pdf import PdfBuilder
from pipeline.builders.pdf_audit import compare, normalise, pdftotext, text_layer, unlisted_content
from pipeline.builders.printing import render_pdf
from pipeline.engine.tasks import translate_language
from pipeline.i18n.article import prepare_article
from pipeline.i18n.review import ReviewState
from pipeline.model import plain_text
from pipeline.render.fonts import css_font_family
from pipeline.render.handout import VARIANTS, running_texts
from pipeline.source.articles import load_sources
from pipeline.source.project import language_info, load_project

pypdf = pytest.importorskip("pypdf")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
SENTENCES: dict[str, list[str]] = tomllib.loads((ROOTS / "scripts/sentences.toml").read_text("utf-8"))
REPO_LANGUAGES = load_project(REPO).config.languages


def _print(language: str, sentences: list[str], tmp_path: Path) -> Path:
    """The sentences as paragraphs of a tagged PDF, through the pipeline's own WeasyPrint setup."""
    info = language_info(language)
    body = "".join(f"<p>{html.escape(s)}</p>" for s in sentences)
    page = f'<html lang="{language}" dir="{info.direction}"><head><title>t</title></head><body>{body}</body></html>'
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


@needs_poppler
def test_khmer_clusters_come_back_character_for_character(tmp_path: Path) -> None:
    """Subscript consonants and pre-base vowels in their written order, not only after normalising."""
    title = SENTENCES["km"][0]
    text = pdftotext(_print("km", [title], tmp_path))
    squash = re.compile(r"[\s\u200b]+")
    assert squash.sub("", title) in squash.sub("", text)


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
    rtl = language_info(language).direction == "rtl"
    for variant in VARIANTS:
        pdf = site / f"build/site/{language}/{article.doc.slug}{variant.suffix}.pdf"
        layer = text_layer(article.doc, facts, pdf, running_texts(article, project.config).on_page)
        assert layer.share >= (0.98 if rtl else 1.0), (pdf.name, layer.missing)


@pytest.mark.parametrize("language", REPO_LANGUAGES)
def test_real_site_marked_content_is_tagged_or_artifact(site: Path, language: str) -> None:
    for pdf in sorted((site / f"build/site/{language}").glob("*.pdf")):
        assert unlisted_content(pdf) == [], pdf.name


@pytest.mark.parametrize("language", REPO_LANGUAGES)
def test_real_site_regular_handout_is_four_letter_pages(site: Path, language: str) -> None:
    """Content and layout test: the current article fits four Letter pages in regular print."""
    (pdf,) = (site / f"build/site/{language}").glob("*[!t].pdf")  # not *-large-print.pdf
    reader = pypdf.PdfReader(str(pdf))
    assert len(reader.pages) <= 4
    box = reader.pages[0].mediabox
    assert (round(box.width), round(box.height)) == (612, 792)


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
    notice = "Draft translation: not yet reviewed by a qualified medical translator."
    for pdf in PdfBuilder(project).write(article):
        first = " ".join(pdftotext(pdf).split("\f")[0].split())
        # The draft notice is real content in the body (its box is not empty), read before the
        # title, besides the footer; gone once reviewed, when the colophon says who reviewed it.
        assert first.count(notice) == (0 if state == "reviewed" else 2), first
        assert _first_structure_element(pdf) == "/P"  # a notice (English parts, at least), then H1
        if state == "reviewed":
            assert "Reviewed by Ana Ruiz" in first


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
    from weasyprint.pdf.stream import Stream

    before = Stream.marked
    _print("km", SENTENCES["km"][:1], tmp_path)
    assert Stream.marked is before


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
