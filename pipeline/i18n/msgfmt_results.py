"""GNU ``msgfmt --check`` results kept by the catalog's hash and msgfmt's own files: an unchanged
catalog is checked once, not once per job and per build (each check is a process, about 9 ms)."""

from __future__ import annotations

import contextlib
import functools
import glob
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: The libraries msgfmt checks with (an upgrade of gettext replaces them and msgfmt itself).
GETTEXT_LIBRARIES = ("/usr/lib/*/libgettext*.so*", "/usr/lib/libgettext*.so*")
#: Results kept on disk at most; the least recently used go first beyond it.
KEPT = 4096
#: Results kept in this process's memory (a catalog's every version checked in one process), at
#: most KEPT, in the order they were last used.
_MEMORY: dict[str, MsgfmtResult] = {}
#: Results being checked by this process (see being_checked): key → a call that waits for one.
_PENDING: dict[str, Callable[[], MsgfmtResult | None]] = {}


@dataclass(frozen=True)
class MsgfmtResult:
    """What msgfmt said about one catalog: its exit status and its messages (problems are made
    from them afresh for each file name, so a broken catalog is reported on every run)."""

    returncode: int
    stderr: bytes


def checked_together(
    datas: Sequence[bytes],
    run: Callable[[list[bytes]], list[MsgfmtResult]],
    *,
    program: str,
    folder: Path | None = None,
) -> list[MsgfmtResult]:
    """msgfmt's result for each of ``datas``: kept from an earlier check of the same bytes by the
    same msgfmt (in this process, or in ``folder`` by an earlier one), or being checked (see
    being_checked), else checked now: those
    not kept (each once) are handed to ``run`` in one call, and their results kept."""
    keys = [_key(data, program) for data in datas]
    waited = {key: result for key in keys if key not in _MEMORY and (result := _waited(key)) is not None}
    known = {
        key: _MEMORY.get(key) or (_read(folder / f"{key}.json") if folder and key not in waited else None)
        for key in keys
    }
    todo = {
        key: data for key, data in zip(keys, datas, strict=True) if known[key] is None and key not in waited
    }
    ran = waited | dict(zip(todo, run(list(todo.values())) if todo else [], strict=True))
    if folder is not None:
        for key, result in ran.items():
            _write(folder, key, result)
    results = [known[key] or ran[key] for key in keys]
    for key, result in zip(keys, results, strict=True):
        _remember(key, result)
    return results


def unchecked(datas: Sequence[bytes], *, program: str, folder: Path | None = None) -> list[bytes]:
    """Those of ``datas`` (each once) whose result by this msgfmt is kept neither in this process
    nor in ``folder``."""
    todo: dict[str, bytes] = {}
    for data in datas:
        key = _key(data, program)
        if key not in _MEMORY and key not in _PENDING and not (folder and (folder / f"{key}.json").is_file()):
            todo.setdefault(key, data)
    return list(todo.values())


@contextlib.contextmanager
def being_checked(
    waits: Mapping[bytes, Callable[[], MsgfmtResult | None]], *, program: str
) -> Iterator[None]:
    """While the block runs, each of the datas (catalog bytes) is being checked by ``program``: its
    result is the one its wait gives (None: it never came), not another msgfmt run."""
    keyed = {_key(data, program): wait for data, wait in waits.items()}
    _PENDING.update(keyed)
    try:
        yield
    finally:
        for key, wait in keyed.items():
            if _PENDING.get(key) is wait:
                del _PENDING[key]


def _waited(key: str) -> MsgfmtResult | None:
    wait = _PENDING.get(key)
    return wait() if wait is not None else None


def _remember(key: str, result: MsgfmtResult) -> None:
    """Keep ``result`` in memory, as the most recently used; the least recently used beyond KEPT go."""
    _MEMORY.pop(key, None)
    _MEMORY[key] = result
    while len(_MEMORY) > KEPT:
        del _MEMORY[next(iter(_MEMORY))]


def forget_in_memory() -> None:
    """Drop the results this process keeps in memory (those on disk stay)."""
    _MEMORY.clear()


def _key(data: bytes, program: str) -> str:
    return hashlib.sha256(_toolchain(program).encode() + b"\0" + data).hexdigest()


@functools.cache
def _toolchain(program: str) -> str:
    """msgfmt's version as its files: the program's and gettext's libraries' paths, sizes, times
    (no process run: asking ``msgfmt --version`` would cost what the check costs)."""
    paths = [program, *sorted(p for pattern in GETTEXT_LIBRARIES for p in glob.glob(pattern))]
    stamps = []
    for path in paths:
        with contextlib.suppress(OSError):
            stat = os.stat(path)
            stamps.append(f"{os.path.realpath(path)}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(stamps)


def _read(path: Path) -> MsgfmtResult | None:
    """A kept result (its time set to now: recently used), or None if absent or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        result = MsgfmtResult(int(data["returncode"]), str(data["stderr"]).encode("utf-8"))
        os.utime(path)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return result


def _write(folder: Path, key: str, result: MsgfmtResult) -> None:
    """Keep ``result`` (renamed into place: two processes may write the same one), then drop the
    least recently used beyond KEPT. Not synced to disk (a cold build of 13 languages spent 0.3 s in
    fsync for them): one cut short by a crash does not parse, and is checked again. A folder that
    cannot be written only costs time."""
    text = json.dumps({"returncode": result.returncode, "stderr": result.stderr.decode("utf-8", "replace")})
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, folder / f"{key}.json")
        _evict(folder)


def _evict(folder: Path) -> None:
    if len(os.listdir(folder)) <= KEPT:  # names only: no file's time is read until there are too many
        return
    entries = []
    for entry in os.scandir(folder):
        with contextlib.suppress(OSError):
            entries.append((entry.stat().st_mtime_ns, entry.path))
    for _, path in sorted(entries)[: len(entries) - KEPT * 3 // 4]:
        with contextlib.suppress(OSError):
            os.unlink(path)
