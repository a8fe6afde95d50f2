"""Speech kept between builds, a WAV per segment in build/cache/speech: editing one message in a slow
voice's language re-speaks that segment, not the whole guide.

An entry's name is the hash of everything its samples come from: the engine, the model's bytes (or the
voice's name), the voice settings (with how Piper's noise is drawn and its decoder run), the words,
and the speech toolchain (espeak-ng's files, piper-tts, ONNX Runtime's, onnx's and numpy's
versions). Entries are written whole or not at all (two workers may write the same one). What
stays bounded: each guide lists the entries it was made of (guides/<lang>/<slug>.keys); the first
guide written in a build drops the entries no current guide lists and this build has not used, with
the lists of guides no longer on the site.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pipeline.audio.parts import read_spoken, wav_bytes
from pipeline.render.speech import Segment, SpeechScript
from pipeline.source.project import Project, write_atomic
from pipeline.speech.engine import SPEECH_RATE, Speech
from pipeline.speech.piper import LENGTH_SCALE
from pipeline.speech.piper_decoder import DECODING
from pipeline.speech.piper_noise import NOISE
from pipeline.speech.speakers import Voice

#: What else decides the samples: the voice settings every engine is given, how Piper's noise is drawn
#: and how its decoder is given a long sentence.
SETTINGS = f"rate={SPEECH_RATE} length_scale={LENGTH_SCALE} pcm=s16le mono {NOISE} {DECODING}"
#: Written once per build (named by the last build's end) by the guide that clears out the cache.
SWEPT = "speech-cache-swept"


@dataclass(frozen=True)
class SpeechCache:
    """The kept speech of one project (``folder``), for voices made with ``toolchain``."""

    folder: Path
    toolchain: str

    def path(self, voice: Voice, text: str) -> Path:
        parts = [voice.engine, _model(voice.voice), SETTINGS, self.toolchain, text]
        key = hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()
        return self.folder / "segments" / key[:2] / f"{key}.wav"

    def find(self, voice: Voice, text: str) -> Path | None:
        """The kept speech of ``text`` in ``voice`` (marked as used by this build), or None."""
        if not worth_keeping(voice.engine):
            return None
        path = self.path(voice, text)
        try:
            os.utime(path)
        except OSError:
            return None
        return path

    def keep(self, voice: Voice, text: str, speech: Speech) -> None:
        """Keep ``speech`` for the next build; a cache that cannot be written only costs time."""
        if worth_keeping(voice.engine):
            with contextlib.suppress(OSError):
                write_atomic(self.path(voice, text), wav_bytes(speech))

    def read(self, path: Path) -> Speech:
        return read_spoken(path)

    def record_guide(self, project: Project, language: str, slug: str, used: Iterable[Path]) -> None:
        """Note the entries a guide was just made of (they stay), and clear out the cache once a build."""
        names = sorted({path.name for path in used})
        with contextlib.suppress(OSError):
            write_atomic(self._guide_list(language, slug), "\n".join(names).encode("ascii"))
            self._sweep_once(project)

    def _guide_list(self, language: str, slug: str) -> Path:
        return self.folder / "guides" / language / f"{slug}.keys"

    def _sweep_once(self, project: Project) -> None:
        """In the first guide of a build: drop the lists of guides not on the last site, then every
        entry no list names that was last used before the last build ended. The build folder is the
        cache's own (a worker builds from a private copy of the inputs, which has none); a cluster
        worker's cache, outside any build folder, is not swept."""
        build = self.folder.parent.parent
        try:
            last_build = (build / "manifest.json").stat().st_mtime_ns
            os.close(os.open(self.folder / f"{SWEPT}-{last_build}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except OSError:  # another guide swept already, or no build finished before: nothing to drop
            return
        for marker in self.folder.glob(f"{SWEPT}-*"):
            if marker.name != f"{SWEPT}-{last_build}":
                marker.unlink(missing_ok=True)
        listed = self._listed(build / "site", last_build)
        for folder in (self.folder / "segments").glob("??"):
            for entry in os.scandir(folder):
                with contextlib.suppress(OSError):
                    if entry.name not in listed and entry.stat().st_mtime_ns < last_build:
                        os.unlink(entry.path)

    def _listed(self, site: Path, last_build: int) -> set[str]:
        """Entries the guides on the site (or written in this build) were made of."""
        listed: set[str] = set()
        for keys in (self.folder / "guides").glob("*/*.keys"):
            with contextlib.suppress(OSError):
                on_site = (site / keys.parent.name / f"{keys.stem}.mp3").exists()
                if not on_site and keys.stat().st_mtime_ns < last_build:
                    keys.unlink()
                    continue
                listed.update(keys.read_text(encoding="ascii").split())
        return listed


def segment_voice(segment: Segment, page: Voice, others: Mapping[str, Voice]) -> Voice | None:
    """The synthetic voice that speaks ``segment``: its language's, or the page's (None: no voice)."""
    return others.get(segment.lang) if segment.lang else page


def kept_paths(
    script: SpeechScript,
    page: Voice,
    others: Mapping[str, Voice],
    recorded: Mapping[str, Path],
    kept: SpeechCache,
) -> list[Path]:
    """The entries a guide's synthetic segments are kept in (by voices whose speech is kept)."""
    paths = []
    for segment in script.segments:
        voice = segment_voice(segment, page, others)
        if voice is not None and segment.anchor not in recorded and worth_keeping(voice.engine):
            paths.append(kept.path(voice, segment.spoken))
    return paths


@functools.cache
def worth_keeping(engine: str) -> bool:
    """Whether an engine's speech is kept: its class says so (``keep_speech``), as Piper's does;
    espeak-ng speaks about as fast as its samples would be read back."""
    module, _, name = engine.partition(":")
    try:
        return bool(getattr(getattr(importlib.import_module(module), name), "keep_speech", False))
    except (ImportError, AttributeError):
        return False


@functools.cache
def _file_hash(path: str, size: int, mtime: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _model(voice: str) -> str:
    """A Piper model as the hash of its bytes and its configuration's; another voice as its name."""
    files = [Path(voice), Path(f"{voice}.json")]
    try:
        stats = [path.stat() for path in files]
    except OSError:
        return voice
    return " ".join(_file_hash(str(p), s.st_size, s.st_mtime_ns) for p, s in zip(files, stats, strict=True))
