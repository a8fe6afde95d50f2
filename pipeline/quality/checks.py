"""Translation checks: each message against its source, as a careful medical-translation team would."""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog

from pipeline.errors import PlainspokenError
from pipeline.i18n.translate import is_blank, structure_problems
from pipeline.model import plain_text
from pipeline.source.config import Fact
from pipeline.source.glyphs import undrawable, undrawable_message
from pipeline.source.parse import parse_inline

#: Every check: its severity and a one-line example of what it reports (the README lists them).
CHECKS: dict[str, tuple[str, str]] = {
    "catalog": ("error", "the file itself is broken (GNU msgfmt --check), e.g. an unterminated string"),
    "file": ("warning", "the file starts with a byte order mark (BOM): ignored"),
    "language-header": ("error", 'the header says "Language: ko" but the catalog is in locales/es/'),
    "behind": ("error", "source/site.toml (2 new messages): run `plainspoken update`"),
    "untranslated": ("error", "this message has no translation yet"),
    "blank": ("warning", "the translation is only spaces: it counts as untranslated"),
    "newlines": ("error", "the translation has a line break (\\n) that the English lacks"),
    "fuzzy": ("error", "the English changed since this was translated: check it, then clear 'fuzzy'"),
    "numbers": ("error", '"988" is missing from the translation'),
    "clinical-facts": ("error", "the 988 Suicide & Crisis Lifeline number 988 is missing"),
    "placeholders": ("error", "{clinic.phone} is missing from the translation"),
    "markdown": ("error", "a link to https://example.org/ is missing from the translation"),
    "urls": ("error", "the translation has different web addresses"),
    "emails": ("error", "the translation has different e-mail addresses"),
    "whitespace": ("error", "the translation starts or ends with different spaces"),
    "double-space": ("error", "the translation has two spaces in a row"),
    "glossary": (
        "error",
        '"residential rehab" should be "rehabilitación residencial" (locales/es/glossary.csv)',
    ),
    "do-not-translate": ("error", '"IOP" must stay "IOP"'),
    "end-punctuation": ("warning", "the translation ends with different punctuation"),
    "brackets": ("warning", "the translation has different brackets"),
    "unchanged": ("warning", "the translation is the same as the English"),
    "glyphs": ("error", "“💊” (U+1F48A PILL) is in no installed font: a handout would print an empty box"),
}
_DIGITS = re.compile(r"\d+")  # any script's decimal digits
_PLACEHOLDER = re.compile(r"\{[a-z]\w*(?:\.\w+)*\}")
#: translate-toolkit checks on the raw strings, and on the words only (Markdown and placeholders out).
_TTK_RAW = {
    "urls": "urls",
    "emails": "emails",
    "doublespacing": "double-space",
    "startwhitespace": "whitespace",
    "endwhitespace": "whitespace",
}
_TTK_WORDS = {"brackets": "brackets", "unchanged": "unchanged"}
#: Full-width and other scripts' brackets count as brackets.
_BRACKETS = str.maketrans("（）［］【】", "()[][]")


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: path:line: severity: check: message."""

    path: str
    line: int
    severity: str
    check: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.check}: {self.message}"


@dataclass(frozen=True)
class Term:
    """A glossary entry; a term whose target equals its source must not be translated."""

    source: str
    target: str

    @property
    def keep_as_is(self) -> bool:
        return self.source == self.target


def load_glossary(path: Path, display: str) -> list[Term]:
    """locales/<lang>/glossary.csv: columns source,target (and any others, such as a Weblate export)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"source", "target"} <= set(reader.fieldnames):
            raise PlainspokenError.at(display, 1, "a glossary needs the columns source and target")
        return [Term(row["source"].strip(), row["target"].strip()) for row in reader if row["source"].strip()]


def digits(text: str) -> list[str]:
    """Every number in ``text``, with any script's digits (Persian ۹۸۸, Arabic ٩٨٨…) read as 0-9."""
    return ["".join(str(unicodedata.digit(ch)) for ch in run) for run in _DIGITS.findall(text)]


