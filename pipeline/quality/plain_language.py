"""The plain-language report on source articles: grades, long sentences, jargon, acronyms, passive voice."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from pipeline.model import Document, FootnoteRef, Heading, Text, UnitRef, iter_units, plain_text
from pipeline.quality.checks import Finding
from pipeline.quality.readability import (
    Grade,
    Lengths,
    counts_characters,
    formula,
    reading_grade,
    reading_grades,
    sentences,
    words,
)
from pipeline.quality.wording import (
    Wording,
    acronyms,
    explained,
    first_uses,
    passives,
    plainer_words,
    shipped_jargon,
    spelled_out,
    uses,
)
from pipeline.source.project import language_info

SENTENCE_ENDS = (".", "!", "?", "。", "！", "？")

LONG_SENTENCE = 20  # words
LONG_PARAGRAPH = 100  # words
LONG_HEADING = 8  # words: a heading is the reader's short question or label
SMOG_SAMPLE = 30  # sentences: SMOG was made for a sample of 30; on fewer it is not gated
PLAIN_CHECKS: dict[str, str] = {
    "reading-grade": "the article reads at grade 11.8 by SMOG (target 8)",
    "long-sentence": "a sentence of 27 words (plain language: 20 at most): “When someone is…”",
    "plain-words": "“immediately”: plainer is “right away / now”",
    "long-paragraph": "a paragraph of 120 words (100 at most): split it",
    "jargon": "“triggers” is not explained where it is first used: say what it means there, or say “…”",
    "acronym": "“IOP” is not spelled out where it is first used: write “Intensive Outpatient Program (IOP)”",
    "passive": "passive voice (“are not included”): say who does what",
    "long-heading": "a heading of 11 words (8 at most): make it the reader's short question",
}
#: An author keeps a finding: <!-- plain: keep "term": reason --> for a term anywhere in the
#: article, <!-- plain: keep: reason --> for every finding of the paragraph that follows.
_KEEP = re.compile(r"<!--\s*plain:\s*keep\s*(?:\"([^\"]+)\"\s*)?:\s*(.*?)\s*-->", re.S)


@dataclass(frozen=True)
class Flag:
    """One plain-language problem before its severity is known; ``subject`` is the term it names."""

    line: int
    check: str
    message: str
    subject: str = ""


@dataclass(frozen=True)
class Kept:
    """What an author accepts, with the reason: terms anywhere, and every finding at a line."""

    terms: Mapping[str, str] = field(default_factory=dict)  # case-folded term → reason
    lines: Mapping[int, str] = field(default_factory=dict)  # line of a comment → reason


def kept_in(text: str) -> Kept:
    """The ``plain: keep`` comments of an article's Markdown."""
    terms, lines = {}, {}
    for match in _KEEP.finditer(text):
        reason = " ".join(match.group(2).split()) or "no reason given"
        if match.group(1):
            terms[match.group(1).casefold()] = reason
        else:
            lines[text.count("\n", 0, match.start()) + 1] = reason
    return Kept(terms, lines)


#: Units that are never prose: a table's cells are facts, not sentences.
NOT_PROSE = ("table cell", "table header")
SHORT_FACT = 8  # words: a list item shorter than this, or with no final . ! ?, is a fact, not prose


def is_prose(ref: UnitRef, text: str) -> bool:
    """Whether a unit counts in the reading grade: not a heading, title, table cell or short fact."""
    if isinstance(ref.node, Heading) or ref.kind in ("title", *NOT_PROSE):
        return False
    if ref.kind == "footnote":  # a citation: CDC item 11 asks for sources, no grade should punish them
        return False
    if ref.kind in ("list item", "key point"):
        return len(words(text)) >= SHORT_FACT and text.rstrip().endswith(SENTENCE_ENDS)
    return True


def article_text(doc: Document, facts: Mapping[str, str]) -> str:
    """The running prose of an article in its own language, for its overall grade (see is_prose): a
    message still shown in English on a translated page (lang="en") is not graded as Spanish."""
    units = [r for r in iter_units(doc) if getattr(r.node, "lang", "") in ("", doc.language)]
    texts = [plain_text(r.node.inlines, facts) for r in units]
    return "\n".join(text for ref, text in zip(units, texts, strict=True) if is_prose(ref, text))


def article_grade(doc: Document, facts: Mapping[str, str]) -> Grade:
    return reading_grade(article_text(doc, facts), doc.language)


