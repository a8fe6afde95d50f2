"""Right-to-left marks where Latin words and numbers meet punctuation, so a PDF's text layer keeps its order.

A PDF keeps glyphs in visual order; text extractors such as poppler rebuild the logical order
with a shortened bidi algorithm that gives every neutral character (space, bracket, full stop)
next to a Latin word or a number to the left-to-right run. In right-to-left text ``(IOP)،`` came
back as ``( ،)IOP`` and ``3–5`` as ``5–3``. A right-to-left mark (U+200F) where the Unicode
Bidirectional Algorithm already gives those neutrals the paragraph's direction changes nothing
on the page (tests/test_pdf_conformance.py compares the rendered pages) and ends the run where
the page ends it. The PDF builder draws the marks invisibly (builders/weasyprint_tags.py).
For a page poppler reads right to left although it is left to right (a right-to-left review
packet), mark_ltr_line_ends puts a left-to-right mark after the punctuation its lines may end with.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape

RLM = "\u200f"
_STRONG = frozenset({"L", "N", "R"})
_SPACES = frozenset({"WS", "S", "B"})
#: Elements that do not start a new paragraph for the bidi algorithm; all others do.
_INLINE = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "em", "i", "kbd", "mark", "q", "s", "samp", "small"}
    | {"span", "strong", "sub", "sup", "time", "u", "var"}
)
#: Elements whose text is not page text.
_SKIPPED = frozenset({"style", "script", "title", "svg"})
#: Isolate controls (LRI, RLI, FSI) and the direction they give; PDI closes them.
_OPENERS = {"\u2066": "ltr", "\u2067": "rtl", "\u2068": ""}
_PDI = "\u2069"
_TOKEN = re.compile(r"<!--.*?-->|<[^>]*>|&[#\w]+;|[^<&]", re.S)
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)([^>]*?)(/?)>")
_DIR = re.compile(r"""\bdir\s*=\s*["']?(ltr|rtl)""", re.I)


@dataclass(frozen=True)
class _Unit:
    """A character, or a whole isolate, with its bidi kind: L, N (number), R, a neutral's class, or mark."""

    kind: str
    start: int  # where it begins and ends in the HTML
    end: int
    text: str  # as the bidi algorithm sees it: an isolate is wrapped in LRI, RLI or FSI and PDI
    isolate: bool = False


def mark_rtl_boundaries(html: str) -> str:
    """``html`` (a right-to-left page) with RLM after each Latin or number run that neutrals follow.

    In text that is already right-to-left, punctuation before a space gets a mark too: poppler
    otherwise gives the space to the word before (``كلمة، كلمة`` came back as ``كلمة ،كلمة``).
    """
    inserts = sorted(place for paragraph in _paragraphs(html) for place in _kept_places(html, paragraph))
    pieces, last = [], 0
    for at in inserts:
        pieces += [html[last:at], RLM]
        last = at
    return "".join(pieces) + html[last:]


def _kept_places(html: str, units: list[_Unit]) -> list[int]:
    """The places for a mark in one paragraph where a mark leaves the display as it was.

    The rules of _mark_places follow the Unicode Bidirectional Algorithm only as far as poppler
    needs; an RLM could still reorder a paragraph through rules they leave out (a European number
    after an Arabic letter, W2; after a Latin word, W7; brackets, N0). So each mark is kept only
    if python-bidi (the Rust unicode-bidi crate) lays the paragraph out the same with it.
    """
    places = [at for at in sorted(set(_mark_places(units))) if RLM not in html[at - 1 : at + 1]]
    if not places:
        return []
    from bidi import get_display  # type: ignore[import-untyped]  # python-bidi has no type hints

    ends = [unit.end for unit in units]

    def shown(marks: set[int]) -> str:
        text = "".join(RLM * (i in marks) + unit.text for i, unit in enumerate(units))
        text += RLM * (len(units) in marks)
        return str(get_display(text, base_dir="R")).replace(RLM, "")

    as_written, kept, kept_places = shown(set()), set[int](), []
    for at in places:
        index = bisect.bisect_right(ends, at)
        if shown(kept | {index}) == as_written:
            kept.add(index)
            kept_places.append(at)
    return kept_places


