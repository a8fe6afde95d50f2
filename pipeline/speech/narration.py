"""Human narration: which segments of a speech script have a current recording, and reading them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.render.speech import SpeechScript
from pipeline.speech.engine import Speech, SpeechError

#: Formats a narrator may save in, in the order looked for.
FORMATS = (".wav", ".flac", ".mp3")
#: Beside each recording, the words it was recorded for (written the first time a build uses it).
SIDECAR = ".txt"
#: Recordings are decoded at this rate when no synthetic voice sets another (espeak-ng's and Piper's).
DEFAULT_RATE = 22050


def recordings_dir(root: Path, language: str, slug: str) -> Path:
    return root / "recordings" / language / slug


def text_digest(text: str) -> str:
    """A short hash of the words a narrator reads, to tell when they have changed."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Coverage:
    """The script's segments sorted by whether a current recording exists."""

    total: int
    recorded: dict[str, Path] = field(default_factory=dict)  # segment id → recording
    stale: tuple[Path, ...] = ()  # recordings made for words that have changed since
    missing: tuple[str, ...] = ()
    orphans: tuple[Path, ...] = ()  # recordings no segment has the id of (their words changed a lot)

    @property
    def complete(self) -> bool:
        return len(self.recorded) == self.total

    def summary(self) -> str:
        stale = f" ({len(self.stale)} stale: the text changed since)" if self.stale else ""
        return f"{len(self.recorded)} of {self.total} segments recorded{stale}"


def coverage(root: Path, script: SpeechScript, slug: str, *, adopt: bool = True) -> Coverage:
    """Which segments have a recording for their current words.

    A recording with no sidecar is taken as made from the current script and (with ``adopt``) its
    words are noted beside it, so that a later change of the text makes it stale (treated as missing).
    """
    folder = recordings_dir(root, script.language, slug)
    recorded: dict[str, Path] = {}
    stale: list[Path] = []
    missing: list[str] = []
    for segment in script.segments:
        candidates = (folder / f"{segment.anchor}{ext}" for ext in FORMATS)
        found = next((path for path in candidates if path.is_file()), None)
        if found is None:
            missing.append(segment.anchor)
        elif _current(found, segment.text, adopt):
            recorded[segment.anchor] = found
        else:
            stale.append(found)
    ids = {segment.anchor for segment in script.segments}
    orphans = (
        sorted(p for p in folder.iterdir() if p.suffix in FORMATS and p.stem not in ids)
        if folder.is_dir()
        else []
    )
    return Coverage(len(script.segments), recorded, tuple(stale), tuple(missing), tuple(orphans))


def _current(recording: Path, text: str, adopt: bool) -> bool:
    sidecar = recording.with_suffix(SIDECAR)
    digest = text_digest(text)
    try:
        return sidecar.read_text(encoding="utf-8").split("\n", 1)[0].strip() == digest
    except FileNotFoundError:
        if adopt:
            sidecar.write_text(f"{digest}\n{text}\n", encoding="utf-8")  # the words it was recorded for
        return True


def read_recording(path: Path, rate: int) -> Speech:
    """A recording as 16-bit mono samples at ``rate`` (WAV, FLAC or MP3; resampled as needed)."""
    import miniaudio

    try:
        decoded = miniaudio.decode_file(
            str(path), output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1, sample_rate=rate
        )
    except miniaudio.DecodeError as error:
        raise SpeechError(f"cannot read the recording {path.name}: {error}") from None
    return Speech(decoded.samples.tobytes(), rate)
