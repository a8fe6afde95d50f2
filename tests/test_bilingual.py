"""Bilingual handouts (#26): each block in the patient's language, then in English, tagged and in order."""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import unicodedata
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import REPO, ROOTS

from pipeline.builders.pdf_audit import (
    compare,
    messages,
    normalise,
    pairs_out_of_order,
    pdftotext,
    squash,
    structure_languages,
    text_by_language,
    unlisted_content,
)
from pipeline.builders.print_measure import type_sizes
from pipeline.builders.printing import render_pdf
from pipeline.cli import main
from pipeline.i18n.article import Article, prepare_article
from pipeline.render.bilingual import page_marks, render_bilingual
from pipeline.render.handout import REGULAR, looser_spacing, running_texts
from pipeline.source.project import load_project

pypdf = pytest.importorskip("pypdf")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
SLUG = "choosing-care"


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The clinic root's bilingual handouts in its own language, in Spanish, Arabic and Persian."""
    root = tmp_path_factory.mktemp("bilingual") / "clinic"
    shutil.copytree(ROOTS / "clinic", root)
    args = [
        "-C",
        str(root),
        "build",
        "--format",
        "bilingual",
        "--lang",
        "en",
        "--lang",
        "es",
        "--lang",
        "ar",
        "--lang",
        "fa",
    ]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (root / "build-output.txt").write_text(result.output, encoding="utf-8")
    return root


def handout(root: Path, language: str) -> Path:
    return root / f"build/site/{language}/{SLUG}-bilingual.pdf"


def articles(root: Path, language: str) -> tuple[Article, Article, dict[str, str]]:
    """The article in ``language`` and in English, and the facts its placeholders take."""
    project = load_project(root)
    article, _ = prepare_article(project, SLUG, language)
    english, _ = prepare_article(project, SLUG, "en")
    return article, english, {name: fact.value for name, fact in project.config.facts().items()}


def test_every_translated_language_gets_one_and_the_articles_own_none(clinic: Path) -> None:
    assert handout(clinic, "es").is_file() and handout(clinic, "ar").is_file()
    assert not handout(clinic, "en").exists()
    summary = (clinic / "build-output.txt").read_text("utf-8")
    assert re.search(r"en\s+bilingual skipped\s+choosing-care .*articles' own language", summary), summary


