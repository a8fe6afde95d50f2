"""The build report for a clinic manager: per language, how complete, reviewed and checked it is."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.i18n.article import Article
from pipeline.i18n.lifecycle import language_counts
from pipeline.i18n.review import ReviewState
from pipeline.i18n.translate import MessageCounts
from pipeline.model import plain_text
from pipeline.quality.gates import check_articles, check_language, domains, language_review
from pipeline.quality.plain_language import article_grade
from pipeline.source.project import Project, language_info

OUTPUT_FILES = (
    ("Web page", ".html"),
    ("Handout (PDF)", ".pdf"),
    ("Large print (PDF)", "-large-print.pdf"),
    ("Audio (MP3)", ".mp3"),
)
FORMULA_LANGUAGES = ("en", "es")  # where a reading formula is validated


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


@dataclass(frozen=True)
class ReportRows:
    """The report's rows, made while other outputs are still being written, and the languages
    of the site: the report is written from them once every output is done."""

    rows: tuple[LanguageRow, ...]
    languages: tuple[str, ...]


def language_rows(project: Project, articles: Sequence[Article]) -> list[LanguageRow]:
    """One row per published language, in site.toml's order."""
    rows = []
    for tag in project.config.languages:
        mine = [a for a in articles if a.language == tag]
        if not mine:
            continue
        source = all(a.review.state == "source" for a in mine)
        findings = check_articles(project, strict=False) if source else check_language(project, tag)
        review = ReviewState("source") if source else language_review(project, tag)
        info = language_info(tag)
        rows.append(
            LanguageRow(
                tag,
                info.native_name,
                info.english_name,
                MessageCounts() if source else language_counts(project, tag, domains(project)),
                review,
                sum(1 for f in findings if f.severity == "error"),
                sum(1 for f in findings if f.severity == "warning"),
                tuple(_article_row(project, a) for a in mine),
            )
        )
    return rows


def _article_row(project: Project, article: Article) -> ArticleRow:
    facts = {name: fact.value for name, fact in project.config.facts().items()}
    grade = "not measured"
    if article.language in FORMULA_LANGUAGES:
        measured = article_grade(article.doc, facts)
        grade = f"{measured.grade:.1f} ({measured.formula})"
    row = ArticleRow(article.doc.slug, plain_text(article.doc.metadata.title.inlines), grade, ())
    return _with_outputs(project, article.language, row)


def _with_outputs(project: Project, language: str, row: ArticleRow) -> ArticleRow:
    """The row with links to the files of the article that exist now."""
    folder = project.output_dir(language)
    outputs = tuple(
        (label, f"{language}/{row.slug}{suffix}")
        for label, suffix in OUTPUT_FILES
        if (folder / f"{row.slug}{suffix}").exists()
    )
    return dataclasses.replace(row, outputs=outputs)


def refresh_outputs(project: Project, rows: Sequence[LanguageRow]) -> list[LanguageRow]:
    """Rows made before the last outputs were written, with their links brought up to date."""
    return [
        dataclasses.replace(row, articles=tuple(_with_outputs(project, row.tag, a) for a in row.articles))
        for row in rows
    ]
