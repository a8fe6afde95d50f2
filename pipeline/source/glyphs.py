"""Which characters the installed fonts can draw at all (fontconfig), so that a character no handout
can print is refused at its source line rather than failing every PDF."""

from __future__ import annotations

import bisect
import contextlib
import functools
import hashlib
import json
import os
import shutil
import subprocess
import unicodedata
from pathlib import Path

#: Characters that are never drawn as a glyph: controls, format characters (joiners, direction
#: marks), spaces and variation selectors, which Pango handles without a font.
_NOT_DRAWN = ("Cc", "Cf", "Cs", "Zs", "Zl", "Zp")


def undrawable(text: str) -> list[str]:
    """The characters of ``text`` (each once, in order) that no installed font has a glyph for.

    WeasyPrint (Pango) falls back from a language's stack to any installed font, so a character
    fails a handout exactly when no font has it; none are reported where fontconfig cannot answer.
    A character is refused only on fontconfig's own answer of now, never on a kept one.
    """
    unseen = set(text) - _DRAWABLE
    if not unseen:  # nearly every call: a set difference instead of a lookup per character
        return []
    found = _uncovered(list(dict.fromkeys(c for c in text if c in unseen)), _coverage(asked=False))
    return _uncovered(found, _coverage(asked=True)) if found else []


def _uncovered(chars: list[str], coverage: Coverage) -> list[str]:
    """Those of ``chars`` outside ``coverage``; the others are noted as drawable."""
    starts, ends = coverage
    found = []
    for char in chars:
        if unicodedata.category(char) in _NOT_DRAWN or _is_variation_selector(char) or not starts:
            _DRAWABLE.add(char)
            continue
        index = bisect.bisect_right(starts, ord(char)) - 1
        if index < 0 or ord(char) > ends[index]:
            found.append(char)
        else:
            _DRAWABLE.add(char)
    return found


#: Characters found drawable (or never drawn) in this process: the installed fonts are read once.
_DRAWABLE: set[str] = set()


def undrawable_message(char: str) -> str:
    """What to say of a character no installed font has, naming it by code point and Unicode name."""
    name = unicodedata.name(char, "")
    shown = f"“{char}” (U+{ord(char):04X}{' ' + name if name else ''})"
    return (
        f"{shown} is in no installed font: a handout would print an empty box; remove it or say it in words"
    )


def _is_variation_selector(char: str) -> bool:
    return 0xFE00 <= ord(char) <= 0xFE0F or 0xE0100 <= ord(char) <= 0xE01EF


#: Merged code point ranges (starts, ends) that the installed fonts cover.
Coverage = tuple[list[int], list[int]]
#: Where fontconfig's answer is kept for the next process, as Python keeps its bytecode: asking it
#: took every command 30-50 ms (a no-op build, 0.3 s in all). Keyed by the stats of every font file,
#: of fontconfig's configuration and of fc-list itself.
KEPT_COVERAGE = Path(__file__).parent.parent / "__pycache__" / "font-coverage.{key}.json"
#: Where fontconfig finds the fonts WeasyPrint draws with, and its configuration.
FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
FONTCONFIG_FOLDERS = (
    "/etc/fonts",
    "/etc/fonts/conf.d",
    "~/.config/fontconfig",
    "~/.config/fontconfig/conf.d",
)


@functools.cache
def _coverage(*, asked: bool) -> Coverage:
    """The installed fonts' coverage: as kept by an earlier process for the same fonts, or
    (``asked``, or none kept) fontconfig's answer now, which is then kept."""
    path = Path(str(KEPT_COVERAGE).format(key=_fonts_key()))
    if not asked:
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            kept = json.loads(path.read_bytes())
            return list(kept["starts"]), list(kept["ends"])
    listed = _listed()
    if listed[0]:
        _keep(path, listed)
    return listed


def _keep(path: Path, coverage: Coverage) -> None:
    """Keep ``coverage`` at ``path`` for later processes (where the package's folder is writable)."""
    from pipeline.source.project import write_atomic

    with contextlib.suppress(OSError):
        for older in path.parent.glob(KEPT_COVERAGE.name.format(key="*")):
            older.unlink()  # other fonts'
        write_atomic(path, json.dumps({"starts": coverage[0], "ends": coverage[1]}).encode())


def _fonts_key() -> str:
    """A hash of the stats of every font file, of fontconfig's configuration files and of fc-list."""
    fc_list = shutil.which("fc-list") or ""
    lines = [fc_list]
    for path in [*installed_font_files(), *_files_under(FONTCONFIG_FOLDERS, walk=False), fc_list]:
        with contextlib.suppress(OSError):
            stat = os.stat(path)
            lines.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


@functools.cache
def installed_font_files() -> tuple[str, ...]:
    """Every file under the font folders, sorted (once a process, as fontconfig's answer)."""
    return tuple(_files_under(FONT_FOLDERS, walk=True))


def _files_under(folders: tuple[str, ...], *, walk: bool) -> list[str]:
    """The files in ``folders`` and their subfolders, sorted; without ``walk``, every entry of
    ``folders`` themselves, subfolders included (conf.d's time changes when a file is added)."""
    found = []
    for folder in map(os.path.expanduser, folders):
        for base, _, files in os.walk(folder) if walk else [(folder, [], _names(folder))]:
            found += [os.path.join(base, name) for name in files]
    return sorted(found)


def _names(folder: str) -> list[str]:
    with contextlib.suppress(OSError):
        return os.listdir(folder)
    return []


@functools.cache
def _listed() -> Coverage:
    """Merged code point ranges (starts, ends) of every installed font, from fontconfig's charsets."""
    try:
        listing = subprocess.run(
            ["fc-list", "--format", "%{charset}\\n"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return [], []
    ranges = sorted(_charset_ranges(listing))
    starts: list[int] = []
    ends: list[int] = []
    for start, end in ranges:
        if ends and start <= ends[-1] + 1:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _charset_ranges(listing: str) -> list[tuple[int, int]]:
    """fontconfig's '20-7e a0 …' (hexadecimal, inclusive) as (start, end) pairs."""
    ranges = []
    for item in set(listing.split()):  # fonts share most ranges: each is read once
        first, _, last = item.partition("-")
        ranges.append((int(first, 16), int(last or first, 16)))
    return ranges
