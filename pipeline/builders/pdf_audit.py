"""A PDF checked from the inside: its text layer against the article, its marked content against its tags."""

from __future__ import annotations

import subprocess
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.model import Document, iter_units, plain_text

#: What the margins of page n of m say: (n, m) -> texts.
Furniture = Callable[[int, int], Sequence[str]] | None


def normalise(text: str) -> str:
    """``text`` without what extraction may change: whitespace, controls, punctuation, combining marks.

    Zero-width and bidi controls are format characters (Cf); line breaks and hyphenation leave
    spaces and hyphens (Z*, Pd). Combining marks (M*) go too: viewers may order them differently.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch)[0] not in "ZPMC")


def squash(text: str) -> str:
    """``text`` without whitespace and bidi controls; order, punctuation and combining marks kept.

    Stricter than normalise: ``( ،)IOP`` for ``(IOP)،``, ``5–3`` for ``3–5``, ``بعيدا`` for ``بعيدًا`` (a
    lost tanwīn) or a lost zero-width non-joiner (U+200C, which tells Farsi where a word is not
    joined) all count as wrong. Hyphens go: pdftotext drops a hyphen that ends a line
    (pang-araw-|araw → pang-arawaraw).
    """
    return "".join(
        ch
        for ch in text
        if not ch.isspace()
        and ch not in "-\u2010"
        and (unicodedata.category(ch) != "Cf" or ch in "\u200c\u200d")
    )


@dataclass(frozen=True)
class TextLayer:
    """How many of a document's messages a PDF's extracted text contains."""

    language: str
    total: int
    missing: tuple[str, ...]

    @property
    def found(self) -> int:
        return self.total - len(self.missing)

    @property
    def share(self) -> float:
        return self.found / self.total if self.total else 1.0


def messages(doc: Document, facts: Mapping[str, str]) -> list[str]:
    """The plain text of every translatable unit of ``doc``, placeholders filled in."""
    return [plain_text(ref.node.inlines, facts) for ref in iter_units(doc)]


def compare(
    language: str,
    wanted: Sequence[str],
    extracted: str,
    furniture: Furniture = None,
    *,
    simplify: Callable[[str], str] = normalise,
) -> TextLayer:
    """Which of ``wanted`` occur in ``extracted``, both simplified (normalise, or squash to keep order).

    ``extracted`` has one form feed after each page; ``furniture(page, pages)`` gives what the
    page's running header and footer say, which is left out: a paragraph that goes on over a
    page break is then found whole.
    """
    haystack = body_text(extracted, furniture, simplify)
    texts = [text for text in wanted if simplify(text)]
    missing = tuple(text for text in texts if simplify(text) not in haystack)
    return TextLayer(language, len(texts), missing)


def body_text(extracted: str, furniture: Furniture = None, simplify: Callable[[str], str] = normalise) -> str:
    """``extracted`` (pages ended by form feeds) simplified, without each page's running header and footer."""
    pages = extracted.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    haystack = ""
    for number, page in enumerate(pages, start=1):
        text = simplify(page)
        for piece in furniture(number, len(pages)) if furniture else ():
            if simplify(piece):
                text = text.replace(simplify(piece), "")
        haystack += text
    return haystack


def pairs_out_of_order(
    pairs: Sequence[tuple[str, str]], extracted: str, furniture: Furniture = None
) -> tuple[tuple[str, str], ...]:
    """The pairs (a message of a bilingual handout, the same in the source language) whose
    translation is not where reading order puts it (after the pair before) or is not followed by
    its source. Pairs that read the same in both (a name) say nothing about order: left out."""
    haystack = body_text(extracted, furniture, squash)
    wrong, cursor = [], 0
    for translation, source in pairs:
        mine, theirs = squash(translation), squash(source)
        if not mine or not theirs or normalise(translation) == normalise(source):
            continue
        at = haystack.find(mine, cursor)
        if at < 0 or haystack.find(theirs, at + len(mine)) < 0:
            wrong.append((translation, source))
            continue
        cursor = at + len(mine)
    return tuple(wrong)


