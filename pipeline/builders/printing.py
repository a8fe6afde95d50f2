"""WeasyPrint, safely: a URL fetcher confined to the project, and its warnings turned into errors."""

from __future__ import annotations

import functools
import gc
import logging
import re
import subprocess
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pipeline.builders import weasyprint_tags
from pipeline.errors import PlainspokenError, Problem

_MISSING_GLYPH = ".notdef glyph rendered"


@functools.cache
def load_weasyprint() -> None:
    """Import WeasyPrint without the compiler runs of its library lookup.

    WeasyPrint tries several names for each library it loads (Windows and macOS names first);
    cffi passes each name that fails to ctypes' find_library, which runs ldconfig, gcc and ld
    (WeasyPrint #1125): 38 processes and 0.14 s in every build worker. While WeasyPrint is
    imported, names are looked up in one reading of the linker cache instead.
    """
    import ctypes.util

    original = ctypes.util.find_library
    ctypes.util.find_library = _find_in_linker_cache
    try:
        import weasyprint  # noqa: F401
    finally:
        ctypes.util.find_library = original


def _find_in_linker_cache(name: str) -> str | None:
    match = re.search(rf"\s(lib{re.escape(name)}\.so[^\s]*)\s", _linker_cache())
    return match.group(1) if match else None


@functools.cache
def _linker_cache() -> str:
    try:
        listing = subprocess.run(
            ["/sbin/ldconfig", "-p"], capture_output=True, text=True, env={"LC_ALL": "C"}, check=False
        )
    except OSError:
        return ""
    return listing.stdout


def make_fetcher(allowed_dirs: Sequence[Path], mapped: tuple[str, Path] | None = None) -> Any:
    """A WeasyPrint URL fetcher that reads data: URLs and files under ``allowed_dirs`` only;
    ``mapped``: a base URL that stands for a folder (the PDF then names its images by that URL,
    the same wherever the project's files are)."""
    load_weasyprint()
    from weasyprint.urls import URLFetcher

    roots = [d.resolve() for d in allowed_dirs]

    class ProjectUrlFetcher(URLFetcher):  # type: ignore[misc]
        """Refuses the network and every file outside the project's asset folders."""

        refused: list[str]  # one message for each URL it would not or could not read

        def fetch(self, url: str, headers: Any = None) -> Any:
            shown = ""  # a mapped file as the project names it (source/assets/…)
            if mapped and url.startswith(mapped[0]):
                shown = f"{mapped[1].name}/{unquote(url.removeprefix(mapped[0]))}"
                url = mapped[1].as_uri() + "/" + url.removeprefix(mapped[0])
            parts = urlsplit(url)
            if parts.scheme == "data" or (parts.scheme == "file" and _inside(parts.path, roots)):
                return super().fetch(url, headers)
            if parts.scheme == "file" and _inside(parts.path, roots, exists=False):
                self.refused.append(
                    f"{shown or unquote(parts.path)} is missing: an image or file it uses is not there"
                )
                raise ValueError(f"{url} is missing")
            self.refused.append(f"refused to fetch {url}")
            raise ValueError(f"refused to fetch {url}: only the project's own assets may be used")

    fetcher = ProjectUrlFetcher(allowed_protocols=("data", "file"), allow_redirects=False, timeout=1)
    fetcher.refused = []
    return fetcher


def _inside(path: str, roots: Sequence[Path], *, exists: bool = True) -> bool:
    """The path is under one of ``roots`` (and, with ``exists``, is a file)."""
    resolved = Path(unquote(path)).resolve()
    return any(resolved.is_relative_to(root) for root in roots) and (resolved.is_file() or not exists)


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


#: A last page filled less than this (share of the page's text area) is near-empty: a quarter,
#: and a margin, since the tests measure from the PDF's baselines rather than the line boxes.
MIN_LAST_PAGE_FILL = 0.3


