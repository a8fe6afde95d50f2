"""site.toml's policy on what is published: completeness and review, per output."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.errors import PlainspokenError
from pipeline.i18n.article import Article, prepare_article
from pipeline.i18n.translate import MessageCounts
from pipeline.source.config import SiteConfig
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
