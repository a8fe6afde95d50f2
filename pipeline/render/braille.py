"""Pure rendering of a braille-ready file: Article → print blocks laid out as BANA's Braille Formats
asks → pages of 40 cells × 25 lines (the translation into braille is handed in)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import repeat, zip_longest
from typing import Any

from pipeline.i18n.article import Article
from pipeline.model import (
    Block,
    BulletList,
    Code,
    CodeBlock,
    Emphasis,
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
    Text,
    ThematicBreak,
)
from pipeline.render.html import print_address
from pipeline.render.pages import long_date, review_notes
from pipeline.render.punctuation import punctuation
from pipeline.source.config import SiteConfig

CELLS = 40  #: cells per line (an embosser's 11.5-inch paper, a 40-cell display)
LINES = 25  #: lines per page; the first holds the page number
BLANK = "\u2800"  #: the braille cell without dots
#: North American Braille ASCII, the BRF code: the character of each six-dot cell, by its dots.
BRF_ASCII = " A1B'K2L@CIF/MSP\"E3H9O6R^DJG>NTQ,*5<-U8V.%[$+X!&;:4\\0Z7(_?W]#Y)="
#: Marks around emphasised print (Unicode noncharacters, never in an article's text): the translation
#: shows them as the braille code's emphasis indicators (UEB's italic and bold).
ITALIC = ("\ufdd0", "\ufdd1")
BOLD = ("\ufdd2", "\ufdd3")
#: Braille Formats: the separation line (dots 36 twelve times) for a thematic break.
SEPARATOR = "\u2824" * 12


class UnfilledPlaceholder(ValueError):
    """A placeholder with no fact to fill it: it would reach the braille as '{…}'."""


@dataclass(frozen=True)
class PrintBlock:
    """One block of print text and its Braille Formats layout (cells counted from 0)."""

    text: str
    first: int = 2  #: where the first line starts: paragraphs 3-1 (cells 3 and 1, counted from 1)
    runover: int = 0  #: where the following lines start
    centred: bool = False
    blank_before: bool = False
    blank_after: bool = False
    keep_with_next: bool = False  #: a heading never ends a page
    new_page: bool = False


def _centred(text: str, *, blank_after: bool = True) -> PrintBlock:
    return PrintBlock(
        text, 0, 0, centred=True, blank_before=True, blank_after=blank_after, keep_with_next=True
    )


class PrintBlocks:
    """An article as print blocks in reading order; one method per node type, placeholders filled."""

    def __init__(self, article: Article, config: SiteConfig) -> None:
        self.article = article
        self.config = config
        self.facts = {name: fact.value for name, fact in config.facts().items()}
        self.numbers = article.doc.footnote_numbers()
        self._ = article.ui.gettext
        self._blocks: dict[type[Any], Callable[[Any, int], list[PrintBlock]]] = {
            Heading: self.heading,
            Paragraph: self.paragraph,
            BulletList: self.bullet_list,
            OrderedList: self.ordered_list,
            Table: self.table,
            Quote: self.quote,
            CodeBlock: self.code_block,
            ThematicBreak: self.thematic_break,
        }
        self._inlines: dict[type[Any], Callable[[Any], str]] = {
            Text: lambda node: node.text,
            Code: lambda node: node.text,
            Emphasis: lambda node: ITALIC[0] + self.inlines(node.children) + ITALIC[1],
            Strong: lambda node: BOLD[0] + self.inlines(node.children) + BOLD[1],
            Link: self.link,
            Image: lambda node: node.alt,
            LineBreak: lambda node: " ",
            Placeholder: self.placeholder,
            FootnoteRef: self.footnote_ref,
        }

    # --- the whole file --------------------------------------------------------

    def all(self) -> list[PrintBlock]:
        """Title page, help box, key points, the article, its notes."""
        blocks = [*self.title_page(), *self.help_box(), *self.key_points()]
        blocks += [block for node in self.article.doc.blocks for block in self.block(node, 0)]
        return blocks + self.notes()

    def title_page(self) -> list[PrintBlock]:
        """BANA's title page: the title, who published it and when it was reviewed, the notices."""
        _, doc = self._, self.article.doc
        notes = review_notes(self.article)
        date = long_date(doc.metadata.last_reviewed, doc.language)
        reviewed = punctuation(doc.language).after(_("Last reviewed:"), date)
        page = [_centred(self.inlines(doc.metadata.title.inlines))]
        page += [_centred(self.config.clinic_name, blank_after=False)]
        page += [_centred(self.config.clinic_address, blank_after=False), _centred(reviewed)]
        page += [PrintBlock(text) for text in self._notices(notes)]
        return page

    def _notices(self, notes: dict[str, Any]) -> list[str]:
        texts = [notes["draft_notice"]] if notes["draft"] else []
        texts += [notes["english_notice"]] if notes["english_notice"] else []
        return texts + ([notes["colophon"]] if notes["colophon"] else [])

    def help_box(self) -> list[PrintBlock]:
        """The crisis lines and the clinic, first after the title page, as on the handout's page 1."""
        _ = self._
        lines = [
            _("{name}: {number}. {note}").format(name=_(line.name), number=line.phone, note=_(line.note))
            for line in self.config.crisis_lines
        ]
        clinic = _("{name}: {number}. {address}").format(
            name=self.config.clinic_name, number=self.config.clinic_phone, address=self.config.clinic_address
        )
        heading = replace(_centred(_("Need help now?")), new_page=True)
        items = [PrintBlock(text, 0, 2) for text in [*lines, clinic]]
        return [heading, *items, PrintBlock(_("In an emergency, call 911."))]

    def key_points(self) -> list[PrintBlock]:
        points = [PrintBlock(self.inlines(p.inlines), 0, 2) for p in self.article.doc.metadata.summary]
        return [_centred(self._("Key points")), *points] if points else []

    def notes(self) -> list[PrintBlock]:
        notes = self.article.doc.footnotes
        items = [PrintBlock(f"{self.numbers[n.label]}. {self.inlines(n.inlines)}", 0, 2) for n in notes]
        return [_centred(self._("Notes")), *items] if items else []

    # --- blocks ------------------------------------------------------------------

    def block(self, node: Block, depth: int) -> list[PrintBlock]:
        return self._blocks[type(node)](node, depth)

    def heading(self, node: Heading, depth: int) -> list[PrintBlock]:
        """Level 2: centred; level 3: cell 5; deeper: cell 7 (Braille Formats §4)."""
        text = self.inlines(node.inlines)
        if node.level <= 2:
            return [_centred(text)]
        cell = 4 if node.level == 3 else 6
        return [PrintBlock(text, cell, cell, blank_before=node.level == 3, keep_with_next=True)]

    def paragraph(self, node: Paragraph, depth: int) -> list[PrintBlock]:
        return [PrintBlock(self.inlines(node.inlines), 2 + 2 * depth, 2 * depth)]

    def list_items(self, items: Sequence[ListItem], depth: int, marks: Iterator[str]) -> list[PrintBlock]:
        """List format 1-3 (nested 3-5, …): each item's first line out, its runovers in."""
        out: list[PrintBlock] = []
        for item, mark in zip(items, marks, strict=False):
            for index, block in enumerate(item.blocks):
                if isinstance(block, Paragraph):
                    text = (mark if index == 0 else "") + self.inlines(block.inlines)
                    out.append(PrintBlock(text, 2 * depth, 2 * depth + 2))
                else:
                    out += self.block(block, depth + 1)
        return out

    def bullet_list(self, node: BulletList, depth: int) -> list[PrintBlock]:
        return self.list_items(node.items, depth, repeat(""))  # list format shows the items: no bullet

    def ordered_list(self, node: OrderedList, depth: int) -> list[PrintBlock]:
        marks = (f"{number}. " for number in range(node.start, node.start + len(node.items)))
        return self.list_items(node.items, depth, marks)

    def table(self, node: Table, depth: int) -> list[PrintBlock]:
        """Linear table format: each row one entry, every cell after its column's heading."""
        heads = [r for r in node.rows if r.cells and all(c.header for c in r.cells)]
        names = [self.inlines(c.inlines) for c in heads[0].cells] if heads else []
        out = []
        for row in (r for r in node.rows if r not in heads):
            cells = [self.inlines(c.inlines) for c in row.cells]
            pairs = [
                f"{name}: {text}" if name else text for name, text in zip_longest(names, cells, fillvalue="")
            ]
            out.append(PrintBlock("; ".join(pairs), 2 * depth, 2 * depth + 2))
        return out

    def quote(self, node: Quote, depth: int) -> list[PrintBlock]:
        inner = [block for child in node.blocks for block in self.block(child, depth + 1)]
        return [replace(b, blank_before=b.blank_before or i == 0) for i, b in enumerate(inner)]

    def code_block(self, node: CodeBlock, depth: int) -> list[PrintBlock]:
        return [PrintBlock(line, 2 * depth, 2 * depth + 2) for line in node.text.splitlines() if line.strip()]

    def thematic_break(self, node: ThematicBreak, depth: int) -> list[PrintBlock]:
        return [PrintBlock(SEPARATOR, 0, 0, centred=True)]

    # --- inlines -----------------------------------------------------------------

    def inlines(self, inlines: tuple[Inline, ...]) -> str:
        return " ".join("".join(self._inlines[type(node)](node) for node in inlines).split())

    def link(self, node: Link) -> str:
        """Its text, then the address to type (as on paper) when the text does not say it."""
        text = self.inlines(node.children)
        address = print_address(node.url)
        return f"{text} ({address})" if address and address not in text else text

    def placeholder(self, node: Placeholder) -> str:
        if node.name not in self.facts:
            raise UnfilledPlaceholder(f"{{{node.name}}} has no value in site.toml")
        return self.facts[node.name]

    def footnote_ref(self, node: FootnoteRef) -> str:
        number = self.numbers.get(node.label)
        return f" ({number})" if number else ""


