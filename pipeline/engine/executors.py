"""Executors: where the build's calls run (here, or in local worker processes), each reporting a
worker that died under a call as data (its exit code), never as a broken pool."""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pipeline.engine.sandbox import Snapshot, Store


@dataclass(frozen=True)
class Finished:
    """A submitted call that ended: its result, or (``died``) the exit code of the worker process
    that died while running it (negative: the signal that killed it; None: not known)."""

    ticket: int
    result: Any = None
    died: bool = False
    exit_code: int | None = None


@dataclass(frozen=True)
class Hints:
    """What a cluster's scheduler may use of a call: its cost (its priority), and whether a Piper
    voice speaks in it (memory-heavy)."""

    cost: float = 0.0
    piper: bool = False


NO_HINTS = Hints()


class Executor(Protocol):
    """What the scheduler needs of the place calls run in: a local pool, this process, or a Dask
    cluster (pipeline.engine.dask_executor; a ``KilledWorker`` is a death)."""

    #: How many calls may run at once.
    slots: int

    def ship(self, root: Path, snapshot: Snapshot, folder: Path) -> Store:
        """Make the project's input files (``snapshot``) reachable by the workers, once per build
        (``folder``: a per-build folder this process may fill); what calls find them by."""

    def submit(self, function: Callable[..., Any], args: tuple[Any, ...], hints: Hints = NO_HINTS) -> int:
        """Start ``function(*args)``; return its ticket."""

    def lost(self) -> list[str]:
        """A line for each worker lost since last asked, whose calls ran again elsewhere."""

    def wait_first(self) -> list[Finished]:
        """Wait until at least one running call ends; every call that has ended. A call that raised
        raises here."""

    def ready(self) -> bool:
        """Whether a running call has ended (wait_first would not wait)."""

    def restart(self) -> None:
        """Let go of the workers that died (new ones start when calls need them)."""

    def close(self, *, kill: bool = False) -> None:
        """End every worker and wait for it (``kill``: at once, without waiting for their calls)."""


class InProcess:
    """Runs each call here, in this process, when the scheduler waits for it: one at a time."""

    slots = 1

    def __init__(self) -> None:
        self.pending: list[tuple[int, Callable[..., Any], tuple[Any, ...]]] = []
        self.tickets = itertools.count()

    def ship(self, root: Path, snapshot: Snapshot, folder: Path) -> Store:
        return ship_to_folder(root, snapshot, folder)

    def submit(self, function: Callable[..., Any], args: tuple[Any, ...], hints: Hints = NO_HINTS) -> int:
        ticket = next(self.tickets)
        self.pending.append((ticket, function, args))
        return ticket

    def wait_first(self) -> list[Finished]:
        ticket, function, args = self.pending.pop(0)
        return [Finished(ticket, function(*args))]

    def ready(self) -> bool:
        return bool(self.pending)  # a call here ends as soon as it is waited for

    def lost(self) -> list[str]:
        return []

    def restart(self) -> None:
        """Nothing to replace: a death here is this process's."""

    def close(self, *, kill: bool = False) -> None:
        self.pending.clear()


def ship_to_folder(root: Path, snapshot: Snapshot, folder: Path) -> Store:
    """Local workers find the inputs in a per-build folder of files named by their hash."""
    from pipeline.engine.sandbox import fill_store

    fill_store(root, snapshot, folder)
    return str(folder)


class RemoteError(Exception):
    """The traceback of an exception raised in a worker process (its cause)."""


class _Worker:
    """A worker process and the pipe it takes calls from; ``ticket``: the call it runs, if any."""

    def __init__(self, context: Any, initializer: Callable[[], None], finalizer: Callable[[], None]) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=serve_calls, args=(child, initializer, finalizer))
        self.process.start()
        child.close()
        self.ticket: int | None = None
        self.calls = 0  # how many calls it has been sent

    def take(self) -> Finished:
        """What the call this worker ran gave, or its death; the worker is idle after it."""
        ticket, self.ticket = self.ticket, None
        assert ticket is not None
        try:
            status, payload = self.conn.recv()
        except (EOFError, OSError):
            self.process.join()  # dead: its exit code is known once it is reaped
            return Finished(ticket, died=True, exit_code=self.process.exitcode)
        if status == "raised":
            error, remote = payload
            raise error from RemoteError(remote)
        return Finished(ticket, payload)

    def stop(self, *, kill: bool) -> None:
        if not kill and self.process.is_alive():
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
        else:
            self.process.kill()

    def join(self) -> None:
        self.process.join(10)
        if self.process.is_alive():  # stuck on its way out: it has nothing left to give
            self.process.kill()
            self.process.join()
        self.conn.close()


#: Calls a worker process runs before a new one takes its place: about a minute of handouts, so a
#: new process's start (1 s, WeasyPrint's import the most of it) costs about 1 % of the work.
CALLS_PER_WORKER = 40


