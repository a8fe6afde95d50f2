"""The plain-language report on source articles: reading grade, long sentences, plainer words."""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Mapping
from pathlib import Path

from pipeline.model import Document, Heading, UnitRef, iter_units, plain_text
from pipeline.quality.checks import Finding
from pipeline.quality.readability import Grade, reading_grade, sentences, words

SENTENCE_ENDS = (".", "!", "?", "。", "！", "？")

PLAIN_WORDS = Path(__file__).parent.parent / "data" / "plain_words.csv"
LONG_SENTENCE = 20  # words
LONG_PARAGRAPH = 100  # words
PLAIN_CHECKS: dict[str, str] = {
    "reading-grade": "this paragraph reads at grade 11.2 (target 8): shorten “It is called…” (28 words)",
    "long-sentence": "a sentence of 27 words (plain language: 20 at most): “When someone is…”",
    "plain-words": "“immediately”: plainer is “right away / now”",
    "long-paragraph": "a paragraph of 120 words (100 at most): split it",
}


@functools.cache
def plain_words() -> dict[str, str]:
    """Word → plainer alternative, from the list shipped with Plainspoken."""
    with PLAIN_WORDS.open(encoding="utf-8", newline="") as handle:
        return {row["word"].lower(): row["plainer"] for row in csv.DictReader(handle)}


#: Units that are never prose: a table's cells are facts, not sentences.
NOT_PROSE = ("table cell", "table header")
SHORT_FACT = 8  # words: a list item shorter than this, or with no final . ! ?, is a fact, not prose


def is_prose(ref: UnitRef, text: str) -> bool:
    """Whether a unit counts in the reading grade: not a heading, title, table cell or short fact."""
    if isinstance(ref.node, Heading) or ref.kind in ("title", *NOT_PROSE):
        return False
    if ref.kind in ("list item", "key point"):
        return len(words(text)) >= SHORT_FACT and text.rstrip().endswith(SENTENCE_ENDS)
    return True


def article_text(doc: Document, facts: Mapping[str, str]) -> str:
    """The running prose of an article, for its overall grade (see is_prose)."""
    texts = [plain_text(r.node.inlines, facts) for r in iter_units(doc)]
    return "\n".join(text for ref, text in zip(iter_units(doc), texts, strict=True) if is_prose(ref, text))


def article_grade(doc: Document, facts: Mapping[str, str]) -> Grade:
    return reading_grade(article_text(doc, facts), doc.language)


FORMULA_LANGUAGES = ("en", "es")  # where a reading formula is validated


def grade_label(doc: Document, facts: Mapping[str, str]) -> str:
    """'7.9 (Flesch-Kincaid)', or 'not measured' in a language with no validated formula."""
    if doc.language not in FORMULA_LANGUAGES:
        return "not measured"
    measured = article_grade(doc, facts)
    return f"{measured.grade:.1f} ({measured.formula})"


def check_source(doc: Document, *, facts: Mapping[str, str], target: float, strict: bool) -> list[Finding]:
    """Plain-language findings for one article: warnings, or errors with ``strict``."""
    severity = "error" if strict else "warning"
    found: list[tuple[int, str, str]] = []
    grade = article_grade(doc, facts)
    if grade.grade > target:
        found.append(
            (
                doc.metadata.title.line,
                "reading-grade",
                f"the article reads at grade {grade.shown} ({grade.formula}; {grade.detail}); "
                f"target {target:g}",
            )
        )
    for ref in iter_units(doc):
        if isinstance(ref.node, Heading) or ref.kind == "title":
            continue
        text = plain_text(ref.node.inlines, facts)
        found += [
            (ref.line, check, message)
            for check, message in _paragraph(text, doc.language, target, graded=is_prose(ref, text))
        ]
    return [Finding(doc.source_path, line, severity, check, message) for line, check, message in found]


def _paragraph(text: str, language: str, target: float, *, graded: bool) -> list[tuple[str, str]]:
    problems = []
    parts = sentences(text) or [text]
    count = len(words(text))
    longest = max(parts, key=lambda s: len(words(s)))
    grade = reading_grade(text, language)
    if graded and count >= 15 and grade.grade > target:
        problems.append(
            (
                "reading-grade",
                f"this paragraph reads at grade {grade.shown} (target {target:g}): "
                f"shorten “{_start(longest)}” ({len(words(longest))} words)",
            )
        )
    for sentence in parts:
        if len(words(sentence)) > LONG_SENTENCE:
            problems.append(
                (
                    "long-sentence",
                    f"a sentence of {len(words(sentence))} words (plain language: "
                    f"{LONG_SENTENCE} at most): “{_start(sentence)}”",
                )
            )
    if count > LONG_PARAGRAPH:
        problems.append(
            ("long-paragraph", f"a paragraph of {count} words ({LONG_PARAGRAPH} at most): split it")
        )
    if language.startswith("en"):
        problems += _plain_words(text)
    return problems


def _plain_words(text: str) -> list[tuple[str, str]]:
    problems = []
    lowered = text.lower()
    for word, plainer in plain_words().items():
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", lowered):
            problems.append(("plain-words", f"“{word}”: plainer is “{plainer}”"))
    return problems


def _start(sentence: str, length: int = 8) -> str:
    found = sentence.split()
    return " ".join(found[:length]) + ("…" if len(found) > length else "")
