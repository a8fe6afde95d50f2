"""Western Armenian (hyw) beside Eastern (hy): names, page, handout and audio on a small test root."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOTS

from pipeline.cli import main
from pipeline.source.project import language_info, load_project

SLUG = "living-at-home"
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The western-armenian root built once: hyw in every format, hy (no catalogs yet) as a page."""
    root = tmp_path_factory.mktemp("hyw") / "western-armenian"
    shutil.copytree(ROOTS / "western-armenian", root)
    runner = CliRunner()
    result = runner.invoke(main, ["-C", str(root), "build", "--lang", "hyw"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (root / "build-output.txt").write_text(result.output, encoding="utf-8")
    hy = runner.invoke(main, ["-C", str(root), "build", "--lang", "hy", "--format", "html"])
    assert hy.exit_code == 0, hy.output
    return root


def test_hy_is_named_eastern_and_hyw_western_in_the_chooser(root: Path) -> None:
    assert (language_info("hy").native_name, language_info("hy").english_name) == (
        "Հայերեն (արևելահայերեն)",
        "Armenian (Eastern)",
    )
    index = (root / "build/site/index.html").read_text(encoding="utf-8")
    assert '<span lang="hy" dir="ltr">Հայերեն (արևելահայերեն)</span>' in index
    assert "(Armenian (Eastern))" in index
    assert '<span lang="hyw" dir="ltr">Արեւմտահայերէն</span>' in index and "(Western Armenian)" in index
    page = (root / f"build/site/hyw/{SLUG}.html").read_text(encoding="utf-8")
    assert 'hreflang="hy" lang="hy" dir="ltr">Հայերեն (արևելահայերեն)<' in page


def test_page_handouts_and_audio_are_built_in_western_armenian(root: Path) -> None:
    site = root / "build/site/hyw"
    for name in (f"{SLUG}.html", f"{SLUG}.pdf", f"{SLUG}-large-print.pdf", f"{SLUG}.mp3", f"{SLUG}.vtt"):
        assert (site / name).is_file(), name
    output = (root / "build-output.txt").read_text(encoding="utf-8")
    for kind in ("html", "pdf", "audio"):
        assert re.search(rf"^  hyw\s+{kind}\s+built\s+{SLUG} \(\d+\.\d s\)$", output, re.M), kind
    page = (site / f"{SLUG}.html").read_text(encoding="utf-8")
    assert '<html lang="hyw" dir="ltr">' in page
    assert "Դուք տունը կ՚ապրիք" in page  # classical spelling, the Armenian apostrophe kept
    assert "Թարգմանութեան սեւագիր" in page  # still a draft, and says so in Western Armenian
    assert "անգլերէն են" not in page  # no part fell back to English


@needs_poppler
@pytest.mark.parametrize("name", [f"{SLUG}.pdf", f"{SLUG}-large-print.pdf"])
def test_handout_text_is_armenian_in_noto_sans_armenian(root: Path, name: str) -> None:
    """fontconfig knows no hyw: the handout must still use the Armenian font, not boxes or DejaVu."""
    pdf = root / "build/site/hyw" / name
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Դուք տունը կ՚ապրիք" in " ".join(text.split())
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "NotoSansArmenian" in fonts.replace("-", "")


@needs_espeak
def test_audio_is_spoken_by_the_western_armenian_voice_never_english(root: Path) -> None:
    from mutagen.id3 import ID3

    from pipeline.speech.audit import audit, english_switches
    from pipeline.speech.engine import SpeechWorker
    from pipeline.speech.voices import voice_for

    assert voice_for("hyw") == "hyw"
    with SpeechWorker("hyw", timeout=30) as worker:
        assert worker.voice_in_use == "ine/hyw"  # read back from espeak-ng, not assumed
    mp3 = root / f"build/site/hyw/{SLUG}.mp3"
    assert [str(t) for t in ID3(mp3).getall("TLAN")] == ["hye"]
    # WebVTT has no header lines (#13): the captions' language is their folder's, hyw
    assert (root / f"build/site/hyw/{SLUG}.vtt").read_text(encoding="utf-8").startswith("WEBVTT\n\n")
    # Unhelped, the voice reads IOP and the one-letter verb է in English; the lexicon fixes both.
    assert english_switches("IOP-ն աւելի մատչելի է։", "hyw") != []
    assert audit(root, "hyw") == []


def test_speech_joins_elided_words_the_page_keeps_them(root: Path) -> None:
    from pipeline.builders.audio import AudioBuilder
    from pipeline.engine.tasks import translate_language
    from pipeline.source.articles import load_sources

    project = load_project(root)
    articles, _ = translate_language(project, "hyw", load_sources(project).documents)
    segments = AudioBuilder(project).script(articles[0]).segments
    spoken = " ".join(s.spoken for s in segments)
    shown = " ".join(s.text for s in segments)
    assert "կ՚ապրիք" in shown and "կապրիք" in spoken and "՚" not in spoken
    assert "IOP" not in spoken and "այ օու փին" in spoken  # IOP-ն said whole, ending included
