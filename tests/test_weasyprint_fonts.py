"""WeasyPrint's fonts read when the PDF is written (builders/weasyprint_fonts): the same handout,
without a copy of a 20 MB CJK font file per font WeasyPrint makes."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.builders import printing, weasyprint_fonts, weasyprint_tags
from pipeline.engine.tasks import translate_language
from pipeline.render.handout import REGULAR, render_handout
from pipeline.source.articles import load_sources
from pipeline.source.project import load_project

pytestmark = pytest.mark.slow  # handouts


def _print(root: Path, language: str) -> tuple[bytes, int]:
    """The handout's PDF, and the most memory Python held while it was made."""
    project = load_project(root)
    (article,) = translate_language(project, language, load_sources(project).documents)[0]
    html, css = render_handout(article, config=project.config, variant=REGULAR)
    tracemalloc.start()
    try:
        data = printing.render_pdf(
            html, css, base_url=project.source_dir.as_uri() + "/", allowed_dirs=[root], label="handout"
        )
        return data, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_chinese_handout_is_the_same_bytes_without_copies_of_its_font_files(
    make_project: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    root = make_project("clinic")
    printing.load_weasyprint()
    ours, our_peak = _print(root, "zh-Hant")
    weasyprint_tags._replacements.cache_clear()
    monkeypatch.setattr(weasyprint_fonts, "replacements", lambda: [])  # fonts as WeasyPrint makes them
    try:
        theirs, their_peak = _print(root, "zh-Hant")
    finally:
        weasyprint_tags._replacements.cache_clear()
    assert ours == theirs
    font_file = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc").stat().st_size
    # at least one whole copy of the CJK collection (regular and bold are drawn) is never made
    assert their_peak - our_peak > font_file, (our_peak, their_peak)
