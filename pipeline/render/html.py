"""Pure rendering of Documents to HTML fragments, one small method per node type."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from markupsafe import Markup, escape

from pipeline.model import (
    Block,
    BulletList,
    Code,
    CodeBlock,
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
    TableCell,
    TableRow,
    Text,
    ThematicBreak,
    is_safe_url,
    plain_text,
)
from pipeline.source.config import Fact
from pipeline.source.parse import ARTICLE_LINK, ASSET_LINK
from pipeline.source.phones import DEFAULT_REGION, parse_phone


@functools.lru_cache(maxsize=256)
def tel_href(phone: str, region: str = DEFAULT_REGION) -> str:
    """A tel: URL as libphonenumber dials the number from ``region``: '(562) 555-0100 ext. 204' →
    'tel:+15625550100;ext=204', '+44 20 7946 0958' → 'tel:+442079460958', '988' → 'tel:988'."""
    return parse_phone(phone, region).tel


def print_address(href: str) -> str:
    """A link's address as a reader would type it from paper: 'https://www.samhsa.gov/families/'
    → 'samhsa.gov/families'; a tel: link → its number (626-555-0100); a mailto: link → the address."""
    parts = urlsplit(href)
    scheme = parts.scheme.lower()
    if scheme == "tel":
        return _printed_phone(unquote(parts.path))
    if scheme == "mailto":
        return unquote(parts.path)
    if scheme not in ("http", "https"):
        return ""
    host = parts.netloc.lower().removeprefix("www.")
    path = unquote(parts.path).rstrip("/")
    return host + path + (f"?{parts.query}" if parts.query else "")


def _printed_phone(number: str) -> str:
    """A tel: link's number as typed from paper: '+1-626-555-0100' → 626-555-0100, with ' ext. 204'
    for ';ext=204'; from abroad as libphonenumber writes it ('+44 20 7946 0958'); else as given."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(f"tel:{number}", DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_valid_number(parsed):  # 988, or a number libphonenumber cannot place
        return number
    extension = f" ext. {parsed.extension}" if parsed.extension else ""
    if parsed.country_code == 1 and len(national := str(parsed.national_number)) == 10:
        return f"{national[:3]}-{national[3:6]}-{national[6:]}{extension}"
    parsed.extension = None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL) + extension