@needs_poppler
@pytest.mark.parametrize("language", ["es", "ar"])
def test_tagged_like_the_handout(clinic: Path, language: str) -> None:
    """The structure probe the handouts pass: Letter, tagged, titled, every piece of content tagged
    or an Artifact, every font embedded."""
    pdf = pypdf.PdfReader(str(handout(clinic, language)))
    box = pdf.pages[0].mediabox
    assert (round(box.width), round(box.height)) == (612, 792)
    root = pdf.trailer["/Root"]
    assert root["/Lang"] == language
    assert bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert unlisted_content(handout(clinic, language)) == []
    sizes = type_sizes(handout(clinic, language))  # as the regular handout: body 12 pt, nothing under 11
    assert sizes.body >= 12 and sizes.content >= 11 and sizes.furniture >= 11, sizes
    fonts = subprocess.run(["pdffonts", str(handout(clinic, language))], capture_output=True, text=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows and all(re.search(r"\byes\s+yes\s+yes\b", row) for row in rows), fonts.stdout


def test_every_block_carries_its_language(clinic: Path) -> None:
    """A screen reader reads the Spanish with a Spanish voice and the English with an English one."""
    article, english, facts = articles(clinic, "es")
    by_language = text_by_language(handout(clinic, "es"))
    for language, doc in (("es", article.doc), ("en", english.doc)):
        layer = compare(language, messages(doc, facts), by_language.get(language, ""))
        assert layer.share == 1.0, (language, layer.missing)
    # The help box too: the crisis lines again in English, for the family member or nurse reading along.
    for line in ("988 Suicide & Crisis Lifeline: 988. Call or text 988", "In an emergency, call 911."):
        assert normalise(line) in normalise(by_language["en"]), line
    # Each English block, key point and the English title is an element of its own marked /Lang en.
    blocks = len(english.doc.blocks) + len(english.doc.metadata.summary) + 1
    assert structure_languages(handout(clinic, "es")).get("en", 0) >= blocks
    assert structure_languages(handout(clinic, "ar")).get("en", 0) >= blocks


@needs_poppler
def test_text_layer_in_order_for_both_languages(clinic: Path) -> None:
    """Every message in each language, whole and in order, and each Spanish block before its English."""
    article, english, facts = articles(clinic, "es")
    extracted = pdftotext(handout(clinic, "es"))
    furniture = running_texts(article, load_project(clinic).config).on_page
    for doc in (article.doc, english.doc):
        layer = compare(doc.language, messages(doc, facts), extracted, furniture, simplify=squash)
        assert layer.share >= 0.98, (doc.language, layer.missing)
    pairs = list(zip(messages(article.doc, facts), messages(english.doc, facts), strict=True))
    assert pairs_out_of_order(pairs, extracted, furniture) == ()


@needs_poppler
@pytest.mark.parametrize("language", ["ar", "fa"])
def test_right_to_left_text_layer_in_order(clinic: Path, language: str) -> None:
    """Every Arabic or Persian message whole and in order, and each block before its English,
    although most of a page's letters are English (poppler reads a page in the direction of most
    of its letters: before the page's marks, 19 of 36 Arabic messages came back in order)."""
    article, english, facts = articles(clinic, language)
    furniture = running_texts(article, load_project(clinic).config).on_page
    extracted = pdftotext(handout(clinic, language))
    layer = compare(language, messages(article.doc, facts), extracted, furniture, simplify=squash)
    assert layer.share == 1.0, layer.missing
    pairs = list(zip(messages(article.doc, facts), messages(english.doc, facts), strict=True))
    assert pairs_out_of_order(pairs, extracted, furniture) == ()


@needs_poppler
def test_right_to_left_page_marks_change_nothing_on_the_page(clinic: Path, tmp_path: Path) -> None:
    """The page artifact of right-to-left marks is invisible: every page of the Arabic handout is the
    same, pixel for pixel, as without it."""
    article, english, _ = articles(clinic, "ar")
    html, css = render_bilingual(article, english, config=load_project(clinic).config)
    marks = page_marks(html, "ar")
    assert css.endswith(marks) and marks.count("\u200f") > 1000
    source = clinic / "source"
    pages = []
    for name, style in {"plain": css.removesuffix(marks), "marked": css}.items():
        pdf = render_pdf(  # as builders/bilingual.py prints it
            html,
            style,
            base_url=source.as_uri() + "/",
            allowed_dirs=[source / "assets"],
            label=name,
            looser=looser_spacing(REGULAR),
        )
        (tmp_path / f"{name}.pdf").write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "50", "-gray", f"{tmp_path / name}.pdf", str(tmp_path / name)], check=True
        )
        pages.append([p.read_bytes() for p in sorted(tmp_path.glob(f"{name}-*.pgm"))])
    assert len(pages[0]) > 1 and pages[0] == pages[1]


@needs_poppler
def test_english_text_layer_in_order_in_a_right_to_left_handout(clinic: Path) -> None:
    article, english, facts = articles(clinic, "ar")
    furniture = running_texts(article, load_project(clinic).config).on_page
    extracted = pdftotext(handout(clinic, "ar"))
    layer = compare("en", messages(english.doc, facts), extracted, furniture, simplify=squash)
    assert layer.share >= 0.98, layer.missing


_LINE = re.compile(r'<line xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>(.*?)</line>', re.S)


