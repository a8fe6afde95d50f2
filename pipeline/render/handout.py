"""Pure rendering of a printed handout: Article → print HTML and its CSS (no files, no WeasyPrint)."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape, unescape
from typing import Any

import segno
from markupsafe import Markup

from pipeline.i18n.article import Article
from pipeline.render.direction_marks import mark_rtl_boundaries
from pipeline.render.fonts import css_font_family
from pipeline.render.html import fact_html, tel_href
from pipeline.render.isolates import resolve_isolates
from pipeline.render.pages import (
    article_parts,
    interpreter_notice,
    long_date,
    make_environment,
    review_notes,
)
from pipeline.render.punctuation import punctuation
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


# Regular print after the CMS Toolkit: body 12 pt, nothing a patient reads below 11 pt (the QR
# caption, the running header and footer with the review date and draft notice). The page count
# follows from the type (tests/test_print_type.py measures both from the PDFs).
REGULAR = HandoutVariant(
    "regular",
    "",
    "12pt",
    "1.3",
    "20pt",
    "15pt",
    "13pt",
    "11pt",
    "11pt",
    "0.6in 0.6in 0.65in",
    "0.9in",
)
# Large print after APH / low-vision guidance: 18 pt or more for all content, bold headings, wide
# spacing; the running header and footer at 14 pt.
LARGE_PRINT = HandoutVariant(
    "large-print",
    "-large-print",
    "18pt",
    "1.5",
    "30pt",
    "24pt",
    "20pt",
    "18pt",
    "14pt",
    "0.75in 0.6in 0.85in",
    "1.4in",
)
VARIANTS = (REGULAR, LARGE_PRINT)


def looser_spacing(variant: HandoutVariant) -> tuple[str, ...]:
    """Stylesheets that space the lines wider, tried in turn when the last page is near-empty.

    Wider lines push text from the full pages onto the last one; the type size never changes. The
    first step is a tenth: on the sample article's 28 handouts, a step of 0.05 filled 4 of the 12
    near-empty last pages and left 8 near-empty, 6 of them moved by less than a line (a page ends
    where a paragraph, a heading with its text, or the widow and orphan rules let it break): that
    layout was mostly one for nothing. A tenth fills the same 4 on as many pages.
    """
    base = float(variant.line_height)
    return tuple(f"\nbody {{ line-height: {base + step:.2f}; }}" for step in STEPS)


#: How much wider than the variant's line height each looser stylesheet spaces the lines.
STEPS = (0.1, 0.15, 0.2)


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


def _phone(number: str) -> str:
    """A phone number for the running header: one piece (no-break spaces, as ``a.tel`` in the body)
    kept left-to-right inside right-to-left text (LRI … PDI). Large print in Armenian broke it."""
    return "\u2066" + number.replace(" ", "\u00a0") + "\u2069"


def online_url(config: SiteConfig, language: str, slug: str) -> str:
    """Where the QR code leads: the same language's page, at its audio player."""
    return f"{config.website}{language}/{slug}.html#listen"


def unbroken_url_html(url: str) -> Markup:
    """``url`` that may wrap only after a slash: a hyphen that ends a line reads as part of it or not."""
    pieces = re.findall(r"[^/]*/+|[^/]+$", url)
    return Markup("").join(Markup('<span class="unbroken">{}</span>').format(piece) for piece in pieces)


@functools.lru_cache(maxsize=16)
def qr_data_uri(url: str) -> str:
    """A vector (SVG) QR code for ``url`` as a data: URI (once per handout, not per print size)."""
    return str(segno.make(url, error="m").svg_data_uri(dark="#000", light="#fff", border=2))


def render_handout(
    article: Article,
    *,
    config: SiteConfig,
    variant: HandoutVariant,
    article_links: Mapping[str, str] | None = None,
    audio_guide: bool = True,
    template: str = "handout.html",
    parts: Mapping[str, Any] | None = None,
) -> tuple[str, str]:
    """The handout's HTML and CSS for WeasyPrint; links to other articles lead to the website.

    ``article_links``: slug → the language of that article's page to print (see HtmlRenderer);
    ``audio_guide``: whether the page the QR code opens has an audio guide (its caption says so);
    ``template`` and ``parts``: a handout of another kind (bilingual.html extends handout.html)
    and what its template needs besides the handout's context.
    """
    env = make_environment()
    context = html_context(article, config, variant)
    context["audio_guide"] = audio_guide
    context.update(
        article_parts(
            article.doc,
            facts=config.facts(),
            asset_prefix="",
            article_links=article_links,
            site_url=config.website,
            gettext=article.ui.gettext,
        )
    )
    context.update(parts or {})
    html = resolve_isolates(env.get_template(template).render(context))
    html = label_phone_links(html, phone_labels(article, config))
    if language_info(article.language).direction == "rtl":
        html = mark_rtl_boundaries(html)
    css = env.get_template("handout.css").render(_css_context(article, config, variant))
    return html, css


