"""Pure rendering of Documents to HTML fragments, one small method per node type."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup, escape

from pipeline.model import (
    Block,
    BulletList,
    Code,
    CodeBlock,
    Emphasis,
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
    TableCell,
    TableRow,
    Text,
    ThematicBreak,
    is_safe_url,
)
from pipeline.source.config import Fact


def tel_href(phone: str) -> str:
    """A tel: URL for a US-style number: '(626) 555-0142' → 'tel:+16265550142'."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 10:
        digits = "1" + digits
    return f"tel:+{digits}" if len(digits) == 11 else f"tel:{digits}"


def fact_html(fact: Fact) -> Markup:
    """A fact as HTML: phone numbers and URLs are links, isolated left-to-right."""
    text = escape(fact.value)
    if fact.kind == "phone":
        return Markup(f'<a class="tel" href="{escape(tel_href(fact.value))}"><bdi dir="ltr">{text}</bdi></a>')
    if fact.kind == "url":
        return Markup(f'<a href="{text}"><bdi dir="ltr">{text}</bdi></a>')
    return Markup(f"<bdi>{text}</bdi>")


class HtmlRenderer:
    """Turns blocks and inlines into HTML; touches no files."""

    def __init__(
        self,
        *,
        facts: Mapping[str, Fact],
        asset_prefix: str = "../",
        anchors: Mapping[int, str] | None = None,
    ) -> None:
        self.facts = facts
        self.asset_prefix = asset_prefix
        self.anchors = anchors or {}
        self._blocks: dict[type[Any], Callable[[Any], str]] = {
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
            Text: self.text,
            Emphasis: self.emphasis,
            Strong: self.strong,
            Link: self.link,
            Image: self.image,
            Code: self.code,
            LineBreak: self.line_break,
            Placeholder: self.placeholder,
        }

    # --- entry points --------------------------------------------------------

    def blocks(self, blocks: tuple[Block, ...]) -> Markup:
        return Markup("\n".join(self._blocks[type(b)](b) for b in blocks))

    def inlines(self, inlines: tuple[Inline, ...]) -> Markup:
        return Markup("".join(self._inlines[type(n)](n) for n in inlines))

    @staticmethod
    def lang_attr(lang: str) -> str:
        """` lang="en"` on a unit that fell back to another language."""
        return f' lang="{escape(lang)}" dir="auto"' if lang else ""

    def unit_attrs(self, node: Paragraph | TableCell) -> str:
        """The unit's anchor id (for the read-along) and its fallback language, as attributes."""
        anchor = self.anchors.get(id(node))
        return (f' id="{anchor}"' if anchor else "") + self.lang_attr(node.lang)

    # --- blocks --------------------------------------------------------------

    def heading(self, node: Heading) -> str:
        tag = f"h{node.level}"
        return f'<{tag} id="{node.id}"{self.lang_attr(node.lang)}>{self.inlines(node.inlines)}</{tag}>'

    def paragraph(self, node: Paragraph) -> str:
        return f"<p{self.unit_attrs(node)}>{self.inlines(node.inlines)}</p>"

    def list_item(self, node: ListItem) -> str:
        only = node.blocks[0] if len(node.blocks) == 1 else None
        if isinstance(only, Paragraph):
            return f"<li{self.unit_attrs(only)}>{self.inlines(only.inlines)}</li>"
        return f"<li>{self.blocks(node.blocks)}</li>"

    def bullet_list(self, node: BulletList) -> str:
        return "<ul>\n" + "\n".join(self.list_item(i) for i in node.items) + "\n</ul>"

    def ordered_list(self, node: OrderedList) -> str:
        start = f' start="{node.start}"' if node.start != 1 else ""
        return f"<ol{start}>\n" + "\n".join(self.list_item(i) for i in node.items) + "\n</ol>"

    def table(self, node: Table) -> str:
        head = [r for r in node.rows if r.cells and all(c.header for c in r.cells)]
        body = [r for r in node.rows if r not in head]
        parts = ['<div class="table-wrap"><table>']
        if head:
            parts.append("<thead>" + "".join(self.table_row(r, "col") for r in head) + "</thead>")
        parts.append("<tbody>" + "".join(self.table_row(r, "row") for r in body) + "</tbody>")
        return "".join(parts) + "</table></div>"

    def table_row(self, node: TableRow, scope: str) -> str:
        return "<tr>" + "".join(self.table_cell(c, scope) for c in node.cells) + "</tr>"

    def table_cell(self, node: TableCell, scope: str) -> str:
        tag = "th" if node.header else "td"
        attrs = f' scope="{scope}"' if node.header else ""
        if node.align:
            attrs += f' class="align-{node.align}"'
        return f"<{tag}{attrs}{self.unit_attrs(node)}>{self.inlines(node.inlines)}</{tag}>"

    def quote(self, node: Quote) -> str:
        return f"<blockquote>\n{self.blocks(node.blocks)}\n</blockquote>"

    def code_block(self, node: CodeBlock) -> str:
        return f'<pre><code translate="no">{escape(node.text)}</code></pre>'

    def thematic_break(self, node: ThematicBreak) -> str:
        return "<hr>"

    # --- inlines -------------------------------------------------------------

    def text(self, node: Text) -> str:
        return str(escape(node.text))

    def emphasis(self, node: Emphasis) -> str:
        return f"<em>{self.inlines(node.children)}</em>"

    def strong(self, node: Strong) -> str:
        return f"<strong>{self.inlines(node.children)}</strong>"

    def link(self, node: Link) -> str:
        if not is_safe_url(node.url):  # the model refuses these; never trust twice-parsed text
            return str(self.inlines(node.children))
        return f'<a href="{escape(node.url)}">{self.inlines(node.children)}</a>'

    def image(self, node: Image) -> str:
        return f'<img src="{escape(self.asset_prefix + node.src)}" alt="{escape(node.alt)}">'

    def code(self, node: Code) -> str:
        return f'<code translate="no">{escape(node.text)}</code>'

    def line_break(self, node: LineBreak) -> str:
        return "<br>"

    def placeholder(self, node: Placeholder) -> str:
        fact = self.facts.get(node.name)
        if fact is None:
            return str(escape("{" + node.name + "}"))
        return str(fact_html(fact))
