"""The reviewer's packet: one article in one language as a bilingual table, in HTML and PDF."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from pipeline.errors import PlainspokenError, Problem
from pipeline.i18n.catalogs import ProjectCatalog, load_catalog
from pipeline.i18n.currency import catalog_lag, current_templates
from pipeline.i18n.lifecycle import missing_catalog
from pipeline.i18n.review import DATE, REVIEWER, catalog_state
from pipeline.quality.checks import CHECKS, Term, load_glossary, term_pattern
from pipeline.quality.gates import message_checker
from pipeline.render.direction_marks import (
    LRM,
    RLM,
    mark_ltr_line_ends,
    mark_rtl_boundaries,
    page_direction_marks,
)
from pipeline.render.fonts import css_font_family, css_lang_rules
from pipeline.render.pages import long_date, make_environment
from pipeline.source.project import UI_DOMAIN, Project, language_info, write_atomic

PAGE_SIZES = {"letter": "letter", "a4": "A4"}
_STATE_TEXT = {
    "draft": "Draft: not yet reviewed by a qualified medical translator.",
    "voided": "Sign-off voided: the translation or the English changed after it was signed off.",
    "reviewed": "Reviewed and signed off.",
}
#: What the interface catalog holds, named for the reviewer (an article is named by its slug).
UI_SUBJECT = "the interface (headings, buttons, notices and crisis lines)"


@dataclass(frozen=True)
class PacketRow:
    """One message: where it comes from, both texts, and what the checks and glossary say."""

    number: int
    location: str
    english: str
    translation: str
    status: str  # "translated", "fuzzy" or "untranslated"
    findings: tuple[tuple[str, str], ...]  # (severity, message)
    terms: tuple[Term, ...]


def packet_rows(project: Project, language: str, slug: str, catalog: ProjectCatalog) -> list[PacketRow]:
    """Every live message of the catalog, numbered in reading order."""
    checker = message_checker(project, language, slug)
    glossary_path = project.locales_dir / language / "glossary.csv"
    glossary = load_glossary(glossary_path, project.display(glossary_path))
    rows: list[PacketRow] = []
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        msgstr = str(message.string or "")
        status = "fuzzy" if message.fuzzy else "translated" if msgstr.strip() else "untranslated"
        found = checker.check(message.id, msgstr, fuzzy=message.fuzzy)
        where = ", ".join(f"{path}:{line}" if line else path for path, line in message.locations)
        terms = tuple(t for t in glossary if term_pattern(t.source).search(message.id))
        findings = tuple((CHECKS[check][0], text) for check, text in found)
        rows.append(PacketRow(len(rows) + 1, where, message.id, msgstr, status, findings, terms))
    return rows


def render_packet(
    project: Project,
    language: str,
    slug: str,
    catalog: ProjectCatalog,
    *,
    page_size: str,
    template: ProjectCatalog | None = None,
) -> str:
    """The packet's HTML, self-contained (its stylesheet inline), for the screen and for print.

    Its sign-off state is judged against ``template``, the messages as the sources make them now.
    """
    info = language_info(language)
    state = catalog_state(catalog, template)
    lag = catalog_lag(catalog, template)
    rows = packet_rows(project, language, slug, catalog)
    return (
        make_environment()
        .get_template("packet.html")
        .render(
            lang=info,
            slug=UI_SUBJECT if slug == UI_DOMAIN else slug,
            clinic=project.config.clinic_name,
            state=state,
            state_text=_STATE_TEXT[state],
            behind=lag.message if lag else "",
            rows=rows,
            errors=sum(1 for r in rows for severity, _ in r.findings if severity == "error"),
            fonts=Markup(css_lang_rules((language,))),  # generated from validated tags, not user text
            page_size=PAGE_SIZES[page_size],
            catalog_path=project.display(project.catalog_path(language, slug)),
            reviewer=catalog.header(REVIEWER),
            reviewed_on=long_date(catalog.header(DATE), "en") if catalog.header(DATE) else "",
        )
    )


@dataclass(frozen=True)
class Packets:
    """What ``packet`` wrote, and each catalog behind its source (its packet says so too)."""

    files: tuple[Path, ...]
    behind: tuple[Problem, ...]
    failed: tuple[Problem, ...] = ()  # each catalog with no packet, and why


def write_packets(
    project: Project, language: str, slugs: Sequence[str], *, page_size: str, pdf: bool = True
) -> Packets:
    """build/review/<lang>/<slug>.html and .pdf for each catalog (``ui`` for the interface: every
    catalog that ``plainspoken review`` signs has its packet)."""
    written: list[Path] = []
    behind: list[Problem] = []
    failed: list[Problem] = []
    templates = current_templates(project)
    for slug in slugs:
        try:
            written += _write_packet(project, language, slug, templates.get(slug), page_size, pdf, behind)
        except PlainspokenError as error:  # one catalog that cannot be read never holds back the others
            failed += error.problems
    return Packets(tuple(written), tuple(behind), tuple(failed))


def _write_packet(
    project: Project,
    language: str,
    slug: str,
    template: ProjectCatalog | None,
    page_size: str,
    pdf: bool,
    behind: list[Problem],
) -> list[Path]:
    """One catalog's packet, HTML and PDF; its lag behind the source added to ``behind``."""
    path, folder = project.catalog_path(language, slug), project.root / "build" / "review" / language
    if not path.exists():
        raise PlainspokenError.at(project.display(path), 0, missing_catalog(project, language, slug))
    catalog = load_catalog(path, project.display(path), locale=language)
    html = render_packet(project, language, slug, catalog, page_size=page_size, template=template)
    write_atomic(folder / f"{slug}.html", html.encode("utf-8"))
    written = [folder / f"{slug}.html"]
    if pdf:
        written.append(_write_pdf(project, folder / f"{slug}.pdf", *print_html(html, language)))
    lag = catalog_lag(catalog, template)
    behind += [Problem(project.display(path), 0, lag.message)] if lag else []
    return written


