"""TMX 1.4: a translation memory of a language's translated messages, for a clinic's CAT tools."""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from pipeline import __version__
from pipeline.i18n.catalogs import ProjectCatalog
from pipeline.i18n.review import catalog_state
from pipeline.i18n.xliff import CatalogFile, indent_structure, unit_id

_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _tuv(tu: etree._Element, language: str, text: str) -> None:
    tuv = etree.SubElement(tu, "tuv", {_LANG: language})
    etree.SubElement(tuv, "seg").text = text


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
        for message in item.catalog:
            msgstr = str(message.string or "")
            if not message.id or not isinstance(message.id, str) or message.fuzzy or not msgstr.strip():
                continue
            tu = etree.SubElement(body, "tu", tuid=unit_id(item.domain, message.id))
            etree.SubElement(tu, "prop", type="x-plainspoken-catalog").text = item.path
            etree.SubElement(tu, "prop", type="x-plainspoken-review").text = state
            if state != "reviewed":
                etree.SubElement(
                    tu, "note"
                ).text = "Draft: not yet reviewed by a qualified medical translator."
            _tuv(tu, "en", message.id)
            _tuv(tu, language, msgstr)
    indent_structure(root)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
