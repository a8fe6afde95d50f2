"""One article in one language, ready to build; and site.toml's policy on what is published."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.builders.base import Article
from pipeline.catalogs import ProjectCatalog, load_catalog
from pipeline.config import SiteConfig
from pipeline.errors import PlainspokenError, Problem
from pipeline.project import UI_DOMAIN, Project
from pipeline.review import ReviewState, review_state
from pipeline.sources import read_article
from pipeline.translate import TranslationReport, entries_from_catalog, translate_document
from pipeline.ui import UiText


def load_domain(project: Project, language: str, domain: str) -> ProjectCatalog | None:
    """The catalog strictly loaded, or None when the language has none for this domain."""
    path = project.catalog_path(language, domain)
    if not path.exists():
        return None
    return load_catalog(path, project.display(path), locale=language, shared=True)


def prepare_article(project: Project, slug: str, language: str) -> tuple[Article, list[Problem]]:
    """Parse ``slug`` and translate it into ``language``; raises PlainspokenError on bad input."""
    doc = read_article(project, project.source_dir / f"{slug}.md")
    if doc.language == language:
        return Article(doc, TranslationReport(), UiText(language), ReviewState("source")), []
    ui_catalog = load_domain(project, language, UI_DOMAIN)
    catalog = load_domain(project, language, slug)
    catalog_path = project.display(project.catalog_path(language, slug))
    entries = entries_from_catalog(catalog) if catalog is not None else {}
    translated, report = translate_document(doc, entries, language=language, catalog_path=catalog_path)
    warnings = list(report.rejected)
    if catalog is None:
        warnings.append(
            Problem(catalog_path, 0, f"missing: the page is in English; run plainspoken init {language}")
        )
    review = (
        review_state([c for c in (ui_catalog, catalog) if c is not None]) if catalog else ReviewState("draft")
    )
    return Article(translated, report, UiText.from_catalog(language, ui_catalog), review), warnings


def percent_translated(articles: Sequence[Article]) -> float:
    """Units shown translated, out of all units, across ``articles``."""
    done = sum(a.report.translated for a in articles)
    total = done + sum(a.report.fallbacks for a in articles)
    return 100.0 if total == 0 else 100.0 * done / total


def withheld_reason(config: SiteConfig, article: Article, output: str) -> str:
    """Why site.toml's policy keeps this output from being published, or ''."""
    percent = percent_translated([article])
    if percent < config.min_translated:
        return f"{percent:.0f}% translated, below publish.min_translated ({config.min_translated:g}%)"
    if article.is_draft and config.draft_policy(output) == "skip":
        return f"draft translation: site.toml publishes only reviewed {output}"
    return ""


def published_languages(project: Project, slug: str, output: str = "html") -> list[str]:
    """The languages in which ``slug``'s ``output`` is published (for language switchers)."""
    if not project.config.withholds():
        return list(project.config.languages)
    published = []
    for language in project.config.languages:
        try:
            article, _ = prepare_article(project, slug, language)
        except PlainspokenError:
            published.append(language)  # a broken catalog keeps its previous pages
            continue
        if not withheld_reason(project.config, article, output):
            published.append(language)
    return published
