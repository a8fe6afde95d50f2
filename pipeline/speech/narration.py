"""Human narration: which segments of a speech script have a usable, current recording, and reading them."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.model import Document, iter_units, unit_anchors
from pipeline.render.speech import Segment, SpeechScript
from pipeline.source.project import write_atomic
from pipeline.source.unreadable import unreadable_reason
from pipeline.speech.engine import Speech, SpeechError

#: Formats a narrator may save in, in the order looked for.
FORMATS = (".wav", ".flac", ".mp3")
#: What phones and recorder apps also save, which the build cannot read.
OTHER_AUDIO = (
    ".m4a",
    ".aac",
    ".ogg",
    ".oga",
    ".opus",
    ".webm",
    ".amr",
    ".3gp",
    ".aif",
    ".aiff",
    ".wma",
    ".caf",
)
#: Beside each recording, the words it was recorded for (written the first time a build uses it).
SIDECAR = ".txt"
#: Recordings are decoded at this rate when no synthetic voice sets another (espeak-ng's and Piper's).
DEFAULT_RATE = 22050
#: A recording shorter than this (seconds) holds no segment's words.
SHORTEST = 0.25
#: Peaks under this (of 32767, about -50 dBFS) are silence.
SILENT_PEAK = 100
#: A recording with more than this share of its samples at full scale was recorded too loud.
CLIPPED_SHARE = 0.001
#: What a copy or a second take adds to a file's name: "u-3f9a1c2b (1)", "u-3f9a1c2b copy 2", "u-3f9a1c2b-1".
_COPY_MARK = re.compile(r"(?:\s*\(\d+\)|[\s_-]+copy(?:[\s_-]*\d+)?|[\s_-]+\d{1,2})$", re.IGNORECASE)
_SEGMENT_ID = re.compile(r"u-[0-9a-f]{8}(?:-\d+)?")


def untranslated_ids(doc: Document) -> frozenset[str]:
    """The ids of ``doc``'s segments still in another language (untranslated): not for its narrator."""
    anchors = unit_anchors(doc)
    return frozenset(
        anchors[id(ref.node)] for ref in iter_units(doc) if ref.node.lang and ref.node.lang != doc.language
    )


def recordings_dir(root: Path, language: str, slug: str) -> Path:
    return root / "recordings" / language / slug


def text_digest(text: str) -> str:
    """A short hash of the words a narrator reads, to tell when they have changed."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Note:
    """What a narrator should know about one file: what is wrong with it and what to do."""

    path: Path
    message: str


@dataclass(frozen=True)
class Coverage:
    """The script's segments sorted by whether a usable, current recording exists."""

    total: int
    recorded: dict[str, Path] = field(default_factory=dict)  # segment id → recording
    stale: tuple[Path, ...] = ()  # recordings made for words that have changed since
    missing: tuple[str, ...] = ()  # no usable, current recording (stale and unusable ones included)
    orphans: tuple[Path, ...] = ()  # recordings no segment has the id of (their words changed a lot)
    unusable: tuple[Path, ...] = ()  # empty, unreadable, silent or too short: treated as missing
    notes: tuple[Note, ...] = ()  # every file the narrator should hear about, with what to do
    untranslated: tuple[str, ...] = ()  # segments still in the source language: not to be recorded

    @property
    def complete(self) -> bool:
        return len(self.recorded) == self.total

    def summary(self) -> str:
        extra = [f"{len(self.stale)} stale: the text changed since"] if self.stale else []
        extra += [f"{len(self.unusable)} unusable"] if self.unusable else []
        details = f" ({'; '.join(extra)})" if extra else ""
        return f"{len(self.recorded)} of {self.total} segments recorded{details}"


def coverage(
    root: Path,
    script: SpeechScript,
    slug: str,
    *,
    adopt: bool = True,
    untranslated: Collection[str] = (),
    thorough: bool = True,
) -> Coverage:
    """Which segments have a usable recording for their current words, and what else is in the folder.

    A recording with no sidecar (or a take its sidecar is not about: a new one) is taken as made from
    the current script and (with ``adopt``) its words and take are noted beside it, so that a later
    change of the text makes it stale (treated as missing). Only the guide's task and ``record`` adopt.
    Without ``thorough``, recordings are checked by their size and header only (not decoded).
    """
    folder = recordings_dir(root, script.language, slug)
    recorded, stale, flawed = _sort_recordings(folder, script, adopt=adopt, thorough=thorough)
    missing = tuple(s.anchor for s in script.segments if s.anchor not in recorded)
    by_id = {s.anchor: s for s in script.segments}
    orphans, strays = _strays(folder, by_id, missing)
    notes = [*flawed, *_stale_notes(stale, by_id), *strays, *_misplaced(folder, by_id), *_broken(folder)]
    return Coverage(
        len(script.segments),
        recorded,
        tuple(stale),
        missing,
        tuple(orphans),
        tuple(n.path for n in flawed if n.path not in recorded.values()),
        tuple(sorted(notes, key=lambda n: n.path)),
        tuple(s.anchor for s in script.segments if s.anchor in untranslated),
    )


