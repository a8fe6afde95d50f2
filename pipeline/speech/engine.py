"""The speech engine interface, espeak-ng through pyttsx3, and a worker process with time limits."""

from __future__ import annotations

import atexit
import collections
import contextlib
import ctypes
import importlib
import itertools
import multiprocessing
import os
import re
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

#: Words a minute: slower than espeak-ng's 175 for listeners new to the topic or the language.
SPEECH_RATE = 160
DEFAULT_ENGINE = "pipeline.speech.engine:Pyttsx3Engine"
#: Engines whose samples depend on what they spoke before (espeak-ng's pitch flutter and noise run
#: on from one utterance to the next): each file gets a new one (about 0.02 s), so that a guide is
#: the same whichever guides its worker spoke first, in a cold build, a rebuild or on a cluster.
FRESH_FOR_EACH_FILE = frozenset({DEFAULT_ENGINE})
#: Texts spoken by engines this process started, by engine spec (what tests and benchmarks count).
SPOKEN: collections.Counter[str] = collections.Counter()


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


class Pyttsx3Engine:
    """espeak-ng through pyttsx3's binding of its library, checked so that it never falls back to
    another voice.

    The binding is used synchronously, not through pyttsx3's event loop: that loop polls every
    10 ms for the end of each utterance, can return before the audio is written (pyttsx3 #219),
    hangs after a queued voice change, speaks the last text again on the next run, and gathers
    each utterance by concatenating bytes. With it, synthesis took a fifth more CPU time than
    espeak-ng's own command; without it, the same (benchmarks/bench_audio.py).
    """

    def __init__(self) -> None:
        from pyttsx3.drivers import _espeak

        self.espeak: Any = _espeak
        self.rate = int(_espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 0))
        if self.rate <= 0:
            raise SpeechError("espeak-ng could not be started")
        self.chunks: list[bytes] = []
        _espeak.SetSynthCallback(self._collect)  # the binding keeps the callback alive
        self.voice = ""

    def _collect(self, wav: Any, count: int, events: Any) -> int:
        if count > 0:
            self.chunks.append(ctypes.string_at(wav, count * 2))
        return 0  # go on

    def open(self, voice: str) -> str:
        known = [v.identifier.decode("utf-8").lower() for v in self.espeak.ListVoices(None)]
        wanted = next((vid for vid in known if vid == voice or vid.rsplit("/", 1)[-1] == voice), None)
        if wanted is None:
            raise SpeechError(f"espeak-ng has no voice {voice!r}")
        if self.espeak.SetVoiceByName(voice.encode("utf-8")) != 0:
            raise SpeechError(f"espeak-ng could not open the voice {voice!r}")
        self.espeak.SetParameter(self.espeak.RATE, SPEECH_RATE, 0)  # a voice switch resets it
        self.espeak.SetParameter(self.espeak.VOLUME, 100, 0)
        self.voice = str(wanted)
        self._check_voice()
        return self.voice

    def _check_voice(self) -> None:
        """Read the voice back: espeak-ng keeps the last voice when a new one cannot be set."""
        current = self.espeak.GetCurrentVoice()
        name = current.contents.identifier.decode("utf-8").lower() if current else None
        if name != self.voice:
            raise SpeechError(f"asked for voice {self.voice} but espeak-ng would speak with {name}")

    def synthesize(self, text: str) -> Speech:
        self.chunks = []
        flags = self.espeak.ENDPAUSE | self.espeak.CHARS_UTF8
        if self.espeak.Synth(text.encode("utf-8"), flags=flags) != 0:
            raise SpeechError("espeak-ng could not speak the text")
        self._check_voice()
        return Speech(b"".join(self.chunks), self.rate)


