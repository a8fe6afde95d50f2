"""The reviewer's packet: both columns in the PDF's text, findings and glossary inline, axe-clean HTML."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from pipeline.i18n.po_edit import NewString, set_msgstrs

CATALOG = "locales/es/LC_MESSAGES/first-day.po"


@pytest.fixture(scope="module")
def packet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    from click.testing import CliRunner

    from pipeline.cli import main

    root = tmp_path_factory.mktemp("packet") / "exchange"
    shutil.copytree(Path(__file__).parent / "roots" / "exchange", root)
    runner = CliRunner()
    for args in (["extract"], ["init", "es"]):
        assert runner.invoke(main, ["-C", str(root), *args]).exit_code == 0
    (root / "locales/es/glossary.csv").write_text("source,target\nID,identificación\n", encoding="utf-8")
    catalog = root / CATALOG
    catalog.write_text(
        set_msgstrs(
            catalog.read_text(encoding="utf-8"),
            {
                "Before you come": NewString("Antes de venir", False),
                "Call {clinic.phone} if you are running late.": NewString("Llame si llega tarde.", False),
                "Bring your ID and a list of your **medicines**.": NewString(
                    "Traiga su identificación y una lista de sus **medicinas**.", False
                ),
            },
        ),
        encoding="utf-8",
    )
    result = runner.invoke(main, ["-C", str(root), "packet", "es"])
    assert result.exit_code == 0, result.output
    assert "wrote build/review/es/first-day.pdf" in result.output
    return root / "build" / "review" / "es"


def pdf_text(path: Path) -> str:
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    )
    return " ".join(text.stdout.split())


def test_pdf_holds_both_columns_and_the_findings(packet: Path) -> None:
    text = pdf_text(packet / "first-day.pdf")
    assert "Bring your ID and a list of your **medicines**." in text
    assert "Traiga su identificación y una lista de sus **medicinas**." in text
    assert "{clinic.phone} is missing from the translation" in text
    assert "Glossary: ID → identificación" in text
    assert "Not translated yet." in text and "Draft: not yet reviewed" in text
    assert "plainspoken review es --by" in text
    info = subprocess.run(["pdfinfo", str(packet / "first-day.pdf")], capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+792 x 612 pts \(letter\)", info)


def test_a4_on_request(packet: Path, run: Callable[..., Result]) -> None:
    root = packet.parents[2]
    assert run(root, "packet", "es", "--page-size", "a4").exit_code == 0
    info = subprocess.run(["pdfinfo", str(packet / "first-day.pdf")], capture_output=True, text=True).stdout
    assert re.search(r"Page size:.*\(A4\)", info)


def test_unknown_article_is_one_line(packet: Path, run: Callable[..., Result]) -> None:
    result = run(packet.parents[2], "packet", "es", "--article", "nope")
    assert result.exit_code == 1 and "no article 'nope'" in result.output


@pytest.mark.browser
def test_packet_html_is_axe_clean(packet: Path) -> None:
    from tests.test_accessibility import AXE_TAGS, CHROMIUM, LAUNCH_ARGS, axe_module, playwright

    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page()
        page.goto((packet / "first-day.html").as_uri())
        results = axe_module.Axe().run(
            page,
            options={
                "runOnly": {"type": "tag", "values": AXE_TAGS},
                "resultTypes": ["violations"],
            },
        )
        browser.close()
    assert [v["id"] for v in results.response["violations"]] == []


def test_pdf_parts_in_another_language_are_tagged_with_it(packet: Path) -> None:
    """A screen reader reads the Spanish column with a Spanish voice, not the packet's English (#22)."""
    from pipeline.builders.pdf_audit import structure_languages, text_by_language

    assert structure_languages(packet / "first-day.pdf").get("es", 0) >= 3  # one per translated row, at least
    voices = {lang: " ".join(text.split()) for lang, text in text_by_language(packet / "first-day.pdf").items()}
    assert "Traiga su identificación y una lista de sus **medicinas**." in voices["es"]
    assert "Bring your ID and a list of your **medicines**." in voices["en"]
    assert "Traiga" not in voices["en"] and "Bring your ID" not in voices["es"]
    assert "(untagged)" not in voices


