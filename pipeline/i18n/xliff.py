"""XLIFF 1.2 for CAT tools: catalogs out with Markdown and placeholders as inline codes, targets
back in from XLIFF 1.1 or 1.2."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from babel.messages.catalog import Catalog, Message
from lxml import etree

from pipeline import __version__
from pipeline.errors import PlainspokenError
from pipeline.i18n.inline_codes import Piece, Pieces, escape_for, message_pieces

NS = "urn:oasis:names:tc:xliff:document:1.2"
NS_11 = "urn:oasis:names:tc:xliff:document:1.1"
NS_20 = "urn:oasis:names:tc:xliff:document:2.0"
#: Namespace → the dialect name import reads it as.
DIALECTS = {NS_11: "XLIFF 1.1", NS: "XLIFF 1.2", NS_20: "XLIFF 2.0"}
_X = f"{{{NS}}}"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: XLIFF target states read as a finished translation; needs-* states come back as fuzzy.
_DONE_STATES = {"translated", "final", "signed-off"}
_TEXT_ELEMENTS = {"source", "target", "seg", "note", "context", "data"}
_TYPED_CODE = re.compile(r"\{[A-Za-z_][\w.]*\}|\[\^[^\]\s]+\]")
_GETTEXT_HEADER = "x-gettext-domain-header"  # translate-toolkit's po2xliff unit for the PO header


@dataclass(frozen=True)
class CatalogFile:
    """One catalog to export: its domain, where it lives, and its messages."""

    domain: str
    path: str
    catalog: Catalog
    markdown: bool  # article messages are Markdown; interface messages are plain text


@dataclass(frozen=True)
class ReturnedTarget:
    """One target read back from a CAT tool, as the Markdown msgstr it stands for.

    ``literal_msgid``/``literal_msgstr`` read text between codes as it is, not escaped: what a
    file written from the .po itself (translate-toolkit's po2xliff) means.
    """

    unit_id: str
    line: int
    file: str
    msgid: str
    msgstr: str
    fuzzy: bool
    literal_msgid: str = ""
    literal_msgstr: str = ""


@dataclass(frozen=True)
class XliffFile:
    """What an XLIFF file holds: its dialect, target language, and each unit's target or problem."""

    dialect: str
    language: str
    line: int
    units: tuple[ReturnedTarget | PlainspokenError, ...]


def unit_id(domain: str, msgid: str) -> str:
    """A trans-unit id that stays the same while the English message stays the same."""
    return "m" + hashlib.sha1(f"{domain}\x04{msgid}".encode()).hexdigest()[:12]


def exported_messages(catalog: Catalog) -> Iterator[Message]:
    """The messages an export carries: every one with an id (obsolete ones are not in the catalog)."""
    return (message for message in catalog if message.id and isinstance(message.id, str))


# --- export --------------------------------------------------------------------------


def write_pieces(element: etree._Element, pieces: Sequence[Piece]) -> None:
    """Text and XLIFF 1.2 inline codes (<ph>, <bpt>, <ept>, the native code inside) into ``element``."""
    for piece in pieces:
        if piece.tag == "text":
            append_text(element, piece.native)
            continue
        code = etree.SubElement(element, _X + piece.tag, id=str(piece.id))
        if piece.tag != "ept":
            code.set("ctype", piece.kind)
        code.text = piece.native


def append_text(element: etree._Element, value: str) -> None:
    """Add text after the element's last child (or as its text)."""
    children = list(element)
    if children:
        children[-1].tail = (children[-1].tail or "") + value
    else:
        element.text = (element.text or "") + value


def target_pieces(msgstr: str, source: Pieces, *, markdown: bool) -> list[Piece]:
    """A target's pieces numbered as its source's; a translation whose Markdown is broken is one text."""
    try:
        return message_pieces(msgstr, markdown=markdown, source=source).pieces
    except PlainspokenError:
        return [Piece("text", msgstr)]


def _trans_unit(body: etree._Element, item: CatalogFile, message: Message, language: str) -> None:
    msgid, msgstr = str(message.id), str(message.string or "")
    unit = etree.SubElement(body, _X + "trans-unit", id=unit_id(item.domain, msgid))
    unit.set("resname", msgid[:80])
    unit.set(_XML_SPACE, "preserve")
    translated = bool(msgstr.strip()) and not message.fuzzy
    unit.set("approved", "yes" if translated else "no")  # what translate-toolkit reads as not fuzzy
    source = message_pieces(msgid, markdown=item.markdown)
    write_pieces(etree.SubElement(unit, _X + "source", {_XML_LANG: "en"}), source.pieces)
    if msgstr.strip():
        state = "needs-review-translation" if message.fuzzy else "translated"
        target = etree.SubElement(unit, _X + "target", {"state": state, _XML_LANG: language})
        write_pieces(target, target_pieces(msgstr, source, markdown=item.markdown))
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
        for message in exported_messages(item.catalog):
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

#: A target read back: (is text, what it stands for) in order; text is escaped or not when joined.
Fragments = list[tuple[bool, str]]


def joined(fragments: Fragments, *, markdown: bool, typed: Sequence[str] = ()) -> str:
    """Fragments as a msgstr: text escaped for Markdown (or as it is), codes as they are.

    ``typed`` are the source's placeholders and footnote references: a translator who typed one
    into the text instead of its inline code means that code, not the escaped characters.
    """
    escape = escape_for(markdown=markdown)
    if typed and markdown:
        pattern = re.compile("(" + "|".join(re.escape(code) for code in sorted(typed, key=len)[::-1]) + ")")
        escape = functools.partial(_escape_around, pattern, escape)
    return "".join(escape(value) if is_text else value for is_text, value in fragments)


def _escape_around(pattern: re.Pattern[str], escape: Callable[[str], str], text: str) -> str:
    return "".join(part if index % 2 else escape(part) for index, part in enumerate(pattern.split(text)))


def typed_codes(source: Fragments) -> list[str]:
    """The source's codes a translator may type as text: {placeholders} and [^footnote] references."""
    return sorted({value for is_text, value in source if not is_text and _TYPED_CODE.fullmatch(value)})


def parse_xml(data: bytes, display: str) -> etree._Element:
    """The file's root element, or one line saying why it is not XML."""
    try:
        return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise PlainspokenError.at(display, error.lineno or 0, f"not XML: {error.msg}") from None


def dialect(root: etree._Element, display: str) -> str:
    """XLIFF 1.1, 1.2 or 2.0, or one line saying what the file is instead."""
    name = etree.QName(root)
    if name.namespace in DIALECTS and name.localname == "xliff":
        return DIALECTS[name.namespace]
    readable = "import reads XLIFF 1.1, 1.2 and 2.0"
    if name.localname == "tmx":
        what = f"a TMX {root.get('version', '')} translation memory, not XLIFF".replace("  ", " ")
    elif name.localname == "xliff":
        what = f"XLIFF version {root.get('version', '?')!r} (namespace {name.namespace or 'none'})"
    else:
        what = f"not XLIFF: its root element is <{name.localname}>"
    raise PlainspokenError.at(display, root.sourceline or 0, f"this is {what}; {readable}")


def read_xliff1(root: etree._Element, display: str) -> XliffFile:
    """Every target of an XLIFF 1.1 or 1.2 file, or the problem that keeps a unit from being read."""
    ns = f"{{{etree.QName(root).namespace}}}"
    languages, units = set(), []
    for file in root.iter(ns + "file"):
        languages.add(file.get("target-language", ""))
        markdown = file.get("original", "").rsplit("/", 1)[-1] != "ui.po"
        for unit in file.iter(ns + "trans-unit"):
            if unit.get("restype") != _GETTEXT_HEADER:
                units.append(_read_unit(unit, ns, file.get("original", ""), display, markdown=markdown))
    language = languages.pop() if len(languages) == 1 else ",".join(sorted(languages))
    return XliffFile(DIALECTS[ns[1:-1]], language, root.sourceline or 0, tuple(units))


def _natives(source: etree._Element, ns: str) -> dict[tuple[str, str], str]:
    """(tag, id) → the native code each inline code of the source stands for."""
    found: dict[tuple[str, str], str] = {}
    for code in source.iter(ns + "ph", ns + "bpt", ns + "ept"):
        found[(etree.QName(code).localname, code.get("id", ""))] = code.text or ""
    return found


def _fragments(element: etree._Element, natives: dict[tuple[str, str], str]) -> Fragments:
    """A source's or target's text and codes; codes are taken from the source by id."""
    parts: Fragments = [(True, element.text or "")]
    for child in element:
        name = etree.QName(child).localname
        if name in ("ph", "bpt", "ept", "x", "bx", "ex", "it"):
            kind = {"x": "ph", "bx": "bpt", "ex": "ept", "it": "ph"}.get(name, name)
            key = (kind, child.get("rid", child.get("id", "")) if kind == "ept" else child.get("id", ""))
            native = natives.get(key, child.text if child.text and child.text.strip() else None)
            if native is None:
                raise KeyError(f"inline code <{name} id={key[1]!r}> is not in the source")
            _check_unedited(child, name, key, native)
            parts.append((False, native))
        elif name in ("mrk", "g"):  # segmentation marks and groups: keep what they hold
            parts += _fragments(child, natives)
        else:
            raise KeyError(f"unexpected element <{name}> in the target")
        parts.append((True, child.tail or ""))
    return parts


def _check_unedited(code: etree._Element, name: str, key: tuple[str, str], native: str) -> None:
    """A code's text is the source's: one edited in a target would be put back without a word."""
    edited = (code.text or "").strip()
    if edited and edited != native.strip():
        raise KeyError(
            f"rejected: the text inside inline code <{name} id={key[1]!r}> was changed to {edited!r}; "
            f"the source's {native.strip()!r} would be kept: leave the code as it is and translate "
            "the words around it"
        )


def returned(
    ident: str,
    line: int,
    original: str,
    texts: tuple[Fragments, Fragments | None],
    fuzzy: bool,
    *,
    markdown: bool,
) -> ReturnedTarget:
    """A unit's source and target fragments as the msgid and msgstr they stand for."""
    source, target = texts
    typed = typed_codes(source)
    msgstr = joined(target, markdown=markdown, typed=typed).strip() if target is not None else ""
    literal = joined(target, markdown=False).strip() if target is not None else ""
    msgid, literal_msgid = joined(source, markdown=markdown), joined(source, markdown=False)
    return ReturnedTarget(ident, line, original, msgid, msgstr, fuzzy, literal_msgid, literal)


def _read_unit(
    unit: etree._Element, ns: str, original: str, display: str, *, markdown: bool
) -> ReturnedTarget | PlainspokenError:
    ident, line = unit.get("id", ""), unit.sourceline or 0
    source, target = unit.find(ns + "source"), unit.find(ns + "target")
    if source is None:
        return PlainspokenError.at(display, line, f"trans-unit {ident}: no <source>")
    natives = _natives(source, ns)
    try:
        texts = (_fragments(source, natives), None if target is None else _fragments(target, natives))
    except KeyError as error:
        where = target.sourceline if target is not None else line
        return PlainspokenError.at(display, where or line, f"trans-unit {ident}: {error.args[0]}")
    if target is None:
        return returned(ident, line, original, texts, False, markdown=markdown)
    state = target.get("state")  # the target's state decides; without one, the unit's approval
    done = state in _DONE_STATES if state else unit.get("approved") != "no"
    return returned(ident, target.sourceline or line, original, texts, not done, markdown=markdown)
