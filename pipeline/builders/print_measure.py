"""Type as printed, read back from a PDF's content streams: the size of every run of text, page fill."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass(frozen=True)
class PrintedText:
    """One text-showing operator: its size in points as drawn, baseline height, page furniture or not."""

    page: int  # from 1
    size: float
    y: float  # baseline, PDF user space (0 at the bottom of the page)
    artifact: bool  # inside /Artifact marked content: running header and footer


def _multiply(a: Matrix, b: Matrix) -> Matrix:
    """``a`` then ``b`` (PDF row-vector order)."""
    return (
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    )


@dataclass
class _State:
    """The graphics and text state a content stream walk needs (mutable while walking one page)."""

    ctm: Matrix = _IDENTITY
    saved: tuple[Matrix, ...] = ()
    line: Matrix = _IDENTITY  # text line matrix (Tm, moved by Td and T*)
    font_size: float = 0.0
    leading: float = 0.0
    marks: tuple[bool, ...] = ()  # one per open marked-content sequence: is it an Artifact?


def _step(state: _State, operands: list[Any], operator: bytes) -> bool:
    """Apply one operator to ``state``; True when it shows text."""
    if operator == b"q":
        state.saved += (state.ctm,)
    elif operator == b"Q" and state.saved:
        state.ctm, state.saved = state.saved[-1], state.saved[:-1]
    elif operator == b"cm":
        state.ctm = _multiply(tuple(float(v) for v in operands), state.ctm)  # type: ignore[arg-type]
    elif operator == b"BT":
        state.line = _IDENTITY
    elif operator == b"Tf":
        state.font_size = float(operands[1])
    elif operator == b"TL":
        state.leading = float(operands[0])
    elif operator == b"Tm":
        state.line = tuple(float(v) for v in operands)  # type: ignore[assignment]
    elif operator in (b"Td", b"TD"):
        state.leading = -float(operands[1]) if operator == b"TD" else state.leading
        state.line = _multiply((1, 0, 0, 1, float(operands[0]), float(operands[1])), state.line)
    elif operator == b"T*":
        state.line = _multiply((1, 0, 0, 1, 0, -state.leading), state.line)
    elif operator in (b"BDC", b"BMC"):
        state.marks += (str(operands[0]) == "/Artifact",)
    elif operator == b"EMC":
        state.marks = state.marks[:-1]
    return operator in (b"Tj", b"TJ", b"'", b'"')


def _page_texts(page: Any, reader: Any, number: int) -> Iterator[PrintedText]:
    from pypdf.generic import ContentStream

    contents = page.get_contents()
    if contents is None:
        return
    state = _State()
    for operands, operator in ContentStream(contents, reader).operations:
        if _step(state, operands, operator) and state.font_size:
            m = _multiply(state.line, state.ctm)
            scale = (m[2] ** 2 + m[3] ** 2) ** 0.5  # vertical scale of text space: the size drawn
            yield PrintedText(number, round(state.font_size * scale, 2), m[5], any(state.marks))


def printed_texts(pdf: Path) -> list[PrintedText]:
    """Every text run of ``pdf`` with its size as drawn (reads the file with pypdf, a test dependency)."""
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    return [t for n, page in enumerate(reader.pages, start=1) for t in _page_texts(page, reader, n)]


@dataclass(frozen=True)
class TypeSizes:
    """The smallest type of a handout: content a patient reads, and page furniture."""

    content: float
    furniture: float
    body: float  # the size most text runs are set in


def type_sizes(pdf: Path) -> TypeSizes:
    """Smallest content size, smallest running header/footer size and the commonest size of ``pdf``."""
    texts = printed_texts(pdf)
    content = [t.size for t in texts if not t.artifact]
    sizes = sorted(set(content), key=content.count)
    return TypeSizes(
        min(content, default=0.0),
        min((t.size for t in texts if t.artifact), default=0.0),
        sizes[-1] if sizes else 0.0,
    )


def page_fills(pdf: Path) -> list[float]:
    """For each page, the share of its text area that its content (not header or footer) fills.

    The text area runs from the highest content baseline on any page to the lowest; a page's fill
    is how far down it its own content reaches (0.25: a quarter of a page).
    """
    from pypdf import PdfReader

    texts = [t for t in printed_texts(pdf) if not t.artifact]
    pages = len(PdfReader(str(pdf)).pages)
    if not texts:
        return [0.0] * pages
    top, bottom = max(t.y for t in texts), min(t.y for t in texts)
    height = max(top - bottom, 1.0)
    lowest = {n: min((t.y for t in texts if t.page == n), default=top) for n in range(1, pages + 1)}
    return [round((top - lowest[n]) / height, 3) for n in range(1, pages + 1)]
