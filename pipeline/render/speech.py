"""Pure rendering of a Document to a speech script: what is said, in what order, with what pauses."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipeline.model import (
    BulletList,
    Code,
    CodeBlock,
    Document,
    Emphasis,
    Footnote,
    FootnoteRef,
    Heading,
    Image,
    Inline,
    LineBreak,
    Link,
    ListItem,
    OrderedList,
    Paragraph,
    Placeholder,
    Quote,
    Strong,
    Table,
    TableRow,
    Text,
    ThematicBreak,
    unit_anchors,
    walk_inlines,
)
from pipeline.render.punctuation import LATIN, Punctuation, punctuation
from pipeline.source.config import Fact
from pipeline.source.phones import DEFAULT_REGION, EXTENSION_SPOKEN, find_phones, parse_phone

if TYPE_CHECKING:
    from pipeline.source.config import CrisisLine, SiteConfig

#: Pauses after a segment, in milliseconds.
PAUSE_ITEM = 350
PAUSE_BLOCK = 600
PAUSE_HEADING = 500
PAUSE_SECTION = 1000
#: The help box's crisis line, as the page and handout say it (the translators' own punctuation).
CRISIS_LINE = "{name}: {number}. {note}"
#: An apostrophe between two Armenian letters marks elision (Western կ՚ապրիք): one spoken word.
_ARMENIAN_LETTER = r"[\u0531-\u0556\u0561-\u0587]"
_ARMENIAN_ELISION = re.compile(rf"(?<={_ARMENIAN_LETTER})['\u2019\u055a](?={_ARMENIAN_LETTER})")


@dataclass(frozen=True)
class Segment:
    """One utterance: the words shown (captions), the words spoken, the element read, the pause."""

    text: str
    spoken: str
    anchor: str
    pause_ms: int = PAUSE_BLOCK
    chapter: str = ""  # the heading text when this segment starts a chapter
    lang: str = ""  # the language of its words when not the script's (a translation fell back)

    def __post_init__(self) -> None:
        if not self.spoken.strip():
            raise ValueError("a segment must say something")


@dataclass(frozen=True)
class SpeechScript:
    """Everything an audio guide says, in order."""

    language: str
    title: str
    segments: tuple[Segment, ...] = field(default=())

    def to_text(self) -> str:
        """A readable dump, one segment a line: used for golden tests."""
        lines = []
        for s in self.segments:
            chapter = f" [chapter: {s.chapter}]" if s.chapter else ""
            lang = f" [lang: {s.lang}]" if s.lang else ""
            spoken = f"\n    says: {s.spoken}" if s.spoken != s.text else ""
            lines.append(f"{s.anchor}{chapter}{lang} +{s.pause_ms}ms: {s.text}{spoken}")
        return "\n".join(lines) + "\n"


def spoken_digits(phone: str, region: str = DEFAULT_REGION) -> str:
    """'(626) 555-0142' → '6 2 6, 5 5 5, 0 1 4 2': digit by digit, in libphonenumber's groups."""
    return parse_phone(phone, region).spoken


def spoken_phones(
    text: str,
    region: str = DEFAULT_REGION,
    short: frozenset[str] = frozenset(),
    extension: str = EXTENSION_SPOKEN,
) -> str:
    """``text`` with every phone number in it (and the ``short`` ones, such as 988) as spoken_digits,
    an extension after the word ``extension`` (the language's)."""
    pieces, last = [], 0
    for start, end, phone in find_phones(text, region, short):
        pieces += [text[last:start], phone.said(extension)]
        last = end
    return "".join(pieces) + text[last:]


