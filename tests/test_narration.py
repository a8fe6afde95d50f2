"""Human narration: narrator's scripts, recordings used where current, stale and missing ones handled.

The "recordings" here are WAV files made by the espeak-ng command at test time, slowly, as a
stand-in for a person reading the script: what matters is that they are files the build did not
make, with timings of their own.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import ROOTS
from test_audio import read_cues as parse_vtt

from pipeline.audio.mixing import from_pcm, trim
from pipeline.cli import main

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
SLUG = "short-guide"


def _segments() -> int:
    """How many segments the test guide has (its speech script says; the help chapter included)."""
    from pipeline.i18n.article import prepare_article
    from pipeline.source.project import load_project
    from pipeline.speech.lexicon import article_script

    project = load_project(ROOTS / "voices")
    article, _ = prepare_article(project, "short-guide", "en")
    return len(article_script(project, article).segments)


SEGMENTS = _segments()


def cli(root: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["-C", str(root), *args], catch_exceptions=False)


def narrate(root: Path, language: str, skip: set[int] = frozenset()) -> list[dict[str, str]]:  # type: ignore[assignment]
    """Write the narrator's script, then 'record' every segment but ``skip`` (a stand-in narrator)."""
    result = cli(root, "record", language, "--no-pdf")
    assert result.exit_code == 0, result.output
    segments: list[dict[str, str]] = json.loads((root / f"build/record/{language}/{SLUG}.json").read_text())[
        "segments"
    ]
    for index, segment in enumerate(segments):
        if index not in skip:
            wav = root / segment["file"]
            wav.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                ["espeak-ng", "-v", "en-us", "-s", "110", "-w", str(wav), segment["text"]], check=True
            )
    return segments


def spoken_seconds(wav: Path) -> float:
    """The recording's length once the silence around its speech is trimmed, as the build does."""
    with wave.open(str(wav)) as handle:
        rate, pcm = handle.getframerate(), handle.readframes(handle.getnframes())
    return len(trim(from_pcm(pcm), rate)) / rate


@pytest.fixture
def root(tmp_path: Path) -> Path:
    target = tmp_path / "voices"
    shutil.copytree(ROOTS / "voices", target)
    return target


def test_the_narrators_script_lists_every_segment_with_its_file_and_tricky_words(root: Path) -> None:
    result = cli(root, "record", "en")
    assert result.exit_code == 0, result.output
    assert f"short-guide: 0 of {SEGMENTS} segments recorded" in result.stdout
    data = json.loads((root / "build/record/en/short-guide.json").read_text())
    ids = [s["id"] for s in data["segments"]]
    assert len(set(ids)) == len(ids) == SEGMENTS
    iop = next(s for s in data["segments"] if s["text"] == "IOP lets you keep working.")
    assert iop["say"] == [["IOP", "I O P"]]
    assert iop["file"] == f"recordings/en/short-guide/{iop['id']}.wav"
    html = (root / "build/record/en/short-guide.html").read_text()
    assert (
        all(f'id="{i}"' in html for i in ids) and '“IOP” <span lang="en" dir="ltr">as</span> “I O P”' in html
    )
    pdf = (root / "build/record/en/short-guide.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")


def test_recordings_are_used_missing_ones_are_spoken_and_a_stale_one_is_reported(root: Path) -> None:
    segments = narrate(root, "en", skip={3})
    stale = root / segments[5]["file"]
    stale.with_suffix(".txt").write_text("0000000000000000\nwords from an older script\n")
    orphan = stale.with_name("u-0badc0de.wav")  # a paragraph since rewritten: its id is gone
    shutil.copy(stale, orphan)
    result = cli(root, "build", "--format", "audio", "--format", "html", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert re.search(
        rf"en\s+audio\s+built\s+short-guide \(\d+\.\d s\): {SEGMENTS - 2} of {SEGMENTS} segments recorded \(1 stale", result.stdout
    )
    assert f"{stale.relative_to(root)}: stale: the text changed since it was recorded" in result.output
    assert f"{orphan.relative_to(root)}: no segment has this id now (its words changed)" in result.output
    cues = {cue.id: cue for cue in parse_vtt((root / "build/site/en/short-guide.vtt").read_text())}
    assert list(cues) == [s["id"] for s in segments]
    lengths = [cues[s["id"]].end - cues[s["id"]].start for s in segments]
    for index, segment in enumerate(segments):
        if index not in (3, 5):  # timings from the recordings themselves
            assert abs(lengths[index] - spoken_seconds(root / segment["file"])) < 0.01, segment
    # The stale segment was spoken by the synthetic voice (faster than the slow stand-in narrator).
    assert lengths[5] < spoken_seconds(root / segments[5]["file"]) - 0.3
    assert f"en       espeak-ng en-us; {SEGMENTS - 2} of {SEGMENTS} segments recorded, 1 stale" in cli(root, "status").stdout


def test_a_language_without_a_voice_publishes_its_guide_once_every_segment_is_recorded(root: Path) -> None:
    toml = root / "source/site.toml"
    toml.write_text(toml.read_text() + '\n[voices.km]\nnarrator = "Sokha Chan"\n')
    segments = narrate(root, "km", skip={7})
    result = cli(root, "build", "--format", "audio", "--format", "html", "--lang", "km")
    assert result.exit_code == 0, result.output
    assert re.search(
        rf"km\s+audio\s+skipped\s+short-guide \(\d+\.\d s\): {SEGMENTS - 1} of {SEGMENTS} segments recorded", result.stdout
    )
    assert not (root / "build/site/km/short-guide.mp3").exists()
    last = root / segments[7]["file"]
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(last), segments[7]["text"]], check=True)
    result = cli(root, "build", "--format", "audio", "--format", "html", "--lang", "km")
    assert result.exit_code == 0, result.output
    assert (root / "build/site/km/short-guide.mp3").stat().st_size > 10_000
    assert re.search("អាន\u200b?ដោយ Sokha Chan\\s?។", (root / "build/site/km/short-guide.html").read_text())
    cues = parse_vtt((root / "build/site/km/short-guide.vtt").read_text())
    assert [c.id for c in cues] == [s["id"] for s in segments]
    status = cli(root, "status").stdout
    assert f"km       recordings only, narrated by Sokha Chan; {SEGMENTS} of {SEGMENTS} segments recorded" in status
    assert "en       espeak-ng en-us\n" in status
