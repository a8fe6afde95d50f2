"""XLIFF 2.0 (OASIS, what memoQ, Trados and OmegaT also exchange): the same units, ids and inline
codes as XLIFF 1.2, out and back in."""

from __future__ import annotations

from collections.abc import Sequence

from babel.messages.catalog import Message
from lxml import etree

from pipeline.errors import PlainspokenError
from pipeline.i18n.inline_codes import Piece, message_pieces
from pipeline.i18n.xliff import (
    NS_20,
    CatalogFile,
    Fragments,
    ReturnedTarget,
    XliffFile,
    append_text,
    exported_messages,
    indent_structure,
    returned,
    target_pieces,
    unit_id,
)

_X = f"{{{NS_20}}}"
_DONE_STATES = {"translated", "reviewed", "final"}
#: What an inline code is, as XLIFF 2.0's type and subType say it.
_TYPES = {
    "bold": ("fmt", "xlf:b"),
    "italic": ("fmt", "xlf:i"),
    "lb": ("fmt", "xlf:lb"),
    "link": ("link", ""),
    "image": ("image", ""),
}
#: A code's native Markdown is in <originalData>: (tag, id) → the ids of its <data>.
Natives = dict[tuple[str, str], tuple[str, ...]]


# --- export --------------------------------------------------------------------------


def _typed(element: etree._Element, kind: str) -> None:
    kind_type, sub_type = _TYPES.get(kind, ("other", ""))
    element.set("type", kind_type)
    if sub_type:
        element.set("subType", sub_type)


def write_pieces(element: etree._Element, pieces: Sequence[Piece]) -> None:
    """Text and inline codes: a pair is a <pc> around what it holds, a standalone code a <ph>."""
    natives = {(p.tag, p.id): p.native for p in pieces}
    open_codes = [element]
    for piece in pieces:
        if piece.tag == "text":
            append_text(open_codes[-1], piece.native)
        elif piece.tag == "ph":
            code = etree.SubElement(open_codes[-1], _X + "ph", id=str(piece.id), dataRef=f"d{piece.id}")
            code.set("disp", piece.native)
            _typed(code, piece.kind)
        elif piece.tag == "bpt":
            code = etree.SubElement(open_codes[-1], _X + "pc", id=str(piece.id))
            code.set("dataRefStart", f"d{piece.id}")
            code.set("dataRefEnd", f"d{piece.id}e")
            code.set("dispStart", piece.native)
            code.set("dispEnd", natives.get(("ept", piece.id), ""))
            _typed(code, piece.kind)
            open_codes.append(code)
        else:
            open_codes.pop()


def _original_data(unit: etree._Element, pieces: Sequence[Piece]) -> None:
    data = {f"d{p.id}" + ("e" if p.tag == "ept" else ""): p.native for p in pieces if p.tag != "text"}
    if data:
        holder = etree.SubElement(unit, _X + "originalData")
        for ident, native in sorted(data.items(), key=lambda item: (int(item[0][1:].rstrip("e")), item[0])):
            etree.SubElement(holder, _X + "data", id=ident).text = native


def _notes(unit: etree._Element, message: Message) -> None:
    notes = [("location", f"{where}:{line}" if line else where) for where, line in message.locations]
    notes += [("developer", comment) for comment in message.auto_comments]
    notes += [("translator", comment) for comment in message.user_comments]
    if notes:
        holder = etree.SubElement(unit, _X + "notes")
        for category, text in notes:
            etree.SubElement(holder, _X + "note", category=category).text = text


def _unit(file: etree._Element, item: CatalogFile, message: Message) -> None:
    msgid, msgstr = str(message.id), str(message.string or "")
    unit = etree.SubElement(file, _X + "unit", id=unit_id(item.domain, msgid), name=msgid[:80])
    unit.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")  # Markdown line breaks
    _notes(unit, message)
    source = message_pieces(msgid, markdown=item.markdown)
    target = target_pieces(msgstr, source, markdown=item.markdown) if msgstr.strip() else []
    _original_data(unit, [*source.pieces, *target])
    segment = etree.SubElement(unit, _X + "segment")
    write_pieces(etree.SubElement(segment, _X + "source"), source.pieces)
    if target:
        segment.set("state", "initial" if message.fuzzy else "translated")
        write_pieces(etree.SubElement(segment, _X + "target"), target)


