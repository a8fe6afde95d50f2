"""site.toml's policy on what is published: completeness and review, per output."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.errors import PlainspokenError
from pipeline.i18n.article import Article, prepare_article
from pipeline.i18n.translate import MessageCounts
from pipeline.model import Document, Link, iter_units, walk_inlines
from pipeline.source.articles import read_article
from pipeline.source.config import SiteConfig
from pipeline.source.parse import ARTICLE_LINK
from pipeline.source.project import Project


def percent_translated(articles: Sequence[Article]) -> float:
    """Messages shown translated, out of all messages, across ``articles`` (as ``status`` counts)."""
    return sum((a.report.counts for a in articles), MessageCounts()).percent


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


def linked_articles(doc: Document) -> list[str]:
    """The slugs of the other articles ``doc`` links to (other-article.md), in order."""
    found = []
    for ref in iter_units(doc):
        for node in walk_inlines(ref.node.inlines):
            match = ARTICLE_LINK.match(node.url) if isinstance(node, Link) else None
            if match and match.group(1) not in found:
                found.append(match.group(1))
    return found


def article_link_languages(project: Project, doc: Document, language: str) -> dict[str, str]:
    """Slug → the language of the page a link to that article leads to from a ``language`` page.

    The same language where that article is published in it, else the article's source language.
    """
    result = {}
    for slug in linked_articles(doc):
        if language in published_languages(project, slug):
            result[slug] = language
            continue
        try:
            result[slug] = read_article(project, project.source_dir / f"{slug}.md").language
        except (PlainspokenError, OSError):
            result[slug] = language  # reported with that article
    return result
