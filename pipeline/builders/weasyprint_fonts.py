"""WeasyPrint 70's fonts read from their file only when a PDF is written, not once per font made.

Installed with builders/weasyprint_tags (its ``patched()``). WeasyPrint copies the whole font file
into every ``Font`` it makes (one per family, weight and style met while drawing): a Chinese or
Japanese handout's Noto Sans CJK collection is 20 MB a weight, so a worker printing one peaked
58 MB higher than with this shim (170 MiB against 112 MiB for one Traditional Chinese handout),
though the copy is only read to subset the font, and HarfBuzz subsets from the face instead. Here
a ``Font`` reads the file when something asks for its bytes, and keeps only what is set.
"""

from __future__ import annotations

import threading
from typing import Any

#: Set while a Font is being made: the face's data is then not copied (see _face_data).
_making = threading.local()
_UNREAD = object()


class _FileContent:
    """``Font.file_content``: the bytes set (a subset), else the face's whole file, read when asked."""

    def __init__(self, read: Any) -> None:
        self.read = read

    def __get__(self, font: Any, owner: Any = None) -> Any:
        if font is None:
            return self
        data = font.__dict__.get("_file_content", _UNREAD)
        return self.read(font.hb_face) if data is _UNREAD else data

    def __set__(self, font: Any, value: Any) -> None:
        font.__dict__["_file_content"] = value


def _face_data(original: Any) -> Any:
    """WeasyPrint's get_hb_object_data, which gives nothing to copy while a Font is being made."""

    def data(hb_object: Any, ot_color: Any = None, glyph: Any = None) -> Any:
        if getattr(_making, "font", False) and ot_color is None:
            return _UNREAD
        return original(hb_object, ot_color, glyph)

    return data


def replacements() -> list[tuple[Any, str, Any]]:
    """(module, attribute, replacement): the Font that ``Stream.add_font`` makes, and the face reader."""
    from weasyprint.pdf import fonts, stream
    from weasyprint.text.fonts import get_hb_object_data

    class FontReadWhenWritten(fonts.Font):  # type: ignore[misc]  # WeasyPrint is untyped
        """WeasyPrint's Font, without the copy of its file made when it is created."""

        file_content = _FileContent(get_hb_object_data)

        def __init__(self, *args: Any) -> None:
            _making.font = True
            try:
                super().__init__(*args)
            finally:
                _making.font = False

    return [
        (stream, "Font", FontReadWhenWritten),
        (fonts, "get_hb_object_data", _face_data(get_hb_object_data)),
    ]
