"""Isolates for print: every ``<bdi>`` gets the direction of its first strong character.

A browser gives ``<bdi>`` the direction its text starts with (``dir=auto``); WeasyPrint has no
``dir=auto`` and lays an isolate out in its parent's direction, so a right-to-left handout printed
the clinic's address as "Example Avenue, Pasadena, CA 91101 100". Naming the direction fixes the
page, and poppler then gives the text layer back in logical order.
"""

from __future__ import annotations

import re
import unicodedata
from html import unescape

_BARE_BDI = re.compile(r"<bdi>(.*?)</bdi>", re.S)
_TAG = re.compile(r"<[^>]*>")


def first_strong_direction(text: str) -> str | None:
    """'ltr' or 'rtl' after the first strongly directional character of ``text``; None if it has none."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None


def _with_direction(match: re.Match[str]) -> str:
    direction = first_strong_direction(unescape(_TAG.sub("", match.group(1))))
    return match.group(0) if direction is None else f'<bdi dir="{direction}">{match.group(1)}</bdi>'


def resolve_isolates(html: str) -> str:
    """``html`` with each ``<bdi>`` that names no direction given the one its text starts with."""
    return _BARE_BDI.sub(_with_direction, html)
