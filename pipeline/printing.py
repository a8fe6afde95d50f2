"""WeasyPrint, safely: a URL fetcher confined to the project, and its warnings turned into errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pipeline.errors import PlainspokenError, Problem

_MISSING_GLYPH = ".notdef glyph rendered"


def make_fetcher(allowed_dirs: Sequence[Path]) -> Any:
    """A WeasyPrint URL fetcher that reads data: URLs and files under ``allowed_dirs`` only."""
    from weasyprint.urls import URLFetcher

    roots = [d.resolve() for d in allowed_dirs]

    class ProjectUrlFetcher(URLFetcher):  # type: ignore[misc]
        """Refuses the network and every file outside the project's asset folders."""

        refused: list[str]

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme == "data" or (parts.scheme == "file" and _inside(parts.path, roots)):
                return super().fetch(url, headers)
            self.refused.append(url)
            raise ValueError(f"refused to fetch {url}: only the project's own assets may be used")

    fetcher = ProjectUrlFetcher(allowed_protocols=("data", "file"), allow_redirects=False, timeout=1)
    fetcher.refused = []
    return fetcher


def _inside(path: str, roots: Sequence[Path]) -> bool:
    resolved = Path(unquote(path)).resolve()
    return any(resolved.is_relative_to(root) for root in roots) and resolved.is_file()


class _Collector(logging.Handler):
    """Keeps WeasyPrint's log records of one rendering."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def weasyprint_log() -> Iterator[list[logging.LogRecord]]:
    """Collect WeasyPrint's warnings and errors while the block runs."""
    logger = logging.getLogger("weasyprint")
    handler = _Collector()
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


def render_pdf(html: str, css: str, *, base_url: str, allowed_dirs: Sequence[Path], label: str) -> bytes:
    """A tagged PDF/UA-1 from ``html``; any missing glyph, refused URL or ERROR fails it."""
    from weasyprint import CSS, HTML

    fetcher = make_fetcher(allowed_dirs)
    with weasyprint_log() as records:
        document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        stylesheet = CSS(string=css, base_url=base_url, url_fetcher=fetcher)
        data: bytes = document.write_pdf(stylesheets=[stylesheet], pdf_variant="pdf/ua-1")
    problems = [f"refused to fetch {url}" for url in fetcher.refused]
    problems += [
        _describe(r) for r in records if r.levelno >= logging.ERROR or _MISSING_GLYPH in r.getMessage()
    ]
    if problems:
        unique = list(dict.fromkeys(problems))
        raise PlainspokenError(Problem(label, 0, message) for message in unique)
    return data


def _describe(record: logging.LogRecord) -> str:
    message = record.getMessage()
    if _MISSING_GLYPH in message:
        return f"no font has a glyph for {message.split(':', 1)[1].strip()}: it would print as an empty box"
    return f"WeasyPrint: {message}"
