"""WebVTT captions: one cue per spoken segment (players read them; the pipeline never reads them back)."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.render.direction_marks import RLM


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


def cue_payload(cue: Cue, direction: str = "ltr") -> str:
    """A cue's text as WebVTT markup: in another language, a ``<lang>`` span (its own direction, as
    the page's ``dir="auto"``); in a right-to-left guide's language, right to left as the page's
    ``dir="rtl"``: a leading RLM, since the bidi algorithm takes a paragraph's direction from its
    first strong character (RLI … PDI would not do: it hides that character, and the cue would be
    left to right whenever it starts with Latin, "IOP …")."""
    text = _cue_text(cue.text)
    if cue.lang:
        return f"<lang {cue.lang}>{text}</lang>"
    return RLM + text if direction == "rtl" else text


def render_vtt(cues: list[Cue], direction: str = "ltr") -> str:
    """A WebVTT file: the signature line alone, then one cue per segment. The current specification
    has no header lines; the language is known from the page and the folder the file is in."""
    blocks = ["WEBVTT"]
    for cue in cues:
        timing = f"{timestamp(cue.start)} --> {timestamp(cue.end)}"
        blocks.append(f"{cue.id}\n{timing}\n{cue_payload(cue, direction)}")
    return "\n\n".join(blocks) + "\n"
