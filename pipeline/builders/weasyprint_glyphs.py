"""A shim over WeasyPrint 70's glyph loop: an exact text layer for bidi text, invisible characters, marks.

Installed with builders/weasyprint_tags (its ``patched()``), only while the pipeline prints; carried
until Kozea/WeasyPrint#2841 is fixed upstream (PR #2869 takes the same approach with glyph copies).
Before WeasyPrint draws a line, the line's glyphs are prepared in Pango's own glyph strings:

1. **One code per (glyph, text).** WeasyPrint's ToUnicode map gives a glyph the text it was first
   drawn with. A bracket drawn mirrored in right-to-left text shares its glyph with the other
   bracket, so a later ``(626)`` came back as ``)626(``. A glyph drawn with another text gets a
   code of its own from the top of the two-byte code space; the font's encoding CMap maps that
   code to the same glyph, and the ToUnicode map gives it its own text.
2. **Invisible characters.** Pango draws a zero-width non-joiner, joiner or direction mark as an
   empty glyph that WeasyPrint leaves out: Farsi's می‌کنید came back as میکنید. The font's own
   zero-width glyph for the character is drawn instead, in text rendering mode 3 (Noto Naskh
   Arabic draws a dotted box for it), so the character sits between its neighbours.
3. **Raised marks.** An Arabic mark raised with a text rise (tanwīn, ḍamma) went to a line of its
   own in poppler and split the line around it. Its glyph is wrapped in an empty ``/ActualText``,
   so the line and its words stay whole, and its text goes with its base glyph's instead (a code of
   its own for ``دً``): the mark is in the text layer, in its place. (Drawing it again invisibly on
   the baseline was tried: poppler makes invisible text a word of its own, and a zero-width word
   overlapping a ligature broke the line.)
4. **No glyph maps to nothing.** WeasyPrint gives a cluster's text to its first glyph and nothing
   to the others (30–36 glyph codes of a Khmer handout's fonts mapped to empty Unicode). Those
   glyphs stand for a WORD JOINER (invisible, "no break here"); the cluster's text stays whole on
   its first glyph and in the run's ActualText.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from typing import Any

#: Zero-width characters that change a word's meaning or order, drawn as their own glyphs.
KEPT_INVISIBLES = frozenset("\u200c\u200d\u200e\u200f")
#: A y offset no shaped glyph has, given to those glyphs so that WeasyPrint draws each on its own
#: (as it draws a raised glyph); set_text_rise then draws it in rendering mode 3 instead.
INVISIBLE_RISE = 123457
_TOP_CODE = 0xFFFF
#: What a glyph that draws part of a cluster (Khmer's subscript consonant, its pre-base vowel's
#: second part) stands for: the cluster's text is on its first glyph. WORD JOINER is invisible,
#: says only "no break here", and is ignored by search; ActualText still gives the cluster whole.
CLUSTER_PART = "\u2060"


def replacements(actual_text: Callable[..., Any]) -> list[tuple[Any, str, Any]]:
    """(module or class, attribute, replacement) for each WeasyPrint function this shim wraps."""
    import weasyprint.draw.text
    import weasyprint.pdf.fonts
    from weasyprint.pdf.stream import Stream

    fonts = weasyprint.pdf.fonts
    return [
        (weasyprint.draw.text, "draw_first_line", _first_line_wrapper(weasyprint.draw.text)),
        (Stream, "set_text_rise", _rise_wrapper(Stream.set_text_rise, actual_text)),
        (Stream, "set_text_rendering", _rendering_wrapper(Stream.set_text_rendering)),
        (fonts.Font, "clean", _clean_wrapper(fonts.Font.clean)),
        (fonts, "_build_vector_font_dictionary", _dictionary_wrapper(fonts._build_vector_font_dictionary)),
    ]


def _first_line_wrapper(text_module: Any) -> Any:
    """draw_first_line: the line's glyphs prepared (see the module's docstring) before it is drawn."""
    original = text_module.draw_first_line

    def draw_first_line(stream: Any, textbox: Any, *args: Any) -> Any:
        # Set as draw_first_line sets it first, so that its own call does not lay the line out anew.
        text_module.pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)
        line, _ = textbox.pango_layout.get_first_line()
        utf8 = textbox.pango_layout.text.encode()
        run = line.runs[0]
        while run != text_module.ffi.NULL:
            _prepare_glyphs(stream, run.data, utf8, text_module)
            run = run.next
        return original(stream, textbox, *args)

    return draw_first_line


def _prepare_glyphs(stream: Any, glyph_item: Any, utf8: bytes, text_module: Any) -> None:
    """Codes of their own, invisible characters and raised marks for one run of glyphs."""
    pango, glyphs = text_module.pango, glyph_item.glyphs
    font, size = stream.add_font(glyph_item.item.analysis.font)
    texts = [_glyph_text(glyph_item, i, utf8) for i in range(glyphs.num_glyphs)]
    texts = _with_raised_marks(glyph_item, texts)
    for i in range(glyphs.num_glyphs):
        info = glyphs.glyphs[i]
        if info.glyph == pango.PANGO_GLYPH_EMPTY:
            _show_invisible(font, info, texts[i])
        elif not info.glyph & pango.PANGO_GLYPH_UNKNOWN_FLAG:
            text = texts[i] or CLUSTER_PART
            if font.to_unicode.setdefault(info.glyph, text) != text:
                info.glyph = _own_code(font, info.glyph, text, lambda g: _width(stream, glyph_item, g, size))


def _with_raised_marks(glyph_item: Any, texts: list[str]) -> list[str]:
    """``texts`` with each raised mark's text also on its base glyph: the text layer's copy of it.

    A raised mark's own glyph stays out of the text layer (see the module's docstring), so its base
    glyph gives back both (``دً`` for ``د``). Right-to-left glyphs are in visual order, the base after
    its marks, and poppler reverses a glyph's text with the line: there the marks go first.
    """
    glyphs, rtl = glyph_item.glyphs, glyph_item.item.analysis.level % 2
    raised = [bool(glyphs.glyphs[i].geometry.y_offset) and _is_mark(texts[i]) for i in range(len(texts))]
    texts = list(texts)
    for i in sorted(range(len(texts)), reverse=bool(rtl)):
        base = _base_of(i, raised, 1 if rtl else -1)
        if raised[i] and base is not None:
            texts[base] = texts[i] + texts[base] if rtl else texts[base] + texts[i]
    return texts


def _base_of(mark: int, raised: list[bool], step: int) -> int | None:
    """The first glyph from ``mark`` on, going ``step``, that is not a raised mark."""
    i = mark + step
    while 0 <= i < len(raised) and raised[i]:
        i += step
    return i if 0 <= i < len(raised) else None


def _is_mark(text: str) -> bool:
    return bool(text) and all(unicodedata.category(ch) == "Mn" for ch in text)


def _glyph_text(glyph_item: Any, i: int, utf8: bytes) -> str:
    """The text WeasyPrint gives glyph ``i`` of a run: from its cluster to the next glyph's cluster."""
    item, glyphs = glyph_item.item, glyph_item.glyphs
    start = glyphs.log_clusters[i]
    if item.analysis.level % 2:  # right-to-left: the glyphs are in visual order
        end = item.length if i == 0 else glyphs.log_clusters[i - 1]
    else:
        end = item.length if i == glyphs.num_glyphs - 1 else glyphs.log_clusters[i + 1]
    return utf8[item.offset + start : item.offset + end].decode("utf-8", "replace")


