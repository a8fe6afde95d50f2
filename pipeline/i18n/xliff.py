"""XLIFF 1.2 for CAT tools: catalogs out with Markdown and placeholders as inline codes, targets back in."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from babel.messages.catalog import Catalog, Message
from lxml import etree

from pipeline import __version__
from pipeline.errors import PlainspokenError
from pipeline.markup import escape_text, to_markdown
from pipeline.model import Code, Emphasis, Image, Inline, LineBreak, Link, Placeholder, Strong, Text
from pipeline.source.parse import parse_inline

NS = "urn:oasis:names:tc:xliff:document:1.2"
_X = f"{{{NS}}}"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_UI_PLACEHOLDER = re.compile(r"(\{[A-Za-z_][\w.]*\})")
#: XLIFF target states read as a finished translation; needs-* states come back as fuzzy.
_DONE_STATES = {"translated", "final", "signed-off"}
_TEXT_ELEMENTS = {"source", "target", "seg", "note", "context"}


@dataclass(frozen=True)
class CatalogFile:
    """One catalog to export: its domain, where it lives, and its messages."""

    domain: str
    path: str
    catalog: Catalog
    markdown: bool  # article messages are Markdown; interface messages are plain text


@dataclass(frozen=True)
class ReturnedTarget:
    """One target read back from a CAT tool, as the Markdown msgstr it stands for."""

    unit_id: str
    line: int
    file: str
    msgid: str
    msgstr: str
    fuzzy: bool


def unit_id(domain: str, msgid: str) -> str:
    """A trans-unit id that stays the same while the English message stays the same."""
    return "m" + hashlib.sha1(f"{domain}\x04{msgid}".encode()).hexdigest()[:12]


# --- export --------------------------------------------------------------------------


class _Codes:
    """Appends text and inline codes to an XLIFF element, numbering the codes as it goes."""

    def __init__(self, element: etree._Element, source: _Codes | None = None) -> None:
        self.element, self.next_id = element, 1
        #: (tag, native code) → ids, in order; a target reuses its source's ids for the same codes.
        self.ids: dict[tuple[str, str], list[int]] = {}
        self.reuse = {key: list(ids) for key, ids in source.ids.items()} if source else None
        if source:
            self.next_id = source.next_id

    def text(self, value: str) -> None:
        children = list(self.element)
        if children:
            children[-1].tail = (children[-1].tail or "") + value
        else:
            self.element.text = (self.element.text or "") + value

    def code(self, tag: str, native: str, ctype: str, rid: int | None = None, key: str = "") -> int:
        number = rid if rid is not None else self._number((tag, key or native))
        code = etree.SubElement(self.element, _X + tag, id=str(number))
        if tag != "ept":
            code.set("ctype", ctype)
        code.text = native
        return number

    def _number(self, key: tuple[str, str]) -> int:
        if self.reuse is not None and self.reuse.get(key):
            number = self.reuse[key].pop(0)
        else:
            number, self.next_id = self.next_id, self.next_id + 1
        self.ids.setdefault(key, []).append(number)
        return number

    def pair(self, opening: str, closing: str, ctype: str, children: Sequence[Inline]) -> None:
        number = self.code("bpt", opening, ctype, key=opening + closing)
        self.inlines(children)
        self.code("ept", closing, ctype, number)

    def inlines(self, nodes: Sequence[Inline]) -> None:
        for node in nodes:
            self.inline(node)

    def inline(self, node: Inline) -> None:
        if isinstance(node, Text):
            self.text(node.text)
        elif isinstance(node, Strong):
            self.pair("**", "**", "bold", node.children)
        elif isinstance(node, Emphasis):
            self.pair("*", "*", "italic", node.children)
        elif isinstance(node, Link):
            self.pair("[", f"]({node.url})", "link", node.children)
        elif isinstance(node, Placeholder):
            self.code("ph", f"{{{node.name}}}", "x-placeholder")
        elif isinstance(node, (Code, Image, LineBreak)):
            self.code("ph", to_markdown((node,)), "x-markdown")


def _fill(element: etree._Element, text: str, *, markdown: bool, source: _Codes | None = None) -> _Codes:
    """Write ``text`` into a <source> or <target>; a target numbers its codes as its source does."""
    codes = _Codes(element, source)
    if markdown:
        codes.inlines(parse_inline(text))
        return codes
    for index, part in enumerate(_UI_PLACEHOLDER.split(text)):
        if index % 2:
            codes.code("ph", part, "x-placeholder")
        elif part:
            codes.text(part)
    return codes


def _trans_unit(body: etree._Element, item: CatalogFile, message: Message, language: str) -> None:
    msgid, msgstr = str(message.id), str(message.string or "")
    unit = etree.SubElement(body, _X + "trans-unit", id=unit_id(item.domain, msgid))
    unit.set("resname", msgid[:80])
    unit.set(_XML_SPACE, "preserve")
    translated = bool(msgstr.strip()) and not message.fuzzy
    unit.set("approved", "no")
    source = _fill(
        etree.SubElement(unit, _X + "source", {"{http://www.w3.org/XML/1998/namespace}lang": "en"}),
        msgid,
        markdown=item.markdown,
    )
    if msgstr.strip():
        target = etree.SubElement(
            unit, _X + "target", state="translated" if translated else "needs-review-translation"
        )
        target.set("{http://www.w3.org/XML/1998/namespace}lang", language)
        try:
            _fill(target, msgstr, markdown=item.markdown, source=source)
        except PlainspokenError:  # a translation whose Markdown is broken goes out as plain text
            target.text = msgstr
    for where, line in message.locations:
        group = etree.SubElement(unit, _X + "context-group", purpose="location")
        etree.SubElement(group, _X + "context", {"context-type": "sourcefile"}).text = where
        if line:
            etree.SubElement(group, _X + "context", {"context-type": "linenumber"}).text = str(line)
    for comment in message.auto_comments:
        etree.SubElement(unit, _X + "note", {"from": "developer"}).text = comment
    for comment in message.user_comments:
        etree.SubElement(unit, _X + "note", {"from": "translator"}).text = comment


def export_xliff(files: Sequence[CatalogFile], *, language: str) -> bytes:
    """XLIFF 1.2: one <file> per catalog, one trans-unit per message (obsolete ones left out)."""
    root = etree.Element(_X + "xliff", version="1.2", nsmap={None: NS})
    for item in files:
        file = etree.SubElement(root, _X + "file", original=item.path, datatype="x-gettext")
        file.set("source-language", "en")
        file.set("target-language", language)
        header = etree.SubElement(file, _X + "header")
        etree.SubElement(
            header,
            _X + "tool",
            {"tool-id": "plainspoken", "tool-name": "Plainspoken", "tool-version": __version__},
        )
        body = etree.SubElement(file, _X + "body")
        for message in item.catalog:
            if message.id and isinstance(message.id, str):
                _trans_unit(body, item, message, language)
    indent_structure(root)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def indent_structure(element: etree._Element, level: int = 0) -> None:
    """Indent the file's structure but never inside text (lxml's indent would add spaces to a
    <source> that starts with an inline code)."""
    children = list(element)
    if (
        not children
        or (element.text and element.text.strip())
        or any(c.tail and c.tail.strip() for c in children)
    ):
        return
    if etree.QName(element).localname in _TEXT_ELEMENTS:
        return
    element.text = "\n" + "  " * (level + 1)
    for child in children:
        child.tail = "\n" + "  " * (level + 1)
        indent_structure(child, level + 1)
    children[-1].tail = "\n" + "  " * level


# --- import --------------------------------------------------------------------------


def _natives(source: etree._Element) -> dict[tuple[str, str], str]:
    """(tag, id) → the native code each inline code of the source stands for."""
    found: dict[tuple[str, str], str] = {}
    for code in source.iter(_X + "ph", _X + "bpt", _X + "ept"):
        found[(etree.QName(code).localname, code.get("id", ""))] = code.text or ""
    return found


def _rebuild(element: etree._Element, natives: dict[tuple[str, str], str], *, markdown: bool) -> str:
    """A target's text and codes back to the msgstr; codes are taken from the source by id."""
    escape = escape_text if markdown else str
    parts = [escape(element.text or "")]
    for child in element:
        name = etree.QName(child).localname
        if name in ("ph", "bpt", "ept", "x", "bx", "ex"):
            kind = {"x": "ph", "bx": "bpt", "ex": "ept"}.get(name, name)
            key = (kind, child.get("rid", child.get("id", "")) if kind == "ept" else child.get("id", ""))
            native = natives.get(key, child.text if child.text and child.text.strip() else None)
            if native is None:
                raise KeyError(f"inline code <{name} id={key[1]!r}> is not in the source")
            parts.append(native)
        elif name in ("mrk", "g"):  # segmentation marks and groups: keep what they hold
            parts.append(_rebuild(child, natives, markdown=markdown))
        else:
            raise KeyError(f"unexpected element <{name}> in the target")
        parts.append(escape(child.tail or ""))
    return "".join(parts)