class MessageChecker:
    """Runs every check on one message; knows the language, the clinic's facts and the glossary."""

    def __init__(
        self,
        *,
        language: str,
        facts: Mapping[str, Fact],
        glossary: Iterable[Term],
        names: Mapping[str, str],
        markdown: bool,
    ) -> None:
        from translate.filters import checks as ttk

        self.language, self.facts, self.markdown = language, facts, markdown
        self.names = names  # fact name → what to call it in a message
        self.glossary = list(glossary)
        config = ttk.CheckerConfig(targetlanguage=language.split("-")[0])
        self.ttk, self.ttk_failure = ttk.StandardChecker(checkerconfig=config), ttk.FilterFailure
        self.own: list[Callable[[str, str], list[tuple[str, str]]]] = [
            self.newlines,
            self.numbers,
            self.clinical_facts,
            self.placeholders,
            self.structure,
            self.terms,
            self.end_punctuation,
            self.glyphs,
        ]

    def check(self, msgid: str, msgstr: str, *, fuzzy: bool, changed: bool = True) -> list[tuple[str, str]]:
        """(check name, message) for every problem of this message.

        ``changed`` says that a fuzzy message keeps its previous English (#| msgid): the English
        changed. Without it, someone marked the translation fuzzy by hand.
        """
        if is_blank(msgstr):
            blank = [("blank", "the translation is only spaces: it counts as untranslated")] if msgstr else []
            return [*blank, ("untranslated", "this message has no translation yet")]
        if fuzzy and changed:
            return [("fuzzy", "the English changed since this was translated: check it, then clear 'fuzzy'")]
        if fuzzy:
            return [("fuzzy", "marked as needing review: check the translation, then clear 'fuzzy'")]
        found = [problem for check in self.own for problem in check(msgid, msgstr)]
        return found + self.translate_toolkit(msgid, msgstr)

    def newlines(self, msgid: str, msgstr: str) -> list[tuple[str, str]]:
        """A line break (``\\n``) in one but not the other: Markdown would run lines together."""
        if "\n" in msgstr and "\n" not in msgid:
            return [("newlines", "the translation has a line break (\\n) that the English lacks")]
        if "\n" in msgid and "\n" not in msgstr:
            return [("newlines", "the English has a line break (\\n) that the translation lacks")]
        return []

    def numbers(self, msgid: str, msgstr: str) -> list[tuple[str, str]]:
        want, have = (
            Counter(digits(_without_placeholders(msgid))),
            Counter(digits(_without_placeholders(msgstr))),
        )
        problems = [
            ("numbers", f'"{n}" is missing from the translation') for n in sorted((want - have).elements())
        ]
        problems += [
            ("numbers", f'"{n}" is in the translation but not in the English')
            for n in sorted((have - want).elements())
        ]
        return problems

    def clinical_facts(self, msgid: str, msgstr: str) -> list[tuple[str, str]]:
        problems = []
        source_digits, target_digits = "".join(digits(msgid)), "".join(digits(msgstr))
        for name, fact in self.facts.items():
            if fact.kind != "phone":
                continue
            number = "".join(digits(fact.value))
            in_source = f"{{{name}}}" in msgid or number in source_digits
            kept = f"{{{name}}}" in msgstr or number in target_digits
            if in_source and not kept:
                problems.append(
                    ("clinical-facts", f"the {self.names.get(name, name)} number {fact.value} is missing")
                )
        return problems

    def placeholders(self, msgid: str, msgstr: str) -> list[tuple[str, str]]:
        want, have = Counter(_PLACEHOLDER.findall(msgid)), Counter(_PLACEHOLDER.findall(msgstr))
        problems = [("placeholders", f"{p} is missing from the translation") for p in sorted(want - have)]
        problems += [("placeholders", f"{p} is not in the English: remove it") for p in sorted(have - want)]
        return problems

    def structure(self, msgid: str, msgstr: str) -> list[tuple[str, str]]:
        if not self.markdown:
            return []
        try:
            source, translation = parse_inline(msgid), parse_inline(msgstr)
        except PlainspokenError as error:
            return [("markdown", error.problems[0].message)]
        return [("markdown", p) for p in structure_problems(source, translation) if "placeholder" not in p]

    def terms(self, msgid: str, msgstr: str) -> list[tuple[str, str]]:
        wanted: dict[str, list[Term]] = {}
        for term in self.glossary:
            if term_pattern(term.source).search(msgid):
                wanted.setdefault(term.source.casefold(), []).append(term)
        problems = []
        for terms in wanted.values():
            if any(t.target.casefold() in msgstr.casefold() for t in terms):
                continue
            term = terms[0]
            if term.keep_as_is:
                problems.append(("do-not-translate", f'"{term.source}" must stay "{term.source}"'))
            else:
                targets = " or ".join(f'"{t.target}"' for t in terms)
                problems.append(("glossary", f'"{term.source}" should be {targets} (glossary)'))
        return problems

    def end_punctuation(self, msgid: str, msgstr: str) -> list[tuple[str, str]]:
        """A sentence that ends with punctuation in English must end with punctuation in translation.

        Which mark is the language's business (Armenian ։ for a question, Chinese 。, Arabic ؟),
        so only a missing or an extra final mark is reported; translate-toolkit's endpunc check
        expects one mark per language and flags correct Armenian and Vietnamese.
        """
        source, target = self.words(msgid).rstrip(), self.words(msgstr).rstrip()
        ends = [bool(text) and unicodedata.category(text[-1]).startswith("P") for text in (source, target)]
        if ends[0] and not ends[1]:
            return [
                (
                    "end-punctuation",
                    f"the English ends with “{source[-1]}”: the translation has no final mark",
                )
            ]
        if ends[1] and not ends[0]:
            return [
                (
                    "end-punctuation",
                    f"the translation ends with “{target[-1]}” but the English has no final mark",
                )
            ]
        return []

    def glyphs(self, msgid: str, msgstr: str) -> list[tuple[str, str]]:
        """A character no installed font has: the handout would fail (the build shows the English)."""
        return [("glyphs", undrawable_message(char)) for char in undrawable(msgstr)]

    def translate_toolkit(self, msgid: str, msgstr: str) -> list[tuple[str, str]]:
        """translate-toolkit's checks (the ones behind pofilter) where they fit."""
        words = (self.words(msgid).translate(_BRACKETS), self.words(msgstr).translate(_BRACKETS))
        problems = []
        for tests, pair in ((_TTK_RAW, (msgid, msgstr)), (_TTK_WORDS, words)):
            for test, name in tests.items():
                try:
                    getattr(self.ttk, test)(*pair)
                except self.ttk_failure as failure:
                    problems.append((name, _ttk_message(str(failure))))
        return list(dict.fromkeys(problems))

    def words(self, text: str) -> str:
        """What a reader sees: Markdown markup removed, each placeholder a stand-in word."""
        text = _PLACEHOLDER.sub("X", text)
        if not self.markdown:
            return text
        try:
            return plain_text(parse_inline(text))
        except PlainspokenError:
            return text


@functools.cache
def term_pattern(source: str) -> re.Pattern[str]:
    """A glossary term as a whole word, in any case, singular or plural."""
    return re.compile(rf"(?<!\w){re.escape(source)}(?:e?s)?(?!\w)", re.IGNORECASE)


def _without_placeholders(text: str) -> str:
    return _PLACEHOLDER.sub(" ", text)


def _ttk_message(text: str) -> str:
    return text[:1].lower() + text[1:] if text else "failed"


def check_catalog(catalog: Catalog, *, path: str, checker: MessageChecker) -> list[Finding]:
    """Every finding in one catalog, at the line of each message's msgid."""
    findings = []
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        msgstr, changed = str(message.string or ""), bool(message.previous_id)
        for check, text in checker.check(message.id, msgstr, fuzzy=message.fuzzy, changed=changed):
            findings.append(Finding(path, message.lineno or 0, CHECKS[check][0], check, text))
    return findings
