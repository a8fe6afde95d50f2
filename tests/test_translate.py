"""Translated documents: pseudo-locale, fallbacks, rejected structure, escaping of msgstrs."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pseudo import PSEUDO, fill_catalog, pseudo_translate

from pipeline.i18n.translate import Entry, translate_document
from pipeline.model import Document, Link, Paragraph, Text, iter_units
from pipeline.source.parse import parse_article

FRONT = "---\ntitle: T\nsummary:\n  - S\nlast_reviewed: 2026-01-01\nlanguage: en\n---\n"


def doc_of(body: str) -> Document:
    return parse_article(FRONT + body, path="a.md", slug="a")


def enable_pseudo(project: Path) -> None:
    toml = project / "source/site.toml"
    toml.write_text(
        toml.read_text().replace('languages = ["en", "es"]', f'languages = ["en", "es", "{PSEUDO}"]')
    )


def test_pseudo_translation_keeps_markdown() -> None:
    assert pseudo_translate("**IOP:** Call {clinic.phone} or see [this](https://e.org/).") == (
        "⟦**ÍÓP:** Cáll {clinic.phone} ór séé [thís](https://e.org/).⟧"
    )


def test_pseudo_locale_translates_every_unit(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    enable_pseudo(project)
    run(project, "init", PSEUDO)
    for po in (project / "locales" / PSEUDO / "LC_MESSAGES").glob("*.po"):
        fill_catalog(po)
    result = run(project, "build", "--format", "html", "--lang", PSEUDO)
    assert result.exit_code == 0, result.output
    html = (project / "build/site" / PSEUDO / "every-node.html").read_text()
    main = html.split('<main id="main"', 1)[1].split("</main>")[0]
    for element in re.findall(r"<(h1|h2|p|li|th|td)\b[^>]*>(.*?)</\1>", main, flags=re.S):
        if "meta" in element[1] or "<time" in element[1] or "<pre" in element[1]:
            continue
        assert "⟦" in element[1], element
    assert 'lang="en"' not in main
    assert "⟦Skíp tó máín cóntént⟧" in html
    assert " in English (untranslated" not in result.output


@pytest.mark.parametrize(
    ("msgid", "msgstr", "reason"),
    [
        (
            "See [the page](https://e.org/a).",
            "Vea la página.",
            "a link to https://e.org/a is missing",
        ),
        (
            "See [the page](https://e.org/a).",
            "Vea [la página](https://evil.example/).",
            "a link to https://evil.example/ is in the translation",
        ),
        ("Call {clinic.phone}.", "Llame.", "the placeholder {clinic.phone} is missing"),
        (
            "Call {clinic.phone}.",
            "Llame al {clinic.phone} o {clinic.fax}.",
            "the placeholder {clinic.fax} is in the translation",
        ),
        ("**IOP:** Yes.", "IOP: Sí.", "**strong emphasis** is missing"),
        ("Run `make`.", "Ejecute `hacer`.", "the code `hacer` is in the translation"),
        (
            "See [x](https://e.org/).",
            "Vea [x](javascript:alert(1)).",
            "link to 'javascript:alert(1)' is not allowed",
        ),
    ],
)
def test_translation_with_other_structure_falls_back(msgid: str, msgstr: str, reason: str) -> None:
    doc = doc_of(f"\n{msgid}\n")
    entries = {msgid: Entry(msgstr, False, 42)}
    translated, report = translate_document(doc, entries, language="es", catalog_path="es.po")
    paragraph = translated.blocks[0]
    assert isinstance(paragraph, Paragraph)
    assert paragraph == dataclasses.replace(doc.blocks[0], lang="en")  # the source, marked English
    assert len(report.rejected) == 1
    assert str(report.rejected[0]).startswith("es.po:42: translation rejected, source text used: ")
    assert reason in str(report.rejected[0])


def test_fuzzy_and_untranslated_fall_back_and_are_counted() -> None:
    doc = doc_of("\nOne.\n\nTwo.\n\nThree.\n")
    entries = {
        "One.": Entry("Uno.", False, 1),
        "Two.": Entry("Dos.", True, 2),
        "T": Entry("T-es", False, 3),
    }
    translated, report = translate_document(doc, entries, language="es", catalog_path="es.po")
    langs = [ref.node.lang for ref in iter_units(translated)]
    assert langs == ["", "en", "", "en", "en"]  # title, summary S, One, Two (fuzzy), Three
    assert (report.translated, report.fuzzy, report.untranslated) == (2, 1, 2)
    assert report.fallbacks == 3
    assert translated.language == "es"


def test_translation_keeps_links_and_placeholders_in_new_order() -> None:
    doc = doc_of("\nCall {clinic.phone} or see [the page](https://e.org/).\n")
    msgstr = "Vea [la página](https://e.org/) o llame al {clinic.phone}."
    translated, report = translate_document(
        doc,
        {"Call {clinic.phone} or see [the page](https://e.org/).": Entry(msgstr, False, 1)},
        language="es",
        catalog_path="es.po",
    )
    assert not report.rejected
    para = translated.blocks[0]
    assert isinstance(para, Paragraph)
    assert Link("https://e.org/", (Text("la página"),)) in para.inlines


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '"><svg onload=alert(1)>',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "<a href='javascript:alert(1)'>x</a>",
]


def test_xss_in_msgstrs_never_reaches_the_html(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    po = project / "locales/es/LC_MESSAGES/choosing-care.po"
    text = po.read_text(encoding="utf-8")
    strings = re.findall(r'^msgstr "(.+)"$', text, flags=re.M)[1 : 1 + len(XSS)]
    for old, attack in zip(strings, XSS, strict=True):
        text = text.replace(f'msgstr "{old}"', "msgstr " + '"' + attack.replace('"', '\\"') + '"', 1)
    po.write_text(text, encoding="utf-8")
    ui = project / "locales/es/LC_MESSAGES/ui.po"
    ui.write_text(ui.read_text().replace('msgstr "Puntos clave"', 'msgstr "<script>alert(2)</script>"'))
    result = run(project, "build", "--format", "html", "--lang", "es")
    assert result.exit_code == 0, result.output
    html = (project / "build/site/es/choosing-care.html").read_text()
    parser = _Tags()
    parser.feed(html)
    assert all(tag not in ("script", "svg", "img") for tag, _ in parser.tags)
    for _tag, attrs in parser.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (name, value)
            assert not (value or "").strip().lower().startswith("javascript:"), (name, value)
    assert "raw HTML is not supported (<script>)" in result.output  # rejected: the English is shown
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
