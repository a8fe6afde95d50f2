"""The speech engine interface, pyttsx3 driving espeak-ng, and a worker process with time limits."""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import multiprocessing
import os
import signal
import tempfile
import threading
import time
import wave
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

#: Words a minute: slower than espeak-ng's 175 for listeners new to the topic or the language.
SPEECH_RATE = 160
DEFAULT_ENGINE = "pipeline.speech.engine:Pyttsx3Engine"


class SpeechError(Exception):
    """Speech could not be made, or would be in the wrong voice."""


@dataclass(frozen=True)
class Speech:
    """16-bit mono PCM samples and their rate."""

    pcm: bytes
    rate: int


class SpeechEngine(Protocol):
    """What the audio builder needs from a speech engine."""

    def open(self, voice: str) -> str:
        """Select ``voice``; return the voice the engine reports it is using."""

    def synthesize(self, text: str) -> Speech:
        """Speak ``text`` with the selected voice."""


class _FastPolling:
    """Stands in for the ``time`` module inside pyttsx3's espeak driver: shorter sleeps."""

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(min(seconds, 0.001))

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


class Pyttsx3Engine:
    """pyttsx3 with its espeak-ng driver, checked so that it never falls back to another voice."""

    def __init__(self) -> None:
        import pyttsx3
        import pyttsx3.drivers.espeak as driver

        # pyttsx3 2.99's espeak driver polls for the end of each utterance every 10 ms: with
        # one utterance per paragraph that is most of the synthesis time. Poll every 1 ms.
        driver.time = _FastPolling()
        self.engine = pyttsx3.init("espeak")
        self.voice = ""

    def open(self, voice: str) -> str:
        known = [v.id for v in self.engine.getProperty("voices")]
        wanted = next((vid for vid in known if vid == voice or vid.rsplit("/", 1)[-1] == voice), None)
        if wanted is None:
            raise SpeechError(f"espeak-ng has no voice {voice!r}")
        # pyttsx3 queues engine.setProperty until runAndWait, and that loop hangs when nothing is
        # to be said after a first utterance: set the voice on the espeak driver directly.
        driver = self.engine.proxy._driver
        with contextlib.suppress(ValueError):  # an unknown voice: the read-back below refuses it
            driver.setProperty("voice", voice)
        driver.setProperty("rate", SPEECH_RATE)  # after the voice: a voice switch resets it
        self.voice = str(wanted)
        self._check_voice()
        return self.voice

    def _check_voice(self) -> None:
        """Read the voice back: pyttsx3 silently keeps English when a voice cannot be set."""
        current = self.engine.getProperty("voice")
        if current != self.voice:
            raise SpeechError(f"asked for voice {self.voice} but espeak-ng would speak with {current}")

    def synthesize(self, text: str) -> Speech:
        from pyttsx3.drivers import _espeak

        with tempfile.TemporaryDirectory(prefix="plainspoken-speech-") as folder:
            path = Path(folder) / "segment.wav"
            self.engine.save_to_file(text, str(path))
            self.engine.runAndWait()
            _espeak.Synchronize()  # runAndWait can return before the file is written (pyttsx3 #219)
            # The espeak driver keeps the last text and file name and would speak them again at the
            # next runAndWait (when the voice is switched): forget them once the file is written.
            driver = self.engine.proxy._driver
            driver._text_to_say, driver._save_file = None, None
            self._check_voice()
            if not path.exists():
                raise SpeechError("espeak-ng wrote no audio")
            with wave.open(str(path), "rb") as wav:
                if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
                    raise SpeechError("espeak-ng's audio is not 16-bit mono")
                return Speech(wav.readframes(wav.getnframes()), wav.getframerate())


def _load_engine(spec: str) -> SpeechEngine:
    module, _, name = spec.partition(":")
    engine: SpeechEngine = getattr(importlib.import_module(module), name)()
    return engine


