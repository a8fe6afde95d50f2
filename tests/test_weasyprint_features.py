"""Font features set on WeasyPrint's text layouts without leaking them (builders/weasyprint_features):
list markers no longer grow a worker that lays handouts out build after build."""

from __future__ import annotations

import ctypes
import gc
from pathlib import Path

import pytest

from pipeline.builders import printing, weasyprint_features, weasyprint_tags

pytestmark = pytest.mark.slow  # handouts

#: Twelve numbered items (the markers' digits are tabular: the user agent's ::marker style) and
#: thirty bullets, as the article's handouts have.
LISTS = (
    "<ol>" + "".join(f"<li>Step {n}: call the clinic before {n} p.m.</li>" for n in range(1, 13)) + "</ol>"
    "<ul>" + "<li>Intensive outpatient programs meet a few days a week.</li>" * 30 + "</ul>"
)
HTML = f"<html lang=en><head><title>Lists</title></head><body>{LISTS}</body></html>"
CSS = "@page { size: letter; margin: 1in } body { font: 12pt/1.3 'Noto Sans', sans-serif }"


#: glibc's struct mallinfo2, all size_t.
_FIELDS = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in _FIELDS.split(" ")]


def _in_use() -> int:
    """Bytes the C heap holds for the process now (glibc's mallinfo2), once Python let go of what it can."""
    gc.collect()
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _MallInfo2
    return int(libc.mallinfo2().uordblks)


def _print(folder: Path) -> bytes:
    return printing.render_pdf(HTML, CSS, base_url=folder.as_uri() + "/", allowed_dirs=[folder], label="lists")


def _kept_per_print(folder: Path) -> float:
    """Bytes the C heap keeps each time the page is printed, once the caches are warm."""
    for _ in range(4):
        _print(folder)
    before = _in_use()
    for _ in range(8):
        _print(folder)
    return (_in_use() - before) / 8


def test_list_markers_no_longer_leak_and_print_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    printing.load_weasyprint()
    ours, kept = _print(tmp_path), _kept_per_print(tmp_path)
    weasyprint_tags._replacements.cache_clear()
    monkeypatch.setattr(weasyprint_features, "replacements", lambda: [])  # features as WeasyPrint sets them
    try:
        theirs, leaked = _print(tmp_path), _kept_per_print(tmp_path)
    finally:
        weasyprint_tags._replacements.cache_clear()
    assert ours == theirs
    # WeasyPrint's own: about 600 bytes a marker (28 KiB a print); what is left (about 2.5 KiB a
    # print, as much for a page of plain text) is not the markers'
    assert leaked > 42 * 300, leaked
    assert kept * 5 < leaked, (kept, leaked)
