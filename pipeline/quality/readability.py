"""Reading-grade formulas, computed offline: Flesch-Kincaid and SMOG (English), Fernández-Huerta
(Spanish); sentence and word length for the languages no formula was validated for."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import pickle
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyphen  # type: ignore[import-untyped]

from pipeline.source.project import write_atomic

_SENTENCE_END = re.compile(
    r"(?<=[.!?؟։])[\"”’)\]]*\s+"  # Latin, Arabic "؟", Armenian "։": a space follows
    r"|(?<=[。！？។])[\"”’)\]]*\s*"  # CJK, Khmer "។": no space need follow
    r"|(?<=[.!?؟։])[\"”’)\]]*$"
)
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*|\d+(?:[.,:/–-]\d+)*")
_SPANISH_STRONG = set("aeoáéóíú")  # accented i/u break a diphthong like a strong vowel
_SPANISH_VOWELS = set("aeiouáéíóúü")


def sentences(text: str) -> list[str]:
    """Split text into sentences at . ! ? (and their CJK forms)."""
    parts = [p.strip() for p in _SENTENCE_END.split(text)]
    return [p for p in parts if p and _WORD.search(p)]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def primary(language: str) -> str:
    """'zh-Hans' → 'zh': the language, without script or region."""
    return language.replace("_", "-").split("-")[0].lower()


#: Languages written without spaces between words: a sentence's length there is its characters.
CHARACTER_LANGUAGES = frozenset({"zh", "ja", "km", "th", "lo", "my"})


def counts_characters(language: str) -> bool:
    return primary(language) in CHARACTER_LANGUAGES


def letters(text: str) -> int:
    """Letters, marks and digits: what a reader reads, without spaces, punctuation or invisible joiners."""
    return sum(count for char, count in Counter(text).items() if unicodedata.category(char)[0] in "LMN")


@dataclass(frozen=True)
class Lengths:
    """Sentence and word length, for a language no reading formula was validated for."""

    sentences: int
    words: int
    letters: int

    @classmethod
    def of(cls, text: str) -> Lengths:
        found = sentences(text)
        return cls(len(found), sum(len(words(s)) for s in found), letters("".join(found)))

    def per_sentence(self, unit: str) -> float:
        """Mean words (``unit`` "words") or characters ("characters") a sentence."""
        return (self.words if unit == "words" else self.letters) / max(1, self.sentences)

    @property
    def letters_per_word(self) -> float:
        return self.letters / max(1, self.words)


#: The formula each language's reading grade is validated in: none elsewhere, where an English
#: formula would grade syllables and words it was never made for.
FORMULAS = {"en": "Flesch-Kincaid", "es": "Fernández-Huerta"}


def formula(language: str) -> str:
    """The main reading formula validated for ``language``, or '' if there is none."""
    return FORMULAS.get(primary(language), "")


#: Where the en_US hyphenation patterns, once parsed, are kept for the next process, as Python
#: keeps its bytecode (parsing them took a process 0.1 s; reading them back, 6 ms).
PARSED_PATTERNS = Path(__file__).parent.parent / "__pycache__" / "hyphenation-en_US.{key}.pickle"


@functools.cache
def _hyphenator() -> pyphen.Pyphen:
    """pyphen's en_US hyphenator, read back as this pyphen and Python parsed its dictionary's bytes
    for an earlier process (where that cannot be written, each process parses them again)."""
    dictionary = pyphen.LANGUAGES[pyphen.language_fallback("en_US")]
    made_by = f"{pyphen.VERSION}\0{sys.version}\0{pickle.HIGHEST_PROTOCOL}\0".encode()
    key = hashlib.sha256(made_by + Path(dictionary).read_bytes()).hexdigest()[:16]
    path = Path(str(PARSED_PATTERNS).format(key=key))
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
        kept = pickle.loads(path.read_bytes())
        if isinstance(kept, pyphen.Pyphen):
            return kept
    made = pyphen.Pyphen(lang="en_US")
    with contextlib.suppress(OSError):
        for older in path.parent.glob(PARSED_PATTERNS.name.format(key="*")):
            older.unlink()  # another dictionary's, pyphen's or Python's
        write_atomic(path, pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL))
    return made


@functools.cache
def english_syllables(word: str) -> int:
    """Syllables as textstat counts them (before 0.7.5): the points where the en_US hyphenation
    dictionary (pyphen, Hunspell's patterns) may break a word, plus one; a compound's parts added."""
    parts = [p for p in re.split(r"[-'’]", word.lower()) if p]
    return max(1, sum(len(_hyphenator().positions(part)) + 1 for part in parts))


def spanish_syllables(word: str) -> int:
    """Vowel nuclei: a run of vowels is one syllable, plus one for each hiatus of strong vowels."""
    word = word.lower()
    count, previous = 0, ""
    for letter in word:
        if letter in _SPANISH_VOWELS:
            if not previous or (previous in _SPANISH_STRONG and letter in _SPANISH_STRONG):
                count += 1
            previous = letter
        else:
            previous = ""
    return max(1, count)


@dataclass(frozen=True)
class TextStats:
    """Counts the formulas need."""

    sentences: int
    words: int
    syllables: int
    polysyllables: int  # words of 3 syllables or more

    @classmethod
    def of(cls, text: str, language: str) -> TextStats:
        count = spanish_syllables if primary(language) == "es" else english_syllables
        found = [w for s in sentences(text) for w in words(s)]
        syllables = [1 if w[0].isdigit() else count(w) for w in found]
        return cls(len(sentences(text)), len(found), sum(syllables), sum(1 for n in syllables if n >= 3))


#: The grades the formulas were made for: Flesch-Kincaid and SMOG stop at 18 (a graduate
#: degree); a number above that only says "very hard", never how hard: reading_grade caps it.
MAX_GRADE = 18.0


def flesch_kincaid_grade(stats: TextStats) -> float:
    """0.39 (words/sentences) + 11.8 (syllables/words) - 15.59."""
    if not stats.words or not stats.sentences:
        return 0.0
    return 0.39 * stats.words / stats.sentences + 11.8 * stats.syllables / stats.words - 15.59


def smog_grade(stats: TextStats) -> float:
    """1.0430 sqrt(polysyllables × 30 / sentences) + 3.1291."""
    if not stats.sentences:
        return 0.0
    return 1.0430 * math.sqrt(stats.polysyllables * 30 / stats.sentences) + 3.1291


def fernandez_huerta(stats: TextStats) -> float:
    """Reading ease for Spanish: 206.84 - 0.60 P - 1.02 F, P syllables per 100 words, F words per
    sentence (Flesch's form, as textstat computes it: read as sentences per 100 words, the formula
    scored shorter sentences as harder)."""
    if not stats.words or not stats.sentences:
        return 100.0
    return 206.84 - 0.60 * 100 * stats.syllables / stats.words - 1.02 * stats.words / stats.sentences


def szigriszt_pazos(stats: TextStats) -> float:
    """INFLESZ, Spanish perspicuity: 206.835 - 62.3 (syllables/words) - words/sentences."""
    if not stats.words or not stats.sentences:
        return 100.0
    return 206.835 - 62.3 * stats.syllables / stats.words - stats.words / stats.sentences


def fernandez_huerta_grade(ease: float) -> float:
    """Fernández-Huerta's ease bands as an approximate US school grade."""
    for floor, grade in ((90, 4.0), (80, 5.0), (70, 6.0), (60, 8.0), (50, 10.0), (30, 13.0)):
        if ease >= floor:
            return grade
    return 16.0


@dataclass(frozen=True)
class Grade:
    """A reading grade and how it was measured."""

    grade: float
    formula: str
    detail: str

    @property
    def shown(self) -> str:
        """'9.2', or '18 or above' where the formula's range ends."""
        return f"{MAX_GRADE:g} or above" if self.grade >= MAX_GRADE else f"{self.grade:.1f}"


def reading_grades(text: str, language: str) -> tuple[Grade, ...]:
    """Each formula's grade for a text: Flesch-Kincaid and SMOG for English (SMOG counts long
    words only, and reads 2 to 3 grades above Flesch-Kincaid on health text), Fernández-Huerta
    for Spanish, with Szigriszt-Pazos's INFLESZ ease beside it; none in any other language."""
    if not formula(language):
        return ()
    stats = TextStats.of(text, language)
    if primary(language) == "es":
        ease = fernandez_huerta(stats)
        detail = f"ease {ease:.0f}, INFLESZ {szigriszt_pazos(stats):.0f}"
        return (Grade(fernandez_huerta_grade(ease), "Fernández-Huerta", detail),)
    grade, smog = min(flesch_kincaid_grade(stats), MAX_GRADE), min(smog_grade(stats), MAX_GRADE)
    return (
        Grade(grade, "Flesch-Kincaid", f"SMOG {smog:.1f}"),
        Grade(smog, "SMOG", f"Flesch-Kincaid {grade:.1f}"),
    )


def reading_grade(text: str, language: str) -> Grade:
    """The grade a text reads at by its language's main formula: Flesch-Kincaid, Fernández-Huerta;
    ValueError in a language with none (see formula)."""
    grades = reading_grades(text, language)
    if not grades:
        raise ValueError(f"no reading formula is validated for {language}")
    return grades[0]
