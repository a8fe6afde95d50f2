"""Reading braille-ready files back: their pages and lines, the text liblouis back-translates them
to, and how many of the article's words that text gives back (tests and make conformance)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

from pipeline.builders.braille import liblouis, six_dot_braille
from pipeline.i18n.article import Article
from pipeline.model import iter_units, plain_text
from pipeline.render.braille import BLANK, PrintBlocks, is_braille, unicode_cells
from pipeline.source.config import SiteConfig
from pipeline.source.languages import BrailleTable

#: Scripts written without spaces between words: each letter is counted as a word.
_UNSPACED = re.compile(r"[\u1780-\u17ff\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
#: Letters one script writes two ways (Arabic and Persian yeh and kaf), folded to one.
_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ۀ": "ه", "ة": "ه", "ـ": None})

#: Back-translation must give back at least this share of the article's words, where liblouis's table
#: translates both ways; forward-only tables (Chinese, Korean contracted) and Khmer's (whose
#: back-translation gives Latin letters for consonants) are measured only: the layout measure holds them.
WORDS_THRESHOLD = {"en": 0.97, "es": 0.95, "ar": 0.95, "fa": 0.95, "ru": 0.97, "vi": 0.95, "tl": 0.97}
#: Every language: the BRF's back-translation against its blocks back-translated one by one (what
#: liblouis gives back of them): the share the layout (pages, lines, headings) kept.
LAYOUT_THRESHOLD = 0.97
#: Per language, where one differs (none now: Persian's Latin letters, once lost, are in UEB).
LAYOUT_THRESHOLDS: dict[str, float] = {}


def layout_threshold(language: str) -> float:
    return LAYOUT_THRESHOLDS.get(language, LAYOUT_THRESHOLD)


def brf_pages(path: Path) -> list[list[str]]:
    """The file's pages, each a list of lines (Braille ASCII, without line ends)."""
    text = path.read_bytes().decode("ascii")  # as written: CR LF, not universal newlines
    return [page.removesuffix("\r\n").split("\r\n") for page in text.split("\f")]


def body_cells(pages: list[list[str]]) -> str:
    """Every page's text after its number line, as Unicode braille cells, lines joined by a blank cell."""
    lines = [line for page in pages for line in page[1:] if line.strip()]
    return BLANK.join(unicode_cells(line.strip()) for line in lines)


def back_translated(path: Path, table: str) -> str:
    """The BRF's text back in print, through liblouis and the language's table."""
    return liblouis().back_translate(table, body_cells(brf_pages(path)))


def words(text: str) -> Counter[str]:
    """The words of ``text``, folded (case, compatibility forms, marks); unspaced scripts by letter."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
    folded = "".join(_digit(ch) for ch in folded if unicodedata.category(ch) != "Mn")
    found: Counter[str] = Counter()
    for word in re.findall(r"\w+", folded):
        found.update(list(word) if _UNSPACED.search(word) else [word])
    return found


def _digit(char: str) -> str:
    """Any script's digit as an ASCII one (Arabic braille gives back ٩٨٨ for 988)."""
    value = unicodedata.decimal(char, None)
    return str(value) if value is not None else char


def article_texts(article: Article, config: SiteConfig) -> list[str]:
    """The article's translatable texts with their placeholders filled, as a reader gets them."""
    facts = {name: fact.value for name, fact in config.facts().items()}
    return [plain_text(ref.node.inlines, facts) for ref in iter_units(article.doc)]


def recovered(expected: Counter[str], got: Counter[str]) -> float:
    """The share of the expected words (counted with repeats) that the back-translation gives."""
    total = sum(expected.values())
    return sum((expected & got).values()) / total if total else 1.0


def round_trip(article: Article, config: SiteConfig, table: BrailleTable) -> str:
    """Each of the renderer's blocks translated and back-translated alone (with its emphasis): what
    liblouis gives back at best, so that what the BRF gives back less is the layout's loss."""
    blocks = [block.text for block in PrintBlocks(article, config).all() if not is_braille(block.text)]
    louis = liblouis()
    cells = (six_dot_braille(table.table, text, table.latin) for text in blocks)
    return " ".join(louis.back_translate(table.table, text) for text in cells)
