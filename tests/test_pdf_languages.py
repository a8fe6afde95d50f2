"""Parts of a PDF in another language carry /Lang: review packets and narrator's scripts, read with qpdf (#22)."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOTS

from pipeline.cli import main

pikepdf = pytest.importorskip("pikepdf")

#: Right-to-left, and a script drawn as clusters of several glyphs.
LANGUAGES = ["ar", "km"]


@pytest.fixture(scope="module")
def staff_pdfs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """tests/roots/clinic's review packets (article and interface) and narrator's scripts in LANGUAGES."""
    root = tmp_path_factory.mktemp("languages") / "clinic"
    shutil.copytree(ROOTS / "clinic", root)
    for language in LANGUAGES:
        for command in ("packet", "record"):
            result = CliRunner().invoke(main, ["-C", str(root), command, language])
            assert result.exit_code == 0, result.output
    return sorted((root / "build").glob("re*/*/*.pdf"))


def element_languages(pdf: Path) -> tuple[str, list[tuple[str, str, str]]]:
    """The document's /Lang, and (type, own /Lang or "", language read in) of each structure element."""
    found: list[tuple[str, str, str]] = []

    def walk(node: object, inherited: str) -> None:
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid, inherited)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            own = str(node.get("/Lang", ""))
            found.append((str(node.S), own, own or inherited))
            walk(node.get("/K", pikepdf.Array()), own or inherited)

    with pikepdf.open(pdf) as document:
        language = str(document.Root.get("/Lang", ""))
        walk(document.Root.StructTreeRoot.get("/K", pikepdf.Array()), language)
    return language, found


def html_languages(html: str) -> tuple[str, Counter[str]]:
    """The page's language, and how many of its elements name another language."""
    document = re.search(r'<html[^>]*\blang="([^"]+)"', html)
    assert document is not None
    marked = Counter(re.findall(r'<(?!html)\w+[^>]*\blang="([^"]+)"', html))
    return document[1], Counter({tag: n for tag, n in marked.items() if tag != document[1]})


@pytest.mark.slow
def test_every_part_in_another_language_carries_its_lang(staff_pdfs: list[Path]) -> None:
    """Each element the HTML gives another language is a structure element with that /Lang, so a
    screen reader reads the Arabic column in Arabic and the Khmer script's instructions in English."""
    assert len(staff_pdfs) == 3 * len(LANGUAGES)
    for pdf in staff_pdfs:
        document, marked = html_languages(pdf.with_suffix(".html").read_text("utf-8"))
        language, elements = element_languages(pdf)
        assert language == document, pdf
        tagged = Counter(own for _, own, _ in elements if own)
        assert marked and all(tagged[tag] >= n for tag, n in marked.items()), (pdf, marked, tagged)
        assert set(tagged) <= set(marked), (pdf, tagged)  # no part given a language it is not in


@pytest.mark.slow
def test_no_glyph_code_maps_to_nothing_in_packets_and_scripts(staff_pdfs: list[Path]) -> None:
    from pipeline.builders.pdf_audit import empty_unicode_codes

    assert {pdf.name: empty_unicode_codes(pdf) for pdf in staff_pdfs if empty_unicode_codes(pdf)} == {}
