"""A PDF's text layer against the article: which messages copy, search and screen readers get back."""

from __future__ import annotations

import subprocess
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.model import Document, iter_units, plain_text


def normalise(text: str) -> str:
    """``text`` without what extraction may change: whitespace, controls, punctuation, combining marks.

    Zero-width and bidi controls are format characters (Cf); line breaks and hyphenation leave
    spaces and hyphens (Z*, Pd). Combining marks (M*) go too: viewers may order them differently.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch)[0] not in "ZPMC")


@dataclass(frozen=True)
class TextLayer:
    """How many of a document's messages a PDF's extracted text contains."""

    language: str
    total: int
    missing: tuple[str, ...]

    @property
    def found(self) -> int:
        return self.total - len(self.missing)

    @property
    def share(self) -> float:
        return self.found / self.total if self.total else 1.0


def messages(doc: Document, facts: Mapping[str, str]) -> list[str]:
    """The plain text of every translatable unit of ``doc``, placeholders filled in."""
    return [plain_text(ref.node.inlines, facts) for ref in iter_units(doc)]


def compare(language: str, wanted: Sequence[str], extracted: str) -> TextLayer:
    """Which of ``wanted`` (normalised) occur in ``extracted`` (normalised)."""
    haystack = normalise(extracted)
    texts = [text for text in wanted if normalise(text)]
    missing = tuple(text for text in texts if normalise(text) not in haystack)
    return TextLayer(language, len(texts), missing)


def pdftotext(pdf: Path) -> str:
    """The text poppler's pdftotext extracts from ``pdf`` (UTF-8, reading order)."""
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def text_layer(doc: Document, facts: Mapping[str, str], pdf: Path) -> TextLayer:
    """The share of ``doc``'s messages that ``pdftotext`` gets back from ``pdf``."""
    return compare(doc.language, messages(doc, facts), pdftotext(pdf))