def _own_code(font: Any, glyph: int, text: str, width: Callable[[int], int]) -> int:
    """A code for ``glyph`` drawn as ``text``, from the top of the code space; ``glyph`` if none is left."""
    if font.bitmap or font.png or font.svg or font.colr:  # emoji: WeasyPrint looks their images up by glyph
        return glyph
    codes = font.__dict__.setdefault("own_codes", {})
    if (glyph, text) not in codes:
        code = _TOP_CODE - len(codes)
        if code < font.glyph_count + len(font.missing) + 256:  # keep clear of missing glyphs' codes
            return glyph
        codes[(glyph, text)] = code
        font.to_unicode[code] = text
        font.widths[code] = font.widths[glyph] = font.widths.get(glyph) or width(glyph)
    return int(codes[(glyph, text)])


def _width(stream: Any, glyph_item: Any, glyph: int, font_size: float) -> int:
    """A glyph's advance in thousandths of an em, as WeasyPrint's draw_first_line measures it."""
    from weasyprint.text.ffi import FROM_UNITS, pango

    pango.pango_font_get_glyph_extents(
        glyph_item.item.analysis.font, glyph, stream.ink_rect, stream.logical_rect
    )
    width: float = stream.logical_rect.width * 1000 * FROM_UNITS / font_size
    return round(width)


def _show_invisible(font: Any, info: Any, text: str) -> None:
    """Draw a kept invisible character with the font's zero-width glyph, in rendering mode 3."""
    glyph = _invisible_glyphs(font).get(text[:1]) if text[:1] in KEPT_INVISIBLES else None
    if glyph is not None and font.to_unicode.setdefault(glyph, text[:1]) == text[:1]:
        info.glyph = glyph
        info.geometry.y_offset = INVISIBLE_RISE