def _worker(conn: Connection, engine_spec: str, voice: str) -> None:
    """Runs in its own process: open the voice, then speak each text sent until None."""
    with contextlib.suppress(OSError):  # die with the process that started us, even if it is killed
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):  # pyttsx3 prints
        try:
            engine = _load_engine(engine_spec)
            conn.send(("ready", engine.open(voice)))
        except Exception as error:
            conn.send(("error", str(error)))
            return
        while (message := conn.recv()) is not None:
            kind, value = message
            try:
                conn.send(("ok", engine.open(value) if kind == "voice" else engine.synthesize(value)))
            except Exception as error:
                conn.send(("error", str(error)))


class SpeechWorker:
    """A speech engine in a separate process; a segment over ``timeout`` seconds kills it."""

    def __init__(self, voice: str, *, timeout: float = 30.0, engine: str = DEFAULT_ENGINE) -> None:
        self.voice, self.timeout, self.engine_spec = voice, timeout, engine
        self.voice_in_use = ""

    def __enter__(self) -> SpeechWorker:
        # Forking is quickest; a process with threads (the preview server) spawns instead.
        method = "fork" if threading.active_count() == 1 else "spawn"
        context: Any = multiprocessing.get_context(method)
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker, args=(child, self.engine_spec, self.voice), daemon=True
        )
        self.process.start()
        child.close()
        self.voice_in_use = str(self._receive("opening the voice"))
        return self

    def select(self, voice: str) -> None:
        """Switch this engine process to another voice (checked like the first)."""
        self.conn.send(("voice", voice))
        self.voice, self.voice_in_use = voice, str(self._receive(f"opening the voice {voice}"))

    def alive(self) -> bool:
        return self.process.is_alive() and not self.conn.closed

    def speak(self, text: str) -> Speech:
        return next(self.speak_all([text]))

    def speak_all(self, texts: Sequence[str]) -> Iterator[Speech]:
        """Speak each text in order, asking for the next before handing back the current one,
        so that the engine speaks while the caller mixes and encodes (two cores busy, not one)."""
        if texts:
            self.conn.send(("say", texts[0]))
        for index, text in enumerate(texts):
            speech = self._receive(f"speaking {text[:40]!r}")
            if index + 1 < len(texts):
                self.conn.send(("say", texts[index + 1]))
            assert isinstance(speech, Speech)
            yield speech

    def _receive(self, doing: str) -> Any:
        if not self.conn.poll(self.timeout):
            self.close(force=True)
            raise SpeechError(f"the speech engine took over {self.timeout:g} s {doing}; stopped it")
        try:
            status, payload = self.conn.recv()
        except EOFError:
            self.close(force=True)
            raise SpeechError(f"the speech engine stopped while {doing}") from None
        if status == "error":
            raise SpeechError(str(payload))
        return payload

    def close(self, *, force: bool = False) -> None:
        if not force and self.process.is_alive():
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
            self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()

    def __exit__(self, *exc: object) -> None:
        self.close(force=exc[0] is not None)


_IDLE: dict[str, SpeechWorker] = {}  # engine → an idle engine process, reused by the next file


@contextlib.contextmanager
def speech_worker(
    voice: str, *, timeout: float = 30.0, engine: str = DEFAULT_ENGINE
) -> Iterator[SpeechWorker]:
    """An engine process for ``voice``: the one this process used last, or a new one.

    Starting an engine costs more than speaking a short article, so a build worker keeps one;
    a file that fails (a stuck segment, a wrong voice) ends it, and the next file starts afresh.
    """
    worker = _IDLE.pop(engine, None)
    if worker is not None and worker.alive():
        try:
            worker.select(voice)
        except SpeechError:
            worker.close(force=True)
            raise
    else:
        worker = SpeechWorker(voice, timeout=timeout, engine=engine).__enter__()
    try:
        yield worker
    except BaseException:
        worker.close(force=True)
        raise
    _IDLE[engine] = worker
