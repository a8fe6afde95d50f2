"""An article's health-literacy scorecard: PEMAT-P and the CDC Clear Communication Index, each item
answered from the article's structure where it can be, else by a reviewer, else shown as unanswered."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PlainspokenError
from pipeline.model import (
    BulletList,
    Document,
    Heading,
    Image,
    OrderedList,
    Placeholder,
    Quote,
    Strong,
    Table,
    iter_units,
    plain_text,
    walk_inlines,
)
from pipeline.quality.checks import Finding
from pipeline.quality.readability import sentences

#: PEMAT-P (AHRQ, printable materials), items as numbered there; 13 and 14 are for audiovisual material.
UNDERSTANDABLE = {
    1: "Purpose is completely evident",
    2: "No information or content that distracts from its purpose",
    3: "Common, everyday language",
    4: "Medical terms only to familiarize, and defined when used",
    5: "Active voice",
    6: "Numbers are clear and easy to understand",
    7: "No calculations expected of the user",
    8: "Information chunked into short sections",
    9: "Sections have informative headers",
    10: "Information in a logical sequence",
    11: "Provides a summary",
    12: "Visual cues draw attention to key points",
    15: "Visual aids wherever they make content easier to understand",
    16: "Visual aids reinforce rather than distract",
    17: "Visual aids have clear titles or captions",
    18: "Illustrations and photographs are clear and uncluttered",
    19: "Simple tables with short, clear row and column headings",
}
ACTIONABLE = {
    20: "Identifies at least one action the user can take",
    21: "Addresses the user directly when describing actions",
    22: "Breaks any action into manageable, explicit steps",
    23: "A tangible tool (checklist, planner) wherever it could help",
    24: "Simple instructions or examples for any calculation",
    25: "Explains how to use charts, tables or diagrams to act",
    26: "Visual aids wherever they make it easier to act",
}
#: CDC Clear Communication Index, phrased so that "yes" scores the point (item 17 is asked the other way).
CDC = {
    1: "One main message statement",
    2: "The main message is at the top",
    3: "The main message is emphasized with visual cues",
    4: "At least one visual conveys or supports the main message",
    5: "One or more calls to action",
    6: "Main message and call to action in the active voice",
    7: "Always uses words the audience uses",
    8: "Bulleted or numbered lists",
    9: "Information chunked with headings",
    10: "The most important information is summarized first",
    11: "Says what authorities know and do not know",
    12: "A behavioral recommendation",
    13: "Explains why the recommendation is important",
    14: "Specific directions for the recommended behavior",
    15: "Numbers the audience uses",
    16: "Explains what the numbers mean",
    17: "The audience does not have to calculate",
    18: "Explains the nature of the risk",
    19: "Addresses both the risks and benefits of the recommended behavior",
    20: "A numeric probability is explained with words or a visual",
}
SCALES = {"understandable": UNDERSTANDABLE, "actionable": ACTIONABLE, "cdc": CDC}
ANSWERS = ("agree", "disagree", "na")  # PEMAT; the CDC Index's yes / no / na are read as these
_ALIASES = {"yes": "agree", "no": "disagree", "n/a": "na"}


@dataclass(frozen=True)
class Answer:
    """One item: agree, disagree, na, or '' while unanswered; ``by`` says who or what answered it."""

    scale: str
    number: int
    text: str
    value: str = ""
    by: str = ""


@dataclass(frozen=True)
class Score:
    """A scale's score: points of the applicable items, and how many are still unanswered."""

    label: str
    points: int
    applicable: int
    unanswered: int

    @property
    def shown(self) -> str:
        """'69 % (9 of 13)', or what is missing: an unanswered item is never counted as a pass."""
        if self.unanswered:
            return f"not scored: {self.unanswered} item{'s' if self.unanswered != 1 else ''} unanswered"
        if not self.applicable:
            return "not applicable"
        return f"{round(100 * self.points / self.applicable)} % ({self.points} of {self.applicable})"


