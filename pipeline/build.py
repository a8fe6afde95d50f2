"""A site build: sources × languages × formats, with a summary of what was built or failed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.builders.audio import AudioBuilder
from pipeline.builders.base import Article, Builder, OutputSkipped
from pipeline.builders.html import HtmlBuilder
from pipeline.builders.pdf import PdfBuilder
from pipeline.catalogs import ProjectCatalog, load_catalog
from pipeline.errors import PlainspokenError, Problem
from pipeline.model import Document
from pipeline.project import UI_DOMAIN, Project
from pipeline.review import ReviewState, review_state
from pipeline.sources import load_sources
from pipeline.translate import TranslationReport, entries_from_catalog, translate_document
from pipeline.ui import UiText

#: In build order: web pages come last, so that they can show the audio guide just made.
BUILDERS: dict[str, type[Builder]] = {b.name: b for b in (AudioBuilder, PdfBuilder, HtmlBuilder)}


@dataclass(frozen=True)
class OutputResult:
    """One language × format: built, skipped (e.g. no voice) or failed, and why."""

    language: str
    format: str
    status: str  # "built", "skipped" or "failed"
    articles: int = 0
    fallbacks: int = 0
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "failed"


@dataclass
class BuildSummary:
    """Everything a build reports at the end."""

    results: list[OutputResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # errors: something failed
    warnings: list[Problem] = field(default_factory=list)  # rejected translations and the like
    written: list[Path] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.problems) or any(not r.ok for r in self.results)


def _load(project: Project, language: str, domain: str) -> ProjectCatalog | None:
    """The catalog strictly loaded, or None when the language has none for this domain."""
    path = project.catalog_path(language, domain)
    if not path.exists():
        return None
    return load_catalog(path, project.display(path), locale=language)


def translate_language(
    project: Project, language: str, documents: Sequence[Document]
) -> tuple[list[Article], list[Problem]]:
    """Every document in ``language``; raises PlainspokenError if a catalog is broken."""
    ui_catalog = _load(project, language, UI_DOMAIN) if language != "en" else None
    ui = UiText.from_catalog(language, ui_catalog)
    loaded = [(doc, _load(project, language, doc.slug)) for doc in documents if doc.language != language]
    articles = [
        Article(doc, TranslationReport(), ui, ReviewState("source"))
        for doc in documents
        if doc.language == language
    ]
    warnings: list[Problem] = []
    for doc, catalog in loaded:
        path = project.display(project.catalog_path(language, doc.slug))
        entries = entries_from_catalog(catalog) if catalog is not None else {}
        translated, report = translate_document(doc, entries, language=language, catalog_path=path)
        warnings.extend(report.rejected)
        if catalog is None:
            warnings.append(
                Problem(path, 0, f"missing: the page is in English; run plainspoken init {language}")
            )
        review = review_state([c for c in (ui_catalog, catalog) if c is not None])
        articles.append(
            Article(translated, report, ui, review if catalog is not None else ReviewState("draft"))
        )
    articles.sort(key=lambda a: a.doc.slug)
    return articles, warnings


def percent_translated(articles: Sequence[Article]) -> float:
    """Units shown translated, out of all units, across a language's articles."""
    done = sum(a.report.translated for a in articles)
    total = done + sum(a.report.fallbacks for a in articles)
    return 100.0 if total == 0 else 100.0 * done / total


def _remove_outputs(builder: Builder, articles: Sequence[Article]) -> None:
    """Take down what must not be handed out any more (a draft when drafts are skipped)."""
    for article in articles:
        for path in builder.outputs(article):
            path.unlink(missing_ok=True)


def build_site(
    project: Project, *, formats: Sequence[str], languages: Sequence[str] | None = None
) -> BuildSummary:
    """Build every published language in every format; failures are recorded, never raised."""
    summary = BuildSummary()
    sources = load_sources(project)
    summary.problems.extend(sources.problems)
    articles: list[Article] = []
    withheld: list[Article] = []  # languages below publish.min_translated: their outputs are removed
    for language in languages or project.config.languages:
        try:
            done, warnings = translate_language(project, language, sources.documents)
        except PlainspokenError as error:
            summary.problems.extend(error.problems)
            summary.results += [
                OutputResult(language, f, "failed", reason=str(error.problems[0])) for f in formats
            ]
            continue
        summary.warnings.extend(warnings)
        percent = percent_translated(done)
        if percent < project.config.min_translated:
            minimum = project.config.min_translated
            reason = f"{percent:.0f}% translated, below publish.min_translated ({minimum:g}%)"
            summary.results += [OutputResult(language, f, "skipped", reason=reason) for f in formats]
            withheld.extend(done)
            continue
        articles.extend(done)
    for name in (name for name in BUILDERS if name in formats):
        builder = BUILDERS[name](project)
        _remove_outputs(builder, withheld)
        _run_builder(builder, articles, summary)
    return summary


def _run_builder(builder: Builder, articles: list[Article], summary: BuildSummary) -> None:
    """Write every article with one builder; one failing article fails only its language."""
    policy = builder.project.config.draft_policy(builder.name)
    held_back = [a for a in articles if a.is_draft and policy == "skip"]
    _remove_outputs(builder, held_back)
    published = [a for a in articles if a not in held_back]
    builder.prepare(published)
    failed: dict[str, str] = {}
    skipped = {
        a.language: f"draft translation: site.toml publishes only reviewed {builder.name}" for a in held_back
    }
    for article in published:
        try:
            summary.written += builder.write(article)
        except OutputSkipped as skip:
            skipped.setdefault(article.language, str(skip))
        except PlainspokenError as error:
            summary.problems.extend(error.problems)
            failed.setdefault(article.language, str(error.problems[0]))
        except OSError as error:
            problem = Problem(str(error.filename or "build/site"), 0, error.strerror or str(error))
            summary.problems.append(problem)
            failed.setdefault(article.language, str(problem))
    summary.written += builder.finish()
    _record(builder.name, articles, failed, skipped, summary)


def _record(
    output: str,
    articles: list[Article],
    failed: dict[str, str],
    skipped: dict[str, str],
    summary: BuildSummary,
) -> None:
    """One summary line per language for this output."""
    for language in dict.fromkeys(a.language for a in articles):
        mine = [a for a in articles if a.language == language]
        fallbacks = sum(a.report.fallbacks for a in mine)
        if language in failed:
            status, reason = "failed", failed[language]
        elif language in skipped:
            status, reason = "skipped", skipped[language]
        else:
            status, reason = "built", ""
        summary.results.append(OutputResult(language, output, status, len(mine), fallbacks, reason))