# --- layout: print blocks → pages of braille cells ----------------------------------


def is_braille(text: str) -> bool:
    """Whether ``text`` is braille cells already (the separation line), not print to translate."""
    return all("\u2800" <= ch <= "\u28ff" for ch in text)


def wrap(cells: str, block: PrintBlock) -> list[str]:
    """Braille cells in lines of at most 40, broken between words; a word longer than a line is cut."""
    lines: list[str] = []
    current = ""
    for word in (word for word in cells.split(BLANK) if word):
        width = _width(block, len(lines))
        if len(current) + 1 + len(word) <= width or (not current and len(word) <= width):
            current = f"{current}{BLANK}{word}" if current else word
            continue
        if current:
            lines.append(current)
        while len(word) > _width(block, len(lines)):
            cut = _width(block, len(lines))
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return [_placed(line, block, index) for index, line in enumerate(lines)]


def _width(block: PrintBlock, index: int) -> int:
    """Cells for the text of line ``index`` of ``block``: a centred line keeps three blank cells a side."""
    if block.centred:
        return CELLS - 6
    return CELLS - (block.first if index == 0 else block.runover)


def _placed(line: str, block: PrintBlock, index: int) -> str:
    if block.centred:
        return BLANK * ((CELLS - len(line)) // 2) + line
    return BLANK * (block.first if index == 0 else block.runover) + line


@dataclass
class Pager:
    """Fills pages of 25 lines: line 1 holds the page number at the right, the rest the text."""

    number: Callable[[int], str]  #: a page number in braille cells
    pages: list[list[str]]

    @property
    def body(self) -> list[str]:
        return self.pages[-1]

    def room(self) -> int:
        return LINES - 1 - len(self.body)

    def new_page(self) -> None:
        if self.body:
            self.pages.append([])

    def blank(self) -> None:
        if self.body and self.body[-1] and self.room() > 0:
            self.body.append("")

    def add(self, lines: list[str], block: PrintBlock, following: int) -> None:
        """``following``: lines of the next block that must share this block's page (a heading's)."""
        if block.new_page:
            self.new_page()
        wanted = len(lines) + (1 if block.blank_before else 0) + following
        if block.keep_with_next and self.room() < wanted:
            self.new_page()
        if block.blank_before:
            self.blank()
        for line in lines:
            if self.room() == 0:
                self.pages.append([])
            self.body.append(line)
        if block.blank_after:
            self.blank()

    def numbered(self) -> list[list[str]]:
        """Each page with its number right-aligned on its first line, trailing blank lines dropped."""
        out = []
        for index, body in enumerate(self.pages, start=1):
            cells = self.number(index)
            while body and not body[-1]:
                body = body[:-1]
            out.append([BLANK * (CELLS - len(cells)) + cells, *body])
        return out


def braille_pages(blocks: Sequence[PrintBlock], translate: Callable[[str], str]) -> list[list[str]]:
    """The blocks in braille, laid out on pages of 40 cells × 25 lines (line 1: the page number)."""

    def cells(text: str) -> str:
        return text if is_braille(text) else translate(text).replace(" ", BLANK)

    wrapped = [wrap(cells(block.text), block) for block in blocks]
    pager = Pager(lambda number: cells(str(number)), [[]])
    for index, (block, lines) in enumerate(zip(blocks, wrapped, strict=True)):
        following = 0
        if block.keep_with_next and index + 1 < len(blocks):
            following = min(len(wrapped[index + 1]), 2) + (1 if block.blank_after else 0)
        pager.add(lines, block, following)
    return pager.numbered()


def brf_text(pages: Sequence[Sequence[str]]) -> str:
    """Braille-ready file text: Braille ASCII, CR LF after each line, a form feed between pages."""
    return "\f".join("".join(ascii_line(line) + "\r\n" for line in page) for page in pages)


def ascii_line(cells: str) -> str:
    """Unicode braille cells in Braille ASCII (dots 7 and 8, which a BRF cannot hold, dropped)."""
    return "".join(BRF_ASCII[(ord(cell) - 0x2800) & 0x3F] for cell in cells.rstrip(BLANK))


def unicode_cells(brf_line: str) -> str:
    """A line of Braille ASCII as Unicode braille cells (for back-translation and displays)."""
    return "".join(chr(0x2800 + BRF_ASCII.index(ch.upper())) for ch in brf_line)