def _sort_recordings(
    folder: Path, script: SpeechScript, *, adopt: bool, thorough: bool
) -> tuple[dict[str, Path], list[Path], list[Note]]:
    """(segment id → its usable, current recording; stale recordings; notes on flawed ones)."""
    recorded: dict[str, Path] = {}
    stale: list[Path] = []
    flawed: list[Note] = []
    for segment in script.segments:
        path = _recording(folder, segment.anchor)
        if path is None:
            continue
        flaw, warning = audit_recording(path) if thorough else (_glance(path), "")
        if flaw:
            flawed.append(Note(path, flaw))  # treated as missing
        elif _current(path, segment.text, adopt):
            recorded[segment.anchor] = path
            flawed += [Note(path, warning)] if warning else []  # used all the same
        else:
            stale.append(path)
    return recorded, stale, flawed


def _recording(folder: Path, anchor: str) -> Path | None:
    return next((p for p in (folder / f"{anchor}{ext}" for ext in FORMATS) if p.is_file()), None)


_EMPTY = "the file is empty (0 bytes): save the recording again, or record it again"


def _unreadable(path: Path) -> str:
    kind = path.suffix.lstrip(".").upper()
    return f"cannot be read as {kind} (damaged, or not {kind}): save or record it again"


def _glance(path: Path) -> str:
    """Why a recording cannot be used, from its size and header alone (for the report: no decoding)."""
    import miniaudio

    if path.stat().st_size == 0:
        return _EMPTY
    try:
        miniaudio.get_file_info(str(path))
    except miniaudio.DecodeError:
        return _unreadable(path)
    return ""


def audit_recording(path: Path) -> tuple[str, str]:
    """(why the recording cannot be used, or ""; a warning about a usable one, or "")."""
    import miniaudio
    import numpy

    if path.stat().st_size == 0:
        return _EMPTY, ""
    try:
        decoded = miniaudio.decode_file(str(path), output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1)
    except miniaudio.DecodeError:
        return _unreadable(path), ""
    levels = numpy.abs(numpy.frombuffer(decoded.samples, dtype=numpy.int16).astype(numpy.int32))
    seconds = len(levels) / max(decoded.sample_rate, 1)
    if seconds < SHORTEST:
        return f"only {seconds:.2f} s long: record the whole segment again", ""
    if int(levels.max()) < SILENT_PEAK:
        return "it is silent: check the microphone, then record it again", ""
    full = int(numpy.count_nonzero(levels >= 32767))
    if full > CLIPPED_SHARE * len(levels):
        share = 100 * full / len(levels)
        return "", f"clipped ({share:.1f}% at full scale: too loud): record it again less loud"
    return "", ""


def _current(recording: Path, text: str, adopt: bool) -> bool:
    """Whether ``recording`` was made for ``text``: the note beside it says so for this take, or it
    is a take the note is not about (a new one), made from the current script."""
    sidecar = recording.with_suffix(SIDECAR)
    digest, take = text_digest(text), take_digest(recording)
    try:
        noted = sidecar.read_text(encoding="utf-8").split("\n", 1)[0].split()
    except FileNotFoundError:
        noted = []
    words, noted_take = [*noted, "", ""][:2]
    if words and noted_take == take:
        return words == digest
    if words and not noted_take and not _newer(recording, sidecar) and words != digest:
        return False  # a note from before takes were noted, about this take (not newer): stale
    if adopt:  # the words it was recorded for and which take, written whole or not at all
        write_atomic(sidecar, f"{digest} {take}\n{text}\n".encode())
    return True


def take_digest(recording: Path) -> str:
    """What tells one take from another without reading it all: its size, first and last 64 KiB."""
    size = recording.stat().st_size
    with recording.open("rb") as handle:
        head = handle.read(65536)
        handle.seek(max(0, size - 65536))
        tail = handle.read()
    return hashlib.sha256(f"{size}\n".encode() + head + tail).hexdigest()[:16]


def _newer(recording: Path, sidecar: Path) -> bool:
    return recording.stat().st_mtime_ns > sidecar.stat().st_mtime_ns


def _stale_notes(stale: Iterable[Path], by_id: Mapping[str, Segment]) -> list[Note]:
    return [
        Note(p, f"stale: the text changed since it was recorded; record it again: “{by_id[p.stem].text}”")
        for p in stale
    ]


def _strays(
    folder: Path, by_id: Mapping[str, Segment], missing: Collection[str]
) -> tuple[list[Path], list[Note]]:
    """Files in the article's folder that are no segment's recording: orphans and misnamed files."""
    orphans: list[Path] = []
    notes: list[Note] = []
    for path in audio_files(folder):
        used = _recording(folder, path.stem) if path.stem in by_id and path.suffix in FORMATS else None
        if used is not None:
            notes += [] if used == path else [Note(path, f"not used: {used.name} is used for this segment")]
            continue
        guess = probable_id(path, by_id)
        if guess:
            notes.append(Note(path, _rename_hint(folder, path, guess)))
        elif path.suffix in FORMATS and _SEGMENT_ID.fullmatch(path.stem):
            orphans.append(path)
            notes.append(Note(path, _orphan_hint(path, by_id, missing)))
        else:
            notes.append(
                Note(path, "not used: no segment has this name (the narrator's script names each file)")
            )
    return orphans, notes


