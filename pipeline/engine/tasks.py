"""Build steps: one article in one language in each format (a task group), and the site's shared pages."""

from __future__ import annotations

import contextlib
import dataclasses
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.builders.base import Builder, OutputSkipped
from pipeline.builders.html import HtmlBuilder, PageEntry
from pipeline.builders.outputs import names, policy_keys, spec, specs
from pipeline.engine.checks import check_counts
from pipeline.engine.plan import PACKAGE_DIR, digest, file_hash, linked_files
from pipeline.engine.results import TaskResult
from pipeline.errors import PlainspokenError, Problem
from pipeline.i18n.article import Article, prepare_article, ui_text
from pipeline.i18n.publishing import Publication, decide_publication, linked_articles
from pipeline.i18n.ui import UiText
from pipeline.model import Document
from pipeline.site.report import Counts, ReportRows, is_source, report_rows, write_report_page
from pipeline.source.project import Project


def builder_class(name: str) -> type[Builder]:
    """The builder of a registered output, imported only now: a web-page build never loads
    WeasyPrint or the speech engine."""
    return spec(name).load()


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


def build_group(
    project: Project,
    slug: str,
    language: str,
    outputs: Sequence[str],
    publication: Publication | None = None,
    prepared: tuple[Article, list[Problem]] | None = None,
) -> list[TaskResult]:
    """Build one article in one language in each of ``outputs`` (in build order), as ``publication``
    (decided when the build was planned; decided here for this article if not given) publishes them.
    ``prepared``: the article translated already (when the build decided what is published).

    Never raises (but for an interruption): whatever goes wrong fails the outputs it concerns.
    """
    if publication is None:
        publication = decide_publication(project, [slug], policy_keys())
    unknown = [_unknown(slug, language, name) for name in outputs if name not in names()]
    ordered = [output.name for output in specs(outputs)]
    start = time.perf_counter()
    try:
        article, warnings = prepared or prepare_article(project, slug, language)
    except Exception as error:  # one article in one language is the unit of failure
        problems = failure_problems(error, project, f"{language}/{slug}")
        seconds = time.perf_counter() - start
        return unknown + [
            TaskResult(slug, language, name, "failed", str(problems[0]), seconds, problems=problems)
            for name in ordered
        ]
    depends = linked_files(project, linked_articles(article.doc), language)
    results = []
    for index, name in enumerate(ordered):
        result = _build_one(project, name, article, publication)
        extra = tuple(warnings) if index == 0 else ()
        problems = result.problems + extra
        results.append(
            dataclasses.replace(
                result,
                fallbacks=article.report.fallbacks,
                crisis_line_fallbacks=article.ui_counts.fallbacks,
                problems=problems,
                depends=depends,
            )
        )
    return unknown + results


def _unknown(slug: str, language: str, name: str) -> TaskResult:
    """The failure of an output this process has no format for (registered at run time in another)."""
    message = (
        f"no output format {name!r} is registered in the worker process building it: a format registered "
        "at run time exists only in the process that registered it; register it from an entry point of "
        "the group plainspoken.outputs (or build with -j 1)"
    )
    problem = Problem(f"build/site/{language}/{slug}", 0, message)
    return TaskResult(slug, language, name, "failed", message, problems=(problem,))


def write_share(project: Project, slug: str, language: str, output: str, index: int, count: int) -> None:
    """One share of an output's slow work, done ahead for the job that builds it (e.g. a Piper
    guide's speech). Never raises: that job meets whatever went wrong again and reports it once."""
    with contextlib.suppress(Exception):
        article, _ = prepare_article(project, slug, language)
        builder_class(output)(project).write_share(article, index, count)


def failure_problems(error: BaseException, project: Project, what: str) -> tuple[Problem, ...]:
    """An error as problems: its own (path:line) if it has them, else where it happened and what it is.

    "Where" is the template line when a template failed (Jinja2 puts templates in tracebacks),
    else the last line of the pipeline's code that ran.
    """
    if isinstance(error, PlainspokenError):
        return error.problems
    if isinstance(error, OSError):
        return (Problem(str(error.filename or "build/site"), 0, error.strerror or str(error)),)
    spots = {"code": ("", 0), "template": ("", 0)}
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename)
        if path.is_relative_to(PACKAGE_DIR):
            kind = "code" if path.suffix == ".py" else "template"
            spots[kind] = (path.relative_to(PACKAGE_DIR.parent).as_posix(), frame.lineno or 0)
    where, line = spots["template"] if spots["template"][0] else spots["code"]
    message = f"{type(error).__name__}: {error} (while building {what}; a bug, please report it)"
    return (Problem(where or project.display(project.root), line, message),)