def pdftotext(pdf: Path) -> str:
    """The text poppler's pdftotext extracts from ``pdf`` (UTF-8, reading order)."""
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def text_layer(
    doc: Document,
    facts: Mapping[str, str],
    pdf: Path,
    furniture: Furniture = None,
    *,
    simplify: Callable[[str], str] = normalise,
) -> TextLayer:
    """The share of ``doc``'s messages that ``pdftotext`` gets back from ``pdf``."""
    return compare(doc.language, messages(doc, facts), pdftotext(pdf), furniture, simplify=simplify)


def unlisted_content(pdf: Path) -> list[str]:
    """Marked-content sequences that are neither an Artifact nor reachable from the structure tree.

    PDF/UA-1 (Matterhorn 01-005) wants every piece of content to be one or the other; a sequence
    nested in another belongs to the outer one. Reads the file with pypdf (a test dependency).
    """
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    root: Any = reader.trailer["/Root"]
    listed = _listed_mcids(root.get("/StructTreeRoot"), None, set())
    found = []
    for number, page in enumerate(reader.pages, start=1):
        page_id = page.indirect_reference.idnum if page.indirect_reference else None
        for tag, mcid in _outer_sequences(page, reader):
            if tag != "/Artifact" and (page_id, mcid) not in listed:
                found.append(f"page {number}: {tag} MCID {mcid}")
    return found


def _listed_mcids(node: Any, page: Any, found: set[tuple[Any, int]]) -> set[tuple[Any, int]]:
    """(page object number, MCID) of every marked-content reference under ``node``."""
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, int):
        found.add((page, node))
    elif isinstance(node, list):
        for kid in node:
            _listed_mcids(kid, page, found)
    elif hasattr(node, "keys"):
        pg = node.get("/Pg")
        page = pg.idnum if pg is not None and hasattr(pg, "idnum") else page
        if "/MCID" in node:
            found.add((page, int(node["/MCID"])))
        elif "/K" in node and node.get("/Type") != "/OBJR":
            _listed_mcids(node["/K"], page, found)
    return found


def _outer_sequences(page: Any, reader: Any) -> list[tuple[str, int | None]]:
    """(tag, MCID) of each marked-content sequence of ``page`` not nested in another."""
    from pypdf.generic import ContentStream

    contents = page.get_contents()
    if contents is None:
        return []
    properties = page.get("/Resources", {}).get("/Properties", {})
    depth, found = 0, []
    for operands, operator in ContentStream(contents, reader).operations:
        if operator in (b"BDC", b"BMC"):
            if depth == 0:
                props = operands[1] if operator == b"BDC" else {}
                if isinstance(props, str) and props in properties:  # a named property list
                    props = properties[props].get_object()
                mcid = props.get("/MCID") if hasattr(props, "get") else None
                found.append((str(operands[0]), None if mcid is None else int(mcid)))
            depth += 1
        elif operator == b"EMC":
            depth -= 1
    return found


def content_text(pdf: Path) -> str:
    """The text ``pdf`` shows outside Artifacts: what a reader that skips page furniture hears.

    Marked-content sequences are followed while pypdf extracts each page; text inside an
    ``/Artifact`` sequence (running header and footer) is left out.
    """
    from pypdf import PdfReader

    pieces: list[str] = []
    for page in PdfReader(str(pdf)).pages:
        operator, text = _outside_artifacts(pieces)
        page.extract_text(visitor_operand_before=operator, visitor_text=text)
        pieces.append("\f")
    return "".join(pieces)


def _outside_artifacts(pieces: list[str]) -> tuple[Callable[..., None], Callable[..., None]]:
    """pypdf's operator and text visitors: ``pieces`` gets the text shown outside ``/Artifact``."""
    tags: list[str] = []

    def operator(op: bytes, args: Any, *_: Any) -> None:
        if op in (b"BDC", b"BMC"):
            tags.append(str(args[0]))
        elif op == b"EMC" and tags:
            tags.pop()

    def text(fragment: str, *_: Any) -> None:
        if "/Artifact" not in tags:
            pieces.append(fragment)

    return operator, text


