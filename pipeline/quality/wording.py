"""Word-level plain-language checks: jargon and acronyms explained at first use, passives, plainer words."""

from __future__ import annotations

import csv
import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import PlainspokenError
from pipeline.quality.readability import counts_characters, primary, sentences

DATA = Path(__file__).parent.parent / "data"
#: Acronyms every reader knows; any other is spelled out at its first use.
KNOWN_ACRONYMS = frozenset({"OK", "US", "USA", "TV", "ID", "AM", "PM", "CA", "FAQ"})
_ACRONYM = re.compile(r"(?<![\w-])([A-Z]{2,6})s?(?![\w-])")
_BE = r"(?:am|is|are|was|were|be|been|being)"
_ADVERB = r"(?:(?:not|also|often|usually|always|never|still|then|only|now|all|sometimes)\s+)?"
_IRREGULAR = "given|taken|done|made|seen|shown|written|held|paid|told|kept|found|sent|run|put|brought|taught"
_PASSIVE = re.compile(rf"\b{_BE}\s+{_ADVERB}(\w+ed|{_IRREGULAR})\b", re.I)
#: Participles that work as adjectives ("is tired") or name a thing ("is called X"): not passive.
ADJECTIVES = frozenset(
    [
        "called",
        "named",
        "based",
        "located",
        "interested",
        "tired",
        "worried",
        "scared",
        "married",
        "concerned",
        "used",
        "supposed",
        "excited",
        "bored",
        "confused",
        "ashamed",
        "pleased",
        "prepared",
        "determined",
        "experienced",
        "skilled",
        "detailed",
        "advanced",
        "balanced",
        "limited",
        "crowded",
        "related",
        "involved",
        "licensed",
        "qualified",
        "trained",
        "need",
        "needed",
    ]
)


@dataclass(frozen=True)
class Wording:
    """The terms to explain (Plainspoken's list and the clinic's own) and the terms a clinic keeps."""

    jargon: Mapping[str, str]  # term → plainer wording
    keep: Mapping[str, str] = field(default_factory=dict)  # term (case-folded) → the reason


@functools.cache
def shipped_jargon(language: str = "en") -> dict[str, str]:
    """Term → plainer wording, from pipeline/data/health_jargon.csv (English) or
    health_jargon.<language>.csv (its source column says where each term is from); {} where
    Plainspoken ships no list for the language."""
    name = "health_jargon.csv" if language == "en" else f"health_jargon.{language}.csv"
    if not (DATA / name).exists():
        return {}
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return {row["term"]: row["plainer"] for row in csv.DictReader(handle)}


#: A clinic's own terms to explain in one language: locales/<lang>/jargon.csv, columns term,plainer.
LANGUAGE_FILE = "jargon.csv"


def load_language_jargon(path: Path, display: str, language: str) -> dict[str, str]:
    """Plainspoken's list for ``language`` with the clinic's own file's terms added (theirs win)."""
    if not path.exists():
        return shipped_jargon(language)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "term" not in reader.fieldnames:
            raise PlainspokenError.at(display, 1, "a jargon list needs the columns term and plainer")
        rows = [row for row in reader if (row["term"] or "").strip()]
    own = {row["term"].strip(): (row.get("plainer") or "").strip() for row in rows}
    return {**shipped_jargon(language), **own}


@functools.cache
def plain_words() -> tuple[tuple[str, str], ...]:
    """(word or phrase, plainer), longest first: a phrase's suggestion wins over its word's."""
    with (DATA / "plain_words.csv").open(encoding="utf-8", newline="") as handle:
        pairs = [(row["word"].lower(), row["plainer"]) for row in csv.DictReader(handle)]
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


def load_wording(path: Path, display: str) -> Wording:
    """Plainspoken's jargon list, with the clinic's ``[jargon]`` and ``[keep]`` tables if the file exists."""
    if not path.exists():
        return Wording(shipped_jargon())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"\(at line (\d+)", str(error))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        raise PlainspokenError.at(
            display, int(line.group(1)) if line else 0, f"not valid TOML: {message}"
        ) from None
    tables = {name: data.get(name, {}) for name in ("jargon", "keep")}
    for name, table in tables.items():
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise PlainspokenError.at(display, 0, f'[{name}] holds lines such as "term" = "text"')
    keep = {term.casefold(): reason for term, reason in tables["keep"].items()}
    return Wording({**shipped_jargon(), **tables["jargon"]}, keep)