def _engine_processes() -> Any:
    """Where engine processes come from: forked from a fork server, a clean process started once by
    each process that speaks, which has imported this module and holds nothing of the build's.
    Never forked from this process: an engine would hold what it holds (the build lock, kept by an
    idle engine for the next build, which then waited for it forever). Each spawned engine started
    a Python and imported this module and the build's main module: 0.10 to 0.25 s a guide, and a
    cold build of one article speaks 13. Forked, an engine is ready in about 0.02 s, or 0.08 s
    where the main module is a script it imports again (the CLI: click). Each is handed the
    environment of the process that starts it, as a spawned one had it."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _load_engine(spec: str) -> SpeechEngine:
    module, _, name = spec.partition(":")
    engine: SpeechEngine = getattr(importlib.import_module(module), name)()
    return engine


def _worker(conn: Connection, engine_spec: str, voice: str, folder: str, environ: dict[str, str]) -> None:
    """Runs in its own process: open the voice, then speak each text sent until None.

    Each text's samples go to a file in ``folder`` and only its name goes through the pipe, so
    that the engine can speak ahead while the caller encodes (a pipe would make it wait).
    ``environ``: the starting process's environment now (a forked engine has its fork server's).
    """
    os.environ.clear()
    os.environ.update(environ)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's: it closes us, or dies
    with contextlib.suppress(OSError):  # die with the process that started us, even if it is killed
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    with (
        open(os.devnull, "w") as quiet,
        contextlib.redirect_stdout(quiet),  # nothing may reach the build log
        contextlib.suppress(OSError),  # an answer the caller is no longer there to take: we end
    ):
        try:
            engine = _load_engine(engine_spec)
            answer: tuple[str, object] = ("ready", engine.open(voice))
        except Exception as error:
            answer = ("error", str(error))
        conn.send(answer)
        if answer[0] == "error":
            return
        for number in itertools.count():
            if (message := _next_message(conn)) is None:
                break
            try:
                answer = ("ok", _serve(engine, message, Path(folder) / f"{number}.pcm"))
            except Exception as error:
                answer = ("error", str(error))
            conn.send(answer)


def _next_message(conn: Connection) -> tuple[str, str] | None:
    """The next text or voice to serve; None to stop, or when the process that started us is gone
    (killed: its end of the pipe closes before the kernel's PDEATHSIG reaches us)."""
    try:
        message: tuple[str, str] | None = conn.recv()
    except (EOFError, OSError):
        return None
    return message


def _serve(engine: SpeechEngine, message: tuple[str, str], path: Path) -> object:
    kind, value = message
    if kind == "voice":
        return engine.open(value)
    speech = engine.synthesize(value)
    path.write_bytes(speech.pcm)
    return (str(path), speech.rate)


class SpeechWorker:
    """A speech engine in a separate process; a segment over ``timeout`` seconds kills it."""

    #: Texts the engine may speak ahead of the one being used (a few MB of samples at most).
    ahead = 3

    def __init__(self, voice: str, *, timeout: float = 30.0, engine: str = DEFAULT_ENGINE) -> None:
        self.voice, self.timeout, self.engine_spec = voice, timeout, engine
        self.voice_in_use = ""

    def __enter__(self) -> SpeechWorker:
        context = _engine_processes()
        self.folder = _make_folder()
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker,
            args=(child, self.engine_spec, self.voice, self.folder, dict(os.environ)),
            daemon=True,
        )
        self.process.start()
        child.close()
        try:
            self.voice_in_use = str(self._receive("opening the voice"))
        except SpeechError:  # __exit__ will not run: end the process and its folder here
            self.close(force=True)
            raise
        return self

    def select(self, voice: str) -> None:
        """Switch this engine process to another voice (checked like the first)."""
        self.conn.send(("voice", voice))
        self.voice, self.voice_in_use = voice, str(self._receive(f"opening the voice {voice}"))

    def alive(self) -> bool:
        return self.process.is_alive() and not self.conn.closed

    def speak(self, text: str) -> Speech:
        (speech,) = self.speak_all([text])
        return speech

    def speak_all(self, texts: Sequence[str]) -> Iterator[Speech]:
        """Speak each text in order; the engine works up to ``ahead`` texts in advance, so that it
        speaks while the caller mixes and encodes (two cores busy, not one)."""
        sent = min(self.ahead, len(texts))
        for text in texts[:sent]:
            self.conn.send(("say", text))
        received = 0
        try:
            for text in texts:
                path, rate = self._receive(f"speaking {text[:40]!r}")
                received += 1
                if sent < len(texts):
                    self.conn.send(("say", texts[sent]))
                    sent += 1
                samples = Path(path).read_bytes()
                Path(path).unlink()
                SPOKEN[self.engine_spec] += 1
                yield Speech(samples, rate)
        finally:
            if sent > received:  # left early: answers to texts sent ahead would confuse the next file
                self.close(force=True)

    def _receive(self, doing: str) -> Any:
        if not self.conn.poll(self.timeout):
            self.close(force=True)
            raise SpeechError(f"the speech engine took over {self.timeout:g} s {doing}; stopped it")
        try:
            status, payload = self.conn.recv()
        except (EOFError, OSError):  # ended, or killed (a reset connection)
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
        shutil.rmtree(self.folder, ignore_errors=True)

    def __exit__(self, *exc: object) -> None:
        self.close(force=exc[0] is not None)