def read_xliff(data: bytes, display: str) -> Iterator[ReturnedTarget | PlainspokenError]:
    """Every target of an XLIFF 1.2 file, or the problem that keeps a unit from being read."""
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise PlainspokenError.at(display, error.lineno or 0, f"not XML: {error.msg}") from None
    if root.tag != _X + "xliff":
        raise PlainspokenError.at(
            display, root.sourceline or 0, "not an XLIFF 1.2 file (namespace " + NS + ")"
        )
    for file in root.iter(_X + "file"):
        markdown = file.get("original", "").rsplit("/", 1)[-1] != "ui.po"
        for unit in file.iter(_X + "trans-unit"):
            yield _read_unit(unit, file.get("original", ""), display, markdown=markdown)


def _read_unit(
    unit: etree._Element, original: str, display: str, *, markdown: bool
) -> ReturnedTarget | PlainspokenError:
    ident, line = unit.get("id", ""), unit.sourceline or 0
    source, target = unit.find(_X + "source"), unit.find(_X + "target")
    if source is None:
        return PlainspokenError.at(display, line, f"trans-unit {ident}: no <source>")
    natives = _natives(source)
    msgid = _rebuild(source, natives, markdown=markdown)
    if target is None:
        return ReturnedTarget(ident, line, original, msgid, "", False)
    try:
        msgstr = _rebuild(target, natives, markdown=markdown)
    except KeyError as error:
        return PlainspokenError.at(display, target.sourceline or line, f"trans-unit {ident}: {error.args[0]}")
    done = target.get("state", "translated") in _DONE_STATES or unit.get("approved") == "yes"
    return ReturnedTarget(ident, target.sourceline or line, original, msgid, msgstr.strip(), not done)


def target_language(data: bytes, display: str) -> str:
    """The target-language of an XLIFF file's first <file>."""
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise PlainspokenError.at(display, error.lineno or 0, f"not XML: {error.msg}") from None
    file = root.find(_X + "file")
    if file is None or not file.get("target-language"):
        raise PlainspokenError.at(display, root.sourceline or 0, "no target-language: use --lang")
    return str(file.get("target-language"))
