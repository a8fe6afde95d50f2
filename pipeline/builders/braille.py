"""BrailleBuilder: braille-ready files (BRF) for embossers and braille displays, through liblouis."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from pipeline.builders.base import Builder, OutputSkipped
from pipeline.builders.toolchain import LIBRARIES
from pipeline.errors import PlainspokenError, Problem
from pipeline.i18n.article import Article
from pipeline.render.braille import BOLD, ITALIC, PrintBlocks, UnfilledPlaceholder, braille_pages, brf_text
from pipeline.source.languages import BrailleTable, braille_table
from pipeline.source.project import write_atomic

#: liblouis's log level "off": its tables' warnings ("Duplicate emphasis class") are not the user's, and
#: its errors come back as ours, one line each.
_LOG_OFF = 60000
_INSTALL = f"install liblouis and its tables (Debian: {LIBRARIES['liblouis'][1]})"
#: Characters some tables write as 8-dot escapes, by the nearest one they write in six dots.
NEAREST = {
    **{"\u00a0": " ", "\u200b": "", "\u200c": " ", "\u200d": ""},  # spaces and joiners
    **{"«": '"', "»": '"', "–": "-", "—": "-", "៖": ":"},
}


class Liblouis:
    """liblouis's shared library (the translator behind NVDA, JAWS and BRLTTY), through ctypes."""

    def __init__(self) -> None:
        short, soname = LIBRARIES["liblouis"][0]  # as a cluster's workers are asked to load it
        name = ctypes.util.find_library(short) or soname
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

    def translate(self, table: str, text: str, typeform: Sequence[int] = ()) -> str:
        """Print → Unicode braille cells with ``table``; ``typeform``: each character's emphasis."""
        return self._run(self.lib.lou_translateString, table, text, typeform)

    def back_translate(self, table: str, cells: str) -> str:
        """Unicode braille cells → print with ``table``."""
        return self._run(self.lib.lou_backTranslateString, table, cells)

    def _run(self, function: Any, table: str, text: str, typeform: Sequence[int] = ()) -> str:
        tables = f"unicode.dis,{table}".encode()
        if not self.lib.lou_getTable(tables):
            raise PlainspokenError(Problem(table, 0, f"liblouis cannot load this braille table: {_INSTALL}"))
        size = len(text) * 8 + 64
        inbuf = (self.char * max(1, len(text)))(*map(ord, text))
        inlen, outlen, outbuf = ctypes.c_int(len(text)), ctypes.c_int(size), (self.char * size)()
        # liblouis writes the typeforms of its output back into this array: as long as the output.
        forms = (ctypes.c_ushort * size)(*typeform) if typeform else None
        if not function(tables, inbuf, ctypes.byref(inlen), outbuf, ctypes.byref(outlen), forms, None, 0):
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


#: liblouis's typeforms for the emphasis marks: italic (emph_1) and bold (emph_3).
_TYPEFORMS = {ITALIC[0]: 1, BOLD[0]: 4}
_TYPEFORM_ENDS = {ITALIC[1]: 1, BOLD[1]: 4}


#: A run of Latin letters, for a language whose own table writes them in eight dots.
_LATIN_RUN = re.compile(r"[A-Za-z]+")


def six_dot_braille(table: str, text: str, latin: str = "") -> str:
    """``text`` in braille cells with ``table``: emphasis marks shown as its indicators, near
    characters where the table would need eight dots, and runs of Latin letters in ``latin`` (a
    table writing them in six) when it is given."""
    chars, forms = _typeformed(table, text)
    pieces, start = [], 0
    for run in _LATIN_RUN.finditer(chars) if latin else ():
        pieces += [(table, start, run.start()), (latin, run.start(), run.end())]
        start = run.end()
    pieces.append((table, start, len(chars)))
    return "".join(_translated(name, chars[a:b], forms[a:b]) for name, a, b in pieces if b > a)


def _translated(table: str, chars: str, forms: list[int]) -> str:
    return liblouis().translate(table, chars, forms if any(forms) else ())


def _typeformed(table: str, text: str) -> tuple[str, list[int]]:
    """The text without its emphasis marks, with the typeform of each character they gave."""
    chars: list[str] = []
    forms: list[int] = []
    form = 0
    for char in text:
        if char in _TYPEFORMS or char in _TYPEFORM_ENDS:
            form = form | _TYPEFORMS[char] if char in _TYPEFORMS else form & ~_TYPEFORM_ENDS[char]
            continue
        nearest = six_dot_char(table, char)
        chars.append(nearest)
        forms += [form] * len(nearest)
    return "".join(chars), forms


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
        pages = braille_pages(blocks, functools.partial(six_dot_braille, table.table, latin=table.latin))
        lost = sum(eight_dot(line) for page in pages for line in page)
        self.note = f"{lost} cells needed dots 7 and 8, which a BRF cannot hold" if lost else ""
        write_atomic(out, brf_text(pages).encode("ascii"))
        return [out]
