"""A language's own colon, full stop and spacing, for text the pipeline joins (speech, captions, headers)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from babel.core import get_global


@dataclass(frozen=True)
class Punctuation:
    """How a script ends a label and a sentence, and what goes between sentences."""

    colon: str  # after a label, with the space that follows it where the script has one
    full_stop: str
    gap: str = " "  # between a label or sentence and the next words: none in Chinese and Japanese

    def labelled(self, label: str, value: str) -> str:
        """'Cost' and 'lower' → 'Cost: lower' ('费用：较低' in Chinese)."""
        return f"{label}{self.colon}{value}"

    def after(self, label: str, value: str) -> str:
        """A translated label that carries its own punctuation ('Call us:', '请致电：') and its value:
        no space after a full-width mark or in a script written without spaces."""
        gap = "" if not self.gap or label.endswith(FULL_WIDTH) else " "
        return f"{label}{gap}{value}"

    def sentence(self, text: str) -> str:
        """``text`` ended by a full stop, unless it already ends a sentence."""
        stripped = text.rstrip()
        return stripped if stripped.endswith(SENTENCE_ENDS) else stripped + self.full_stop

    def sentences(self, parts: list[str]) -> str:
        """Sentences one after another: 'IOP. Cost: lower.' or 'IOP。费用：较低。'."""
        return self.gap.join(self.sentence(part) for part in parts if part.strip())


#: Marks that take the whole width of a character and no space after them.
FULL_WIDTH = ("：", "。", "，", "；", "！", "？", "、")
#: Marks that end a sentence in the scripts below (Latin, Han, Armenian, Khmer, Arabic, Devanagari).
SENTENCE_ENDS = (".", "!", "?", "。", "！", "？", "։", "។", "؟", "।")
LATIN = Punctuation(": ", ".")
#: Per script (ISO 15924, as CLDR's likely subtags give it): the scripts whose marks are not ASCII.
#: Arabic script keeps ASCII ':' and '.'; its comma and question mark (، ؟) only come from translators.
BY_SCRIPT: dict[str, Punctuation] = {
    "Hans": Punctuation("：", "。", ""),
    "Hant": Punctuation("：", "。", ""),
    "Jpan": Punctuation("：", "。", ""),
    "Armn": Punctuation("՝ ", "։"),
    "Khmr": Punctuation("៖ ", " ។"),
}


def script_of(language: str) -> str:
    """The script a BCP-47 tag is written in: its own script subtag, else CLDR's likely one."""
    parts = language.split("-")
    if len(parts) > 1 and len(parts[1]) == 4:
        return parts[1]
    likely = str(get_global("likely_subtags").get(parts[0], ""))
    found = [part for part in likely.split("_")[1:] if len(part) == 4]
    return found[0] if found else "Latn"


@functools.cache
def punctuation(language: str) -> Punctuation:
    """The punctuation ``language`` is written with."""
    return BY_SCRIPT.get(script_of(language), LATIN)
