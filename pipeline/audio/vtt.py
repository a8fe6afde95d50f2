"""WebVTT captions: one cue per spoken segment (players read them; the pipeline never reads them back)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    """A caption: which page element it reads, when, and what it says."""

    id: str
    start: float
    end: float
    text: str
    lang: str = ""  # the language of its words when not the guide's (a translation fell back)


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


def cue_payload(cue: Cue) -> str:
    """A cue's text as WebVTT markup: in another language, inside a ``<lang>`` span."""
    text = _cue_text(cue.text)
    return f"<lang {cue.lang}>{text}</lang>" if cue.lang else text


def render_vtt(cues: list[Cue]) -> str:
    """A WebVTT file: the signature line alone, then one cue per segment. The current specification
    has no header lines; the language is known from the page and the folder the file is in."""
    blocks = ["WEBVTT"]
    for cue in cues:
        timing = f"{timestamp(cue.start)} --> {timestamp(cue.end)}"
        blocks.append(f"{cue.id}\n{timing}\n{cue_payload(cue)}")
    return "\n\n".join(blocks) + "\n"
