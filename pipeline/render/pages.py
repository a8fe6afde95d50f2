"""What every page template needs: the Jinja2 environment and an article's rendered parts."""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_percent
from babel.units import format_unit
from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from pipeline.i18n.article import Article
from pipeline.model import Document, unit_anchors
from pipeline.render.html import HtmlRenderer
from pipeline.source.config import Fact

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"


@functools.cache
def make_environment() -> Environment:
    """Jinja2 with autoescaping for HTML templates; one per process, so templates compile once,
    and their compiled code is kept for the next process by Jinja2's own bytecode cache (in its
    per-user folder in the temporary directory; checked against each template's source): a
    process's first page took 0.2 s more to compile its six templates.

    StrictUndefined: a name a template uses but no context gives is an error, not an empty string.
    """
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        bytecode_cache=FileSystemBytecodeCache(),
        undefined=StrictUndefined,
        autoescape=select_autoescape(disabled_extensions=("css",), default=True, default_for_string=True),
        keep_trailing_newline=True,
    )


def long_date(iso: str, language: str) -> str:
    """'2026-11-27' as the language writes it, e.g. '27 de noviembre de 2026'."""
    day = dt.date.fromisoformat(iso)
    try:
        return format_date(day, format="long", locale=language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return iso


def article_renderer(
    doc: Document,
    *,
    facts: Mapping[str, Fact],
    asset_prefix: str,
    article_links: Mapping[str, str] | None = None,
    site_url: str = "",
    gettext: Callable[[str], str] = str,
) -> HtmlRenderer:
    """The renderer of ``doc``'s parts: its units' anchors, its language, its footnotes' numbers."""
    return HtmlRenderer(
        facts=facts,
        asset_prefix=asset_prefix,
        anchors=unit_anchors(doc),
        language=doc.language,
        article_links=article_links,
        site_url=site_url,
        footnotes=doc.footnotes,
        gettext=gettext,
    )


def article_parts(
    doc: Document,
    *,
    facts: Mapping[str, Fact],
    asset_prefix: str,
    article_links: Mapping[str, str] | None = None,
    site_url: str = "",
    gettext: Callable[[str], str] = str,
) -> dict[str, Any]:
    """Title, date, key points and body (with its footnotes) of ``doc`` as HTML, for any page template.

    ``article_links`` and ``site_url`` are HtmlRenderer's: where links to other articles lead.
    """
    render = article_renderer(
        doc,
        facts=facts,
        asset_prefix=asset_prefix,
        article_links=article_links,
        site_url=site_url,
        gettext=gettext,
    )
    title = render.inlines(doc.metadata.title.inlines)
    return {
        "page_title": Markup(title).striptags(),
        "title_html": title,
        "title_attrs": Markup(render.unit_attrs(doc.metadata.title)),
        "last_reviewed": long_date(doc.metadata.last_reviewed, doc.language),
        "last_reviewed_iso": doc.metadata.last_reviewed,
        "summary": [
            {"html": render.inlines(p.inlines), "attrs": Markup(render.unit_attrs(p))}
            for p in doc.metadata.summary
        ],
        "body": render.blocks(doc.blocks) + Markup("\n") + render.footnotes(doc.footnotes),
    }


def _locale(language: str) -> str:
    return language.replace("-", "_")


def audio_size(num_bytes: int, language: str) -> str:
    """3_245_000 → '3.2 MB' as the language writes it."""
    try:
        return format_unit(
            num_bytes / 1_000_000,
            "digital-megabyte",
            length="short",
            locale=_locale(language),
            format="#,##0.0",
        )
    except (UnknownLocaleError, ValueError):
        return f"{num_bytes / 1_000_000:.1f} MB"


def interpreter_notice(gettext: Callable[[str], str], phone_html: Markup) -> Markup:
    """The free language help every page and handout gives (ACA Section 1557), in its language."""
    # Translators: the free language help on every page and handout; keep {clinic.phone}.
    notice = gettext("An interpreter is free. To ask for one, call {clinic.phone}.")
    return Markup(escape(notice).replace("{clinic.phone}", phone_html))


def file_size(num_bytes: int, language: str) -> str:
    """84_200 → '84 kB', 3_245_000 → '3.2 MB', as the language writes it."""
    if num_bytes >= 1_000_000:
        return audio_size(num_bytes, language)
    try:
        return format_unit(
            max(1, round(num_bytes / 1000)), "digital-kilobyte", length="short", locale=_locale(language)
        )
    except (UnknownLocaleError, ValueError):
        return f"{max(1, round(num_bytes / 1000))} kB"


def spoken_language_name(voice: str, language: str) -> str:
    """The language a voice speaks, named in ``language``, when it is not ``language`` itself
    (espeak-ng's 'yue' for a zh-Hant page → '粵語'); '' when it is, or when CLDR has no name."""
    spoken = voice.split("-")[0].split("_")[0].lower()
    if spoken == language.split("-")[0].lower():
        return ""
    try:
        return str(Locale.parse(_locale(language)).languages.get(spoken, ""))
    except (UnknownLocaleError, ValueError):
        return ""


def whole_seconds(seconds: float) -> int:
    """The one rounding of audio times for people (link text, chapter times): to the nearest second,
    halves up (Python's round() would take 750.5 down to 750 and 751.5 up to 752)."""
    return math.floor(seconds + 0.5)


def audio_length(seconds: float, language: str) -> str:
    """653.3 → '10 min 53 sec' as the language writes it."""
    minutes, secs = divmod(whole_seconds(seconds), 60)
    try:
        parts = (
            [format_unit(minutes, "duration-minute", length="short", locale=_locale(language))]
            if minutes
            else []
        )
        parts.append(format_unit(secs, "duration-second", length="short", locale=_locale(language)))
    except (UnknownLocaleError, ValueError):
        return f"{minutes} min {secs} s"
    return " ".join(parts)


def clock(seconds: float) -> str:
    """125.4 → '2:05'."""
    minutes, secs = divmod(whole_seconds(seconds), 60)
    return f"{minutes}:{secs:02d}"


def medical_review(article: Article) -> str:
    """'Medically reviewed by … on …' in the page's language while the clinician's sign-off still
    matches the English; '' without one, or once an edit voided it (the report and check say so
    to the clinic: a patient is told who checked the content, not that nobody has yet)."""
    clinical = article.clinical
    if clinical.state != "reviewed":
        return ""
    date = long_date(clinical.date, article.language) if clinical.date else ""
    # Translators: the English article's clinical sign-off, e.g. "Sam Lee, MD" and a long date.
    return article.ui.gettext("Medically reviewed by {reviewer} on {date}.").format(
        reviewer=clinical.reviewer, date=date
    )


def review_notes(article: Article) -> dict[str, Any]:
    """The draft notice, the English-parts notice and the reviewed colophon, translated."""
    _ = article.ui.gettext
    review = article.review
    colophon = ""
    if review.state == "reviewed":
        date = long_date(review.date, article.language) if review.date else ""
        if review.translator:
            colophon = _("Translated by {translator}. Reviewed by {reviewer} on {date}.").format(
                translator=review.translator, reviewer=review.reviewer, date=date
            )
        else:  # no translator named (init's "Plainspoken draft" is no name): credit the reviewer alone
            colophon = _("Reviewed by {reviewer} on {date}.").format(reviewer=review.reviewer, date=date)
    return {
        "medical_review": medical_review(article),
        "draft": article.is_draft,
        "draft_notice": _("Draft translation: not yet reviewed by a qualified medical translator."),
        "fallbacks": article.fallbacks,
        "english_notice": english_notice(article),
        "colophon": colophon,
    }


def english_notice(article: Article) -> str:
    """How much of the page is still in English ('About 30% of this page…'), translated; '' if none."""
    _ = article.ui.gettext
    shown = article.report.counts.total + article.ui_counts.total
    if not article.fallbacks or not shown:
        return ""
    if article.fallbacks >= shown:
        return _("This page is still in English: it has not been translated yet.")
    share = min(99, max(1, round(100 * article.fallbacks / shown)))  # never "0%" or "100%" of a mix
    # Translators: {percent} is a share of the page, such as 30%, written as the language writes it.
    return _("About {percent} of this page is still in English.").format(
        percent=percent(share, article.language)
    )


def percent(share: int, language: str) -> str:
    """30 → '30%' ('30 %' in Spanish), as the language writes a percentage."""
    try:
        return format_percent(share / 100, locale=_locale(language))
    except (UnknownLocaleError, ValueError):
        return f"{share}%"