_RTL_BLOCK = re.compile(r'<div lang="[^"]+" dir="rtl">.*?</div>', re.S)
#: A separator that other punctuation follows (``:**`` after a bold label, ``.)``): poppler takes
#: ``:`` for part of a number, and gave ``**:`` back for ``:**``.
_SEPARATOR_THEN_PUNCTUATION = re.compile(r"([:.,/\u060c])(?=[^\s\w<&])")
#: A placeholder that ends a translation before its closing punctuation (``{length})``): its brace
#: belongs to the left-to-right run, the bracket after it to the line, and poppler gave ``(}`` back.
_LAST_PLACEHOLDER_THEN_PUNCTUATION = re.compile(r"\}(?=[^\w\s<]+</div>)")


def print_html(html: str, language: str) -> tuple[str, str]:
    """The packet's HTML as printed, and its print stylesheet: a right-to-left language's text layer
    read back in order, as a handout's is.

    poppler reads a page in the direction of most of its letters: an Arabic packet's pages, mostly
    English, were read left to right, and each translated line that holds a Latin word or a number
    came back with its pieces out of order (5 of 36 messages in order). So each page carries, as a
    page artifact, as many right-to-left marks as the packet has left-to-right letters (drawn
    invisibly, skipped by screen readers): poppler reads it right to left. The translations get the
    marks a right-to-left handout gets (mark_rtl_boundaries); the English, marks after the
    punctuation a line may end with (mark_ltr_line_ends).
    """
    if language_info(language).direction != "rtl":
        return html, ""
    html = mark_ltr_line_ends(_RTL_BLOCK.sub(lambda block: _translation_marks(block[0]), html))
    return html, page_direction_marks(html, f"1pt {css_font_family(language)}", "top-left")


def _translation_marks(block: str) -> str:
    """A translation's right-to-left marks: a handout's; an RLM after each separator that other
    punctuation follows, and LRM+RLM after a last placeholder's brace, where the line is shown as
    without them (python-bidi)."""
    from bidi import get_display  # type: ignore[import-untyped]  # python-bidi has no type hints

    marked = _SEPARATOR_THEN_PUNCTUATION.sub(lambda found: found[1] + RLM, block)
    marked = _LAST_PLACEHOLDER_THEN_PUNCTUATION.sub("}" + LRM + RLM, marked)
    shown = [
        get_display(re.sub(r"<[^>]*>", "", text), base_dir="R").replace(RLM, "").replace(LRM, "")
        for text in (block, marked)
    ]
    return mark_rtl_boundaries(marked if shown[0] == shown[1] else block)


def _write_pdf(project: Project, out: Path, html: str, css: str) -> Path:
    from pipeline.builders.printing import render_pdf

    data = render_pdf(
        html, css, base_url=out.parent.as_uri() + "/", allowed_dirs=[], label=project.display(out)
    )
    write_atomic(out, data)
    return out