def fact_html(fact: Fact) -> Markup:
    """A fact as HTML: phone numbers and URLs are links, isolated left-to-right."""
    text = escape(fact.value)
    if fact.kind == "phone":
        href = escape(tel_href(fact.value, fact.region))
        return Markup(f'<a class="tel" href="{href}"><bdi dir="ltr">{text}</bdi></a>')
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
        language: str = "",
        article_links: Mapping[str, str] | None = None,
        site_url: str = "",
        footnotes: tuple[Footnote, ...] = (),
        gettext: Callable[[str], str] = str,
    ) -> None:
        """``article_links`` maps another article's slug to the language of its page to link to;
        with ``site_url`` those links are absolute (for print)."""
        self.facts = facts
        self.asset_prefix = asset_prefix
        self.anchors = anchors or {}
        self.language = language
        self.article_links = article_links or {}
        self.site_url = site_url
        self.numbers = {note.label: number for number, note in enumerate(footnotes, start=1)}
        self.refs: Counter[str] = Counter()
        self._ = gettext
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
            FootnoteRef: self.footnote_ref,
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

    def unit_attrs(self, node: Paragraph | TableCell | Footnote) -> str:
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
        if node.checked is not None:
            return self.task_item(node, only)
        if isinstance(only, Paragraph):
            return f"<li{self.unit_attrs(only)}>{self.inlines(only.inlines)}</li>"
        return f"<li>{self.blocks(node.blocks)}</li>"

    def task_item(self, node: ListItem, only: Block | None) -> str:
        """A tick box labelled by the item's words: a real check box on screen, a box on paper."""
        box = '<input type="checkbox"' + (" checked" if node.checked else "") + ">"
        if isinstance(only, Paragraph):
            words = self.inlines(only.inlines)
            return f'<li class="task"{self.unit_attrs(only)}><label>{box} {words}</label></li>'
        first = node.blocks[0] if node.blocks else None
        label = escape(plain_text(first.inlines)) if isinstance(first, Paragraph) else ""
        return f'<li class="task">{box[:-1]} aria-label="{label}">{self.blocks(node.blocks)}</li>'

    def _list_class(self, items: tuple[ListItem, ...]) -> str:
        return ' class="checklist"' if any(item.checked is not None for item in items) else ""

    def bullet_list(self, node: BulletList) -> str:
        items = "\n".join(self.list_item(i) for i in node.items)
        return f"<ul{self._list_class(node.items)}>\n{items}\n</ul>"

    def ordered_list(self, node: OrderedList) -> str:
        start = f' start="{node.start}"' if node.start != 1 else ""
        items = "\n".join(self.list_item(i) for i in node.items)
        return f"<ol{start}{self._list_class(node.items)}>\n{items}\n</ol>"

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
        """A link; on paper its address follows its text (data-print, shown by the print styles)."""
        if not is_safe_url(node.url):  # the model refuses these; never trust twice-parsed text
            return str(self.inlines(node.children))
        href, hreflang = self.href(node.url)
        attrs = f' href="{escape(href)}"' + (f' hreflang="{escape(hreflang)}"' if hreflang else "")
        address = print_address(href)
        if address and _squash(address) not in _squash(plain_text(node.children, self._fact_values())):
            attrs += f' data-print="{escape(address)}"'
        return f"<a{attrs}>{self.inlines(node.children)}</a>"

    def href(self, url: str) -> tuple[str, str]:
        """Where a link leads on this page, and the language of its target when it differs.

        'other.md#part' is the same language's page of that article, or its source-language page
        where this language is not published.
        """
        if ASSET_LINK.match(url):  # a file of the project's, copied to the site's assets/
            return (self.site_url or self.asset_prefix) + url, ""
        match = ARTICLE_LINK.match(url)
        if match is None:
            return url, ""
        slug, anchor = match.groups()
        language = self.article_links.get(slug, self.language)
        fragment = f"#{anchor}" if anchor else ""
        hreflang = language if language != self.language else ""
        if self.site_url:
            return f"{self.site_url}{language}/{slug}.html{fragment}", hreflang
        folder = f"../{language}/" if hreflang else ""
        return f"{folder}{slug}.html{fragment}", hreflang

    def _fact_values(self) -> dict[str, str]:
        return {name: fact.value for name, fact in self.facts.items()}

    def image(self, node: Image) -> str:
        return f'<img src="{escape(self.asset_prefix + node.src)}" alt="{escape(node.alt)}">'

    def code(self, node: Code) -> str:
        return f'<code translate="no">{escape(node.text)}</code>'

    def line_break(self, node: LineBreak) -> str:
        return "<br>"

    def footnote_ref(self, node: FootnoteRef) -> str:
        number = self.numbers.get(node.label)
        if number is None:
            return ""
        self.refs[node.label] += 1
        count = self.refs[node.label]
        ref_id = f"fnref-{number}" + (f"-{count}" if count > 1 else "")
        return (
            f'<sup class="footnote-ref"><a href="#fn-{number}" id="{ref_id}" role="doc-noteref">'
            f"{number}</a></sup>"
        )

    def footnotes(self, notes: tuple[Footnote, ...]) -> Markup:
        """The notes section: each note numbered, with a link back to where it is referred to."""
        if not notes:
            return Markup("")
        title = escape(self._("Notes"))
        back = escape(self._("Back to the text"))
        items = []
        for note in notes:
            number = self.numbers[note.label]
            items.append(
                f'<li id="fn-{number}"><span{self.unit_attrs(note)}>{self.inlines(note.inlines)}</span> '
                f'<a href="#fnref-{number}" role="doc-backlink" aria-label="{back} ({number})">↑</a></li>'
            )
        return Markup(
            '<section class="footnotes" role="doc-endnotes" aria-labelledby="footnotes-title">\n'
            f'<h2 id="footnotes-title">{title}</h2>\n<ol>\n' + "\n".join(items) + "\n</ol>\n</section>"
        )

    def placeholder(self, node: Placeholder) -> str:
        fact = self.facts.get(node.name)
        if fact is None:
            return str(escape("{" + node.name + "}"))
        return str(fact_html(fact))


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())