def phone_labels(article: Article, config: SiteConfig) -> dict[str, str]:
    """tel: URL → what its link does, in the article's language ('Llámenos: (626) 555-0142')."""
    _ = article.ui.gettext
    labels = {
        tel_href(c.phone, config.region): _("{name}: {number}").format(name=_(c.name), number=c.phone)
        for c in config.crisis_lines
    }
    return {**labels, tel_href(config.clinic_phone, config.region): f"{_('Call us:')} {config.clinic_phone}"}


def label_phone_links(html: str, labels: Mapping[str, str]) -> str:
    """Each ``<a class="tel">`` with its label as aria-label: the PDF's link annotation says it."""

    def labelled(match: re.Match[str]) -> str:
        label = labels.get(unescape(match.group(1)))
        return match.group(0) if label is None else f'{match.group(0)[:-1]} aria-label="{escape(label)}">'

    return re.sub(r'<a class="tel" href="([^"]*)">', labelled, html)


def html_context(article: Article, config: SiteConfig, variant: HandoutVariant) -> dict[str, Any]:
    """What handout.html shows besides the article's parts: notices, QR code, help box, in its language."""
    doc = article.doc
    url = online_url(config, article.language, doc.slug)
    _ = article.ui.gettext
    context: dict[str, Any] = {}  # the article's own parts are added by render_handout
    context.update(
        {
            "_": _,
            "_marked": article.ui.marked,  # site.toml's words: in a lang span where they fell back
            "lang_of": article.ui.lang_attr,
            "page_lang": language_info(article.language),
            "variant": variant.name,
            "clinic_name": config.clinic_name,
            "clinic_address": config.clinic_address,
            "clinic_phone_html": fact_html(config.facts()["clinic.phone"]),
            "interpreter_html": interpreter_notice(
                article.ui.gettext, fact_html(config.facts()["clinic.phone"])
            ),
            "crisis_lines": [
                {
                    "name": c.name,
                    "note": c.note,
                    "phone_html": fact_html(Fact(c.id, c.phone, "phone", config.region)),
                }
                for c in config.crisis_lines
            ],
            **review_notes(article),  # the notices and colophon in the body, not only in the footer
            # 'Last reviewed: ' with the language's gap (none after '：'); the date is article_parts'
            "last_reviewed_label": punctuation(article.language).after(_("Last reviewed:"), ""),
            "online_url": url,
            "online_url_html": unbroken_url_html(url),
            "qr_data_uri": qr_data_uri(url),
        }
    )
    return context


@dataclass(frozen=True)
class RunningTexts:
    """The running header and footer of every page, in logical order (start side first)."""

    header: tuple[str, str]
    footer_note: str
    counter: str  # e.g. 'Página {page} de {pages}'

    def on_page(self, page: int, pages: int) -> tuple[str, ...]:
        """What the margins of page ``page`` of ``pages`` say."""
        return (*self.header, self.footer_note, self.counter.format(page=page, pages=pages))


def running_texts(article: Article, config: SiteConfig) -> RunningTexts:
    """The handout's page furniture: clinic and phone, review date, draft notice or colophon, page N of M."""
    _ = article.ui.gettext
    date = long_date(article.doc.metadata.last_reviewed, article.language)
    reviewed = punctuation(article.language).after(_("Last reviewed:"), date)  # no space after '：'
    notes = review_notes(article)
    counter = _("Page {page} of {pages}")
    if set(re.findall(r"\{(\w+)\}", counter)) != {"page", "pages"}:
        counter = "Page {page} of {pages}"
    return RunningTexts(
        (f"{config.clinic_name} · {_phone(config.clinic_phone)}", reviewed),
        notes["draft_notice"] if notes["draft"] else notes["colophon"],
        counter,
    )


def _css_context(article: Article, config: SiteConfig, variant: HandoutVariant) -> dict[str, Any]:
    rtl = language_info(article.language).direction == "rtl"
    texts = running_texts(article, config)
    header = (css_string(texts.header[0]), css_string(texts.header[1]))
    footer = (css_string(texts.footer_note), page_counter(texts.counter))
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
