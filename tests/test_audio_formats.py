"""What players and validators read from an audio guide: WebVTT per the current specification (checked
by the strict npm webvtt-parser, not only webvtt-py), ID3 TLAN codes, and lengths stated for people."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

from pipeline.audio.vtt import Cue, render_vtt
from pipeline.render.pages import audio_length, clock, whole_seconds
from pipeline.source.project import load_project
from pipeline.speech.voices import NO_VOICE, VOICES, iso_639_2

VALIDATOR = REPO / "tests/webvtt/validate.js"
needs_validator = pytest.mark.skipif(
    shutil.which("node") is None or not (REPO / "tests/webvtt/node_modules/webvtt-parser").is_dir(),
    reason="the strict WebVTT validator is not installed: run make setup-test",
)
SLUG = "choosing-care"  # tests/roots/clinic, which full_site builds


def validate(*files: Path) -> dict[str, list[str]]:
    """Every file's errors as webvtt-parser (the W3C validator's parser) reports them."""
    done = subprocess.run(["node", str(VALIDATOR), *map(str, files)], capture_output=True, text=True)
    found: dict[str, list[str]] = json.loads(done.stdout)
    assert (done.returncode == 0) == (not any(found.values())), done.stderr
    return found


TRICKY = [
    Cue("title", 0.0, 1.25, "Fish & <chips> --> more"),
    Cue("u1", 1.25, 3600.5, "WEBVTT NOTE: a line that looks like a header\nand -- dashes"),
    Cue("key-points", 3601.0, 3602.0, "نص عربي مع (أقواس) و 988"),
]


@needs_validator
def test_rendered_vtt_is_valid_for_the_strict_validator(tmp_path: Path) -> None:
    path = tmp_path / "tricky.vtt"
    path.write_text(render_vtt(TRICKY), encoding="utf-8")
    assert validate(path) == {str(path): []}


@needs_validator
def test_the_validator_rejects_a_header_line_under_the_signature(tmp_path: Path) -> None:
    """What #13 found in every file: the check would have caught it."""
    path = tmp_path / "old.vtt"
    path.write_text(render_vtt(TRICKY).replace("WEBVTT\n", "WEBVTT\nLanguage: ar\n", 1), encoding="utf-8")
    assert validate(path)[str(path)] == ["line 2: No blank line after the signature."]


@needs_validator
def test_built_captions_are_valid(full_site: Path) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed")
    files = sorted((full_site / "build/site").glob(f"*/{SLUG}.vtt"))
    assert len(files) >= 2
    assert validate(*files) == {str(f.resolve()): [] for f in files}


# --- ID3 TLAN ----------------------------------------------------------------------------


def test_every_language_we_publish_or_voice_has_an_iso_639_2_code() -> None:
    languages = set(load_project(REPO).config.languages) | set(VOICES) | set(NO_VOICE)
    codes = {language: iso_639_2(language) for language in languages}
    assert all(len(code) == 3 and code.isalpha() and code != "und" for code in codes.values()), codes


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("en", "eng"),
        ("hi", "hin"),  # was "und": outside the old hand table
        ("zh-Hant", "zho"),
        ("zh-Hans", "zho"),
        ("yue", "zho"),  # ISO 639-2 has no Cantonese: its macrolanguage, Chinese
        ("hyw", "hye"),  # Western Armenian: ISO 639-3 only; ISO 639-2's Armenian covers it
        ("hy", "hye"),
        ("tl", "tgl"),  # Tagalog as tagged, not CLDR's Filipino
        ("fa", "fas"),
        ("pa-Arab", "pan"),
        ("es-419", "spa"),
        ("x-clinic", "und"),  # a private-use tag has no language code
    ],
)
def test_tlan_codes(tag: str, code: str) -> None:
    assert iso_639_2(tag) == code


# --- lengths for people ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "whole"), [(751.10, 751), (582.01, 582), (750.5, 751), (751.5, 752), (0.49, 0), (59.6, 60)]
)
def test_one_rounding_halves_up(seconds: float, whole: int) -> None:
    assert whole_seconds(seconds) == whole


def test_stated_lengths_from_13_are_no_longer_a_second_short() -> None:
    assert audio_length(751.10, "hy") == "12 ր 31 վրկ"
    assert audio_length(582.01, "ru") == "9 мин 42 с"
    assert audio_length(751.10, "en") == "12 min 31 sec"
    assert clock(59.6) == "1:00" and clock(125.4) == "2:05"  # chapter times round the same way
