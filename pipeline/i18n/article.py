"""One article in one language, translated and ready to be written in any format."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import PlainspokenError, Problem
from pipeline.i18n.catalogs import AT_ONCE, ProjectCatalog, extract_document, load_catalog, msgfmt_checking
from pipeline.i18n.clinical import RECORD, Clinical, medical_review
from pipeline.i18n.currency import Shown, catalog_lag, from_file, shown_counts, shown_messages, ui_template
from pipeline.i18n.review import ReviewState, review_state
from pipeline.i18n.shipped import shipped_ui
from pipeline.i18n.translate import MessageCounts, TranslationReport, entries_from_catalog, translate_document
from pipeline.i18n.ui import UiText
from pipeline.model import Document
from pipeline.source.articles import read_article
from pipeline.source.project import UI_DOMAIN, Project
from pipeline.source.unreadable import absent


@dataclass(frozen=True)
class Article:
    """One article in one language, ready to be written in any format."""

    doc: Document
    report: TranslationReport
    ui: UiText
    review: ReviewState  # state "source" for the articles' own language
    #: The interface's messages every output shows (site.toml's crisis lines), as they are now.
    ui_counts: MessageCounts = field(default_factory=MessageCounts)
    #: The clinical sign-off of the English article, shown while it still matches what it says.
    clinical: Clinical = field(default_factory=lambda: Clinical("unreviewed"))

    @property
    def language(self) -> str:
        return self.doc.language

    @property
    def fallbacks(self) -> int:
        """Messages the outputs show in the source language: the article's and its crisis lines'."""
        return self.report.fallbacks + self.ui_counts.fallbacks

    @property
    def is_draft(self) -> bool:
        """Not signed off by a reviewer, or changed since: outputs must say so."""
        return self.review.state in ("draft", "voided")


def load_domain(project: Project, language: str, domain: str) -> ProjectCatalog | None:
    """The catalog strictly loaded, or None when the language has none for this domain."""
    path = project.catalog_path(language, domain)
    unreadable = project.unreadable_input(path)
    if unreadable:
        raise PlainspokenError.at(project.display(path), 0, unreadable)
    if absent(path):
        return None
    return load_catalog(path, project.display(path), locale=language, shared=True, cache=project.cache_dir)


def catalog_files(project: Project, language: str, slug: str) -> list[tuple[Path, str]]:
    """The catalogs msgfmt checks for an article's page in ``language``: the project's interface and
    article catalogs, each with its language (the shipped interface is read unchecked: see shipped_ui)."""
    paths = [project.catalog_path(language, UI_DOMAIN), project.catalog_path(language, slug)]
    return [(path, language) for path in paths]


def ui_catalogs(project: Project, language: str) -> tuple[ProjectCatalog | None, ProjectCatalog | None]:
    """The project's own interface catalog (None without one), and the one its pages count and
    sign by: its own, else the one Plainspoken ships."""
    own = load_domain(project, language, UI_DOMAIN)
    return own, own if own is not None else shipped_ui(language)


def ui_text(project: Project, language: str) -> UiText:
    """The interface in ``language``: the shipped translations, overridden by the project's own."""
    own, _ = ui_catalogs(project, language)
    return UiText.from_catalogs(language, shipped_ui(language), own)


def prepare_article(project: Project, slug: str, language: str) -> tuple[Article, list[Problem]]:
    """Parse ``slug`` and translate it into ``language``; raises PlainspokenError on bad input.

    msgfmt checks the language's catalogs (a process each) while the article is read.
    """
    with msgfmt_checking(catalog_files(project, language, slug), project.cache_dir):
        doc, clinical, record_problems = _read(project, slug)
        if doc.language == language:
            review, ui = ReviewState("source"), UiText(language)
            return Article(doc, TranslationReport(), ui, review, clinical=clinical), record_problems
        # Judged against the sources as they are now, not as the catalogs were last merged.
        ui_now, article_now = ui_template(project, shared=True), source_template(doc)
    own_ui, ui_catalog = ui_catalogs(project, language)
    catalog = load_domain(project, language, slug)
    catalog_path = project.display(project.catalog_path(language, slug))
    entries = entries_from_catalog(catalog) if catalog is not None else {}
    translated, report = translate_document(doc, entries, language=language, catalog_path=catalog_path)
    warnings = [w for c in (own_ui, catalog) if c is not None for w in c.warnings] + record_problems
    warnings += report.rejected
    if catalog is None:
        warnings.append(
            Problem(catalog_path, 0, f"missing: the page is in English; run plainspoken init {language}")
        )
    now = [(UI_DOMAIN, own_ui, ui_now), (slug, catalog, article_now)]  # the shipped: nothing to update
    warnings += lag_problems(project, language, now)
    review = ReviewState("draft")
    if ui_catalog is not None and catalog is not None:
        review = review_state([(ui_catalog, ui_now), (catalog, article_now)])
    shown = _overlaid(shown_messages(ui_catalog, ui_now), shown_messages(shipped_ui(language), ui_now))
    ui_shown = from_file(shown, ui_now, project.config.path)
    ui_counts = shown_counts(ui_shown, markdown=False)
    ui = UiText.from_catalogs(language, shipped_ui(language), own_ui)
    return Article(translated, report, ui, review, ui_counts, clinical), warnings


def prepare_each(
    project: Project, pairs: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], tuple[Article, list[Problem]]]:
    """Each (slug, language) of ``pairs`` prepared; one that fails is left out (its own task
    reports it). msgfmt checks the catalogs of many pairs in one process, ahead of their
    translation: each pair waits for its own results only, and the process is started once, not
    twice a pair (13 languages' pages spent 0.08 s starting msgfmt, and 0.02 s waiting for it)."""
    prepared = {}
    for start in range(0, len(pairs), AT_ONCE // 2):
        chunk = pairs[start : start + AT_ONCE // 2]
        files = [file for slug, language in chunk for file in catalog_files(project, language, slug)]
        with msgfmt_checking(files, project.cache_dir):
            for slug, language in chunk:
                with contextlib.suppress(Exception):
                    prepared[(slug, language)] = prepare_article(project, slug, language)
    return prepared


@functools.lru_cache(maxsize=16)
def source_template(doc: Document) -> ProjectCatalog:
    """The article's messages as its source makes them now, made once for its content (each of
    its languages is judged against it): for readers only."""
    return extract_document(doc)


def _read(project: Project, slug: str) -> tuple[Document, Clinical, list[Problem]]:
    """The article, checked, and its clinical sign-off while it still matches what it says."""
    doc = read_article(project, project.source_dir / f"{slug}.md")
    record = project.source_dir / RECORD
    clinical, record_problems = medical_review(record, project.display(record), doc)
    return doc, clinical, record_problems


def _overlaid(own: tuple[Shown, ...], shipped: tuple[Shown, ...]) -> tuple[Shown, ...]:
    """What the page shows: the project's translation of each message, else the shipped one."""
    pairs = zip(own, shipped, strict=True)
    return tuple(mine if mine.msgstr.strip() and not mine.fuzzy else theirs for mine, theirs in pairs)


def lag_problems(
    project: Project, language: str, catalogs: Sequence[tuple[str, ProjectCatalog | None, ProjectCatalog]]
) -> list[Problem]:
    """One line for each catalog behind its source, with the command that brings it up to date."""
    found = []
    for domain, catalog, template in catalogs:
        lag = catalog_lag(catalog, template) if catalog is not None else None
        if lag:
            found.append(Problem(project.display(project.catalog_path(language, domain)), 0, lag.message))
    return found
