"""Tasks as data: a build's inputs as content hashes, a worker's private copy of them, and what a job
gives back ({path: bytes}) for the coordinator alone to write into staging."""

from __future__ import annotations

import collections
import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.engine.plan import digest, file_hash
from pipeline.errors import PlainspokenError
from pipeline.source.project import DURABLE, write_atomic
from pipeline.source.unreadable import unreadable_reason
from pipeline.speech.narration import SIDECAR

#: Where a job's blobs come from: a per-build folder of files named by their hash (local workers),
#: or the blobs themselves (a cluster's workers: Dask hands them over once per build and worker).
Store = str | Mapping[str, bytes]
#: When the build folder, with the store and the copies of the inputs in it, goes while building.
DELETED_DURING_BUILD = "the build folder was deleted during the build: run plainspoken build again"


@dataclass(frozen=True)
class Snapshot:
    """Every input file of the project (but build/ and hidden files): (path, sha256, modification
    time in ns), sorted. The time is kept: a note beside a recording older than the recording is
    about an earlier take."""

    files: tuple[tuple[str, str, int], ...]
    #: Where an input file belongs but none can be read (a link to nothing, a folder of that name):
    #: (path, why), for the jobs that read it to fail naming it, as they would in this process.
    unreadable: tuple[tuple[str, str], ...] = ()

    @property
    def id(self) -> str:
        return digest(
            *(f"{path}={hashed}@{mtime}" for path, hashed, mtime in self.files),
            *(f"{path}!{why}" for path, why in self.unreadable),
        )


@dataclass(frozen=True)
class JobOutput:
    """What a job gives back: its result, and the files the coordinator writes for it."""

    result: Any
    site: dict[str, bytes] = field(default_factory=dict)  # written or changed, relative to the site
    removed: tuple[str, ...] = ()  # handed to the job, taken down by it
    parts: dict[str, bytes] = field(default_factory=dict)  # for another job (a share's speech)
    notes: dict[str, bytes] = field(default_factory=dict)  # notes beside recordings, project-relative


def take_snapshot(root: Path) -> Snapshot:
    """The project's input files and their hashes (what a worker gets instead of the project path)."""
    paths = _input_paths(root)
    named = _named_inputs(root, paths)
    unreadable = [(path, why) for path in named if (why := unreadable_reason(root / path))]
    broken = {path for path, _ in unreadable}
    files = tuple((path, *_hash_and_time(root / path)) for path in paths if path not in broken)
    return Snapshot(files, tuple(unreadable))


_hashes: dict[tuple[str, int, int], str] = {}  # (path, size, time) → sha256: a preview server's
# rebuilds read again only the files that changed (a narrator's recordings are large)


def _hash_and_time(path: Path) -> tuple[str, int]:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _hashes:
        _hashes[key] = file_hash(path)
    return _hashes[key], stat.st_mtime_ns


def _named_inputs(root: Path, paths: list[str]) -> list[str]:
    """``paths``, and the catalogs and articles where a folder stands in a file's place."""
    folders = [p.relative_to(root).as_posix() for name in _FILE_NAMES for p in root.glob(name) if p.is_dir()]
    return sorted({*paths, *folders})


#: Where the project's files are named by what they are (a folder there is a mistake, not a folder).
_FILE_NAMES = ("source/*.md", "source/*.toml", "locales/*/LC_MESSAGES/*.po")


def _input_paths(root: Path) -> list[str]:
    paths = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        if here == root:
            dirs[:] = [d for d in dirs if d != "build"]
        paths += [(here / name).relative_to(root).as_posix() for name in files if not name.startswith(".")]
    return sorted(paths)


def fill_store(root: Path, snapshot: Snapshot, store: Path) -> None:
    """A per-build folder of the project's files named by hash (hard links where the disk allows)."""
    store.mkdir(parents=True, exist_ok=True)
    for path, hashed, _ in snapshot.files:
        target = store / hashed
        if hashed == "missing" or target.exists():
            continue
        try:
            os.link(root / path, target)
        except OSError:
            shutil.copyfile(root / path, target)


def read_blobs(root: Path, snapshot: Snapshot) -> dict[str, bytes]:
    """hash → bytes of every input file (for a cluster's workers)."""
    return {hashed: (root / path).read_bytes() for path, hashed, _ in snapshot.files if hashed != "missing"}


_lock = threading.Lock()
#: This process's copies of the inputs: snapshot id → folder, the last used last, and how many jobs
#: read from each now. A Dask worker may run jobs of two builds at once (one per thread), or in turn:
#: a build's end takes away its own copy, and a new copy takes away only those no job is reading
#: from beyond the KEPT_COPIES used last. Dropped at each switch, two builds taking turns on a worker
#: copied their whole project again for nearly every job.
_copies: dict[str, Path] = {}
_readers: collections.Counter[str] = collections.Counter()
#: Copies kept while no job reads from them: those of builds still running whose jobs take turns.
#: (A build killed before its end leaves its copy until newer builds push it out.)
KEPT_COPIES = 4