def render_pdf(
    html: str,
    css: str,
    *,
    base_url: str,
    allowed_dirs: Sequence[Path],
    label: str,
    looser: Sequence[str] = (),
    mapped: tuple[str, Path] | None = None,
) -> bytes:
    """A tagged PDF/UA-1 through weasyprint_tags; a missing glyph, refused URL or ERROR fails it.

    ``looser``: stylesheets added in turn, while the last page is near-empty, until one fills it.
    """
    load_weasyprint()
    from weasyprint import CSS, HTML

    fetcher, described = make_fetcher(allowed_dirs, mapped), link_descriptions(html)
    with _ONE_HANDOUT_AT_A_TIME, weasyprint_log() as records, weasyprint_tags.patched(described):
        source = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        fonts = font_configuration()
        sheets = (
            CSS(string=css + extra, base_url=base_url, url_fetcher=fetcher, font_config=fonts)
            for extra in ("", *looser)
        )
        document = filled_layout(source, sheets, font_config=fonts)
        data: bytes = document.write_pdf(pdf_variant="pdf/ua-1")
    problems = list(fetcher.refused)  # "refused to fetch …", or "… is missing"
    problems += [
        _describe(r) for r in records if r.levelno >= logging.ERROR or _MISSING_GLYPH in r.getMessage()
    ]
    if problems:
        unique = list(dict.fromkeys(problems))
        raise PlainspokenError(Problem(label, 0, message) for message in unique)
    return data


#: Set in the build's own worker processes, which set what survives each job aside from collections
#: (gc.freeze), so that a collection there scans one job's objects. In a Dask worker, whose heap
#: holds the cluster's state too, a collection per layout made each task 0.1 to 0.4 s slower.
COLLECT_DROPPED_LAYOUTS = False


#: Held while a handout is laid out and written. The tagging shim patches WeasyPrint's modules and the
#: log collector listens to its logger, both for the whole process: in a Dask worker started with two
#: threads, a handout laid out beside another came out untagged when the other's shim was taken off
#: (its bytes not a local build's, one build in three) and could be given the other's warnings.
_ONE_HANDOUT_AT_A_TIME = threading.Lock()


@functools.cache
def font_configuration() -> Any:
    """One Fontconfig configuration for every handout this process lays out (one at a time). WeasyPrint
    makes one per layout unless given one, and each made and dropped kept about 0.23 MiB that neither
    Fontconfig nor Pango gave back: a Dask worker, which outlives builds, grew by a megabyte a
    handout job (203 -> 258 MiB over four builds of 3 articles). Handouts use installed fonts only
    (no @font-face, which would add to it), and their bytes are the same whatever was laid out before."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def filled_layout(source: Any, sheets: Iterable[Any], *, font_config: Any = None) -> Any:
    """The document laid out with each stylesheet in turn, until its last page is not near-empty
    (the last one tried if none fills it). A stylesheet is taken from ``sheets`` only when it is
    tried: parsing the four looser ones for every handout took a tenth of its time."""
    tried = iter(sheets)
    document = source.render(stylesheets=[next(tried)], pdf_variant="pdf/ua-1", font_config=font_config)
    while last_page_fill(document) < MIN_LAST_PAGE_FILL and (sheet := next(tried, None)) is not None:
        # The layout tried is garbage in reference cycles (WeasyPrint's boxes): freed before the next
        # is made, a worker printing Japanese and Chinese handouts peaked at 174 MiB, not 240.
        document = None
        if COLLECT_DROPPED_LAYOUTS:
            gc.collect()
        document = source.render(stylesheets=[sheet], pdf_variant="pdf/ua-1", font_config=font_config)
    return document


_LINK = re.compile(r"<a\b([^>]*)>(.*?)</a>", re.S)
_ATTRIBUTE = re.compile(r"""\b(href|aria-label)\s*=\s*"([^"]*)\"""")


def link_descriptions(html: str) -> dict[str, str]:
    """Link target → what the link says: its aria-label, else its text (the first link to it)."""
    found: dict[str, str] = {}
    for link in _LINK.finditer(html):
        attributes = {name: unescape(value) for name, value in _ATTRIBUTE.findall(link[1])}
        text = " ".join(unescape(re.sub(r"<[^>]*>", "", link[2])).split())
        if "href" in attributes and (attributes.get("aria-label") or text):
            found.setdefault(attributes["href"], attributes.get("aria-label") or text)
    return found


def last_page_fill(document: Any) -> float:
    """How far down its text area the last page's content reaches (1.0 for a single page)."""
    if len(document.pages) < 2:
        return 1.0
    page = document.pages[-1]._page_box
    from weasyprint.formatting_structure.boxes import LineBox, MarginBox

    lines = [
        box
        for child in page.children
        if not isinstance(child, MarginBox)
        for box in child.descendants()
        if isinstance(box, LineBox)
    ]
    bottom = max((box.position_y + box.height for box in lines), default=page.content_box_y())
    return float((bottom - page.content_box_y()) / page.height)


def _describe(record: logging.LogRecord) -> str:
    message = record.getMessage()
    if _MISSING_GLYPH in message:
        return f"no font has a glyph for {message.split(':', 1)[1].strip()}: it would print as an empty box"
    return f"WeasyPrint: {message}"
