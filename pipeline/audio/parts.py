"""A guide's speech made ahead in shares by several build jobs (one WAV per segment), for the job that
mixes, encodes and times the guide: a slow voice (Piper) then speaks on every core, not on one."""

from __future__ import annotations

import io
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.render.speech import Segment, SpeechScript
from pipeline.source.project import write_atomic
from pipeline.speech.engine import Speech, SpeechError, speech_worker
from pipeline.speech.speakers import Voice

if TYPE_CHECKING:
    from pipeline.audio.kept import SpeechCache

#: What a share leaves for a segment it could not speak: the engine's message, reported by the guide.
FAILED = ".failed"


def share(segments: Sequence[Segment], index: int, count: int) -> list[Segment]:
    """The ``index``-th (from 0) of ``count`` runs of consecutive ``segments`` with about as much text
    each (a segment goes to the run its middle character falls in)."""
    total = sum(len(s.spoken) for s in segments) or 1
    chosen, before = [], 0
    for segment in segments:
        middle = before + len(segment.spoken) / 2
        before += len(segment.spoken)
        if min(count - 1, int(middle * count / total)) == index:
            chosen.append(segment)
    return chosen


def speak_share(
    segments: Sequence[Segment],
    folder: Path,
    *,
    voice: str,
    timeout: float,
    engine: str,
    kept: SpeechCache | None = None,
) -> None:
    """Speak each segment into ``folder``/<id>.wav (written atomically), and keep it for the next
    build; a segment ``kept`` from an earlier one is left to the guide. At the first segment that
    cannot be spoken, leave its message in <id>.failed and stop: the guide fails with that line."""
    speaking = Voice(engine, voice)
    if kept is not None:
        segments = [s for s in segments if kept.find(speaking, s.spoken) is None]
    if not segments:
        return
    done = 0
    try:
        with speech_worker(voice, timeout=timeout, engine=engine) as worker:
            for speech in worker.speak_all([s.spoken for s in segments]):
                write_atomic(folder / f"{segments[done].anchor}.wav", wav_bytes(speech))
                if kept is not None:
                    kept.keep(speaking, segments[done].spoken, speech)
                done += 1
    except SpeechError as error:
        write_atomic(folder / f"{segments[done].anchor}{FAILED}", str(error).encode("utf-8"))


def spoken_ahead(script: SpeechScript, folder: Path | None) -> dict[str, Path]:
    """Segment id → its speech made ahead in ``folder`` (none for a segment no share spoke: the
    guide speaks it itself); a segment a share could not speak raises its SpeechError."""
    if folder is None or not folder.is_dir():
        return {}
    found = {}
    for segment in script.segments:
        failed = folder / f"{segment.anchor}{FAILED}"
        if failed.is_file():
            raise SpeechError(failed.read_text(encoding="utf-8"))
        wav = folder / f"{segment.anchor}.wav"
        if wav.is_file():
            found[segment.anchor] = wav
    return found


def read_spoken(path: Path) -> Speech:
    """Speech made ahead, exactly as the engine made it (16-bit mono samples at its own rate)."""
    with wave.open(str(path), "rb") as handle:
        return Speech(handle.readframes(handle.getnframes()), handle.getframerate())


def spoken_rate(path: Path) -> int:
    with wave.open(str(path), "rb") as handle:
        return handle.getframerate()


def wav_bytes(speech: Speech) -> bytes:
    """Speech as a WAV file, exactly as the engine made it."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(speech.rate)
        handle.writeframes(speech.pcm)
    return buffer.getvalue()