def grade_label(doc: Document, facts: Mapping[str, str], english: Document | None = None) -> str:
    """'reading grade 7.9 (Flesch-Kincaid)'; in a language no formula was validated for, never an
    English formula's grade but its sentence and word length beside the ``english`` article's."""
    if formula(doc.language):
        measured = article_grade(doc, facts)
        return f"reading grade {measured.grade:.1f} ({measured.formula})"
    own = Lengths.of(article_text(doc, facts))
    theirs = article_lengths(english, tuple(sorted(facts.items()))) if english is not None else None
    name = language_info(doc.language).english_name
    label = f"no reading formula validated for {name}: "
    if counts_characters(doc.language):  # no spaces between words: a "word" is not what spaces delimit
        label += f"{own.per_sentence('characters'):.0f} characters a sentence"
        if theirs is not None:
            label += f" (English: {theirs.per_sentence('characters'):.0f})"
        return label + f", counted in characters since {name} puts no spaces between words"
    label += f"{own.per_sentence('words'):.1f} words a sentence, {own.letters_per_word:.1f} letters a word"
    if theirs is not None:
        label += f" (English: {theirs.per_sentence('words'):.1f} and {theirs.letters_per_word:.1f})"
    return label


@functools.lru_cache(maxsize=16)
def article_lengths(doc: Document, facts: tuple[tuple[str, str], ...]) -> Lengths:
    """The sentence and word length of an article's prose: the English article's, which the label
    of each of its translations sets beside its own, is measured once (keyed by its content)."""
    return Lengths.of(article_text(doc, dict(facts)))


def check_source(
    doc: Document,
    *,
    facts: Mapping[str, str],
    target: float,
    strict: bool,
    wording: Wording | None = None,
    kept: Kept = Kept(),
) -> list[Finding]:
    """Plain-language findings for one article: warnings, or errors with ``strict``; a finding the
    author keeps (``kept``, or the clinic's ``[keep]`` in ``wording``) is info, with its reason."""
    wording = wording or Wording(shipped_jargon())
    units = [(ref, plain_text(ref.node.inlines, facts)) for ref in iter_units(doc)]
    flags = _article_grades(doc, facts, target)
    for ref, text in units:
        flags += _unit(ref, text, doc.language, target)
    if doc.language.startswith("en"):
        read = [(ref.line, _noted(ref, facts)) for ref, _ in units if ref.kind not in ("title", "footnote")]
        body = [(ref.line, _noted(ref, facts)) for ref, _ in units if ref.kind not in _OUTLINE]
        flags += _jargon(body, wording.jargon) + _jargon(read, _only_in_outline(body, wording.jargon))
        flags += _acronyms(read)
    terms = {**wording.keep, **kept.terms}
    return [
        _finding(doc.source_path, flag, strict, _reason(flag, terms, kept.lines, units)) for flag in flags
    ]


#: Units that name a term the body explains: a term first met in the key points (a summary) or a
#: heading counts as explained when its first use in the body explains it.
_OUTLINE = ("title", "footnote", "key point", "heading")


def _only_in_outline(body: list[tuple[int, str]], jargon: Mapping[str, str]) -> dict[str, str]:
    """The terms the body never uses (a term only in the key points or a heading is checked there)."""
    return {
        term: plainer for term, plainer in jargon.items() if not any(uses(term, text) for _, text in body)
    }


def _noted(ref: UnitRef, facts: Mapping[str, str]) -> str:
    """The unit's text with each footnote reference as "[note]": a term may be explained in a footnote."""
    inlines = tuple(Text("[note]") if isinstance(node, FootnoteRef) else node for node in ref.node.inlines)
    return plain_text(inlines, facts)


def _reason(
    flag: Flag, terms: Mapping[str, str], lines: Mapping[int, str], units: list[tuple[UnitRef, str]]
) -> str:
    """Why the author keeps this finding, or '' if they do not."""
    if flag.subject and flag.subject.casefold() in terms:
        return terms[flag.subject.casefold()]
    starts = sorted({ref.line for ref, _ in units})
    for line, reason in lines.items():
        following = [start for start in starts if start >= line]
        if following and following[0] == flag.line:
            return reason
    return ""


def _finding(path: str, flag: Flag, strict: bool, reason: str) -> Finding:
    if reason:
        return Finding(path, flag.line, "info", flag.check, f"{flag.message} (kept: {reason})")
    return Finding(path, flag.line, "error" if strict else "warning", flag.check, flag.message)


