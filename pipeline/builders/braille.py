"""BrailleBuilder: braille-ready files (BRF) for embossers and braille displays, through liblouis."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import unicodedata
from pathlib import Path
from typing import Any, ClassVar

from pipeline.builders.base import Builder, OutputSkipped
from pipeline.errors import PlainspokenError, Problem
from pipeline.i18n.article import Article
from pipeline.render.braille import PrintBlocks, UnfilledPlaceholder, braille_pages, brf_text
from pipeline.source.languages import BrailleTable, braille_table
from pipeline.source.project import write_atomic

#: liblouis's log level "off": its tables' warnings ("Duplicate emphasis class") are not the user's, and
#: its errors come back as ours, one line each.
_LOG_OFF = 60000
_INSTALL = "install liblouis and its tables (Debian: apt-get install liblouis20 liblouis-data)"
#: Characters some tables write as 8-dot escapes, by the nearest one they write in six dots.
NEAREST = {
    **{"\u00a0": " ", "\u200b": "", "\u200c": " ", "\u200d": ""},  # spaces and joiners
    **{"«": '"', "»": '"', "–": "-", "—": "-", "៖": ":"},
}


class Liblouis:
    """liblouis's shared library (the translator behind NVDA, JAWS and BRLTTY), through ctypes."""

    def __init__(self) -> None:
        name = ctypes.util.find_library("louis") or "liblouis.so.20"
        try:
            self.lib = ctypes.CDLL(name)
        except OSError as error:
            raise PlainspokenError(Problem("liblouis", 0, f"not found ({error}): {_INSTALL}")) from error
        self.lib.lou_version.restype = ctypes.c_char_p
        self.lib.lou_setLogLevel(_LOG_OFF)
        self.lib.lou_getTable.restype = ctypes.c_void_p
        self.char = ctypes.c_uint32 if self.lib.lou_charSize() == 4 else ctypes.c_uint16

    @property
    def version(self) -> str:
        return bytes(self.lib.lou_version()).decode()

    def translate(self, table: str, text: str) -> str:
        """Print → Unicode braille cells with ``table``."""
        return self._run(self.lib.lou_translateString, table, text)

    def back_translate(self, table: str, cells: str) -> str:
        """Unicode braille cells → print with ``table``."""
        return self._run(self.lib.lou_backTranslateString, table, cells)

    def _run(self, function: Any, table: str, text: str) -> str:
        tables = f"unicode.dis,{table}".encode()
        if not self.lib.lou_getTable(tables):
            raise PlainspokenError(Problem(table, 0, f"liblouis cannot load this braille table: {_INSTALL}"))
        size = len(text) * 8 + 64
        inbuf = (self.char * max(1, len(text)))(*map(ord, text))
        inlen, outlen, outbuf = ctypes.c_int(len(text)), ctypes.c_int(size), (self.char * size)()
        if not function(tables, inbuf, ctypes.byref(inlen), outbuf, ctypes.byref(outlen), None, None, 0):
            raise PlainspokenError(Problem(table, 0, "liblouis could not translate a text with this table"))
        return "".join(map(chr, outbuf[: outlen.value]))


@functools.cache
def liblouis() -> Liblouis:
    """The library, loaded once per process."""
    return Liblouis()


def eight_dot(cells: str) -> int:
    """How many cells need dot 7 or 8 (a BRF has six dots)."""
    return sum(1 for cell in cells if (ord(cell) - 0x2800) & 0xC0)


@functools.cache
def six_dot_char(table: str, char: str) -> str:
    """``char``, or the nearest character the table writes in six dots where it needs eight for it
    (a Latin capital in Persian braille: the letter in lower case; a no-break space: a space)."""
    if not eight_dot(liblouis().translate(table, char)):
        return char
    for nearer in (NEAREST.get(char), char.lower(), unicodedata.normalize("NFKD", char)[:1]):
        if nearer is not None and (not nearer or not eight_dot(liblouis().translate(table, nearer))):
            return nearer
    return char


def six_dot_braille(table: str, text: str) -> str:
    """``text`` in braille cells with ``table``, avoiding eight-dot cells where a near character can."""
    return liblouis().translate(table, "".join(six_dot_char(table, char) for char in text))


class BrailleBuilder(Builder):
    """Writes build/site/<lang>/<slug>.brf: 40 cells × 25 lines, in the language's braille table."""

    name: ClassVar[str] = "braille"
    note: str = ""  #: for the build summary: what the BRF could not hold

    def table(self, language: str) -> BrailleTable:
        """The language's table; OutputSkipped with the reason when it has none."""
        found = braille_table(language)
        if isinstance(found, str):
            raise OutputSkipped(found)
        return found

    def write(self, article: Article) -> list[Path]:
        table = self.table(article.language)
        out = self.project.output_dir(article.language) / f"{article.doc.slug}.brf"
        try:
            blocks = PrintBlocks(article, self.project.config).all()
        except UnfilledPlaceholder as error:
            where = article.doc.source_path or article.doc.slug
            raise PlainspokenError(Problem(where, 0, str(error))) from error
        pages = braille_pages(blocks, functools.partial(six_dot_braille, table.table))
        lost = sum(eight_dot(line) for page in pages for line in page)
        self.note = f"{lost} cells needed dots 7 and 8, which a BRF cannot hold" if lost else ""
        write_atomic(out, brf_text(pages).encode("ascii"))
        return [out]
