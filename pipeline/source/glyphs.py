"""Which characters the installed fonts can draw at all (fontconfig), so that a character no handout
can print is refused at its source line rather than failing every PDF."""

from __future__ import annotations

import bisect
import functools
import subprocess
import unicodedata

#: Characters that are never drawn as a glyph: controls, format characters (joiners, direction
#: marks), spaces and variation selectors, which Pango handles without a font.
_NOT_DRAWN = ("Cc", "Cf", "Cs", "Zs", "Zl", "Zp")


def undrawable(text: str) -> list[str]:
    """The characters of ``text`` (each once, in order) that no installed font has a glyph for.

    WeasyPrint (Pango) falls back from a language's stack to any installed font, so a character
    fails a handout exactly when no font has it; none are reported where fontconfig cannot answer.
    """
    unseen = set(text) - _DRAWABLE
    if not unseen:  # nearly every call: a set difference instead of a lookup per character
        return []
    starts, ends = _coverage()
    found = []
    for char in dict.fromkeys(c for c in text if c in unseen):
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


@functools.cache
def _coverage() -> tuple[list[int], list[int]]:
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