class LocalProcesses:
    """Up to ``slots`` worker processes, started (spawn: they inherit no state, lock or file of
    this process) when a call needs one, each running one call at a time."""

    def __init__(
        self, slots: int, initializer: Callable[[], None], finalizer: Callable[[], None]
    ) -> None:
        self.slots, self.initializer, self.finalizer = slots, initializer, finalizer
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[_Worker] = []
        self.tickets = itertools.count()

    def ship(self, root: Path, snapshot: Snapshot, folder: Path) -> Store:
        return ship_to_folder(root, snapshot, folder)

    def start(self) -> None:
        """Start every worker now, rather than when a call first needs one."""
        while len(self.workers) < self.slots:
            self.workers.append(_Worker(self.context, self.initializer, self.finalizer))

    def lost(self) -> list[str]:
        return []  # a death here is reported by wait_first, and its call run again alone

    def submit(self, function: Callable[..., Any], args: tuple[Any, ...], hints: Hints = NO_HINTS) -> int:
        self.restart()
        worker = next((w for w in self.workers if w.ticket is None), None)
        if worker is None:
            if len(self.workers) >= self.slots:
                raise RuntimeError(f"more than {self.slots} calls submitted at once")
            worker = _Worker(self.context, self.initializer, self.finalizer)
            self.workers.append(worker)
        worker.ticket = next(self.tickets)
        worker.calls += 1
        with contextlib.suppress(OSError):  # died idle: wait_first reports it as the call's death
            worker.conn.send((function, args))
        return worker.ticket

    def wait_first(self) -> list[Finished]:
        busy = {w.conn: w for w in self.workers if w.ticket is not None}
        ready = wait([*busy, *(w.process.sentinel for w in busy.values())])
        finished = []
        for worker in busy.values():
            if worker.conn in ready or worker.process.sentinel in ready:
                finished.append(worker.take())
                if finished[-1].died:
                    self.workers.remove(worker)
                    worker.conn.close()
        return finished

    def ready(self) -> bool:
        busy = [w for w in self.workers if w.ticket is not None]
        return bool(wait([*(w.conn for w in busy), *(w.process.sentinel for w in busy)], timeout=0))

    def restart(self) -> None:
        """Let go of idle workers that died, and replace (when next needed) those that have run
        CALLS_PER_WORKER calls: what a job leaves behind (heap fragments, caches) then never adds
        up, and the largest worker does not grow with the site (as Pool's maxtasksperchild)."""
        for worker in [w for w in self.workers if w.ticket is None and not w.process.is_alive()]:
            self.workers.remove(worker)
            worker.join()
        for worker in [w for w in self.workers if w.ticket is None and w.calls >= CALLS_PER_WORKER]:
            self.workers.remove(worker)
            worker.stop(kill=False)
            worker.join()

    def close(self, *, kill: bool = False) -> None:
        for worker in self.workers:  # all asked first: they end side by side
            worker.stop(kill=kill)
        for worker in self.workers:
            worker.join()
        self.workers = []


def serve_calls(conn: Connection, initializer: Callable[[], None], finalizer: Callable[[], None]) -> None:
    """Runs in a worker process: each call sent, until None; then ``finalizer``."""
    initializer()
    try:
        while (message := _next_call(conn)) is not None:
            function, args = message
            hold_if_asked(function, args)
            try:
                result = function(*args)
            except Exception as error:
                _send_error(conn, error)
                continue
            _send_result(conn, result)
    except (BrokenPipeError, EOFError):  # the build is gone (killed): nobody to answer
        pass
    finally:
        finalizer()


def _next_call(conn: Connection) -> tuple[Callable[..., Any], tuple[Any, ...]] | None:
    """The next call; None to stop, or when the build is gone (its end of the pipe closes before
    the kernel's PDEATHSIG reaches this process)."""
    try:
        message: tuple[Callable[..., Any], tuple[Any, ...]] | None = conn.recv()
    except EOFError:
        return None
    return message


def _send_result(conn: Connection, result: Any) -> None:
    try:
        conn.send(("ok", result))
    except (BrokenPipeError, EOFError):
        raise
    except Exception as error:  # a result that cannot be pickled is the call's failure
        _send_error(conn, error)


def _send_error(conn: Connection, error: Exception) -> None:
    remote = "".join(traceback.format_exception(error))
    try:
        conn.send(("raised", (error, remote)))
    except Exception:  # an exception that cannot be pickled: its traceback is what matters
        conn.send(("raised", (RuntimeError(f"{type(error).__name__}: {error}"), remote)))


#: Tests only: a folder of ``hold-*`` files. A worker taking a call claims one (if the call, named as
#: ``held-*`` files name it, starts with what the file says: "" any call, "build_in_worker" a job),
#: writes ``held-<pid>`` naming the call, and keeps the call until it is killed or a ``release`` file
#: is made there: a test then kills a worker mid-call for sure, with no guessed sleep. A job is held
#: this way where it has its copy of the inputs too (``private_root``), as it reads from it.
HOLD_ENV = "PLAINSPOKEN_TEST_HOLD_CALLS"


def _names(arg: Any) -> bool:
    """Whether a call's argument names what it builds (a slug, a language, outputs, a share)."""
    return isinstance(arg, str | int) or (isinstance(arg, tuple) and all(isinstance(a, str) for a in arg))


def hold_if_asked(function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    if not (folder := os.environ.get(HOLD_ENV)):
        return
    named = tuple(arg for arg in args if _names(arg))  # not the data it is given
    call = f"{function.__qualname__}{named!r}"
    for hold in sorted(Path(folder).glob("hold-*")):
        claimed = Path(folder) / f"claimed-{os.getpid()}-{threading.get_ident()}"  # a worker's threads too
        with contextlib.suppress(OSError):  # another worker claimed it first
            if call.startswith(hold.read_text(encoding="utf-8")):
                hold.rename(claimed)
        if claimed.exists():
            claimed.write_text(call, encoding="utf-8")
            claimed.rename(Path(folder) / f"held-{os.getpid()}")
            while not (Path(folder) / "release").exists():  # until killed, or released
                time.sleep(0.01)
