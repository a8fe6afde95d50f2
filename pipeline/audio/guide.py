"""An audio guide from a speech script: synthesis per segment, even loudness, timed cues."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from pipeline.audio.mixing import from_pcm, master, silence, trim
from pipeline.audio.mp3 import Chapter, Mp3Writer
from pipeline.audio.vtt import Cue
from pipeline.render.speech import SpeechScript
from pipeline.speech.engine import DEFAULT_ENGINE, SpeechError, speech_worker


@dataclass(frozen=True)
class AudioGuide:
    """What was spoken and when."""

    cues: tuple[Cue, ...]
    chapters: tuple[Chapter, ...]
    duration: float
    voice: str


def speak_script(
    script: SpeechScript, *, voice: str, out: BinaryIO, timeout: float = 30.0, engine: str = DEFAULT_ENGINE
) -> AudioGuide:
    """Speak every segment in a worker process and stream the MP3 into ``out``. Pauses go between
    segments, none after the last: the file ends where the last caption does, so the length the
    page states is the length players show."""
    cues: list[Cue] = []
    starts: list[tuple[str, float]] = []
    writer: Mp3Writer | None = None
    rate, pause = 0, 0
    with speech_worker(voice, timeout=timeout, engine=engine) as worker:
        spoken = worker.speak_all([segment.spoken for segment in script.segments])
        for segment, speech in zip(script.segments, spoken, strict=True):
            if writer is None:
                rate, writer = speech.rate, Mp3Writer(out, rate=speech.rate)
            if speech.rate != rate:
                raise SpeechError(f"sample rate changed from {rate} to {speech.rate}")
            around = (pause / 1000, segment.pause_ms / 1000)  # the quiet a loudness meter hears around it
            samples = master(trim(from_pcm(speech.pcm), rate), rate, around)
            writer.write(silence(pause, rate))
            start, pause = writer.samples / rate, segment.pause_ms
            writer.write(samples)
            cues.append(Cue(segment.anchor, start, writer.samples / rate, segment.text))
            if segment.chapter:
                starts.append((segment.chapter, start))
        voice_in_use = worker.voice_in_use
    if writer is None:
        raise SpeechError("the script has nothing to say")
    writer.finish()
    duration = writer.samples / rate
    ends = [start for _, start in starts[1:]] + [duration]
    chapters = tuple(Chapter(title, start, end) for (title, start), end in zip(starts, ends, strict=True))
    return AudioGuide(tuple(cues), chapters, duration, voice_in_use)
