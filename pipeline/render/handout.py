"""Pure rendering of a printed handout: Article → print HTML and its CSS (no files, no WeasyPrint)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import segno

from pipeline.i18n.article import Article
from pipeline.render.fonts import css_font_family
from pipeline.render.html import fact_html
from pipeline.render.pages import article_parts, long_date, make_environment, review_notes
from pipeline.source.config import Fact, SiteConfig
from pipeline.source.project import language_info

PAGE_SIZES = {"letter": "letter", "a4": "A4"}


@dataclass(frozen=True)
class HandoutVariant:
    """Regular or large print: type sizes and the file name suffix."""

    name: str
    suffix: str
    body_size: str
    line_height: str
    h1_size: str
    h2_size: str
    h3_size: str
    small_size: str
    margin_font_size: str
    margins: str
    qr_size: str


REGULAR = HandoutVariant(
    "regular",
    "",
    "11pt",
    "1.32",
    "19pt",
    "14.5pt",
    "12pt",
    "10pt",
    "8.5pt",
    "0.65in 0.65in 0.7in",
    "1in",
)
# Large print after APH / low-vision guidance: 18 pt body or more, bold headings, wide spacing.
LARGE_PRINT = HandoutVariant(
    "large-print",
    "-large-print",
    "18pt",
    "1.5",
    "30pt",
    "24pt",
    "20pt",
    "16pt",
    "12pt",
    "0.7in 0.6in 0.8in",
    "1.4in",
)
VARIANTS = (REGULAR, LARGE_PRINT)


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string that nothing in it can break out of."""
    escaped = "".join(
        f"\\{ord(ch):x} " if ch in '"\\' or ord(ch) < 0x20 or ch == "\x7f" else ch for ch in text
    )
    return f'"{escaped}"'


def page_counter(template: str) -> str:
    """'Página {page} de {pages}' → CSS content with counter(page) and counter(pages)."""
    if set(re.findall(r"\{(\w+)\}", template)) != {"page", "pages"}:
        template = "Page {page} of {pages}"
    parts = []
    for piece in re.split(r"(\{page\}|\{pages\})", template):
        if piece == "{page}":
            parts.append("counter(page)")
        elif piece == "{pages}":
            parts.append("counter(pages)")
        elif piece:
            parts.append(css_string(piece))
    return " ".join(parts)


def _isolate(text: str) -> str:
    """Keep a phone number or URL left-to-right inside right-to-left text (LRI … PDI)."""
    return f"\u2066{text}\u2069"


def online_url(config: SiteConfig, language: str, slug: str) -> str:
    """Where the QR code leads: the same language's page, at its audio player."""
    return f"{config.website}{language}/{slug}.html#listen"


@functools.lru_cache(maxsize=16)
def qr_data_uri(url: str) -> str:
    """A vector (SVG) QR code for ``url`` as a data: URI (once per handout, not per print size)."""
    return str(segno.make(url, error="m").svg_data_uri(dark="#000", light="#fff", border=2))


def render_handout(article: Article, *, config: SiteConfig, variant: HandoutVariant) -> tuple[str, str]:
    """The handout's HTML and CSS for WeasyPrint."""
    env = make_environment()
    html = env.get_template("handout.html").render(_html_context(article, config, variant))
    css = env.get_template("handout.css").render(_css_context(article, config, variant))
    return html, css


def _html_context(article: Article, config: SiteConfig, variant: HandoutVariant) -> dict[str, Any]:
    doc = article.doc
    url = online_url(config, article.language, doc.slug)
    context = article_parts(doc, facts=config.facts(), asset_prefix="")
    context.update(
        {
            "_": article.ui.gettext,
            "page_lang": language_info(article.language),
            "variant": variant.name,
            "clinic_name": config.clinic_name,
            "clinic_address": config.clinic_address,
            "clinic_phone_html": fact_html(config.facts()["clinic.phone"]),
            "crisis_lines": [
                {
                    "name": c.name,
                    "note": c.note,
                    "phone_html": fact_html(Fact(c.id, c.phone, "phone")),
                }
                for c in config.crisis_lines
            ],
            **review_notes(article),  # the draft notice and colophon, as on the web page
            "online_url": url,
            "qr_data_uri": qr_data_uri(url),
        }
    )
    return context


def _css_context(article: Article, config: SiteConfig, variant: HandoutVariant) -> dict[str, Any]:
    _ = article.ui.gettext
    rtl = language_info(article.language).direction == "rtl"
    reviewed = f"{_('Last reviewed:')} {long_date(article.doc.metadata.last_reviewed, article.language)}"
    notes = review_notes(article)
    header = (css_string(f"{config.clinic_name} · {_isolate(config.clinic_phone)}"), css_string(reviewed))
    footer = (
        css_string(notes["draft_notice"] if notes["draft"] else notes["colophon"]),
        page_counter(_("Page {page} of {pages}")),
    )
    if rtl:  # the page's start is on the right: mirror the running header and footer
        header, footer = header[::-1], footer[::-1]
    return {
        **{
            name: getattr(variant, name)
            for name in variant.__dataclass_fields__
            if name.endswith(("size", "height", "margins"))
        },
        "page_size": PAGE_SIZES[config.page_size],
        "font_family": css_font_family(article.language),
        "header_left": header[0],
        "header_right": header[1],
        "footer_left": footer[0],
        "footer_right": footer[1],
        "footer_left_weight": "normal" if rtl else "bold",
        "footer_right_weight": "bold" if rtl else "normal",
        "float_side": "left" if rtl else "right",
        "gap_side": "right" if rtl else "left",
    }