def export_xliff2(files: Sequence[CatalogFile], *, language: str) -> bytes:
    """XLIFF 2.0: one <file> per catalog, one <unit> of one <segment> per message; a fuzzy
    translation is a target in state "initial"."""
    root = etree.Element(_X + "xliff", version="2.0", srcLang="en", trgLang=language, nsmap={None: NS_20})
    for number, item in enumerate(files, start=1):
        file = etree.SubElement(root, _X + "file", id=f"f{number}", original=item.path)
        for message in exported_messages(item.catalog):
            _unit(file, item, message)
    indent_structure(root)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


# --- import --------------------------------------------------------------------------


def read_xliff2(root: etree._Element, display: str) -> XliffFile:
    """Every unit's target of an XLIFF 2.0 file, or the problem that keeps it from being read."""
    units: list[ReturnedTarget | PlainspokenError] = []
    for file in root.iter(_X + "file"):
        original = file.get("original", "")
        markdown = original.rsplit("/", 1)[-1] != "ui.po"
        for unit in file.iter(_X + "unit"):
            units.append(_read_unit(unit, original, display, markdown=markdown))
    return XliffFile("XLIFF 2.0", root.get("trgLang", ""), root.sourceline or 0, tuple(units))


def _read_unit(
    unit: etree._Element, original: str, display: str, *, markdown: bool
) -> ReturnedTarget | PlainspokenError:
    ident, line = unit.get("id", ""), unit.sourceline or 0
    parts = [child for child in unit if etree.QName(child).localname in ("segment", "ignorable")]
    sources = [part.find(_X + "source") for part in parts]
    if not parts or any(source is None for source in sources):
        return PlainspokenError.at(display, line, f"unit {ident}: a <segment> without <source>")
    data = {d.get("id", ""): d.text or "" for d in unit.iterfind(f"{_X}originalData/{_X}data")}
    natives = _natives([s for s in sources if s is not None], data)
    targets = [_target_of(part) for part in parts]
    try:
        source = [f for s in sources if s is not None for f in _fragments(s, natives, data)]
        target = [f for t in targets if t is not None for f in _fragments(t, natives, data)]
    except KeyError as error:
        return PlainspokenError.at(display, line, f"unit {ident}: {error.args[0]}")
    translated = any(t is not None for t in targets)
    states = {p.get("state", "initial") for p in parts if etree.QName(p).localname == "segment"}
    fuzzy = translated and not states <= _DONE_STATES
    return returned(ident, line, original, (source, target if translated else None), fuzzy, markdown=markdown)


def _target_of(part: etree._Element) -> etree._Element | None:
    """A segment's target; an ignorable part (spaces between segments) stands as it is."""
    target = part.find(_X + "target")
    if target is None and etree.QName(part).localname == "ignorable":
        return part.find(_X + "source")
    return target


def _natives(sources: Sequence[etree._Element], data: dict[str, str]) -> Natives:
    """(tag, id) → the data ids of each code in the source: a target's codes are the source's."""
    found: Natives = {}
    for source in sources:
        for code in source.iter(_X + "ph", _X + "pc", _X + "sc", _X + "ec"):
            tag, ident = etree.QName(code).localname, code.get("id", code.get("startRef", ""))
            if tag == "pc":
                found[(tag, ident)] = (code.get("dataRefStart", ""), code.get("dataRefEnd", ""))
            else:
                found[(tag, ident if tag != "ec" else code.get("startRef", ident))] = (
                    code.get("dataRef", ""),
                )
    return found


def _native(code: etree._Element, refs: tuple[str, ...], data: dict[str, str]) -> list[str]:
    if not refs or any(ref not in data for ref in refs):
        raise KeyError(
            f"inline code <{etree.QName(code).localname} id={code.get('id', '')!r}> is not in the source"
        )
    return [data[ref] for ref in refs]


def _fragments(element: etree._Element, natives: Natives, data: dict[str, str]) -> Fragments:
    """A source's or target's text and codes, each code's Markdown taken from the source by id."""
    parts: Fragments = [(True, element.text or "")]
    for child in element:
        tag = etree.QName(child).localname
        ident = child.get("startRef", child.get("id", "")) if tag == "ec" else child.get("id", "")
        if tag in ("ph", "sc", "ec"):
            refs = natives.get((tag, ident), (child.get("dataRef", ""),))
            parts += [(False, native) for native in _native(child, refs, data)]
        elif tag == "pc":
            refs = natives.get((tag, ident), (child.get("dataRefStart", ""), child.get("dataRefEnd", "")))
            start, end = _native(child, refs, data)
            parts += [(False, start), *_fragments(child, natives, data), (False, end)]
        elif tag in ("mrk", "sm", "em"):  # annotations: keep what they hold
            parts += _fragments(child, natives, data)
        else:
            raise KeyError(f"unexpected element <{tag}> in the target")
        parts.append((True, child.tail or ""))
    return parts
