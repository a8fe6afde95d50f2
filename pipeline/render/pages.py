"""What every page template needs: the Jinja2 environment and an article's rendered parts."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

from babel.core import UnknownLocaleError
from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from pipeline.model import Document
from pipeline.render.html import HtmlRenderer

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"


@functools.cache
def make_environment() -> Environment:
    """Jinja2 with autoescaping for HTML templates; one per process, so templates compile once."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(
            disabled_extensions=("css",), default=True, default_for_string=True
        ),
        keep_trailing_newline=True,
    )


def long_date(iso: str, language: str) -> str:
    """'2026-11-27' as the language writes it, e.g. '27 de noviembre de 2026'."""
    day = dt.date.fromisoformat(iso)
    try:
        return format_date(day, format="long", locale=language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return iso


def article_parts(doc: Document, render: HtmlRenderer) -> dict[str, Any]:
    """Title, date, key points and body of ``doc`` as HTML, for any page template."""
    title = render.inlines(doc.metadata.title.inlines)
    return {
        "page_title": Markup(title).striptags(),
        "title_html": title,
        "title_lang": Markup(render.lang_attr(doc.metadata.title.lang)),
        "last_reviewed": long_date(doc.metadata.last_reviewed, doc.language),
        "last_reviewed_iso": doc.metadata.last_reviewed,
        "summary": [
            {"html": render.inlines(p.inlines), "lang": Markup(render.lang_attr(p.lang))}
            for p in doc.metadata.summary
        ],
        "body": render.blocks(doc.blocks),
    }