def lines(pdf: Path) -> list[tuple[float, float, str]]:
    """(left edge, right gap, text) of each line pdftotext finds on the pages of ``pdf``."""
    layout = subprocess.run(
        ["pdftotext", "-bbox-layout", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = []
    for width, body in re.findall(r'<page width="([\d.]+)"[^>]*>(.*?)</page>', layout, re.S):
        for x_min, x_max, words in _LINE.findall(body):
            text = " ".join(unescape(w) for w in re.findall(r">([^<]*)</word>", words))
            found.append((float(x_min), float(width) - float(x_max), text))
    return found


def _script(text: str) -> str:
    """'rtl' or 'ltr': the direction most of the line's letters have."""
    kinds = [unicodedata.bidirectional(ch) for ch in text if ch.isalpha()]
    return "rtl" if sum(kind in ("R", "AL") for kind in kinds) > len(kinds) / 2 else "ltr"


@needs_poppler
def test_right_to_left_handout_is_mirrored(clinic: Path) -> None:
    """The Arabic hangs from the right margin and the English from the left; in Spanish both from the left."""
    found = {"ar": lines(handout(clinic, "ar")), "es": lines(handout(clinic, "es"))}
    arabic = [(left, right) for left, right, text in found["ar"] if _script(text) == "rtl"]
    english = [(left, right) for left, right, text in found["ar"] if re.search("[A-Za-z]{4}", text)]
    english = [
        (left, right)
        for left, right, text in found["ar"]
        if _script(text) == "ltr" and (left, right) in english
    ]
    assert statistics.median(r for _, r in arabic) < statistics.median(left for left, _ in arabic)
    assert statistics.median(left for left, _ in english) < statistics.median(r for _, r in english)
    spanish = [(left, right) for left, right, _ in found["es"]]
    assert statistics.median(left for left, _ in spanish) < statistics.median(r for _, r in spanish)


@needs_poppler
def test_a_draft_translation_is_marked_as_in_the_regular_handout(clinic: Path) -> None:
    article, _, _ = articles(clinic, "es")
    assert article.is_draft
    notice = running_texts(article, load_project(clinic).config).footer_note
    first = " ".join(pdftotext(handout(clinic, "es")).split("\f")[0].split())
    assert first.count(notice) == 2  # in the body, read before the title, and in the footer
    assert first.find(notice) < first.find("IOP o rehabilitación residencial")
    node = (
        pypdf.PdfReader(str(handout(clinic, "es"))).trailer["/Root"]["/StructTreeRoot"]["/K"][0].get_object()
    )
    while node["/S"] in ("/Document", "/Art", "/Sect", "/Div", "/NonStruct"):
        kids = node["/K"]
        node = (kids[0] if isinstance(kids, list) else kids).get_object()
    assert node["/S"] == "/P"


def test_the_registry_is_the_only_place_that_knows_it() -> None:
    """Added as #26 promised: a builder, its templates and one register() call; no word of it in the
    engine, the plan or the command line."""
    places = [*sorted((REPO / "pipeline/engine").glob("*.py")), REPO / "pipeline/cli.py"]
    named = re.compile(r"""["']bilingual["']|BilingualBuilder|-bilingual\b""")  # its name, builder, files
    assert [p.name for p in places if named.search(p.read_text("utf-8"))] == []
    outputs = (REPO / "pipeline/builders/outputs.py").read_text("utf-8")
    assert outputs.count('"pipeline.builders.bilingual:BilingualBuilder"') == 1


def test_the_report_and_the_page_link_it(make_project: Any) -> None:
    root = make_project("segment-languages")
    result = CliRunner().invoke(main, ["-C", str(root), "build", "--lang", "es"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    site = root / "build/site"
    page = (site / "es/first-dose.html").read_text("utf-8")
    link = re.search(r'<a[^>]*href="first-dose-bilingual\.pdf"[^>]*>(.*?)</a>', page, re.S)
    assert link is not None and "Folleto bilingüe (PDF)" in link.group(1), page
    report = (site / "report.html").read_text("utf-8")
    assert re.search(r'href="es/first-dose-bilingual\.pdf"[^>]*>\s*Bilingual handout \(PDF\)', report), report


@needs_poppler
@pytest.mark.parametrize("language", ["es", "ar"])
def test_a_part_not_translated_yet_is_printed_once(make_project: Any, language: str) -> None:
    """The basic root has no catalogs: its Spanish (or Arabic) handout is in English, and the
    bilingual one gives each part once (in English, marked so), not twice."""
    root = make_project("basic")
    toml = root / "source/site.toml"
    toml.write_text(toml.read_text("utf-8").replace('["en", "es"]', '["en", "es", "ar"]'), "utf-8")
    args = ["-C", str(root), "build", "--format", "bilingual", "--lang", language]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    pdf = root / f"build/site/{language}/every-node-bilingual.pdf"
    text = " ".join("".join(ch for ch in pdftotext(pdf) if unicodedata.category(ch) != "Cf").split())
    assert text.count("An opening paragraph with") == 1
    # The title and a key point (words, since poppler may give a short English line on a
    # right-to-left page in the order it reads the page's own lines).
    assert text.count("Every") == 1 and text.count(" key ") == 1
    assert structure_languages(pdf).get("en", 0) > 0


def test_each_id_once_and_each_language_s_notes_linked_from_its_own_text(make_project: Any) -> None:
    """The article is on the page twice: the English footnote reference leads to the English note."""
    from pipeline.render.bilingual import render_bilingual

    project = load_project(make_project("author"))
    article, _ = prepare_article(project, "first-day", "es")
    english, _ = prepare_article(project, "first-day", "en")
    html, _ = render_bilingual(article, english, config=project.config)
    ids = re.findall(r'\bid="([^"]*)"', html)
    assert sorted(ids) == sorted(set(ids))
    assert [target for target in re.findall(r'href="#([^"]*)"', html) if target not in ids] == []
    english_part = html[html.index('<div class="source"') :]
    assert 'href="#source-fn-1"' in english_part and 'id="source-fn-1"' in english_part
