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