@functools.cache
def _term(term: str, language: str = "en") -> str:
    """A term as a regular expression: whole words, singular or plural (any part of the text in a
    script without spaces between words)."""
    if counts_characters(language):
        return re.escape(term)
    return rf"(?<![\w-]){re.escape(term)}(?:e?s)?(?![\w-])"


def uses(term: str, text: str, language: str = "en") -> bool:
    return re.search(_term(term, language), text, re.IGNORECASE) is not None


#: How each language says what a term means, around the term (X): "X means …", "… is called X",
#: "X, also called Y", "X, like A or B". Brackets, a colon and a footnote explain in any language.
_EXPLAINING = {
    "en": (
        r"{t}\s+(?:means?|is when|are when|refers? to|stands? for)\b",
        r"\bcalled\s+(?:an?\s+|the\s+)?{t}",
        r"{t},\s+(?:also called|or)\b",
        r"{t},?\s+(?:like|such as|for example)\b",
    ),
    "es": (
        r"{t}\s+(?:significan?|quieren? decir|se refieren? a|es cuando|son cuando)\b",
        r"\b(?:llamad[oa]s?|se llaman?)\s+(?:(?:el|la|los|las|un|una)\s+)?{t}",
        r"{t},?\s+(?:también llamad[oa]s?|o sea|es decir)\b",
        r"{t},?\s+(?:como|por ejemplo)\b",
    ),
}
_ANY_LANGUAGE = (r"{t}\s*\(", r"\(\s*{t}\s*\)", r"{t}\s*[:：—–]", r"{t}\s*\[note\]")
#: "X is/are …" opening a sentence; in Spanish "X es …" with up to two words before ("Un programa X es").
_DEFINING = {"en": r"{t}\s+(?:is|are)\b", "es": r"(?:[^\W\d_]+\s+){{0,2}}?{t}\s+(?:es|son)\b"}


def explained(term: str, text: str, language: str = "en") -> bool:
    """Whether ``text`` says what ``term`` means: "X means …", "X is/are …" opening a sentence,
    "… is called X", "X, also called Y", "X, like A or B" (examples), "X (Y)", "Y (X)", "X: …" (a
    label or definition list), a footnote on X; in Spanish "X significa …", "llamado X", "X, es
    decir, …", "X es …"; in another language the brackets, colon and footnote only."""
    t, base = _term(term, language), primary(language)
    around = (*_EXPLAINING.get(base, ()), *_ANY_LANGUAGE)
    if any(re.search(pattern.format(t=t), text, re.IGNORECASE) for pattern in around):
        return True
    defining = _DEFINING.get(base)
    return defining is not None and any(
        re.match(defining.format(t=t), sentence, re.IGNORECASE) for sentence in sentences(text)
    )


def acronyms(text: str) -> list[str]:
    """The acronyms in ``text`` that a reader may not know, in order of appearance."""
    found = [match.group(1) for match in _ACRONYM.finditer(text)]
    return list(dict.fromkeys(a for a in found if a not in KNOWN_ACRONYMS))


def spelled_out(acronym: str, text: str) -> bool:
    """Whether ``text`` spells the acronym out: "… Program (IOP)", "IOP (…)", "IOP stands for/means"."""
    a = re.escape(acronym)
    return re.search(rf"\(\s*{a}\s*\)|\b{a}\s*\(|\b{a}\s+(?:stands for|means)\b", text) is not None


def passives(text: str) -> list[str]:
    """The passive verb of each sentence that has one ("are not included"), a sentence at most once."""
    found = []
    for sentence in sentences(text) or [text]:
        for match in _PASSIVE.finditer(sentence):
            if match.group(1).lower() not in ADJECTIVES:
                found.append(match.group(0))
                break
    return found


def plainer_words(text: str) -> list[tuple[str, str]]:
    """(word or phrase, plainer) for each listed one in ``text``; a phrase hides the words inside it."""
    lowered, taken, found = text.lower(), [False] * len(text), []
    for word, plainer in plain_words():
        for match in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", lowered):
            if not any(taken[match.start() : match.end()]):
                taken[match.start() : match.end()] = [True] * (match.end() - match.start())
                found.append((match.start(), word, plainer))
                break
    return [(word, plainer) for _, word, plainer in sorted(found)]


def first_uses(
    units: Iterable[tuple[int, str]], terms: Iterable[str], language: str = "en"
) -> list[tuple[int, str, str]]:
    """(line, term, text of that unit) where each term is first used, in reading order."""
    remaining, found = list(terms), []
    for line, text in units:
        for term in [t for t in remaining if uses(t, text, language)]:
            found.append((line, term, text))
            remaining.remove(term)
    return found
