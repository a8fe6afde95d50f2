"""A small shim over WeasyPrint 70's tagging: ActualText, furniture as Artifacts, /Lang on parts.

Carried until WeasyPrint fixes these upstream; tests/test_pdf_conformance.py fails if a new
release changes what it relies on (Stream.marked, document.draw_page, pdf.tags._build_box_tree,
and weasyprint_glyphs' own list). Delete it when the upstream issues below are fixed and released.

1. **Left-to-right text layer** (Kozea/WeasyPrint#2841). WeasyPrint's ToUnicode map gives each
   glyph the text of the first cluster it was drawn in. Khmer draws one cluster as several glyphs
   in another order (a pre-base vowel first, a subscript consonant below), so a glyph maps to a
   whole cluster or to nothing: 99% of Khmer messages extracted garbled. So each left-to-right run
   holding combining marks or format characters carries the text it shows as
   ``/ActualText`` on its marked-content sequence (ISO 32000-1 14.9.4). Right-to-left runs keep
   the glyph map, made exact by weasyprint_glyphs (poppler lays ActualText out left to right and
   then reverses the line).
2. **Glyph-level fixes** for right-to-left text, mirrored brackets, invisible characters and raised
   marks: see weasyprint_glyphs, installed with this shim.
3. **Page furniture** (Kozea/WeasyPrint#1836). WeasyPrint tags the text of page-margin boxes
   (running header and footer) as ``/Span`` with an MCID but leaves it out of the structure tree:
   content that is neither real nor an Artifact (PDF/UA-1, Matterhorn 01-005). Here that text is
   drawn as ``/Artifact <</Type /Pagination /Subtype /Header>>`` (or ``/Footer``) and the margin
   boxes are left out of the tree. A margin box of direction marks only (a right-to-left review
   packet's or bilingual handout's, see render/direction_marks.page_direction_marks) carries them
   as its ``/ActualText``: drawn as zero-width glyphs at one place, poppler would keep only one.
4. **Languages of parts.** WeasyPrint writes the document's ``/Lang`` only, so a packet's Spanish
   column or a Khmer script's English instructions were read with the document's voice. Each
   structure element whose language (its box's ``lang``) differs from its parent's carries ``/Lang``
   (ISO 32000-1 14.9.2; PDF/UA-1 7.2).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from pipeline.builders import weasyprint_features, weasyprint_fonts, weasyprint_glyphs
from pipeline.errors import PlainspokenError

#: The WeasyPrint release whose internals this shim and weasyprint_glyphs were written and tested against.
TESTED_WEASYPRINT = "70."

_RTL_CLASSES = frozenset({"R", "AL", "AN"})
#: Pagination artifacts' subtype by the page-margin box they are in (side margins have none).
_PAGINATION_SUBTYPES = {"@top": "/Header", "@bottom": "/Footer"}


def needs_actual_text(text: str) -> bool:
    """True when a glyph-by-glyph map may not give back left-to-right ``text``.

    Combining marks and format characters (Khmer's clusters, isolate controls). A bracket drawn
    mirrored needs none: weasyprint_glyphs gives each (glyph, text) pair its own code. Right-to-left
    runs get none: poppler lays ActualText out left to right and then reverses it with the line.
    Text with no right-to-left letter gets it even in a right-to-left paragraph: its logical
    order is then left to right.
    """
    if any(unicodedata.bidirectional(ch) in _RTL_CLASSES for ch in text):
        return False
    return any(unicodedata.category(ch)[0] == "M" or unicodedata.category(ch) == "Cf" for ch in text)


def utf16_string(text: str) -> bytes:
    """``text`` as a PDF text string: UTF-16BE with its byte order mark, written in hex."""
    return b"<" + ("\ufeff" + text).encode("utf-16-be").hex().upper().encode() + b">"


#: Link target → what the link says (its aria-label or text), for the document being printed.
_LINK_DESCRIPTIONS: ContextVar[Mapping[str, str]] = ContextVar(
    "link_descriptions", default=MappingProxyType({})
)


@contextmanager
def patched(link_descriptions: Mapping[str, str] | None = None) -> Iterator[None]:
    """WeasyPrint with this shim while the block runs; as released outside it.

    ``link_descriptions``: each link target's description for its annotation's /Contents.
    """
    check_weasyprint_version()
    replacements = _replacements()
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in replacements]
    for owner, name, new in replacements:
        setattr(owner, name, new)
    token = _LINK_DESCRIPTIONS.set(link_descriptions or {})
    try:
        yield
    finally:
        _LINK_DESCRIPTIONS.reset(token)
        for owner, name, old in originals:
            setattr(owner, name, old)


def check_weasyprint_version() -> None:
    """Refuse, in one line, a WeasyPrint whose internals the shim was not tested with."""
    import weasyprint

    version = str(weasyprint.__version__)
    if not version.startswith(TESTED_WEASYPRINT):
        raise PlainspokenError.at(
            "pyproject.toml",
            0,
            f"WeasyPrint {version} is installed, but the PDF text-layer shim was tested with "
            f"{TESTED_WEASYPRINT}x only: run `pip install 'weasyprint=={TESTED_WEASYPRINT}*'`",
        )


@functools.cache
def _replacements() -> list[tuple[Any, str, Any]]:
    """(module or class, attribute, replacement) for each function the shim wraps."""
    import pydyf  # type: ignore[import-untyped]  # WeasyPrint's PDF writer, untyped
    import weasyprint.document
    import weasyprint.pdf
    import weasyprint.pdf.tags
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf import tags
    from weasyprint.pdf.stream import Stream

    class TextString(pydyf.Object):  # type: ignore[misc]
        """A PDF text string that is always UTF-16 (pydyf writes Latin-1 when it can)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

        @property
        def data(self) -> bytes:
            return utf16_string(self.text)

    def actual_text(text: str, **more: Any) -> Any:
        return pydyf.Dictionary({**more, "ActualText": TextString(text)})

    return [
        *weasyprint_glyphs.replacements(actual_text),
        *weasyprint_fonts.replacements(),
        *weasyprint_features.replacements(),
        (Stream, "marked", _marked_wrapper(Stream.marked, boxes, pydyf, actual_text)),
        (weasyprint.document, "draw_page", _draw_page_wrapper(weasyprint.document.draw_page, boxes)),
        (tags, "_build_box_tree", _tree_wrapper(tags._build_box_tree, boxes, pydyf)),
        (weasyprint.pdf, "add_links", _links_wrapper(weasyprint.pdf.add_links, TextString)),
    ]


def _marked_wrapper(original: Any, boxes: Any, pydyf: Any, actual_text: Any) -> Any:
    """Stream.marked: margin text as Pagination artifacts; ActualText on runs that need it."""

    @contextmanager
    def marked(self: Any, box: Any, tag: str) -> Iterator[None]:
        if self._tags is None or not isinstance(box, boxes.TextBox):
            with original(self, box, tag):
                yield
        elif id(box) in getattr(self, "pagination_boxes", {}):
            subtype = self.pagination_boxes[id(box)]
            kind = {"Type": "/Pagination", **({"Subtype": subtype} if subtype else {})}
            with _marked_content(self, "Artifact", pydyf.Dictionary(kind)):
                if needs_actual_text(box.text) or not box.text.strip("\u200e\u200f"):
                    with _marked_content(self, "Span", actual_text(box.text)):
                        yield
                else:
                    yield
        elif needs_actual_text(box.text):
            mcid = len(self._tags)
            self._tags[box] = {"tag": tag, "mcid": mcid}
            self.in_actual_text = True
            try:
                with _marked_content(self, tag, actual_text(box.text, MCID=mcid)):
                    yield
            finally:
                self.in_actual_text = False
        else:
            with original(self, box, tag):
                yield

    return marked


@contextmanager
def _marked_content(stream: Any, tag: str, properties: Any) -> Iterator[None]:
    stream.begin_marked_content(tag, properties)
    try:
        yield
    finally:
        stream.end_marked_content()


def _draw_page_wrapper(draw_page: Callable[..., Any], boxes: Any) -> Callable[..., Any]:
    """Before a page is drawn, note the text boxes of its margins on its stream: id → artifact subtype."""

    def wrapped(page: Any, stream: Any) -> Any:
        stream.pagination_boxes = {
            id(box): _PAGINATION_SUBTYPES.get(margin.at_keyword.split("-")[0])
            for margin in page.children
            if isinstance(margin, boxes.MarginBox)
            for box in margin.descendants()
            if isinstance(box, boxes.TextBox)
        }
        return draw_page(page, stream)

    return wrapped


def _tree_wrapper(
    build_box_tree: Callable[..., Iterator[Any]], boxes: Any, pydyf: Any
) -> Callable[..., Iterator[Any]]:
    """Margin boxes (now Artifacts) stay out of the structure tree; each element whose language
    differs from its parent's carries ``/Lang`` (WeasyPrint sets the document's only)."""

    def wrapped(box: Any, parent: Any, pdf: Any, *args: Any) -> Iterator[Any]:
        if isinstance(box, boxes.MarginBox):
            return
        languages = _element_languages(pdf)
        parent_language = _language_of(parent, languages, pydyf)
        box_language = box.style["lang"] or parent_language
        languages.stack.append((box_language, parent_language))
        try:
            for element in build_box_tree(box, parent, pdf, *args):
                if id(element) not in languages.of:  # no child was built under it
                    _set_language(element, box_language, parent_language, languages, pydyf)
                yield element
        finally:
            languages.stack.pop()

    return wrapped


@dataclass
class _ElementLanguages:
    """While WeasyPrint builds one document's structure tree: each element's language, by id,
    and (language of the box being built, language of its parent element) for each box open."""

    document: str
    of: dict[int, str] = field(default_factory=dict)
    stack: list[tuple[str, str]] = field(default_factory=list)


def _element_languages(pdf: Any) -> _ElementLanguages:
    if not hasattr(pdf, "element_languages"):
        lang = pdf.catalog.get("Lang")
        pdf.element_languages = _ElementLanguages(str(getattr(lang, "string", "") or ""))
    languages: _ElementLanguages = pdf.element_languages
    return languages


def _language_of(parent: Any, languages: _ElementLanguages, pydyf: Any) -> str:
    """The language ``parent`` has in the tree: an element met for the first time as a parent
    was made for the innermost box being built (or is the document element)."""
    if id(parent) not in languages.of:
        if languages.stack:
            _set_language(parent, *languages.stack[-1], languages, pydyf)
        else:
            languages.of[id(parent)] = languages.document
    return languages.of[id(parent)]


def _set_language(
    element: Any, language: str, parent_language: str, languages: _ElementLanguages, pydyf: Any
) -> None:
    """Note ``element``'s language; write it as ``/Lang`` where it differs from its parent's."""
    languages.of[id(element)] = language
    if language != parent_language:
        element["Lang"] = pydyf.String(language)


def _links_wrapper(add_links: Callable[..., None], text_string: Any) -> Callable[..., None]:
    """Link annotations described by what the link says (``Call us: (626) 555-0142``), not by
    their raw target (``tel:+16265550142``), which is what screen readers announced."""

    def wrapped(links_and_anchors: Any, *args: Any) -> None:
        add_links(links_and_anchors, *args)
        descriptions = _LINK_DESCRIPTIONS.get()
        for _kind, target, _rectangle, box in links_and_anchors[0]:
            annotation = box.link_annotation
            if annotation is not None and "Contents" in annotation and descriptions.get(target):
                annotation["Contents"] = text_string(descriptions[target])

    return wrapped
