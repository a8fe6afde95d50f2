"""Speech engines for fast unit tests of the worker's time limits (never the only test of speech)."""

from __future__ import annotations

import time

from pipeline.speech.engine import Speech


class HangingEngine:
    """Opens any voice, then never finishes speaking: like pyttsx3 stuck in runAndWait."""

    def open(self, voice: str) -> str:
        return voice

    def synthesize(self, text: str) -> Speech:
        time.sleep(3600)
        raise AssertionError("unreachable")


class CrashingEngine:
    """Dies in the middle of a segment, as a native library might."""

    def open(self, voice: str) -> str:
        return voice

    def synthesize(self, text: str) -> Speech:
        import os

        os._exit(3)


class FailsOnEngine:
    """espeak-ng, but a segment about medicines cannot be spoken (as a voice may fail on one text)."""

    message = "the engine could not speak this segment"

    def __init__(self) -> None:
        from pipeline.speech.engine import Pyttsx3Engine

        self.engine = Pyttsx3Engine()

    def open(self, voice: str) -> str:
        return self.engine.open(voice)

    def synthesize(self, text: str) -> Speech:
        from pipeline.speech.engine import SpeechError

        if "medicines" in text:
            raise SpeechError(self.message)
        return self.engine.synthesize(text)


class NeverCalledEngine:
    """Fails a test that expected no speech to be made."""

    def open(self, voice: str) -> str:
        raise AssertionError("a speech engine was started")

    def synthesize(self, text: str) -> Speech:
        raise AssertionError("a speech engine was asked to speak")


def kill_own_process(*args: object) -> None:
    """A worker call that kills the process running it, as the kernel's out-of-memory killer would."""
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


class ToneEngine:
    """Speaks each text as tones, a 40 ms one per character (its pitch from the character): the same
    samples for the same text whatever was spoken before, which neither espeak-ng (its pitch flutter
    runs on across utterances) nor Piper (its noise generator runs on across segments) gives. Its
    speech is kept between builds, as Piper's is: a guide made from kept speech can be compared byte
    for byte with a cold build's."""

    keep_speech = True
    rate = 22050

    def open(self, voice: str) -> str:
        return f"tones {voice}"

    def synthesize(self, text: str) -> Speech:
        import numpy as np

        times = np.arange(int(self.rate * 0.04)) / self.rate
        tones = [np.sin(2 * np.pi * (200 + 3 * (ord(c) % 200)) * times) for c in text]
        return Speech((np.concatenate(tones) * 8000).astype("<i2").tobytes(), self.rate)