def _paragraphs(html: str) -> Iterator[list[_Unit]]:
    """The page text as units, one list per paragraph (block element), isolates as single units."""
    units: list[_Unit] = []
    skip_until, isolate = "", _Isolate()
    for token in _TOKEN.finditer(html):
        text, tag = token.group(), _TAG.fullmatch(token.group())
        if skip_until:
            skip_until = "" if tag and tag[1] and tag[2].lower() == skip_until else skip_until
        elif isolate.depth:
            if isolate.take(tag, text):
                whole = _Unit(isolate.kind(), isolate.start, token.end(), isolate.logical(), isolate=True)
                units.append(whole)
        elif tag and not tag[1] and tag[2].lower() in _SKIPPED:
            skip_until = tag[2].lower()
        elif tag and not tag[1] and not tag[4] and _isolates(tag[2].lower(), tag[3]):
            direction = _DIR.search(tag[3])
            isolate = _Isolate(tag[2].lower(), 1, direction[1].lower() if direction else "", token.start())
            if isolate.closer not in _INLINE:  # a left-to-right block: a paragraph of its own, left alone
                yield units
                units = []
        elif tag and tag[2].lower() not in _INLINE:
            yield units
            units = []
        elif text in _OPENERS:
            isolate = _Isolate(_PDI, 1, _OPENERS[text], token.start())
        elif not text.startswith("<"):
            units.append(_Unit(_kind(text), token.start(), token.end(), unescape(text)))
    yield units


def _isolates(name: str, attributes: str) -> bool:
    """Whether an element is an isolate: ``<bdi>``, inline with ``dir``, or a block with ``dir=ltr``."""
    direction = _DIR.search(attributes)
    if name in _INLINE:
        return name == "bdi" or direction is not None
    return direction is not None and direction[1].lower() == "ltr"


@dataclass
class _Isolate:
    """An isolate being read: an element (``<bdi>``, ``dir``) or LRI/RLI/FSI up to its PDI."""

    closer: str = ""  # the element's name, or PDI
    depth: int = 0
    direction: str = ""  # ltr, rtl, or '' for the first strong character's
    start: int = 0
    text: str = ""

    def take(self, tag: re.Match[str] | None, text: str) -> bool:
        """Read one more token inside the isolate; True when it closed the isolate."""
        if self.closer == _PDI and tag is None:
            self.depth += 1 if text in _OPENERS else -1 if text == _PDI else 0
        if tag is None:
            self.text += "" if text.startswith("<") else text
        elif tag[2].lower() == self.closer and not tag[4]:
            self.depth += -1 if tag[1] else 1
        return not self.depth

    def logical(self) -> str:
        """The isolate's text between its isolate controls."""
        opener = {"ltr": "\u2066", "rtl": "\u2067"}.get(self.direction, "\u2068")
        return opener + unescape(self.text).strip(_PDI + "".join(_OPENERS)) + _PDI

    def kind(self) -> str:
        """L or R as the isolate goes; by its first strong character when it has no direction of its own."""
        if self.direction:
            return "L" if self.direction == "ltr" else "R"
        kinds = [_kind(ch) for ch in self.text]
        return next((k for k in kinds if k in ("L", "R")), "N" if "N" in kinds else "ON")


def _kind(text: str) -> str:
    """L, N, R, mark (combining marks, format characters) or the bidi class of a neutral."""
    if text.startswith("&"):
        return "ON"  # &amp; &lt; &gt; &quot; &#39;: neutral characters
    bidi = unicodedata.bidirectional(text)
    if text in "\u200e\u200f":
        return "mark"  # direction marks, ours included, leave the rules as they were
    if bidi == "L":
        return "L"
    if bidi in ("EN", "AN"):
        return "N"
    if bidi in ("R", "AL"):
        return "R"
    return "mark" if bidi in ("NSM", "BN") else bidi


def _mark_places(units: list[_Unit]) -> Iterator[int]:
    """Where marks go: after Latin and number runs that neutrals follow, after punctuation before a space.

    A mark is kept next to a visible character of the same text box: a zero-width glyph alone
    between a box's edge and a space becomes a word of its own that poppler may move off the line.
    """
    solid = [u for u in units if u.kind != "mark"]
    for i, unit in enumerate(solid[:-1]):
        following, run = solid[i + 1], _run_kind(solid, i)
        if run and following.kind not in _STRONG and not _number_goes_on(solid, i):
            if run == "N" or _next_strong(solid, i + 1) != "L":
                yield _after_run(solid, i, units)
            elif unit.isolate:  # isolates side by side (name: phone. address): the page reads them
                yield _after_punctuation(solid, i, units)  # right to left, so must the text layer
        elif unit.kind not in _STRONG | _SPACES and following.kind in _SPACES:
            before = _before_punctuation(solid, i)
            if before and not before.isolate and (before.kind, _next_strong(solid, i + 1)) != ("L", "L"):
                yield _end_with_marks(unit, units)


def _run_kind(solid: list[_Unit], i: int) -> str:
    """L or N when ``solid[i]`` is the last of a Latin or number run (50% ends with its %), else ''."""
    kind = solid[i].kind
    if kind == "ET" and i and solid[i - 1].kind == "N":
        return "N"
    return kind if kind in ("L", "N") else ""


def _before_punctuation(solid: list[_Unit], i: int) -> _Unit | None:
    """The unit before the punctuation that ends at ``solid[i]``, if it is a letter, number or isolate."""
    while i and solid[i - 1].kind not in _STRONG | _SPACES:
        i -= 1
    return solid[i - 1] if i and solid[i - 1].kind in _STRONG else None