def _broken(folder: Path) -> list[Note]:
    """Recordings in ``folder`` that are links to nothing (the narrator's files moved) or folders."""
    if not folder.is_dir():
        return []
    audio = (*FORMATS, *OTHER_AUDIO)
    named = [path for path in sorted(folder.iterdir()) if path.suffix.lower() in audio]
    found = ((path, unreadable_reason(path)) for path in named)
    return [Note(path, f"not used: {why}") for path, why in found if why]


def audio_files(folder: Path) -> list[Path]:
    """The files in ``folder`` a narrator may have meant as recordings (not sidecars nor hidden files)."""
    if not folder.is_dir():
        return []
    audio = (*FORMATS, *OTHER_AUDIO)
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in audio
    )


def probable_id(path: Path, by_id: Mapping[str, object]) -> str:
    """The segment id a misnamed file was probably meant for ("U-3F9A1C2B (1).WAV" → "u-3f9a1c2b"), or ""."""
    stem = path.stem.strip().casefold()
    inner = Path(stem)  # "u-3f9a1c2b.wav.wav": an extension typed where the system adds its own
    stems = (stem, inner.stem) if inner.suffix in (*FORMATS, *OTHER_AUDIO) else (stem,)
    for name in stems:
        for candidate in (name, _COPY_MARK.sub("", name), name.replace(" ", "-").replace("_", "-")):
            if candidate in by_id:
                return candidate
    return ""


def _rename_hint(folder: Path, path: Path, guess: str) -> str:
    target = f"{guess}{_format(path)}"
    if path.suffix.lower() not in FORMATS:
        return (
            f"not used: {path.suffix.lstrip('.').upper()} is not read: save it as WAV, FLAC or MP3: {target}"
        )
    used = _recording(folder, guess)
    if used is not None:
        return f"not used (did you mean {target}?): {used.name} is used; delete this one or keep it apart"
    return f"not used: did you mean {target}? Rename it {target}"


def _orphan_hint(path: Path, by_id: Mapping[str, Segment], missing: Collection[str]) -> str:
    """An orphan's message, naming the segment it was probably recorded for (its words changed)."""
    try:
        old = path.with_suffix(SIDECAR).read_text(encoding="utf-8").split("\n", 1)[1].strip()
    except (FileNotFoundError, IndexError):
        old = ""
    texts = {by_id[anchor].text: anchor for anchor in missing}
    match = difflib.get_close_matches(old, list(texts), n=1, cutoff=0.6) if old else []
    hint = "no segment has this id now (its words changed): record it again from the new script"
    if match:
        hint += f": probably {texts[match[0]]}{FORMATS[0]}, which now reads “{match[0]}”"
    return hint


def _misplaced(folder: Path, by_id: Mapping[str, Segment]) -> list[Note]:
    """This article's recordings saved in the language's folder or another article's."""
    language_dir = folder.parent
    others = (
        sorted(p for p in language_dir.iterdir() if p.is_dir() and p != folder)
        if language_dir.is_dir()
        else []
    )
    found = [(p, probable_id(p, by_id)) for p in audio_files(language_dir)]
    found += [
        (p, p.stem)
        for o in others
        for p in audio_files(o)
        if p.stem in by_id and _SEGMENT_ID.fullmatch(p.stem)
    ]
    place = folder.relative_to(folder.parents[2]).as_posix()
    return [
        Note(path, f"not used: wrong folder: move it to {place}/{guess}{_format(path)}")
        for path, guess in found
        if guess
    ]


def _format(path: Path) -> str:
    """The suffix a recording should have: its own in lower case, or .wav for a format not read."""
    return path.suffix.lower() if path.suffix.lower() in FORMATS else FORMATS[0]


def read_recording(path: Path, rate: int) -> Speech:
    """A recording as 16-bit mono samples at ``rate`` (WAV, FLAC or MP3; resampled as needed)."""
    import miniaudio

    try:
        decoded = miniaudio.decode_file(
            str(path), output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1, sample_rate=rate
        )
    except miniaudio.DecodeError:
        where = f"{path.parent.name}/{path.name}"
        raise SpeechError(
            f"the recording {where} cannot be read (damaged?): save or record it again"
        ) from None
    return Speech(decoded.samples.tobytes(), rate)


def unnamed_narrator(root: Path, language: str, site_toml: str) -> str:
    """What to add to site.toml when recordings/<language>/ holds recordings but no narrator is named
    (their voice has no synthetic one to fall back on, so they are the guide); "" when it holds none."""
    folder = root / "recordings" / language
    found = [p for d in (folder, *folder.glob("*")) for p in audio_files(d)] if folder.is_dir() else []
    if not found:
        return ""
    recordings = f"{len(found)} recording{'s' if len(found) != 1 else ''}"
    return (
        f"recordings/{language}/ holds {recordings}, but no narrator is named: to use them, add to "
        f'{site_toml} the lines [voices.{language}] and narrator = "<the narrator\'s name>"'
    )