@contextlib.contextmanager
def private_root(snapshot: Snapshot, store: Store) -> Iterator[Path]:
    """This process's private copy of the project's inputs, made once per build, for as long as the
    caller reads from it."""
    key = snapshot.id
    with _lock:
        folder = _copies.pop(key, None)
        if folder is None or not folder.is_dir():
            _drop_unread(keep=KEPT_COPIES - 1)
            folder = _copy_of(snapshot, store)
        _copies[key] = folder  # the last used, last
        _readers[key] += 1
    try:
        yield folder
    finally:
        with _lock:
            _readers[key] -= 1


def _copy_of(snapshot: Snapshot, store: Store) -> Path:
    if isinstance(store, str) and not Path(store).is_dir():  # rm -rf build/ while building
        raise PlainspokenError.at("build/", 0, DELETED_DURING_BUILD)
    # Beside a local store (on its disk: hard links, no copies), else in the temporary folder.
    near = Path(store).parent if isinstance(store, str) else None
    folder = Path(tempfile.mkdtemp(prefix="plainspoken-inputs-", dir=near))
    for path, hashed, mtime in snapshot.files:
        _materialise(folder / path, hashed, mtime, store)
    return folder


def _materialise(target: Path, hashed: str, mtime: int, store: Store) -> None:
    """One input file, with its modification time: a hard link to the store's when that is the
    file's own (another file of the same bytes has its own time), else a copy."""
    if hashed == "missing":
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(store, str):
        source = Path(store) / hashed
        if source.stat().st_mtime_ns == mtime:
            with contextlib.suppress(OSError):
                os.link(source, target)
                return
        shutil.copyfile(source, target)
    else:
        target.write_bytes(store[hashed])
    os.utime(target, ns=(mtime, mtime))


def kept_folder(store: Store) -> Path:
    """Where a worker keeps what builds keep for the next one (speech, msgfmt's checks): a local
    worker the project's build/cache (the store is build/.staging/inputs, on the same disk), a
    cluster's worker a folder of its own machine, which outlives builds (its entries are named by
    the hash of what made them, so any project may share it)."""
    if isinstance(store, str):
        return Path(store).parent.parent / "cache"
    return Path(tempfile.gettempdir()) / f"plainspoken-cache-{os.getuid()}"


def drop_private_root(snapshot_id: str | None = None) -> None:
    """Remove this process's copies of the inputs that no job reads from: all of them (a worker's
    last act), or one build's (its end, on a cluster's worker that outlives it)."""
    with _lock:
        _drop_unread(snapshot_id)


def _drop_unread(snapshot_id: str | None = None, *, keep: int = 0) -> None:
    """Remove the copies no job reads from (of ``snapshot_id``, or any), but the ``keep`` used last."""
    unread = [key for key in _copies if snapshot_id in (None, key) and not _readers[key]]
    for key in unread[: max(0, len(unread) - keep)]:
        shutil.rmtree(_copies.pop(key), ignore_errors=True)
        del _readers[key]


@contextlib.contextmanager
def job_folder(given: Mapping[str, bytes], parts: Mapping[str, bytes]) -> Iterator[Path]:
    """A job's own folder: site/ holding the files it was handed, parts/ the parts it was handed."""
    folder = Path(tempfile.mkdtemp(prefix="plainspoken-job-"))
    token = DURABLE.set(False)  # the coordinator writes what the job gives back durably
    try:
        for base, files in (("site", given), ("parts", parts)):
            (folder / base).mkdir()
            for path, data in files.items():
                (folder / base / path).parent.mkdir(parents=True, exist_ok=True)
                (folder / base / path).write_bytes(data)
        yield folder
    finally:
        DURABLE.reset(token)
        shutil.rmtree(folder, ignore_errors=True)


def changed_files(folder: Path, given: Mapping[str, bytes]) -> tuple[dict[str, bytes], tuple[str, ...]]:
    """The files under ``folder`` that are new or differ from ``given``, and those of ``given`` gone."""
    found = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}
    written = {path: p.read_bytes() for path, p in sorted(found.items())}
    changed = {path: data for path, data in written.items() if given.get(path) != data}
    return changed, tuple(sorted(set(given) - set(found)))


def new_notes(root: Path, snapshot: Snapshot) -> dict[str, bytes]:
    """Notes beside recordings that a job wrote (the words each take was recorded for)."""
    known = {path: hashed for path, hashed, _ in snapshot.files}
    folder = root / "recordings"
    notes = sorted(folder.rglob(f"*{SIDECAR}")) if folder.is_dir() else []
    found = {p.relative_to(root).as_posix(): p for p in notes}
    return {path: p.read_bytes() for path, p in found.items() if known.get(path) != file_hash(p)}


def write_output(output: JobOutput, site: Path, root: Path) -> dict[str, OSError]:
    """The coordinator's part: a job's files into staging, its notes beside the recordings; the
    site's files that could not be written (path → why)."""
    failed: dict[str, OSError] = {}
    for path, data in output.site.items():
        try:
            write_atomic(site / path, data)
        except OSError as error:  # e.g. a full disk: the output it belongs to fails
            failed[path] = error
    for path in output.removed:
        (site / path).unlink(missing_ok=True)
    for path, data in output.notes.items():
        if path.startswith("recordings/") and path.endswith(SIDECAR):
            write_atomic(root / path, data)
    return failed
