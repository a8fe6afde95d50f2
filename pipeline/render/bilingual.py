"""Pure rendering of a bilingual handout: each block in the patient's language, then in English."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from pipeline.i18n.article import Article
from pipeline.render.direction_marks import page_direction_marks
from pipeline.render.fonts import css_font_family
from pipeline.render.handout import REGULAR, html_context, render_handout
from pipeline.render.html import HtmlRenderer
from pipeline.render.pages import article_renderer, make_environment
from pipeline.source.config import SiteConfig
from pipeline.source.project import language_info

#: What the source language's ids start with: the same article twice on one page, each id once.
SOURCE_ID_PREFIX = "source-"
_ID_REFERENCE = re.compile(r'\b(id|aria-labelledby|href)="(#?)([^"]*)"')
#: The end of a paragraph's text (not of an element it holds), where a left-to-right mark goes.
_PARAGRAPH_END = re.compile(r"(?<=[^>\s])(?=</(?:p|h[1-6]|li|td|th)>)")
LRM = "\u200e"


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


def left_to_right_ends(html: str, *, page_rtl: bool, inline: bool = False) -> Markup:
    """``html`` (English) with a left-to-right mark ending each paragraph (``inline``: ending it)
    when the page is right-to-left. poppler lays a right-to-left page's lines out from the right,
    and gave 'What is your budget?' back as '?What is your budget'; the mark keeps the '?' on its side."""
    if not page_rtl:
        return Markup(html)
    return Markup(html + LRM if inline else _PARAGRAPH_END.sub(LRM, html))


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
    rtl = _rtl(article)

    def english_html(html: str) -> Markup:
        return left_to_right_ends(source_ids(html), page_rtl=rtl)

    pairs = [
        _paired(patient.blocks((mine,)), english_html(source.blocks((theirs,))))
        for mine, theirs in zip(article.doc.blocks, english.doc.blocks, strict=True)
    ]
    notes = BlockPair(
        patient.footnotes(article.doc.footnotes), english_html(source.footnotes(english.doc.footnotes))
    )
    return [*pairs, notes] if notes.patient else pairs


def _paired(patient: Markup, source: Markup) -> BlockPair:
    """The pair, or the patient's block alone where it says the same (a rule, a code block, a part
    not translated yet, which carries its own language)."""

    def words(html: Markup) -> list[str]:
        return html.striptags().replace(LRM, "").split()

    return BlockPair(patient, Markup("") if words(patient) == words(source) else source)


def summary_pairs(
    patient: HtmlRenderer, source: HtmlRenderer, article: Article, english: Article
) -> list[BlockPair]:
    """The key points, each in both languages."""
    pairs = []
    for mine, theirs in zip(article.doc.metadata.summary, english.doc.metadata.summary, strict=True):
        english_html = left_to_right_ends(source.inlines(theirs.inlines), page_rtl=_rtl(article), inline=True)
        pair = _paired(patient.inlines(mine.inlines), english_html)
        attrs = (patient.unit_attrs(mine), source_ids(source.unit_attrs(theirs)))
        pairs.append(BlockPair(pair.patient, pair.source, *attrs))
    return pairs


def _rtl(article: Article) -> bool:
    return language_info(article.language).direction == "rtl"


def source_help_box(english: Article, config: SiteConfig, *, page_rtl: bool) -> Markup:
    """The handout's help box (crisis lines, the clinic, 911) in the source language: handout.html's
    own block, rendered with the source language's words."""
    template = make_environment().get_template("handout.html")
    context = template.new_context(html_context(english, config, REGULAR))
    return left_to_right_ends("".join(template.blocks["help"](context)), page_rtl=page_rtl)


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
    title = source.inlines(english.doc.metadata.title.inlines)
    parts: dict[str, Any] = {
        "source_lang": language_info(english.language),
        "source_title_html": _paired(
            patient.inlines(article.doc.metadata.title.inlines),
            left_to_right_ends(title, page_rtl=_rtl(article), inline=True),
        ).source,
        "summary_pairs": summary_pairs(patient, source, article, english),
        "pairs": block_pairs(patient, source, article, english),
        "source_help_html": source_help_box(english, config, page_rtl=_rtl(article)),
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
    css += make_environment().get_template("bilingual.css").render()
    return html, css + page_marks(html, article.language)


def page_marks(html: str, language: str) -> str:
    """For a right-to-left ``language``, the print rule that has poppler read each page of ``html``
    right to left (direction_marks.page_direction_marks); "" for any other.

    A page is mostly English (the English under every block has more letters than the Arabic or
    Persian above it), and poppler read it left to right: 19 of the clinic root's 36 Arabic
    messages came back in order. The marks sit in the left margin, which nothing else uses, at the
    running header's size: page furniture, no smaller than the rest of it."""
    if language_info(language).direction != "rtl":
        return ""
    return page_direction_marks(html, f"{REGULAR.margin_font_size} {css_font_family(language)}", "left-top")
