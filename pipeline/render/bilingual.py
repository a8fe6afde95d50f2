"""Pure rendering of a bilingual handout: each block in the patient's language, then in English."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from pipeline.i18n.article import Article
from pipeline.render.handout import REGULAR, render_handout
from pipeline.render.html import HtmlRenderer
from pipeline.render.pages import article_renderer, make_environment
from pipeline.source.config import SiteConfig
from pipeline.source.project import language_info

#: What the source language's ids start with: the same article twice on one page, each id once.
SOURCE_ID_PREFIX = "source-"
_ID_REFERENCE = re.compile(r'\b(id|aria-labelledby|href)="(#?)([^"]*)"')


@dataclass(frozen=True)
class BlockPair:
    """One block of the article: in the patient's language (read first), then in the source's."""

    patient: Markup
    source: Markup
    patient_attrs: str = ""  # a key point's anchor and fallback language (HTML attributes)
    source_attrs: str = ""


def source_ids(html: str) -> Markup:
    """``html`` with its ids, and the links and labels that refer to them, given SOURCE_ID_PREFIX."""

    def prefixed(match: re.Match[str]) -> str:
        name, hash_mark, value = match.groups()
        if name == "href" and not hash_mark:  # a link to another page
            return match.group(0)
        return f'{name}="{hash_mark}{SOURCE_ID_PREFIX}{value}"'

    return Markup(_ID_REFERENCE.sub(prefixed, html))


def _renderer(article: Article, config: SiteConfig, links: Mapping[str, str] | None) -> HtmlRenderer:
    return article_renderer(
        article.doc,
        facts=config.facts(),
        asset_prefix="",
        article_links=links,
        site_url=config.website,
        gettext=article.ui.gettext,
    )


def block_pairs(
    patient: HtmlRenderer, source: HtmlRenderer, article: Article, english: Article
) -> list[BlockPair]:
    """The body's blocks paired in reading order, then the notes (after every reference to them)."""
    pairs = [
        BlockPair(patient.blocks((mine,)), source_ids(source.blocks((theirs,))))
        for mine, theirs in zip(article.doc.blocks, english.doc.blocks, strict=True)
    ]
    notes = BlockPair(
        patient.footnotes(article.doc.footnotes), source_ids(source.footnotes(english.doc.footnotes))
    )
    return [*pairs, notes] if notes.patient else pairs


def summary_pairs(
    patient: HtmlRenderer, source: HtmlRenderer, article: Article, english: Article
) -> list[BlockPair]:
    """The key points, each in both languages."""
    return [
        BlockPair(
            patient.inlines(mine.inlines),
            source.inlines(theirs.inlines),
            patient.unit_attrs(mine),
            source_ids(source.unit_attrs(theirs)),
        )
        for mine, theirs in zip(article.doc.metadata.summary, english.doc.metadata.summary, strict=True)
    ]


def render_bilingual(
    article: Article,
    english: Article,
    *,
    config: SiteConfig,
    article_links: Mapping[str, str] | None = None,
    source_links: Mapping[str, str] | None = None,
    audio_guide: bool = True,
) -> tuple[str, str]:
    """The bilingual handout's HTML and CSS: the regular handout's page (notices, QR code, help box,
    running header and footer) with its title, key points and body in ``article``'s language, each
    followed by ``english`` (the article in its source language)."""
    patient, source = _renderer(article, config, article_links), _renderer(english, config, source_links)
    parts: dict[str, Any] = {
        "source_lang": language_info(english.language),
        "source_title_html": source.inlines(english.doc.metadata.title.inlines),
        "summary_pairs": summary_pairs(patient, source, article, english),
        "pairs": block_pairs(patient, source, article, english),
    }
    html, css = render_handout(
        article,
        config=config,
        variant=REGULAR,
        article_links=article_links,
        audio_guide=audio_guide,
        template="bilingual.html",
        parts=parts,
    )
    return html, css + make_environment().get_template("bilingual.css").render()