def test_an_article_with_no_catalog_yet_never_holds_back_the_others(
    make_project: Callable[[str], Path], run: Callable[..., Result]
) -> None:
    root = make_project("exchange")
    assert run(root, "extract").exit_code == 0 and run(root, "init", "es").exit_code == 0
    (root / "source/clinic-hours.md").write_text(
        '---\ntitle: "Clinic hours"\nsummary:\n  - "We are open every day."\nlast_reviewed: 2026-02-01\n'
        "language: en\n---\n\n## Hours\n\nWe open at 9.\n",
        encoding="utf-8",
    )
    result = run(root, "packet", "es")
    assert result.exit_code == 1
    assert "locales/es/LC_MESSAGES/clinic-hours.po: missing: run plainspoken init es" in result.output
    written = sorted(p.name for p in (root / "build/review/es").iterdir())
    assert written == [
        f"{slug}.{ext}" for slug in ("every-inline", "first-day", "ui") for ext in ("html", "pdf")
    ]


@pytest.fixture(scope="module")
def clinic_packets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/roots/clinic's packets (the article's and the interface's) in two right-to-left
    languages and two left-to-right ones."""
    import shutil

    from click.testing import CliRunner

    from pipeline.cli import main

    root = tmp_path_factory.mktemp("packets") / "clinic"
    shutil.copytree(Path(__file__).parent / "roots" / "clinic", root)
    for language in ("ar", "fa", "es", "km"):
        result = CliRunner().invoke(main, ["-C", str(root), "packet", language])
        assert result.exit_code == 0, result.output
    return root


@pytest.mark.slow
@pytest.mark.parametrize("language", ["ar", "fa", "es", "km"])
def test_pdf_gives_back_both_columns_in_order(clinic_packets: Path, language: str) -> None:
    """As handouts are measured: only whitespace and bidi controls removed, combining marks kept.
    Arabic gave back 5 of 36 translations in order: poppler read its mostly English pages left to
    right; and lines of neighbouring cells ran together (#22)."""
    from pipeline.builders.pdf_audit import compare, pdftotext, squash
    from pipeline.i18n.catalogs import load_catalog

    layers: dict[str, list[tuple[int, int]]] = {"translations": [], "English": []}
    for slug in ("choosing-care", "ui"):
        catalog = load_catalog(clinic_packets / f"locales/{language}/LC_MESSAGES/{slug}.po", slug, locale=language)
        english = [str(m.id) for m in catalog if m.id]
        translations = [str(m.string) for m in catalog if m.id and str(m.string or "").strip()]
        text = pdftotext(clinic_packets / f"build/review/{language}/{slug}.pdf")
        for column, wanted in (("translations", translations), ("English", english)):
            layer = compare(language, wanted, text, simplify=squash)
            layers[column].append((layer.found, layer.total))
            assert layer.share >= 0.95, (slug, column, layer.missing)
    for column, counts in layers.items():
        found, total = (sum(c) for c in zip(*counts, strict=True))
        assert total >= 70 and found / total >= 0.98, (column, found, total)


@pytest.mark.slow
@pytest.mark.parametrize("slug", ["choosing-care", "ui"])
def test_right_to_left_marks_change_nothing_on_the_printed_page(clinic_packets: Path, slug: str, tmp_path: Path) -> None:
    """The marks and the page artifact that make poppler read an Arabic packet right to left are
    invisible: every page is the same, pixel for pixel, as without them."""
    from pipeline.builders.printing import render_pdf
    from pipeline.site.packet import print_html

    html = (clinic_packets / f"build/review/ar/{slug}.html").read_text("utf-8")
    pages = []
    for name, (page, css) in {"plain": (html, ""), "marked": print_html(html, "ar")}.items():
        (tmp_path / f"{name}.pdf").write_bytes(
            render_pdf(page, css, base_url=tmp_path.as_uri() + "/", allowed_dirs=[], label=name)
        )
        subprocess.run(["pdftoppm", "-r", "40", "-gray", f"{tmp_path / name}.pdf", str(tmp_path / name)], check=True)
        pages.append([p.read_bytes() for p in sorted(tmp_path.glob(f"{name}-*.pgm"))])
    assert print_html(html, "ar")[0] != html and len(pages[0]) > 1 and pages[0] == pages[1]