def _invisible_glyphs(font: Any) -> dict[str, int]:
    """The font's zero-width glyph for each kept invisible character it has (read once per font)."""
    if not hasattr(font, "invisible_glyphs"):
        from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # WeasyPrint's dependency

        ttfont = TTFont(io.BytesIO(font.file_content), fontNumber=font.index, lazy=True)
        cmap, metrics = ttfont.getBestCmap() or {}, ttfont["hmtx"]
        font.invisible_glyphs = {
            chr(code): ttfont.getGlyphID(name)
            for code, name in cmap.items()
            if chr(code) in KEPT_INVISIBLES and metrics[name][0] == 0
        }
    return font.invisible_glyphs  # type: ignore[no-any-return]


def _rise_wrapper(original: Any, actual_text: Callable[..., Any]) -> Any:
    """Stream.set_text_rise: invisible characters in rendering mode 3; raised marks out of the text layer."""

    def set_text_rise(self: Any, height: float) -> None:
        if height == -INVISIBLE_RISE / 1000:
            self.stream.append(b"3 Tr")
            self.invisible = True
        elif not height and getattr(self, "invisible", False):
            self.stream.append(f"{getattr(self, 'rendering_mode', 0)} Tr".encode())
            self.invisible = False
        elif height and not getattr(self, "in_actual_text", False) and not getattr(self, "raised", False):
            self.begin_marked_content("Span", actual_text(""))
            self.raised = True
            original(self, height)
        elif not height and getattr(self, "raised", False):
            original(self, height)
            self.end_marked_content()
            self.raised = False
        else:
            original(self, height)

    return set_text_rise


def _rendering_wrapper(original: Any) -> Any:
    """Stream.set_text_rendering: remember the mode, to go back to it after an invisible glyph."""

    def set_text_rendering(self: Any, mode: int) -> None:
        self.rendering_mode = mode
        original(self, mode)

    return set_text_rendering


def _clean_wrapper(original: Any) -> Any:
    """Font.clean: subset the font on its real glyphs, not on the codes of their own."""

    def clean(self: Any, to_unicode: dict[int, str], hinting: Any) -> Any:
        first_own = self.glyph_count + len(self.missing)
        return original(self, {code: text for code, text in to_unicode.items() if code < first_own}, hinting)

    return clean


def _dictionary_wrapper(original: Any) -> Any:
    """_build_vector_font_dictionary: with codes of their own, an encoding CMap mapping them to glyphs."""

    def build(font_dictionary: Any, pdf: Any, font: Any, widths: dict[int, Any], *args: Any) -> Any:
        own = {code: glyph for (glyph, _), code in getattr(font, "own_codes", {}).items()}
        if not own:
            return original(font_dictionary, pdf, font, widths, *args)
        missing, font.missing = font.missing, {}  # the encoding below maps them to .notdef itself
        try:
            original(font_dictionary, pdf, font, {c: w for c, w in widths.items() if c not in own}, *args)
        finally:
            font.missing = missing
        font_dictionary["Encoding"] = _encoding(pdf, font, own, compress=args[0])
        return None

    return build


def _encoding(pdf: Any, font: Any, own: dict[int, int], *, compress: bool) -> Any:
    """An embedded CMap (ISO 32000-1 9.7.5): each code to its glyph's CID, missing glyphs to .notdef."""
    import pydyf  # type: ignore[import-untyped]  # WeasyPrint's PDF writer, untyped

    info = pydyf.Dictionary(
        {"Registry": pydyf.String("Adobe"), "Ordering": pydyf.String("Identity"), "Supplement": 0}
    )
    header = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap", b"/CIDSystemInfo"]
    header += [
        b"3 dict dup begin",
        b"/Registry (Adobe) def",
        b"/Ordering (Identity) def",
        b"/Supplement 0 def",
    ]
    header += [b"end def", b"/CMapName /WP-Encod-1 def", b"/CMapType 1 def", b"1 begincodespacerange"]
    header += [b"<0000> <ffff>", b"endcodespacerange"]
    extra = pydyf.Dictionary({"Type": "/CMap", "CMapName": "/WP-Encod-1", "CIDSystemInfo": info})
    stream = pydyf.Stream(header, extra, compress=compress)
    missing = set(font.missing.values())
    codes = sorted(font.to_unicode)
    for start in range(0, len(codes), 100):
        batch = codes[start : start + 100]
        stream.stream.append(f"{len(batch)} begincidchar".encode())
        for code in batch:
            cid = 0 if code in missing else own.get(code, code)
            stream.stream.append(f"<{code:04x}> {cid}".encode())
        stream.stream.append(b"endcidchar")
    stream.stream += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    pdf.add_object(stream)
    return stream.reference
