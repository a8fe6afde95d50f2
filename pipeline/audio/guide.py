"""An audio guide from a speech script: synthesis per segment, even loudness, timed cues."""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pipeline.audio.kept import SpeechCache, segment_voice
from pipeline.audio.mixing import from_pcm, master, resample, silence, trim
from pipeline.audio.mp3 import Chapter, Mp3Writer
from pipeline.audio.parts import read_spoken, spoken_rate
from pipeline.audio.vtt import Cue
from pipeline.render.speech import Segment, SpeechScript
from pipeline.speech.engine import DEFAULT_ENGINE, Speech, SpeechError, SpeechWorker, speech_worker
from pipeline.speech.narration import DEFAULT_RATE, read_recording
from pipeline.speech.speakers import Voice


@dataclass(frozen=True)
class AudioGuide:
    """What was spoken and when."""

    cues: tuple[Cue, ...]
    chapters: tuple[Chapter, ...]
    duration: float
    voice: str


def speak_script(
    script: SpeechScript,
    *,
    voice: str,
    out: BinaryIO,
    timeout: float = 30.0,
    engine: str = DEFAULT_ENGINE,
    recorded: Mapping[str, Path] | None = None,
    ahead: Mapping[str, Path] | None = None,
    others: Mapping[str, Voice] | None = None,
    kept: SpeechCache | None = None,
) -> AudioGuide:
    """Speak every segment in a worker process (or take its ``recorded`` narration, or the speech
    other jobs made for it ``ahead``, or the speech ``kept`` from an earlier build) and stream the MP3
    into ``out``. A segment in another language is spoken by that language's voice in ``others``.
    Pauses go between segments, none after the last: the file ends where the last caption does, so
    the length the page states is the length players show."""
    cues: list[Cue] = []
    starts: list[tuple[str, float]] = []
    writer: Mp3Writer | None = None
    rate, pause = 0, 0
    page = Voice(engine, voice)
    recorded, others = recorded or {}, others or {}
    ahead = {**_found_kept(script, page, others, recorded, kept), **(ahead or {})}
    with _voice(script, page, timeout, others, recorded, ahead, kept) as (voice_in_use, sources):
        for segment, speech in zip(script.segments, sources, strict=True):
            if writer is None:
                rate, writer = speech.rate, Mp3Writer(out, rate=speech.rate)
            pcm = from_pcm(speech.pcm)
            if speech.rate != rate and segment.lang:  # another engine's voice (espeak-ng beside Piper)
                pcm = resample(pcm, speech.rate, rate)
            elif speech.rate != rate:
                raise SpeechError(f"sample rate changed from {rate} to {speech.rate}")
            around = (pause / 1000, segment.pause_ms / 1000)  # the quiet a loudness meter hears around it
            samples = master(trim(pcm, rate), rate, around)
            writer.write(silence(pause, rate))
            start, pause = writer.samples / rate, segment.pause_ms
            writer.write(samples)
            cues.append(Cue(segment.anchor, start, writer.samples / rate, segment.text, segment.lang))
            if segment.chapter:
                starts.append((segment.chapter, start))
    if writer is None:
        raise SpeechError("the script has nothing to say")
    writer.finish()
    duration = writer.samples / rate
    ends = [start for _, start in starts[1:]] + [duration]
    chapters = tuple(Chapter(title, start, end) for (title, start), end in zip(starts, ends, strict=True))
    return AudioGuide(tuple(cues), chapters, duration, voice_in_use)


def cues_json(guide: AudioGuide) -> str:
    """What a page showing the guide needs of it, as data: when each element is read, how long it is."""
    cues = [{"id": c.id, "start": round(c.start, 3), "end": round(c.end, 3)} for c in guide.cues]
    return json.dumps({"duration": round(guide.duration, 3), "cues": cues}, separators=(",", ":"))


def _found_kept(
    script: SpeechScript,
    page: Voice,
    others: Mapping[str, Voice],
    recorded: Mapping[str, Path],
    kept: SpeechCache | None,
) -> dict[str, Path]:
    """Segment id → its speech kept from an earlier build (none for recorded segments)."""
    found = {}
    for segment in script.segments:
        voice = segment_voice(segment, page, others)
        if kept is not None and voice is not None and segment.anchor not in recorded:
            path = kept.find(voice, segment.spoken)
            if path is not None:
                found[segment.anchor] = path
    return found


@contextlib.contextmanager
def _voice(
    script: SpeechScript,
    page: Voice,
    timeout: float,
    others: Mapping[str, Voice],
    recorded: Mapping[str, Path],
    ahead: Mapping[str, Path],
    kept: SpeechCache | None = None,
) -> Iterator[tuple[str, Iterator[Speech]]]:
    """The voice in use and each segment's speech: its recording where there is one, else what was
    spoken ahead for it, else a synthetic voice's, spoken now: the page's, or the voice of the
    language a segment fell back to (``others``), so English is never read in a Spanish accent."""
    todo = [s for s in script.segments if s.anchor not in recorded and s.anchor not in ahead]
    if not todo:
        rate = spoken_rate(next(iter(ahead.values()))) if ahead else DEFAULT_RATE
        label = page.voice if ahead else "human narration"
        yield label, (_ready(s.anchor, recorded, ahead, rate) for s in script.segments)
        return
    with contextlib.ExitStack() as stack:
        in_use: dict[Voice, str] = {}
        spoken = _speak_runs(_runs(todo, page, others), stack, timeout, in_use)
        first = next(spoken)  # recordings are decoded at the first synthetic voice's rate
        queue = itertools.chain([first], spoken)

        def sources() -> Iterator[Speech]:
            for segment in script.segments:
                if segment.anchor in recorded or segment.anchor in ahead:
                    yield _ready(segment.anchor, recorded, ahead, first.rate)
                    continue
                speech = next(queue)
                voice = segment_voice(segment, page, others)
                if kept is not None and voice is not None:
                    kept.keep(voice, segment.spoken, speech)
                yield speech

        yield in_use.get(page, page.voice), sources()


def _runs(segments: list[Segment], page: Voice, others: Mapping[str, Voice]) -> list[tuple[Voice, list[str]]]:
    """Consecutive segments spoken by one voice, and their words; a language with no voice fails."""
    runs: list[tuple[Voice, list[str]]] = []
    for segment in segments:
        if segment.lang and segment.lang not in others:
            raise SpeechError(f"no voice for {segment.lang}, the language of segment {segment.anchor}")
        voice = others[segment.lang] if segment.lang else page
        if runs and runs[-1][0] == voice:
            runs[-1][1].append(segment.spoken)
        else:
            runs.append((voice, [segment.spoken]))
    return runs


def _speak_runs(
    runs: list[tuple[Voice, list[str]]], stack: contextlib.ExitStack, timeout: float, in_use: dict[Voice, str]
) -> Iterator[Speech]:
    """Each run spoken in turn: one engine process per engine, switched between its voices."""
    workers: dict[str, SpeechWorker] = {}
    for voice, texts in runs:
        worker = workers.get(voice.engine)
        if worker is None:
            worker = stack.enter_context(speech_worker(voice.voice, timeout=timeout, engine=voice.engine))
            workers[voice.engine] = worker
        elif worker.voice != voice.voice:
            worker.select(voice.voice)
        in_use.setdefault(voice, worker.voice_in_use)
        yield from worker.speak_all(texts)


def _ready(anchor: str, recorded: Mapping[str, Path], ahead: Mapping[str, Path], rate: int) -> Speech:
    path = recorded.get(anchor)
    return read_recording(path, rate) if path else read_spoken(ahead[anchor])
