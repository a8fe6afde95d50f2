"""Audio that says what the page says: a part that fell back to English is spoken by an English voice
and captioned as English, punctuation is the language's own, right-to-left captions read right to left."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO, ROOTS

from pipeline.engine.tasks import translate_language
from pipeline.i18n.article import Article
from pipeline.render.handout import running_texts
from pipeline.render.punctuation import punctuation
from pipeline.render.speech import SpeechScript
from pipeline.source.articles import load_sources
from pipeline.source.project import load_project
from pipeline.speech.lexicon import article_script

ROOT = "segment-languages"
SLUG = "first-dose"
UNTRANSLATED = "Wait until you feel withdrawal before your first dose."  # no msgstr in es
#: espeak-ng and the strict WebVTT validator: skipped on a developer's machine without them, never in CI.
needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None and not os.environ.get("CI"), reason="espeak-ng not installed"
)
needs_validator = pytest.mark.skipif(
    not (REPO / "tests/webvtt/node_modules/webvtt-parser").is_dir() and not os.environ.get("CI"),
    reason="the strict WebVTT validator is not installed: run make setup-test",
)


def article(root: Path, language: str) -> Article:
    project = load_project(root)
    (found,) = translate_language(project, language, load_sources(project).documents)[0]
    return found


def script(root: Path, language: str) -> SpeechScript:
    return article_script(load_project(root), article(root, language))


def cues(vtt: str) -> dict[str, str]:
    """Cue id → its payload, as written."""
    blocks = vtt.split("\n\n")[1:]
    return {block.split("\n")[0]: block.split("\n")[2] for block in blocks}


# --- the language's own punctuation ---------------------------------------------------------


def test_the_help_section_is_spoken_and_captioned_with_the_languages_punctuation() -> None:
    chinese = {s.anchor: s.text for s in script(ROOTS / ROOT, "zh-Hans").segments}
    assert chinese["help-lifeline"] == "988 自杀与危机生命线：988。随时拨打或发短信至 988，白天黑夜都可以。"
    assert chinese["help-clinic"] == "请致电：(626) 555-0100。"
    spanish = {s.anchor: s.text for s in script(ROOTS / ROOT, "es").segments}
    assert spanish["help-clinic"] == "Llámenos: (626) 555-0100."
    assert not any(re.search(r"[:.] ", text) for text in chinese.values())  # no ASCII ": " or ". "


@pytest.mark.parametrize(
    ("language", "joined"),
    [
        ("en", "IOP. Cost: lower."),
        ("zh-Hans", "IOP。Cost：lower。"),
        ("zh-Hant", "IOP。Cost：lower。"),
        ("ja", "IOP。Cost：lower。"),  # Japanese script, from CLDR's likely subtags
        ("hy", "IOP։ Cost՝ lower։"),
        ("hyw", "IOP։ Cost՝ lower։"),
        ("ar", "IOP. Cost: lower."),
    ],
)
def test_a_table_row_is_joined_with_the_languages_marks(language: str, joined: str) -> None:
    marks = punctuation(language)
    assert marks.sentences(["IOP", marks.labelled("Cost", "lower")]) == joined


def test_the_running_header_has_no_space_after_a_full_width_colon() -> None:
    chinese = article(ROOTS / ROOT, "zh-Hans")
    reviewed = running_texts(chinese, load_project(ROOTS / ROOT).config).header[1]
    assert reviewed.startswith("最近审校日期：2026") and " " not in reviewed
    spanish = running_texts(article(ROOTS / ROOT, "es"), load_project(ROOTS / ROOT).config).header[1]
    assert spanish.startswith("Última revisión: ")