class SpeechRenderer:
    """Turns a Document into a SpeechScript; one small method per node type."""

    def __init__(
        self,
        *,
        facts: Mapping[str, Fact],
        lexicon: Mapping[str, str],
        gettext: Callable[[str], str],
        lexicons: Mapping[str, Mapping[str, str]] | None = None,
        fallback: Callable[[str], str] | None = None,
    ) -> None:
        self.facts = facts
        phones = [fact for fact in facts.values() if fact.kind == "phone"]
        self.region = phones[0].region if phones else DEFAULT_REGION  # the clinic's
        self.short_phones = frozenset(fact.value for fact in phones if fact.value.isdigit())
        self.lexicon = _longest_first(lexicon)
        self.lexicons = {lang: _longest_first(found) for lang, found in (lexicons or {}).items()}
        self._ = gettext
        self.fallback = fallback or (lambda message: "")  # an interface message's language, if it fell back
        self.anchors: dict[int, str] = {}
        self.footnotes: dict[str, Footnote] = {}
        self.pending: list[str] = []  # footnotes referred to in this section, not read yet
        self.read: set[str] = set()
        self.marks: Punctuation = LATIN  # the script language's punctuation, set per document
        self._blocks: dict[type[Any], Callable[[Any], list[Segment]]] = {
            Heading: self.heading,
            Paragraph: self.paragraph,
            BulletList: self.list_block,
            OrderedList: self.list_block,
            Table: self.table,
            Quote: self.quote,
            CodeBlock: self.code_block,
            ThematicBreak: self.thematic_break,
        }
        self._inlines: dict[type[Any], Callable[[Any], str]] = {
            Text: lambda n: n.text,
            Emphasis: self.children,
            Strong: self.children,
            Link: self.children,
            Image: lambda n: n.alt,
            Code: lambda n: n.text,
            LineBreak: lambda n: " ",
            Placeholder: self.placeholder,
            FootnoteRef: lambda n: "",
        }

    def render(self, doc: Document, *, config: SiteConfig | None = None) -> SpeechScript:
        """The title, the key points, each section announced by its heading and followed by its
        footnotes ("Note: …"), then, with ``config``, the page's "Need help now?" section."""
        self.anchors = unit_anchors(doc)
        self.footnotes = {note.label: note for note in doc.footnotes}
        self.pending, self.read = [], set()
        self.marks = punctuation(doc.language)
        meta = doc.metadata
        title = self._unit(meta.title, PAUSE_SECTION, chapter=True)
        segments = [title]
        if meta.summary:
            heading = self.interface(
                "Key points", self._("Key points"), "key-points", PAUSE_HEADING, chapter=True
            )
            segments.append(heading)
            segments += [self._unit(p, PAUSE_ITEM) for p in meta.summary]
            segments[-1] = _with_pause(segments[-1], PAUSE_SECTION)
        for block in doc.blocks:
            if isinstance(block, Heading) and block.level <= 2:
                segments += self.notes()
            segments += self._blocks[type(block)](block)
        segments += self.notes()
        if config is not None:
            segments = segments[:-1] + [_with_pause(s, PAUSE_SECTION) for s in segments[-1:]]
            segments += self.help_section(config)
        return SpeechScript(doc.language, title.text, tuple(s for s in segments if s.spoken.strip()))

    def notes(self) -> list[Segment]:
        """The footnotes of the section just read, each introduced by "Note:"."""
        segments = []
        for label in self.pending:
            note = self.footnotes.get(label)
            self.read.add(label)
            if note is None:
                continue
            # A note that fell back is read whole in the source language, which the msgid is in.
            intro = "Note:" if note.lang else self._("Note:")
            text = f"{intro} {self.text(note.inlines)}"
            anchor = self.anchors[id(note)]
            segments.append(Segment(text, self.speak(text, note.lang), anchor, PAUSE_BLOCK, lang=note.lang))
        self.pending = []
        return segments[:-1] + [_with_pause(s, PAUSE_SECTION) for s in segments[-1:]]

    def help_section(self, config: SiteConfig) -> list[Segment]:
        """The crisis lines, the clinic and 911, as the page and handout end: its own chapter."""
        heading = self._("Need help now?")
        segments = [self.interface("Need help now?", heading, "help-title", PAUSE_HEADING, chapter=True)]
        for line in config.crisis_lines:
            segments += self.crisis_line(line)
        lang = self.fallback("Call us:")  # the page header's words: the clinic's name is English
        marks = punctuation(lang) if lang else self.marks
        call_us = marks.sentence(marks.after(self._("Call us:"), config.clinic_phone))
        segments.append(Segment(call_us, self.speak(call_us, lang), "help-clinic", PAUSE_ITEM, lang=lang))
        call_911 = self._("In an emergency, call 911.")
        segments.append(self.interface("In an emergency, call 911.", call_911, "help-911", PAUSE_ITEM))
        return segments

    def interface(
        self, message: str, text: str, anchor: str, pause: int, *, chapter: bool = False
    ) -> Segment:
        """An interface message, ``text`` as the page shows it: in English, and said so, where it fell
        back (the callers' own ``self._("…")`` calls are what extraction finds)."""
        lang = self.fallback(message)
        return Segment(text, self.speak(text, lang), anchor, pause, text if chapter else "", lang)

    def crisis_line(self, line: CrisisLine) -> list[Segment]:
        """The page's own words for a crisis line, with the punctuation its translator wrote; a
        name and note that fell back are said in English, a note alone that fell back after it."""
        anchor, name_lang, note_lang = f"help-{line.id}", self.fallback(line.name), self.fallback(line.note)
        if name_lang and (note_lang or not line.note):
            text = CRISIS_LINE.format(name=line.name, number=line.phone, note=line.note).strip()
            return [Segment(text, self.speak(text, name_lang), anchor, PAUSE_ITEM, lang=name_lang)]
        if not note_lang:
            text = self.crisis_text(line, self._(line.note))
            return [Segment(text, self.speak(text), anchor, PAUSE_ITEM)]
        text, note = self.crisis_text(line, "").strip(), line.note
        return [
            Segment(text, self.speak(text), anchor, PAUSE_ITEM),
            Segment(note, self.speak(note, note_lang), f"{anchor}-note", PAUSE_ITEM, lang=note_lang),
        ]

    def crisis_text(self, line: CrisisLine, note: str) -> str:
        template, parts = self._(CRISIS_LINE), {"name": self._(line.name), "number": line.phone}
        try:
            return template.format(**parts, note=note)
        except (KeyError, IndexError, ValueError):  # a catalog check names the broken message
            return CRISIS_LINE.format(**parts, note=note)

    # --- text ----------------------------------------------------------------

    def text(self, inlines: tuple[Inline, ...]) -> str:
        """Inlines as the words a reader sees: links by their text, facts filled in.

        Footnotes referred to are noted, to be read at the end of the section.
        """
        for node in walk_inlines(inlines):
            if isinstance(node, FootnoteRef) and node.label not in (*self.pending, *self.read):
                self.pending.append(node.label)
        return " ".join("".join(self._inlines[type(node)](node) for node in inlines).split())

    def speak(self, text: str, lang: str = "") -> str:
        """Text as the words to say: phones in digit groups, the lexicon of its language applied
        (the page's, or for a part that fell back, that language's in ``lexicons``)."""
        # Translators: said before a phone number's extension in the audio guide ("…, extension 2 0 4").
        extension = EXTENSION_SPOKEN if lang else self._("extension")  # a part that fell back: English
        text = spoken_phones(text, self.region, self.short_phones, extension)
        for written, spoken in self.lexicons.get(lang, []) if lang else self.lexicon:
            text = re.sub(rf"(?<!\w){re.escape(written)}(?!\w)", spoken, text)
        return _ARMENIAN_ELISION.sub("", text)

    def segment(
        self, inlines: tuple[Inline, ...], anchor: str, pause: int, *, chapter: bool = False, lang: str = ""
    ) -> Segment:
        text = self.text(inlines)
        return Segment(text, self.speak(text, lang), anchor, pause, text if chapter else "", lang)

    def children(self, node: Emphasis | Strong | Link) -> str:
        return "".join(self._inlines[type(child)](child) for child in node.children)

    def placeholder(self, node: Placeholder) -> str:
        fact = self.facts.get(node.name)
        return fact.value if fact else ""

    def _unit(self, node: Paragraph | Heading, pause: int, *, chapter: bool = False) -> Segment:
        return self.segment(node.inlines, self.anchors[id(node)], pause, chapter=chapter, lang=node.lang)

    # --- blocks --------------------------------------------------------------

    def heading(self, node: Heading) -> list[Segment]:
        return [self.segment(node.inlines, node.id, PAUSE_HEADING, chapter=node.level <= 2, lang=node.lang)]

    def paragraph(self, node: Paragraph) -> list[Segment]:
        return [self._unit(node, PAUSE_BLOCK)] if node.inlines else []

    def list_block(self, node: BulletList | OrderedList) -> list[Segment]:
        segments: list[Segment] = []
        for item in node.items:
            segments += self.list_item(item)
        if segments:
            segments[-1] = _with_pause(segments[-1], PAUSE_BLOCK)
        return segments

    def list_item(self, node: ListItem) -> list[Segment]:
        segments: list[Segment] = []
        for block in node.blocks:
            found = self._blocks[type(block)](block)
            segments += [_with_pause(s, PAUSE_ITEM) for s in found]
        return segments

    def table(self, node: Table) -> list[Segment]:
        """Row by row, each cell introduced by its column header: 'Cost. IOP: lower.'"""
        head = next((r for r in node.rows if r.cells and all(c.header for c in r.cells)), None)
        headers = [self.text(c.inlines) for c in head.cells] if head else []
        rows = [self.table_row(row, headers) for row in node.rows if row is not head]
        segments = [s for s in rows if s is not None]
        return segments[:-1] + [_with_pause(s, PAUSE_BLOCK) for s in segments[-1:]]

    def table_row(self, row: TableRow, headers: list[str]) -> Segment | None:
        cells = [self.text(c.inlines) for c in row.cells]
        langs = {c.lang for c, text in zip(row.cells, cells, strict=True) if text}
        lang = langs.pop() if len(langs) == 1 else ""  # a row that fell back whole is read in its language
        marks = punctuation(lang) if lang else self.marks
        labelled = [
            marks.labelled(headers[i], cell) if i < len(headers) and headers[i] else cell
            for i, cell in enumerate(cells[1:], start=1)
        ]
        text = marks.sentences([part.rstrip(".") for part in cells[:1] + labelled if part])
        if not text:
            return None
        return Segment(text, self.speak(text, lang), self.anchors[id(row.cells[0])], PAUSE_ITEM, lang=lang)

    def quote(self, node: Quote) -> list[Segment]:
        segments: list[Segment] = []
        for block in node.blocks:
            segments += self._blocks[type(block)](block)
        return segments

    def code_block(self, node: CodeBlock) -> list[Segment]:
        return []  # code is for reading, not listening

    def thematic_break(self, node: ThematicBreak) -> list[Segment]:
        return []