def _build_one(project: Project, name: str, article: Article, publication: Publication) -> TaskResult:
    """Write one output, or take it down when the policy withholds it."""
    start = time.perf_counter()
    site = project.site_dir
    slug, language = article.doc.slug, article.language
    reason = publication.reason(slug, language, spec(name).policy_key)
    builder: Builder | None = None
    try:
        builder = builder_class(name)(project, publication)
        if reason:
            raise OutputSkipped(reason)
        builder.prepare([article])
        written = builder.write(article)
    except OutputSkipped as skip:
        for path in builder.outputs(article) if builder else ():
            path.unlink(missing_ok=True)
        seconds = time.perf_counter() - start
        return TaskResult(slug, language, name, "skipped", str(skip), seconds, problems=skip.problems)
    except Exception as error:  # one output is the unit of failure
        problems = failure_problems(error, project, f"{language}/{slug}/{name}")
        seconds = time.perf_counter() - start
        return TaskResult(slug, language, name, "failed", str(problems[0]), seconds, problems=problems)
    outputs = tuple(p.relative_to(site).as_posix() for p in written)
    note, warnings = getattr(builder, "note", ""), tuple(getattr(builder, "warnings", ()))  # e.g. narration
    seconds = time.perf_counter() - start
    entry = builder.entry(article)
    produced = digest(*(f"{path}={file_hash(site / path)}" for path in sorted(outputs)))
    result = TaskResult(
        slug, language, name, "built", note, seconds, outputs=outputs, problems=warnings, entry=entry
    )
    return dataclasses.replace(result, produced=produced)


@dataclass
class SitePages:
    """What writing the shared pages did."""

    written: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    report: ReportRows | None = None  # for write_report, once every output is written


def build_site_pages(
    project: Project,
    publication: Publication | None = None,
    entries: Mapping[str, dict[str, Any]] | None = None,
    *,
    whole_site: bool = True,
    report: bool = True,
    report_later: bool = False,
) -> SitePages:
    """The site index, each language's index, the report, the stylesheet and script, the assets.

    ``entries``: task id → what each page's task handed over for the indexes and the report.
    With ``whole_site`` (not sharded), only pages present in the site are listed; a shard lists
    every page of the plan, since the other shards' pages join it when the sites are merged.
    With ``report_later``, the report's rows are returned instead of written: the report links
    to every output, and some may still be being written.
    """
    result = SitePages()
    slugs = sorted(path.stem for path in project.article_paths())
    if publication is None:
        publication = decide_publication(project, slugs, policy_keys())
    builder = HtmlBuilder(project, publication)
    builder.prepare([])
    pages = _listed_pages(builder, slugs, entries or {}, whole_site, result)
    linked = report or (project.site_dir / "report.html").exists()  # a --format build writes none
    builder.index(pages, _ui_texts(project, pages, result), report=linked)
    written = builder.finish()
    if report:
        rows = report_rows(project, builder, _checks(project, builder))
        if report_later:
            result.report = rows
        else:
            written.append(write_report_page(project, rows))
    result.written = [p.relative_to(project.site_dir).as_posix() for p in written]
    return result


def _checks(project: Project, site: HtmlBuilder) -> Counts:
    """The checks of every language the shared pages list (cached: only what changed runs)."""
    return check_counts(project, [(tag, is_source(site.pages[tag])) for tag in site.pages])


def _listed_pages(
    site: HtmlBuilder,
    slugs: Sequence[str],
    entries: Mapping[str, dict[str, Any]],
    whole_site: bool,
    result: SitePages,
) -> list[PageEntry]:
    """Every published page, as its task described it; a page no task of this build or an earlier
    one described (another shard's) is translated here."""
    project, key = site.project, site.spec.policy_key
    pages = []
    for language in project.config.languages:
        for slug in slugs:
            exists = (project.output_dir(language) / f"{slug}.html").exists()
            if site.publication.reason(slug, language, key) or (whole_site and not exists):
                continue
            entry = entries.get(f"{language}/{slug}/{site.name}")
            page = PageEntry.from_dict(entry) if entry else _describe_page(site, slug, language, result)
            pages += [page] if page else []
    return pages


def _describe_page(site: HtmlBuilder, slug: str, language: str, result: SitePages) -> PageEntry | None:
    try:
        article, _ = prepare_article(site.project, slug, language)
    except PlainspokenError as error:
        result.problems.extend(error.problems)
        return None
    return site.page_entry(article)


def _ui_texts(project: Project, pages: Sequence[PageEntry], result: SitePages) -> dict[str, UiText]:
    """Each listed language's interface text (for its index page)."""
    texts = {}
    for language in dict.fromkeys(page.language for page in pages):
        texts[language] = UiText(language)
        if any(page.source for page in pages if page.language == language):
            continue
        try:
            texts[language] = ui_text(project, language)
        except PlainspokenError as error:
            result.problems.extend(error.problems)
    return texts


def write_report(project: Project, report: ReportRows) -> SitePages:
    """build/site/report.html from rows made earlier, linking to the outputs that exist now."""
    path = write_report_page(project, report)
    return SitePages([path.relative_to(project.site_dir).as_posix()])


__all__ = [
    "SitePages",
    "TaskResult",
    "build_group",
    "build_site_pages",
    "builder_class",
    "failure_problems",
    "translate_language",
    "write_report",
    "write_share",
]