def _memory_folder() -> str | None:
    """/dev/shm where there is one: the samples never need to reach a disk."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


FOLDER_PREFIX = "plainspoken-speech-"
_OWNED = re.compile(rf"{FOLDER_PREFIX}(\d+)-")  # the pid of the process that made the folder
_CLEANED_IN = 0  # the process that has removed the folders left by dead ones


def _make_folder() -> str:
    """A folder for this process's samples, named after its pid; first, those of dead processes go."""
    global _CLEANED_IN
    base = _memory_folder() or tempfile.gettempdir()
    if os.getpid() != _CLEANED_IN:
        remove_orphaned_folders(Path(base))
        _CLEANED_IN = os.getpid()
    return tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-", dir=base)


def remove_orphaned_folders(base: Path, *, legacy_age: float = 86400.0) -> list[Path]:
    """Remove the sample folders of builds that were killed or crashed: those whose owner process is
    gone (and those of older versions, which carry no pid, once a day old). Returns what went."""
    removed = []
    for folder in base.glob(f"{FOLDER_PREFIX}*"):
        match = _OWNED.match(folder.name)
        with contextlib.suppress(OSError):
            if match and _alive(int(match.group(1))):
                continue
            if not match and time.time() - folder.stat().st_mtime < legacy_age:
                continue
            shutil.rmtree(folder)
            removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


_IDLE: dict[str, SpeechWorker] = {}  # engine → an idle engine process, reused by the next file
_IDLE_CLOSED_AT_EXIT = 0  # the process that has arranged to close its idle engines when it exits


def _keep_idle(engine: str, worker: SpeechWorker) -> None:
    """Keep ``worker`` for the next file, and close it (and its sample folder) at exit.

    Build worker processes leave without running ``atexit``: they call close_idle_engines last.
    One is kept per engine: a Dask worker of two threads spoke two guides at once, and the second
    engine put aside replaced the first, which nothing ended until the worker did."""
    global _IDLE_CLOSED_AT_EXIT
    if os.getpid() != _IDLE_CLOSED_AT_EXIT:
        atexit.register(close_idle_engines)
        _IDLE_CLOSED_AT_EXIT = os.getpid()
    if _IDLE.setdefault(engine, worker) is not worker:
        worker.close()


def close_idle_engines() -> None:
    """End the engine processes kept for the next file, and remove their sample folders (as another
    thread may take one for a file meanwhile)."""
    while True:
        try:
            _, worker = _IDLE.popitem()
        except KeyError:
            return
        worker.close()


def stop_engine_server() -> None:
    """End this process's fork server of engines and wait for it, when no engine runs any more (a
    build's worker process as it exits). Left to end by itself, it outlived its parent: nobody
    waited for it, and the CPU time of its engines counted nowhere (a cold build's CPU time fell by
    its speech, 0.92 the raw tools' instead of 1.3). Waited for, it counts among this process's
    children, as spawned engines did. Python's own way (its tests'); private, so a Python without
    it is left as it was."""
    from multiprocessing import forkserver

    with contextlib.suppress(Exception):
        forkserver._forkserver._stop()  # type: ignore[attr-defined]


@contextlib.contextmanager
def speech_worker(
    voice: str, *, timeout: float = 30.0, engine: str = DEFAULT_ENGINE
) -> Iterator[SpeechWorker]:
    """An engine process for ``voice``: the one this process used last, or a new one.

    Starting an engine costs more than speaking a short article, so a build worker keeps one (but
    one in FRESH_FOR_EACH_FILE); a file that fails (a stuck segment, a wrong voice) ends it, and the
    next file starts afresh.
    """
    worker = _IDLE.pop(engine, None)
    if worker is not None and worker.alive():
        try:
            worker.select(voice)
        except SpeechError:
            worker.close(force=True)
            raise
    else:
        if worker is not None:
            worker.close(force=True)
        worker = SpeechWorker(voice, timeout=timeout, engine=engine).__enter__()
    try:
        yield worker
    except BaseException:
        worker.close(force=True)
        raise
    if engine in FRESH_FOR_EACH_FILE:
        worker.close()
    else:
        _keep_idle(engine, worker)
