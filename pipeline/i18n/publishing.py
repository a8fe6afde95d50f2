"""site.toml's policy on what is published: completeness and review, per output."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.errors import PlainspokenError
from pipeline.model import Document, Link, iter_units, walk_inlines
from pipeline.source.config import SiteConfig
from pipeline.source.project import Project

if TYPE_CHECKING:  # the engine imports this module before it knows whether anything is to be built
    from pipeline.errors import Problem
    from pipeline.i18n.article import Article

#: (slug, language) → the article prepared in that language and the warnings preparing it gave.
Prepared = dict[tuple[str, str], tuple["Article", list["Problem"]]]


def percent_translated(articles: Sequence[Article]) -> float:
    """Messages shown translated, out of all messages, across ``articles`` (as ``status`` counts)."""
    from pipeline.i18n.translate import MessageCounts

    return sum((a.report.counts for a in articles), MessageCounts()).percent


def withheld_reason(config: SiteConfig, article: Article, output: str, catalog: str = "") -> str:
    """Why site.toml's policy keeps this output from being published, and how to publish it; or ''."""
    percent = percent_translated([article])
    if percent < config.min_translated:
        todo = f"translate {catalog}" if catalog else "translate more of it"
        return (
            f"{percent:.0f}% translated, below publish.min_translated ({config.min_translated:g}%): "
            f"not published until you {todo} (min_translated = 0 in site.toml publishes it anyway)"
        )
    if article.is_draft and config.draft_policy(output) == "skip":
        return f"draft translation: site.toml publishes only reviewed {output}"
    return ""


@dataclass(frozen=True)
class Publication:
    """What site.toml's policy publishes in this build, decided once, when it is planned, and handed
    to every task: the outputs it withholds, as (slug, language, drafts key, why)."""

    withheld: tuple[tuple[str, str, str, str], ...] = ()

    def reason(self, slug: str, language: str, key: str) -> str:
        """Why this output is withheld, or '' if it is published."""
        found = (why for s, lang, k, why in self.withheld if (s, lang, k) == (slug, language, key))
        return next(found, "")

    def languages(self, slug: str, key: str, languages: Sequence[str]) -> list[str]:
        """Those of ``languages`` in which the output of ``slug`` is published (language switchers)."""
        return [language for language in languages if not self.reason(slug, language, key)]


def prepare_for_policy(project: Project, slugs: Sequence[str]) -> Prepared:
    """Every article in every language, translated, where site.toml's policy needs them to decide
    (empty when it cannot withhold anything). The build hands each to the job that writes that
    article in that language, so that it is not translated twice. A language whose catalog is
    broken (or that fails to translate at all) is left out: its own task fails and reports it."""
    if not project.config.withholds():
        return {}
    from pipeline.i18n.article import prepare_each

    return prepare_each(
        project, [(slug, language) for slug in slugs for language in project.config.languages]
    )


def decide_publication(
    project: Project, slugs: Sequence[str], keys: Sequence[str], prepared: Prepared | None = None
) -> Publication:
    """Apply the policy to every article in every language, for each drafts key in ``keys``
    (``prepared``: the articles, from :func:`prepare_for_policy`, if the caller has them).

    Nothing is translated when the policy cannot withhold anything. A language whose catalog is
    broken (or that fails to translate at all) counts as published: its previous pages stay.
    """
    if prepared is None:
        prepared = prepare_for_policy(project, slugs)
    withheld = []
    for slug, language in ((s, lang) for s in slugs for lang in project.config.languages):
        if (slug, language) not in prepared:
            continue
        article = prepared[(slug, language)][0]
        catalog = project.display(project.catalog_path(language, slug))
        found = ((key, withheld_reason(project.config, article, key, catalog)) for key in keys)
        withheld += [(slug, language, key, why) for key, why in found if why]
    return Publication(tuple(withheld))


def linked_articles(doc: Document) -> list[str]:
    """The slugs of the other articles ``doc`` links to (other-article.md), in order."""
    from pipeline.source.parse import ARTICLE_LINK  # markdown-it: not on a no-op build's path

    found = []
    for ref in iter_units(doc):
        for node in walk_inlines(ref.node.inlines):
            match = ARTICLE_LINK.match(node.url) if isinstance(node, Link) else None
            if match and match.group(1) not in found:
                found.append(match.group(1))
    return found


def article_link_languages(
    project: Project, doc: Document, language: str, publication: Publication
) -> dict[str, str]:
    """Slug → the language of the page a link to that article leads to from a ``language`` page.

    The same language where that article's page is published in it, else the article's source
    language.
    """
    from pipeline.source.articles import read_article

    result = {}
    for slug in linked_articles(doc):
        if publication.languages(slug, "html", [language]):
            result[slug] = language
            continue
        try:
            result[slug] = read_article(project, project.source_dir / f"{slug}.md").language
        except (PlainspokenError, OSError):
            result[slug] = language  # reported with that article
    return result
