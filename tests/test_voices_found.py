"""Voices found, not configured: a language espeak-ng speaks gets its voice from espeak-ng's own list."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOTS

from pipeline.source.project import load_project
from pipeline.speech.engine import SpeechWorker
from pipeline.speech.speakers import speaker_for
from pipeline.speech.voices import espeak_voices, no_voice_reason, voice_for

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


def test_voice_files_are_read_best_first(tmp_path: Path) -> None:
    """espeak-ng's rule: a voice's 'language <code> <priority>' lines, the lowest priority wins (5 unsaid)."""
    (tmp_path / "lang/roa").mkdir(parents=True)
    (tmp_path / "lang/roa/pt").write_text("name Portuguese (Portugal)\nlanguage pt\n")
    (tmp_path / "lang/roa/pt-BR").write_text("name Portuguese (Brazil)\nlanguage pt-br\nlanguage pt 6\n")
    (tmp_path / "lang/roa/es-419").write_text("name Spanish (Latin America)\nlanguage es-419\nlanguage es-mx 6\n")
    assert espeak_voices((str(tmp_path / "absent"), str(tmp_path))) == {
        "pt": "pt",
        "pt-br": "pt-br",
        "es-419": "es-419",
        "es-mx": "es-419",
    }


@needs_espeak
def test_a_language_espeak_ng_speaks_gets_its_voice_from_espeak_ngs_own_list() -> None:
    listed = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, check=True).stdout
    files = {line.split()[4].rsplit("/", 1)[-1].lower() for line in listed.splitlines()[1:]}
    assert voice_for("pt-BR") == "pt-br"  # F3: this was "no espeak-ng voice is configured"
    assert voice_for("de-AT") == "de"  # no Austrian voice: the German one
    assert voice_for("pt-BR", {"pt-BR": ""}) is None  # site.toml can still say no audio
    assert set(espeak_voices().values()) <= files, "every voice found is one espeak-ng lists"


@needs_espeak
def test_a_found_voice_is_one_the_engine_opens() -> None:
    with SpeechWorker(str(voice_for("pt-BR")), timeout=30) as worker:
        assert worker.voice_in_use == "roa/pt-br"
        assert len(worker.speak("Bom dia.").pcm) > 5_000


@needs_espeak
def test_where_espeak_ng_speaks_a_language_wrongly_the_table_says_so() -> None:
    assert "ja" in espeak_voices()  # espeak-ng has a Japanese voice...
    assert voice_for("ja") is None  # ...that reads kanji in English: no audio, and why
    assert no_voice_reason("ja") == "espeak-ng's Japanese voice reads kanji in English"


def test_a_language_with_no_voice_says_how_to_choose_one() -> None:
    assert voice_for("xx") is None
    assert no_voice_reason("xx") == (
        'espeak-ng has no voice for xx: to choose one, add xx = "<voice>" under [voices] in'
        " source/site.toml (espeak-ng --voices lists them)"
    )


@needs_espeak
def test_a_project_publishing_brazilian_portuguese_gets_audio(tmp_path: Path) -> None:
    root = tmp_path / "basic"
    shutil.copytree(ROOTS / "basic", root)
    toml = root / "source/site.toml"
    toml.write_text(re.sub(r'languages = \[[^]]*\]', 'languages = ["en", "pt-BR"]', toml.read_text()))
    speaker = speaker_for(load_project(root).config, root, "pt-BR")
    assert speaker is not None and (speaker.voice, speaker.label) == ("pt-br", "espeak-ng pt-br")