def text_by_language(pdf: Path) -> dict[str, str]:
    """The text of ``pdf``'s tagged content by the language its structure element has (its own
    ``/Lang``, else its parent's, else the document's): the voice a screen reader reads it with.

    The text is pypdf's: right-to-left text in visual order, and fonts with an embedded encoding
    CMap (weasyprint_glyphs' codes of their own) decoded wrongly, so compare it for left-to-right
    text in fonts without one (structure_languages counts the elements of each language).
    """
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    root: Any = reader.trailer["/Root"]
    languages: dict[tuple[Any, int], str] = {}
    _mcid_languages(root.get("/StructTreeRoot"), None, str(root.get("/Lang", "")), languages)
    found: dict[str, list[str]] = {}
    for page in reader.pages:
        page_id = page.indirect_reference.idnum if page.indirect_reference else None
        for mcid, text in _text_by_mcid(page).items():
            found.setdefault(languages.get((page_id, mcid), "(untagged)"), []).append(text)
    return {language: " ".join(texts) for language, texts in found.items()}


def _mcid_languages(node: Any, page: Any, language: str, found: dict[tuple[Any, int], str]) -> None:
    """(page object number, MCID) → language, for every marked-content reference under ``node``."""
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, int):
        found[(page, node)] = language
    elif isinstance(node, list):
        for kid in node:
            _mcid_languages(kid, page, language, found)
    elif hasattr(node, "keys"):
        pg = node.get("/Pg")
        page = pg.idnum if pg is not None and hasattr(pg, "idnum") else page
        language = str(node.get("/Lang", language))
        if "/MCID" in node:
            found[(page, int(node["/MCID"]))] = language
        elif "/K" in node and node.get("/Type") != "/OBJR":
            _mcid_languages(node["/K"], page, language, found)


def _text_by_mcid(page: Any) -> dict[int, str]:
    """The text pypdf extracts from each marked-content sequence with an MCID on ``page``."""
    properties = page.get("/Resources", {}).get("/Properties", {})
    mcids: list[int | None] = []
    texts: dict[int, str] = {}

    def operator(op: bytes, args: Any, *_: Any) -> None:
        if op in (b"BDC", b"BMC"):
            props = args[1] if op == b"BDC" else {}
            if isinstance(props, str) and props in properties:
                props = properties[props].get_object()
            mcid = props.get("/MCID") if hasattr(props, "get") else None
            mcids.append(int(mcid) if mcid is not None else (mcids[-1] if mcids else None))
        elif op == b"EMC" and mcids:
            mcids.pop()

    def text(fragment: str, *_: Any) -> None:
        if mcids and mcids[-1] is not None:  # pypdf gives NUL between runs of a custom-encoded font
            texts[mcids[-1]] = texts.get(mcids[-1], "") + fragment.replace("\x00", "")

    page.extract_text(visitor_operand_before=operator, visitor_text=text)
    return texts


def empty_unicode_codes(pdf: Path) -> dict[str, int]:
    """Font name → how many glyph codes its ToUnicode map maps to nothing (``<0041> <>``), for
    each font of ``pdf`` that has any: extractors that read glyphs, not ActualText, lose them."""
    import re

    from pypdf import PdfReader

    found: dict[str, int] = {}
    for page in PdfReader(str(pdf)).pages:
        for font in page.get("/Resources", {}).get("/Font", {}).values():
            font = font.get_object()
            cmap = font.get("/ToUnicode")
            data = cmap.get_object().get_data().decode("latin-1") if cmap is not None else ""
            empty = len(re.findall(r"<[0-9a-fA-F]+>\s*<>", data))
            if empty:
                found[str(font["/BaseFont"])] = empty
    return found


def structure_languages(pdf: Path) -> dict[str, int]:
    """How many structure elements of ``pdf`` carry each ``/Lang`` (the document's own as ``""``)."""
    from pypdf import PdfReader

    root: Any = PdfReader(str(pdf)).trailer["/Root"]
    found: dict[str, int] = {}
    stack = [root.get("/StructTreeRoot")]
    while stack:
        node = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            stack.extend(node)
        elif hasattr(node, "keys") and node.get("/Type") != "/OBJR" and "/MCID" not in node:
            if "/S" in node:
                found[str(node.get("/Lang", ""))] = found.get(str(node.get("/Lang", "")), 0) + 1
            stack.append(node.get("/K", []))
    return found
