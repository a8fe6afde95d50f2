"""Document × catalog → translated Document, falling back to the source unit by unit."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from babel.messages.catalog import Catalog

from pipeline.errors import PlainspokenError, Problem
from pipeline.markup import to_markdown
from pipeline.model import (
    Code,
    Document,
    Emphasis,
    FootnoteRef,
    Image,
    Inline,
    LineBreak,
    Link,
    Placeholder,
    Strong,
    Text,
    Unit,
    UnitRef,
    map_units,
    plain_text,
    walk_inlines,
)
from pipeline.source.glyphs import undrawable, undrawable_message
from pipeline.source.parse import parse_inline


@dataclass(frozen=True)
class Entry:
    """One catalog message as translation needs it."""

    msgstr: str
    fuzzy: bool
    line: int


@dataclass(frozen=True)
class MessageCounts:
    """Messages (a repeated msgid is one) by what the build does with them: the one count that
    ``status``, the build summary, the report and the publishing policy all show."""

    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0  # a msgstr of only spaces counts here too
    rejected: int = 0  # translated, but refused by the structure checks: the English is shown

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.untranslated + self.rejected

    @property
    def fallbacks(self) -> int:
        """Messages shown in the source language instead."""
        return self.total - self.translated

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0

    def __add__(self, other: MessageCounts) -> MessageCounts:
        return MessageCounts(
            self.translated + other.translated,
            self.fuzzy + other.fuzzy,
            self.untranslated + other.untranslated,
            self.rejected + other.rejected,
        )


def count_messages(outcomes: Iterable[str]) -> MessageCounts:
    """Counts of outcomes ('translated', 'fuzzy', 'untranslated', 'rejected'), one per message."""
    found = Counter(outcomes)
    return MessageCounts(found["translated"], found["fuzzy"], found["untranslated"], found["rejected"])


def is_blank(msgstr: str) -> bool:
    """An empty msgstr, or one of only spaces: untranslated (msgfmt counts spaces as translated)."""
    return not msgstr.strip()


def outcome(msgid: str, msgstr: str, *, fuzzy: bool, markdown: bool) -> tuple[str, list[Problem]]:
    """What the build does with one message, and for a rejected one, why (at line 0)."""
    if is_blank(msgstr):
        return "untranslated", []
    if fuzzy:
        return "fuzzy", []
    if not markdown:
        return "translated", []
    try:
        source = parse_inline(msgid)
    except PlainspokenError:
        source = ()
    inlines, problems = parse_translation(msgstr, source)
    return ("translated" if inlines is not None else "rejected"), problems


@dataclass(frozen=True)
class TranslationReport:
    """How one document's messages were translated (a msgid used twice counts once)."""

    counts: MessageCounts = MessageCounts()
    rejected: tuple[Problem, ...] = ()

    @property
    def translated(self) -> int:
        return self.counts.translated

    @property
    def fuzzy(self) -> int:
        return self.counts.fuzzy

    @property
    def untranslated(self) -> int:
        return self.counts.untranslated

    @property
    def fallbacks(self) -> int:
        """Messages shown in the source language instead."""
        return self.counts.fallbacks


def entries_from_catalog(catalog: Catalog) -> dict[str, Entry]:
    """msgid → Entry for every message with an id."""
    return {
        str(m.id): Entry(str(m.string or ""), bool(m.fuzzy), m.lineno or 0)
        for m in catalog
        if m.id and isinstance(m.id, str)
    }


#: What of each inline node must survive translation (None: nothing, its text is translated).
_STRUCTURE: dict[type[Any], Callable[[Any], str | None]] = {
    Text: lambda n: None,
    Link: lambda n: f"a link to {n.url}",
    Placeholder: lambda n: f"the placeholder {{{n.name}}}",
    Code: lambda n: f"the code `{n.text}`",
    Image: lambda n: f"the image {n.src}",  # its alt text is translated
    Emphasis: lambda n: "*emphasis*",
    Strong: lambda n: "**strong emphasis**",
    LineBreak: lambda n: "a line break",
    FootnoteRef: lambda n: f"the footnote reference [^{n.label}]",
}


def structure(inlines: tuple[Inline, ...]) -> Counter[str]:
    """What must survive translation: links and targets, emphasis, code, images, placeholders, notes."""
    found: Counter[str] = Counter()
    for node in walk_inlines(inlines):
        describe = _STRUCTURE.get(type(node))
        if describe is None:
            raise TypeError(f"no translation check for {type(node).__name__} nodes")
        item = describe(node)
        if item:
            found[item] += 1
    return found


def structure_problems(source: tuple[Inline, ...], translation: tuple[Inline, ...]) -> list[str]:
    """Human-readable differences in structure between a source unit and its translation."""
    want, have = structure(source), structure(translation)
    problems = []
    for item in sorted(want.keys() | have.keys()):
        if have[item] < want[item]:
            problems.append(f"{item} is missing from the translation")
        elif have[item] > want[item]:
            problems.append(f"{item} is in the translation but not in the source")
    return problems


def parse_translation(
    msgstr: str, source: tuple[Inline, ...]
) -> tuple[tuple[Inline, ...] | None, list[Problem]]:
    """The msgstr's inlines, or None and why (at line 0) when it cannot stand in for ``source``."""
    try:
        inlines = parse_inline(msgstr)
    except PlainspokenError as error:
        rejected = "translation rejected, source text used: "
        return None, [Problem(p.path, p.line, rejected + p.message) for p in error.problems]
    problems = structure_problems(source, inlines)
    if is_blank(plain_text(inlines)) and not is_blank(plain_text(source)):
        problems.append("the translation has no words")
    problems += [undrawable_message(char) for char in undrawable(plain_text(inlines))]
    if problems:
        return None, [Problem("", 0, "translation rejected, source text used: " + "; ".join(problems))]
    return inlines, []


class _Translator:
    """Replaces each unit's inlines with its parsed translation, noting each message's outcome."""

    def __init__(self, entries: Mapping[str, Entry], source_language: str, path: str) -> None:
        self.entries = entries
        self.source_language = source_language
        self.path = path
        self.outcomes: dict[str, str] = {}
        self.rejected: dict[str, list[Problem]] = {}

    def __call__(self, ref: UnitRef) -> Unit:
        node = ref.node
        msgid = to_markdown(node.inlines)
        if not msgid.strip():
            return node
        entry = self.entries.get(msgid)
        if entry is None or is_blank(entry.msgstr):
            return self._fallback(node, msgid, "untranslated")
        if entry.fuzzy:
            return self._fallback(node, msgid, "fuzzy")
        inlines, problems = parse_translation(entry.msgstr, node.inlines)
        if inlines is None:
            self.rejected[msgid] = [Problem(self.path, entry.line, p.message) for p in problems]
            return self._fallback(node, msgid, "rejected")
        self.outcomes[msgid] = "translated"
        return dataclasses.replace(node, inlines=inlines, lang="")

    def _fallback(self, node: Unit, msgid: str, reason: str) -> Unit:
        self.outcomes[msgid] = reason
        return dataclasses.replace(node, lang=self.source_language)


def translate_document(
    doc: Document, entries: Mapping[str, Entry], *, language: str, catalog_path: str
) -> tuple[Document, TranslationReport]:
    """``doc`` in ``language``: translated units, or source units marked with their language."""
    translator = _Translator(entries, doc.language, catalog_path)
    translated = map_units(doc, translator)
    rejected = tuple(p for problems in translator.rejected.values() for p in problems)
    report = TranslationReport(count_messages(translator.outcomes.values()), rejected)
    return dataclasses.replace(translated, language=language), report
