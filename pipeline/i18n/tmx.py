"""TMX 1.4: a translation memory of a language's translated messages, for a clinic's CAT tools,
with the same inline codes as the XLIFF export so that its matches are exact."""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from pipeline import __version__
from pipeline.i18n.catalogs import ProjectCatalog
from pipeline.i18n.inline_codes import Piece, message_pieces
from pipeline.i18n.review import catalog_state
from pipeline.i18n.xliff import (
    CatalogFile,
    append_text,
    exported_messages,
    indent_structure,
    target_pieces,
    unit_id,
)

_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_TMX_TYPES = {"bold", "italic", "link"}  # TMX 1.4's own names; others are x- names


def _tuv(tu: etree._Element, language: str, pieces: list[Piece]) -> None:
    """One language's segment: text, and <ph x>, <bpt i x>, <ept i> holding the native Markdown."""
    seg = etree.SubElement(etree.SubElement(tu, "tuv", {_LANG: language}), "seg")
    for piece in pieces:
        if piece.tag == "text":
            append_text(seg, piece.native)
            continue
        code = etree.SubElement(seg, piece.tag, {"i" if piece.tag == "ept" else "x": str(piece.id)})
        if piece.tag == "bpt":
            code.set("i", str(piece.id))
        if piece.tag != "ept":
            code.set(
                "type",
                piece.kind if piece.kind in _TMX_TYPES or piece.kind.startswith("x-") else f"x-{piece.kind}",
            )
        code.text = piece.native


def export_tmx(files: Sequence[CatalogFile], *, language: str) -> bytes:
    """Every translated, not fuzzy message; each unit says whether a reviewer signed it off."""
    root = etree.Element("tmx", version="1.4")
    etree.SubElement(
        root,
        "header",
        {
            "creationtool": "Plainspoken",
            "creationtoolversion": __version__,
            "segtype": "paragraph",
            "o-tmf": "gettext",
            "adminlang": "en",
            "srclang": "en",
            "datatype": "plaintext",
        },
    )
    body = etree.SubElement(root, "body")
    for item in files:
        state = catalog_state(item.catalog) if isinstance(item.catalog, ProjectCatalog) else "draft"
        for message in exported_messages(item.catalog):
            msgid, msgstr = str(message.id), str(message.string or "")
            if message.fuzzy or not msgstr.strip():
                continue
            tu = etree.SubElement(body, "tu", tuid=unit_id(item.domain, msgid))
            etree.SubElement(tu, "prop", type="x-plainspoken-catalog").text = item.path
            etree.SubElement(tu, "prop", type="x-plainspoken-review").text = state
            if state != "reviewed":
                etree.SubElement(
                    tu, "note"
                ).text = "Draft: not yet reviewed by a qualified medical translator."
            source = message_pieces(msgid, markdown=item.markdown)
            _tuv(tu, "en", source.pieces)
            _tuv(tu, language, target_pieces(msgstr, source, markdown=item.markdown))
    indent_structure(root)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
