"""A small shim over WeasyPrint 70's tagging: ActualText for complex scripts, page furniture as Artifacts.

Carried until WeasyPrint fixes these upstream; ``install()`` checks the functions it wraps still exist
and the tests in tests/test_pdf_text_layer.py fail if a new release changes what they rely on.

1. **ActualText** (Kozea/WeasyPrint#2841, PR #2869 not merged). WeasyPrint's ToUnicode map gives
   each glyph the text of the first cluster it was drawn in. Khmer draws one cluster as several
   glyphs in another order (a pre-base vowel first, a subscript consonant below), so one glyph
   maps to a whole cluster or to nothing, and a glyph shared by clusters keeps the first one's
   text: 99% of Khmer messages extract garbled. Arabic marks drawn with a vertical offset (tanwīn)
   are shown by a separate text operator and land on their own line; zero-width non-joiners draw no
   glyph and disappear. No per-glyph map can express reordering, so every text run that holds
   combining marks, format characters or right-to-left text gets the logical text it shows as
   ``/ActualText`` on its marked-content sequence (ISO 32000-1 14.9.4). Extractors (poppler,
   PyMuPDF) and screen readers then read the text as written.
2. **Page furniture** (Kozea/WeasyPrint#1836). WeasyPrint tags the text of page-margin boxes
   (running header and footer) as ``/Span`` with an MCID, but leaves it out of the structure tree:
   content that is neither real nor an Artifact (PDF/UA-1, Matterhorn 01-005). Here that text is
   drawn as ``/Artifact <</Type /Pagination>>`` and the margin boxes are left out of the tree.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_RTL_CLASSES = frozenset({"R", "AL", "AN"})


def needs_actual_text(text: str, direction: str = "ltr") -> bool:
    """True when a glyph-by-glyph map cannot give ``text`` back: marks, format characters, RTL."""
    if direction == "rtl" or any(unicodedata.bidirectional(ch) in _RTL_CLASSES for ch in text):
        return False
    return any(unicodedata.category(ch)[0] == "M" or unicodedata.category(ch) == "Cf" for ch in text)


def utf16_string(text: str) -> bytes:
    """``text`` as a PDF text string: UTF-16BE with its byte order mark, written in hex."""
    return b"<" + ("\ufeff" + text).encode("utf-16-be").hex().upper().encode() + b">"


@functools.cache
def install() -> None:
    """Wrap WeasyPrint's Stream.marked, draw_page and _build_box_tree (once per process)."""
    import pydyf  # type: ignore[import-untyped]  # WeasyPrint's PDF writer, untyped
    import weasyprint.document
    import weasyprint.pdf.tags
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf.stream import Stream

    class TextString(pydyf.Object):  # type: ignore[misc]
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

        @property
        def data(self) -> bytes:
            return utf16_string(self.text)

    original_marked = Stream.marked

    @contextmanager
    def marked(self: Any, box: Any, tag: str) -> Iterator[None]:
        if self._tags is None or not isinstance(box, boxes.TextBox):
            with original_marked(self, box, tag):
                yield
        elif id(box) in getattr(self, "pagination_boxes", ()):
            with _marked_content(self, "Artifact", pydyf.Dictionary({"Type": "/Pagination"})):
                yield
        elif needs_actual_text(box.text, box.style["direction"]):
            mcid = len(self._tags)
            self._tags[box] = {"tag": tag, "mcid": mcid}
            properties = pydyf.Dictionary({"MCID": mcid, "ActualText": TextString(box.text)})
            self.in_actual_text = True
            try:
                with _marked_content(self, tag, properties):
                    yield
            finally:
                self.in_actual_text = False
        else:
            with original_marked(self, box, tag):
                yield

    original_rise = Stream.set_text_rise

    def set_text_rise(self: Any, height: float) -> None:
        """A raised mark outside an ActualText run is kept out of the text layer (see 1. above)."""
        if height and not getattr(self, "in_actual_text", False):
            self.begin_marked_content("Span", pydyf.Dictionary({"ActualText": TextString("")}))
            self.in_raised_mark = True
            original_rise(self, height)
        elif not height and getattr(self, "in_raised_mark", False):
            original_rise(self, height)
            self.end_marked_content()
            self.in_raised_mark = False
        else:
            original_rise(self, height)

    Stream.marked = marked
    Stream.set_text_rise = set_text_rise
    weasyprint.document.draw_page = _draw_page_wrapper(weasyprint.document.draw_page, boxes)
    weasyprint.pdf.tags._build_box_tree = _tree_wrapper(weasyprint.pdf.tags._build_box_tree, boxes)


@contextmanager
def _marked_content(stream: Any, tag: str, properties: Any) -> Iterator[None]:
    stream.begin_marked_content(tag, properties)
    try:
        yield
    finally:
        stream.end_marked_content()


def _draw_page_wrapper(draw_page: Callable[..., Any], boxes: Any) -> Callable[..., Any]:
    """Before a page is drawn, note the text boxes of its margins (header and footer) on its stream."""

    def wrapped(page: Any, stream: Any) -> Any:
        stream.pagination_boxes = {
            id(box)
            for margin in page.children
            if isinstance(margin, boxes.MarginBox)
            for box in margin.descendants()
            if isinstance(box, boxes.TextBox)
        }
        return draw_page(page, stream)

    return wrapped


def _tree_wrapper(build_box_tree: Callable[..., Iterator[Any]], boxes: Any) -> Callable[..., Iterator[Any]]:
    """Margin boxes (now Artifacts) stay out of the structure tree; everything else as before."""

    def wrapped(box: Any, *args: Any) -> Iterator[Any]:
        if isinstance(box, boxes.MarginBox):
            return
        yield from build_box_tree(box, *args)

    return wrapped
