"""Build steps: one article in one language in each format (a task group), and the site's shared pages."""

from __future__ import annotations

import importlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.builders.base import Builder, OutputSkipped
from pipeline.builders.html import HtmlBuilder
from pipeline.engine.results import TaskResult
from pipeline.errors import PlainspokenError, Problem
from pipeline.i18n.article import Article, prepare_article
from pipeline.i18n.publishing import withheld_reason
from pipeline.model import Document
from pipeline.source.articles import load_sources
from pipeline.source.project import Project

if TYPE_CHECKING:
    from pipeline.site.report import ReportRows

#: In build order: web pages come last, so that they can show the audio guide just made.
#: Imported only when used: a web-page build never loads WeasyPrint or the speech engine.
BUILDERS: dict[str, str] = {
    "audio": "pipeline.builders.audio:AudioBuilder",
    "pdf": "pipeline.builders.pdf:PdfBuilder",
    "html": "pipeline.builders.html:HtmlBuilder",
}


def builder_class(name: str) -> type[Builder]:
    module, _, attribute = BUILDERS[name].partition(":")
    cls: type[Builder] = getattr(importlib.import_module(module), attribute)
    return cls


def translate_language(
    project: Project, language: str, documents: Sequence[Document]
) -> tuple[list[Article], list[Problem]]:
    """Every document in ``language``; raises PlainspokenError if a catalog is broken."""
    articles, warnings = [], []
    for doc in sorted(documents, key=lambda d: d.slug):
        article, found = prepare_article(project, doc.slug, language)
        articles.append(article)
        warnings += found
    return articles, warnings


def build_group(project: Project, slug: str, language: str, outputs: Sequence[str]) -> list[TaskResult]:
    """Build one article in one language in each of ``outputs`` (in BUILDERS order)."""
    ordered = [name for name in BUILDERS if name in outputs]
    start = time.perf_counter()
    try:
        article, warnings = prepare_article(project, slug, language)
    except PlainspokenError as error:
        seconds = time.perf_counter() - start
        reason = str(error.problems[0])
        return [
            TaskResult(slug, language, name, "failed", reason, seconds, problems=error.problems)
            for name in ordered
        ]
    results = []
    for index, name in enumerate(ordered):
        result = _build_one(builder_class(name)(project), article)
        extra = tuple(warnings) if index == 0 else ()
        results.append(
            TaskResult(
                slug,
                language,
                name,
                result.status,
                result.reason,
                result.seconds,
                article.report.fallbacks,
                result.outputs,
                result.problems + extra,
            )
        )
    return results


def _build_one(builder: Builder, article: Article) -> TaskResult:
    """Write one output, or take it down when the policy withholds it."""
    start = time.perf_counter()
    site = builder.project.site_dir
    slug, language, name = article.doc.slug, article.language, builder.name
    reason = withheld_reason(builder.project.config, article, name)
    try:
        if reason:
            raise OutputSkipped(reason)
        builder.prepare([article])
        written = builder.write(article)
    except OutputSkipped as skip:
        for path in builder.outputs(article):
            path.unlink(missing_ok=True)
        return TaskResult(slug, language, name, "skipped", str(skip), time.perf_counter() - start)
    except PlainspokenError as error:
        return TaskResult(
            slug,
            language,
            name,
            "failed",
            str(error.problems[0]),
            time.perf_counter() - start,
            problems=error.problems,
        )
    except OSError as error:
        problem = Problem(str(error.filename or "build/site"), 0, error.strerror or str(error))
        return TaskResult(
            slug, language, name, "failed", str(problem), time.perf_counter() - start, problems=(problem,)
        )
    outputs = tuple(p.relative_to(site).as_posix() for p in written)
    note, warnings = getattr(builder, "note", ""), tuple(getattr(builder, "warnings", ()))  # e.g. narration
    seconds = time.perf_counter() - start
    return TaskResult(slug, language, name, "built", note, seconds, outputs=outputs, problems=warnings)


@dataclass
class SitePages:
    """What writing the shared pages did."""

    written: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    report: ReportRows | None = None  # for write_report, once every output is written


def build_site_pages(
    project: Project, *, whole_site: bool = True, report: bool = True, report_later: bool = False
) -> SitePages:
    """The site index, each language's index, the report, the stylesheet and script, the assets.

    With ``whole_site`` (not sharded), only pages present in the site are listed; a shard lists
    every page of the plan, since the other shards' pages join it when the sites are merged.
    With ``report_later``, the report's rows are returned instead of written: the report links
    to every output, and some may still be being written.
    """
    result = SitePages()
    sources = load_sources(project)
    published: list[Article] = []
    broken: list[str] = []  # their previous pages stay, so they stay on the site
    for language in project.config.languages:
        try:
            articles, _ = translate_language(project, language, sources.documents)
        except PlainspokenError as error:
            result.problems.extend(error.problems)
            if (project.output_dir(language) / "index.html").exists():
                broken.append(language)
            continue
        published += [
            a
            for a in articles
            if not withheld_reason(project.config, a, HtmlBuilder.name)
            and (not whole_site or (project.output_dir(language) / f"{a.doc.slug}.html").exists())
        ]
    builder = HtmlBuilder(project)
    builder.with_report = report and not report_later
    builder.prepare(published)
    builder.languages = [tag for tag in project.config.languages if tag in builder.languages or tag in broken]
    result.written = [p.relative_to(project.site_dir).as_posix() for p in builder.finish()]
    if report and report_later:
        from pipeline.site.report import ReportRows

        result.report = ReportRows(tuple(builder.report_rows()), tuple(builder.languages))
    return result


def write_report(project: Project, report: ReportRows) -> SitePages:
    """build/site/report.html from rows made earlier, linking to the outputs that exist now."""
    from pipeline.site.report import refresh_outputs

    builder = HtmlBuilder(project)
    builder.prepare([])
    builder.languages = list(report.languages)
    path = builder.write_report(refresh_outputs(project, report.rows))
    return SitePages([path.relative_to(project.site_dir).as_posix()])


__all__ = [
    "BUILDERS",
    "SitePages",
    "TaskResult",
    "build_group",
    "build_site_pages",
    "builder_class",
    "translate_language",
    "write_report",
]