def _after_run(solid: list[_Unit], i: int, units: list[_Unit]) -> int:
    """The place for the mark after the run ending at ``solid[i]``."""
    following = solid[i + 1]
    if following.kind not in _SPACES:
        return following.start  # before the punctuation, next to it
    if not solid[i].isolate:
        return _end_with_marks(solid[i], units)  # right after the run, in its box
    after_spaces = next((u for u in solid[i + 1 :] if u.kind not in _SPACES), following)
    return after_spaces.start  # after an isolate, next to whatever the spaces lead to


def _after_punctuation(solid: list[_Unit], i: int, units: list[_Unit]) -> int:
    """After the punctuation that follows ``solid[i]``: poppler keeps it with the run before."""
    while i + 2 < len(solid) and solid[i + 2].kind not in _STRONG | _SPACES:
        i += 1
    return _end_with_marks(solid[i + 1], units)


def _end_with_marks(unit: _Unit, units: list[_Unit]) -> int:
    """Where ``unit`` ends, after the combining marks that belong to it."""
    at = units.index(unit)
    while at + 1 < len(units) and units[at + 1].kind == "mark":
        at += 1
    return units[at].end


def _next_strong(solid: list[_Unit], start: int) -> str:
    """The first L, N or R kind from ``start`` on; R (the paragraph's direction) at its end."""
    return next((u.kind for u in solid[start:] if u.kind in _STRONG), "R")


def _number_goes_on(solid: list[_Unit], i: int) -> bool:
    """A number's run continues over one separator (3.5, 24/7, 555-0142) or a terminator (50%)."""
    following = solid[i + 1].kind
    if following in ("CS", "ES"):
        return i + 2 < len(solid) and solid[i + 2].kind == "N"
    return following == "ET" and solid[i].kind == "N"


LRM = "\u200e"
_TEXT_NODE = re.compile(r"(<[^>]*>)|([^<]+)")
_RTL_ELEMENT = re.compile(r"""<(\w+)[^>]*\bdir\s*=\s*["']?rtl""", re.I)


def mark_ltr_line_ends(html: str) -> str:
    """``html`` (a left-to-right page) with LRM after punctuation that a line may end with.

    On a page poppler reads right to left (it takes the direction of the page's majority of
    letters), a left-to-right line that ends in punctuation came back with it first:
    ``.Reviewed and signed off``. An LRM after the punctuation ends the line with a left-to-right
    letter, which changes nothing on the page. Text in ``dir=rtl`` elements, and text that holds
    right-to-left letters, is left alone (see mark_rtl_boundaries for it).
    """
    pieces: list[str] = []
    open_rtl: list[str] = []  # names of the dir=rtl elements open around the text
    skipping = ""
    for match in _TEXT_NODE.finditer(html):
        tag, text = match.groups()
        if text is not None:
            pieces.append(text if open_rtl or skipping else _ltr_line_ends(text))
            continue
        parts = _TAG.fullmatch(tag)
        name, closing = (parts[2].lower(), bool(parts[1])) if parts else ("", False)
        if skipping:
            skipping = "" if closing and name == skipping else skipping
        elif name in _SKIPPED and not closing:
            skipping = name
        elif _RTL_ELEMENT.match(tag):
            open_rtl.append(name)
        elif closing and open_rtl and name == open_rtl[-1]:
            open_rtl.pop()
        pieces.append(tag)
    return "".join(pieces)


def _ltr_line_ends(text: str) -> str:
    """LRM after each run of punctuation followed by a space or the end of ``text`` (left-to-right only)."""
    if any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text):
        return text
    out = []
    for i, ch in enumerate(text):
        out.append(ch)
        after = text[i + 1 : i + 2]
        if _neutral(ch) and (not after or after.isspace()):
            out.append(LRM)
    return "".join(out)


def _neutral(ch: str) -> bool:
    return not ch.isspace() and unicodedata.bidirectional(ch) not in ("L", "EN", "AN", "R", "AL", "BN", "NSM")


def page_direction_marks(html: str, font: str, margin_box: str) -> str:
    """An ``@page`` rule that gives every page, in its ``margin_box``, as many RLMs as ``html`` has
    left-to-right letters, set in ``font`` (a CSS ``font`` value: a size, then the font stack).

    poppler reads a page in the direction of most of its letters: a right-to-left page that is
    mostly English (a review packet, a bilingual handout) came back left to right, each
    right-to-left line that holds a Latin word or a number with its pieces out of order. The marks
    tip every page to right to left; they show nothing, and the PDF builder draws a margin box of
    marks only as a page artifact (builders/weasyprint_tags.py), which screen readers skip.
    """
    letters = sum(unicodedata.bidirectional(ch) == "L" for ch in re.sub(r"<[^>]*>", "", html))
    return f'@page {{ @{margin_box} {{ content: "{RLM * letters}"; font: {font}; }} }}'