@dataclass(frozen=True)
class Scorecard:
    """An article's answers and its three scores (PEMAT understandability, actionability, CDC)."""

    slug: str
    answers: tuple[Answer, ...]
    reviewer: str = ""

    def score(self, scale: str) -> Score:
        mine = [a for a in self.answers if a.scale == scale]
        applicable = [a for a in mine if a.value in ("agree", "disagree")]
        labels = {"understandable": "PEMAT-P understandability", "actionable": "PEMAT-P actionability"}
        return Score(
            labels.get(scale, "CDC Clear Communication Index"),
            sum(1 for a in applicable if a.value == "agree"),
            len(applicable),
            sum(1 for a in mine if not a.value),
        )

    @property
    def scores(self) -> tuple[Score, ...]:
        return tuple(self.score(scale) for scale in SCALES)


def read_assessment(path: Path, display: str) -> tuple[str, dict[tuple[str, int], str]]:
    """(reviewer, {(scale, item): answer}) from ``[pemat]`` and ``[cdc]`` tables; none if no file."""
    if not path.exists():
        return "", {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        raise PlainspokenError.at(display, 0, f"not valid TOML: {message}") from None
    answers = {}
    for table, scales in (("pemat", ("understandable", "actionable")), ("cdc", ("cdc",))):
        for key, value in data.get(table, {}).items():
            answer = _ALIASES.get(str(value).strip().lower(), str(value).strip().lower())
            scale = next((s for s in scales if key.isdigit() and int(key) in SCALES[s]), "")
            if not scale or answer not in ANSWERS:
                raise PlainspokenError.at(
                    display, 0, f"[{table}] {key} = {value!r}: want an item number = agree, disagree or na"
                )
            answers[(scale, int(key))] = answer
    return str(data.get("reviewer", "")), answers


def scorecard(
    doc: Document, findings: Sequence[Finding], reviewed: Mapping[tuple[str, int], str], reviewer: str = ""
) -> Scorecard:
    """The article's scorecard: a reviewer's answer wins; else what the structure shows; else unanswered."""
    measured = measure(doc, findings)
    answers = []
    for scale, items in SCALES.items():
        for number, text in items.items():
            if (scale, number) in reviewed:
                answers.append(
                    Answer(scale, number, text, reviewed[(scale, number)], f"reviewer {reviewer}".strip())
                )
            elif (scale, number) in measured:
                value, why = measured[(scale, number)]
                answers.append(Answer(scale, number, text, value, f"measured: {why}"))
            else:
                answers.append(Answer(scale, number, text))
    return Scorecard(doc.slug, tuple(answers), reviewer)


def measure(doc: Document, findings: Sequence[Finding]) -> dict[tuple[str, int], tuple[str, str]]:
    """The items the article's structure and its plain-language findings answer."""
    open_ = [f for f in findings if f.severity in ("warning", "error")]
    found: dict[tuple[str, int], tuple[str, str]] = {}
    found.update(_words(open_, len(_sentences(doc))))
    found.update(_layout(doc, open_))
    found.update(_visuals(doc))
    found.update(_actions(doc))
    return found


def _sentences(doc: Document) -> list[str]:
    return [s for ref in iter_units(doc) for s in sentences(plain_text(ref.node.inlines))]


def _words(findings: Sequence[Finding], sentence_count: int) -> dict[tuple[str, int], tuple[str, str]]:
    """Items 3, 4 and 5, CDC 7: from the jargon, acronym, plain-words and passive findings; the
    voice is active when at most one sentence in ten is passive."""
    terms = [f for f in findings if f.check in ("jargon", "acronym")]
    plain = [f for f in findings if f.check == "plain-words"]
    passive = [f for f in findings if f.check == "passive"]
    defined = (
        ("disagree", f"{len(terms)} terms unexplained") if terms else ("agree", "every listed term explained")
    )
    everyday = (
        ("disagree", f"{len(terms) + len(plain)} unexplained or unplain words") if terms or plain else defined
    )
    share = f"{len(passive)} passive of {sentence_count} sentences"
    voice = ("disagree", share) if len(passive) * 10 > sentence_count else ("agree", share)
    return {
        ("understandable", 3): everyday,
        ("understandable", 4): defined,
        ("cdc", 7): defined,
        ("understandable", 5): voice,
    }


def _layout(doc: Document, findings: Sequence[Finding]) -> dict[tuple[str, int], tuple[str, str]]:
    """Items 8, 11, 12, CDC 8 and 9: headings, key points, lists, emphasis."""
    headings = sum(1 for ref in iter_units(doc) if isinstance(ref.node, Heading))
    lists = [b for b in _blocks(doc.blocks) if isinstance(b, BulletList | OrderedList)]
    long = [f for f in findings if f.check == "long-paragraph"]
    found = {}
    if headings >= 2 and not long:
        found[("understandable", 8)] = found[("cdc", 9)] = (
            "agree",
            f"{headings} headings, no paragraph over 100 words",
        )
    elif headings < 2:
        found[("understandable", 8)] = found[("cdc", 9)] = ("disagree", f"{headings} headings")
    summary = len(doc.metadata.summary)
    found[("understandable", 11)] = (
        ("agree", f"{summary} key point{'s' if summary != 1 else ''}")
        if summary
        else ("disagree", "no key points")
    )
    bold = any(isinstance(node, Strong) for ref in iter_units(doc) for node in walk_inlines(ref.node.inlines))
    if summary or lists or bold:
        found[("understandable", 12)] = ("agree", "key points box, lists or bold text")
    if lists:
        found[("cdc", 8)] = ("agree", f"{len(lists)} lists")
    return found


def _visuals(doc: Document) -> dict[tuple[str, int], tuple[str, str]]:
    """Items 16 to 19 and 25, CDC 4: not applicable, or failed, where the article has no picture or table."""
    images = [n for ref in iter_units(doc) for n in walk_inlines(ref.node.inlines) if isinstance(n, Image)]
    tables = [b for b in _blocks(doc.blocks) if isinstance(b, Table)]
    found = {}
    if not images:
        for number in (16, 17, 18):
            found[("understandable", number)] = ("na", "no picture")
        found[("cdc", 4)] = ("disagree", "no picture, drawing or chart")
    if not tables:
        found[("understandable", 19)] = ("na", "no table")
        if not images:
            found[("actionable", 25)] = ("na", "no table, chart or picture")
    return found


def _actions(doc: Document) -> dict[tuple[str, int], tuple[str, str]]:
    """Items 20, 22 and 23, CDC 5 and 14: the clinic's phone, numbered steps, a checklist (- [ ])."""
    found = {}
    units = iter_units(doc)
    phone = [
        r.line
        for r in units
        if any(isinstance(n, Placeholder) and n.name == "clinic.phone" for n in walk_inlines(r.node.inlines))
    ]
    if phone:
        found[("actionable", 20)] = found[("cdc", 5)] = ("agree", f"the clinic's phone, line {phone[0]}")
    steps = [b for b in _blocks(doc.blocks) if isinstance(b, OrderedList)]
    if steps:
        found[("actionable", 22)] = found[("cdc", 14)] = ("agree", f"numbered steps, line {steps[0].line}")
    lists = [b for b in _blocks(doc.blocks) if isinstance(b, BulletList | OrderedList)]
    ticks = [item for block in lists for item in block.items if item.checked is not None]
    if ticks:  # a task list's items carry their tick box as structure (ListItem.checked)
        found[("actionable", 23)] = ("agree", f"a checklist, line {ticks[0].line}")
    return found


def _blocks(blocks: Sequence[object]) -> Iterator[object]:
    """Every block, lists' and quotes' own blocks included."""
    for block in blocks:
        yield block
        if isinstance(block, BulletList | OrderedList):
            for item in block.items:
                yield from _blocks(item.blocks)
        elif isinstance(block, Quote):
            yield from _blocks(block.blocks)


def assessment_text(reviewer: str, answers: Mapping[tuple[str, int], str]) -> str:
    """A reviewer's answers as source/<slug>.assessment.toml (what read_assessment reads)."""
    lines = [
        "# Health-literacy items answered by a reviewer (plainspoken assess).",
        f"reviewer = {_quoted(reviewer)}",
    ]
    for table, scales in (("pemat", ("understandable", "actionable")), ("cdc", ("cdc",))):
        mine = sorted((number, value) for (scale, number), value in answers.items() if scale in scales)
        lines += ["", f"[{table}]", *(f'{number} = "{value}"' for number, value in mine)]
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