def _longest_first(lexicon: Mapping[str, str]) -> list[tuple[str, str]]:
    return sorted(lexicon.items(), key=lambda kv: -len(kv[0]))


def _with_pause(segment: Segment, pause: int) -> Segment:
    return dataclasses.replace(segment, pause_ms=pause)


def render_speech(
    doc: Document,
    *,
    facts: Mapping[str, Fact],
    lexicon: Mapping[str, str],
    gettext: Callable[[str], str],
    config: SiteConfig | None = None,
    lexicons: Mapping[str, Mapping[str, str]] | None = None,
    fallback: Callable[[str], str] | None = None,
) -> SpeechScript:
    """The speech script of ``doc``; with ``config`` it ends with the "Need help now?" section.
    ``lexicons``: the lexicon of each language a part may have fallen back to; ``fallback``: the
    language an interface message is shown in when it has no translation ('' when it has one)."""
    renderer = SpeechRenderer(
        facts=facts, lexicon=lexicon, gettext=gettext, lexicons=lexicons, fallback=fallback
    )
    return renderer.render(doc, config=config)


def page_only(
    script: SpeechScript, voiced: Callable[[str], bool], gettext: Callable[[str], str]
) -> SpeechScript:
    """The script with each segment in a language no voice speaks (``voiced`` says) replaced by a
    notice in the page's language that this part is on the page only: never read in a wrong accent."""
    notice = gettext("This part is on the page only.")
    segments = tuple(
        dataclasses.replace(s, text=notice, spoken=notice, lang="") if s.lang and not voiced(s.lang) else s
        for s in script.segments
    )
    return dataclasses.replace(script, segments=segments)
