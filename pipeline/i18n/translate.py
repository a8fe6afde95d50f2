"""Document × catalog → translated Document, falling back to the source unit by unit."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

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
    Unit,
    UnitRef,
    map_units,
    walk_inlines,
)
from pipeline.source.parse import parse_inline


@dataclass(frozen=True)
class Entry:
    """One catalog message as translation needs it."""

    msgstr: str
    fuzzy: bool
    line: int


@dataclass(frozen=True)
class TranslationReport:
    """How one document's units were translated."""

    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    rejected: tuple[Problem, ...] = ()

    @property
    def fallbacks(self) -> int:
        """Units shown in the source language instead."""
        return self.fuzzy + self.untranslated + len(self.rejected)


def entries_from_catalog(catalog: Catalog) -> dict[str, Entry]:
    """msgid → Entry for every message with an id."""
    return {
        str(m.id): Entry(str(m.string or ""), bool(m.fuzzy), m.lineno or 0)
        for m in catalog
        if m.id and isinstance(m.id, str)
    }


def structure(inlines: tuple[Inline, ...]) -> Counter[str]:
    """What must survive translation: links and targets, emphasis, code, images, placeholders, notes."""
    found: Counter[str] = Counter()
    for node in walk_inlines(inlines):
        if isinstance(node, Link):
            found[f"a link to {node.url}"] += 1
        elif isinstance(node, Placeholder):
            found[f"the placeholder {{{node.name}}}"] += 1
        elif isinstance(node, Code):
            found[f"the code `{node.text}`"] += 1
        elif isinstance(node, Image):
            found[f"the image {node.src}"] += 1
        elif isinstance(node, Emphasis):
            found["*emphasis*"] += 1
        elif isinstance(node, Strong):
            found["**strong emphasis**"] += 1
        elif isinstance(node, LineBreak):
            found["a line break"] += 1
        elif isinstance(node, FootnoteRef):
            found[f"the footnote reference [^{node.label}]"] += 1
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


class _Translator:
    """Replaces each unit's inlines with its parsed translation, counting what fell back."""

    def __init__(self, entries: Mapping[str, Entry], source_language: str, path: str) -> None:
        self.entries = entries
        self.source_language = source_language
        self.path = path
        self.counts: Counter[str] = Counter()
        self.rejected: list[Problem] = []

    def __call__(self, ref: UnitRef) -> Unit:
        node = ref.node
        msgid = to_markdown(node.inlines)
        entry = self.entries.get(msgid)
        if not msgid.strip():
            return node
        if entry is None or not entry.msgstr:
            return self._fallback(node, "untranslated")
        if entry.fuzzy:
            return self._fallback(node, "fuzzy")
        inlines = self._parse(entry, node.inlines)
        if inlines is None:
            return dataclasses.replace(node, lang=self.source_language)
        self.counts["translated"] += 1
        return dataclasses.replace(node, inlines=inlines, lang="")

    def _fallback(self, node: Unit, reason: str) -> Unit:
        self.counts[reason] += 1
        return dataclasses.replace(node, lang=self.source_language)

    def _parse(self, entry: Entry, source: tuple[Inline, ...]) -> tuple[Inline, ...] | None:
        try:
            inlines = parse_inline(entry.msgstr)
        except PlainspokenError as error:  # located at the message's line in the catalog
            self.rejected.extend(
                Problem(self.path, entry.line, f"translation rejected, source text used: {p.message}")
                for p in error.problems
            )
            return None
        problems = structure_problems(source, inlines)
        if problems:
            message = "translation rejected, source text used: " + "; ".join(problems)
            self.rejected.append(Problem(self.path, entry.line, message))
            return None
        return inlines


def translate_document(
    doc: Document, entries: Mapping[str, Entry], *, language: str, catalog_path: str
) -> tuple[Document, TranslationReport]:
    """``doc`` in ``language``: translated units, or source units marked with their language."""
    translator = _Translator(entries, doc.language, catalog_path)
    translated = map_units(doc, translator)
    report = TranslationReport(
        translated=translator.counts["translated"],
        fuzzy=translator.counts["fuzzy"],
        untranslated=translator.counts["untranslated"],
        rejected=tuple(translator.rejected),
    )
    return dataclasses.replace(translated, language=language), report
