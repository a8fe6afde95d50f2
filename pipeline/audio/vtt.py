"""WebVTT captions: one cue per spoken segment, written and read back."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TIME = r"(\d{2,}):(\d{2}):(\d{2})\.(\d{3})"
_CUE = re.compile(rf"^(?:(\S+)\n)?{_TIME} --> {_TIME}[^\n]*\n(.+)$", re.S)


@dataclass(frozen=True)
class Cue:
    """A caption: which page element it reads, when, and what it says."""

    id: str
    start: float
    end: float
    text: str


def timestamp(seconds: float) -> str:
    """12.3456 → '00:00:12.346'."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def _cue_text(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # so "-->" cannot occur
    return " ".join(text.split())


def render_vtt(cues: list[Cue]) -> str:
    """A WebVTT file: the signature line alone, then one cue per segment. The current specification
    has no header lines; the language is known from the page and the folder the file is in."""
    blocks = ["WEBVTT"]
    for cue in cues:
        blocks.append(f"{cue.id}\n{timestamp(cue.start)} --> {timestamp(cue.end)}\n{_cue_text(cue.text)}")
    return "\n\n".join(blocks) + "\n"


def parse_vtt(text: str) -> list[Cue]:
    """The cues of a WebVTT file written by render_vtt."""
    cues = []
    for block in text.replace("\r\n", "\n").split("\n\n")[1:]:
        match = _CUE.match(block.strip())
        if match is None:
            continue
        groups = match.groups()
        start = _seconds(groups[1:5])
        end = _seconds(groups[5:9])
        cue_text = groups[9].replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        cues.append(Cue(groups[0] or "", start, end, cue_text))
    return cues


def _seconds(parts: tuple[str | None, ...]) -> float:
    h, m, s, ms = (int(p or 0) for p in parts)
    return h * 3600 + m * 60 + s + ms / 1000
