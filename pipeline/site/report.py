"""The build report for a clinic manager: per language, how complete, reviewed and checked it is."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.builders.html import HtmlBuilder, PageEntry
from pipeline.builders.outputs import report_columns
from pipeline.i18n.currency import current_templates
from pipeline.i18n.lifecycle import language_status
from pipeline.i18n.review import ReviewState
from pipeline.i18n.translate import MessageCounts
from pipeline.i18n.ui import UiText
from pipeline.quality.gates import article_scorecards, clinical_rows, domains, language_review
from pipeline.site.voices_status import voice_row
from pipeline.source.languages import no_braille_reason
from pipeline.source.project import Project, language_info, write_atomic

Counts = Mapping[str, tuple[int, int]]  #: (errors, warnings) of the checks of each language


@dataclass(frozen=True)
class ArticleRow:
    slug: str
    title: str
    grade: str
    outputs: tuple[tuple[str, str], ...]  # (label, href) of the files that exist


@dataclass(frozen=True)
class LanguageRow:
    tag: str
    native_name: str
    english_name: str
    counts: MessageCounts  # the same numbers as `plainspoken status` gives for the language
    review: ReviewState
    errors: int
    warnings: int
    articles: tuple[ArticleRow, ...]
    voice: str = ""  # who speaks its audio guides, and how much a narrator has recorded
    behind: tuple[str, ...] = ()  # catalogs behind the sources, each with the command that fixes it
    no_braille: str = ""  # why the language has no braille-ready files, when it has none


@dataclass(frozen=True)
class ReportRows:
    """The report's rows, made while other outputs are still being written, and the languages
    of the site: the report is written from them once every output is done."""

    rows: tuple[LanguageRow, ...]
    languages: tuple[str, ...]
    withheld: tuple[tuple[str, str, str], ...] = ()  # (language, slug, why) of pages not published


def language_rows(project: Project, pages: Sequence[PageEntry], checks: Counts) -> list[LanguageRow]:
    """One row per language with pages, in site.toml's order; ``checks``: (errors, warnings) of each."""
    rows = []
    templates = current_templates(project)  # counted and judged against the sources as they are now
    for tag in project.config.languages:
        mine = [page for page in pages if page.language == tag]
        if not mine:
            continue
        source = is_source(mine)
        status = [] if source else language_status(project, tag, domains(project), templates)
        info = language_info(tag)
        rows.append(
            LanguageRow(
                tag,
                info.native_name,
                info.english_name,
                sum((row.stats for row in status), MessageCounts()),
                ReviewState("source") if source else language_review(project, tag, templates),
                *checks[tag],
                tuple(_with_outputs(project, tag, ArticleRow(p.slug, p.title, p.grade, ())) for p in mine),
                voice_row(project, tag, thorough=False).summary(),  # the build decodes each
                tuple(row.behind for row in status if row.behind),
                no_braille_reason(tag),
            )
        )
    return rows


def _with_outputs(project: Project, language: str, row: ArticleRow) -> ArticleRow:
    """The row with links to the files of the article that exist now."""
    folder = project.output_dir(language)
    outputs = tuple(
        (label, f"{language}/{row.slug}{suffix}")
        for label, suffix in report_columns()
        if (folder / f"{row.slug}{suffix}").exists()
    )
    return dataclasses.replace(row, outputs=outputs)


def refresh_outputs(project: Project, rows: Sequence[LanguageRow]) -> list[LanguageRow]:
    """Rows made before the last outputs were written, with their links brought up to date."""
    return [
        dataclasses.replace(row, articles=tuple(_with_outputs(project, row.tag, a) for a in row.articles))
        for row in rows
    ]


def is_source(pages: Sequence[PageEntry]) -> bool:
    """Whether ``pages`` are in the language they are written in (not translated)."""
    return all(page.source for page in pages)


def report_rows(project: Project, site: HtmlBuilder, checks: Counts) -> ReportRows:
    """The report's rows for the languages and pages the shared pages list."""
    pages = [page for tag in site.languages for page in site.pages.get(tag, [])]
    key = site.spec.policy_key
    withheld = tuple((lang, slug, why) for slug, lang, k, why in site.publication.withheld if k == key)
    return ReportRows(tuple(language_rows(project, pages, checks)), tuple(site.languages), withheld)


def write_report_page(project: Project, report: ReportRows) -> Path:
    """build/site/report.html: the state of every language, for the clinic manager, linking to the
    outputs that exist now."""
    pages = HtmlBuilder(project)
    pages.prepare([])
    pages.languages = list(report.languages)
    context = pages.page_context(UiText("en"), language_info("en"), "")
    rows = refresh_outputs(project, report.rows)
    cards, clinical = article_scorecards(project), clinical_rows(project)
    context.update({"alternates": [], "page_title": "Build report", "rows": rows, "scorecards": cards})
    context["clinical"] = clinical
    context["withheld"] = report.withheld
    out = project.site_dir / "report.html"
    write_atomic(out, pages.env.get_template("report.html").render(context).encode("utf-8"))
    return out