def _article_grades(doc: Document, facts: Mapping[str, str], target: float) -> list[Flag]:
    """The article's grade by each formula of its language, where above the target."""
    if not formula(doc.language):
        return []
    text = article_text(doc, facts)
    sample = len(sentences(text))
    return [
        Flag(
            doc.metadata.title.line,
            "reading-grade",
            f"the article reads at grade {grade.shown} by {grade.formula} ({grade.detail});"
            f" target {target:g}",
        )
        for grade in reading_grades(text, doc.language)
        if grade.grade > target and (grade.formula != "SMOG" or sample >= SMOG_SAMPLE)
    ]


def _unit(ref: UnitRef, text: str, language: str, target: float) -> list[Flag]:
    """One unit's findings: a heading's length; a paragraph's sentences, grade and words."""
    if isinstance(ref.node, Heading):
        count = len(words(text))
        if count <= LONG_HEADING:
            return []
        message = f"a heading of {count} words ({LONG_HEADING} at most): make it the reader's short question"
        return [Flag(ref.line, "long-heading", message)]
    if ref.kind in ("title", "footnote", *NOT_PROSE):  # a citation or a table cell is not prose
        return []
    found = [
        Flag(ref.line, check, message)
        for check, message in _paragraph(text, language, target, graded=is_prose(ref, text))
    ]
    if language.startswith("en"):
        found += [
            Flag(ref.line, "passive", f"passive voice (“{verb}”): say who does what")
            for verb in passives(text)
        ]
        found += [
            Flag(ref.line, "plain-words", f"“{word}”: plainer is “{plainer}”", word)
            for word, plainer in plainer_words(text)
        ]
    return found


def _jargon(units: list[tuple[int, str]], jargon: Mapping[str, str], language: str = "en") -> list[Flag]:
    """Each health term where it is first used, unless it is explained there."""
    found = first_uses(units, jargon, language)
    hidden = {
        (line, short) for line, short, _ in found for _, long, _ in found if short != long and short in long
    }
    return [
        Flag(
            line,
            "jargon",
            f"“{term}” is not explained where it is first used: say what it means there"
            + (f", or say “{jargon[term]}”" if jargon[term] else ""),
            term,
        )
        for line, term, text in found
        if (line, term) not in hidden and not explained(term, text, language)
    ]


def translated_jargon(units: list[tuple[int, str]], jargon: Mapping[str, str], language: str) -> list[Flag]:
    """A translation's health terms (its language's list) where first used and not explained there;
    ``units``: (line, translated text) in the catalog's order, the article's reading order."""
    return _jargon(units, jargon, language)


def _acronyms(units: list[tuple[int, str]]) -> list[Flag]:
    """Each acronym where it is first used, unless it is spelled out there."""
    seen: set[str] = set()
    found = []
    for line, text in units:
        for acronym in acronyms(text):
            if acronym not in seen and not spelled_out(acronym, text):
                message = (
                    f"“{acronym}” is not spelled out where it is first used: write “the words ({acronym})”"
                )
                found.append(Flag(line, "acronym", message, acronym))
            seen.add(acronym)
    return found


def _paragraph(text: str, language: str, target: float, *, graded: bool) -> list[tuple[str, str]]:
    """Long sentences, else the paragraph's grade (a long sentence is reported once); a long paragraph."""
    problems = []
    parts = sentences(text) or [text]
    count = len(words(text))
    for sentence in parts:
        if len(words(sentence)) > LONG_SENTENCE:
            problems.append(
                (
                    "long-sentence",
                    f"a sentence of {len(words(sentence))} words (plain language: "
                    f"{LONG_SENTENCE} at most): “{_start(sentence)}”",
                )
            )
    grade = reading_grade(text, language) if formula(language) else None
    if graded and grade and not problems and count >= 15 and grade.grade > target:
        longest = max(parts, key=lambda s: len(words(s)))
        problems.append(
            (
                "reading-grade",
                f"this paragraph reads at grade {grade.shown} by {grade.formula} (target {target:g}): "
                f"shorten “{_start(longest)}” ({len(words(longest))} words)",
            )
        )
    if count > LONG_PARAGRAPH:
        problems.append(
            ("long-paragraph", f"a paragraph of {count} words ({LONG_PARAGRAPH} at most): split it")
        )
    return problems


def _start(sentence: str, length: int = 8) -> str:
    found = sentence.split()
    return " ".join(found[:length]) + ("…" if len(found) > length else "")
