"""The Dask executor: every build call on an existing Dask cluster (``plainspoken build --scheduler
tcp://host:8786``), its inputs shipped once per build; distributed is imported only here."""

from __future__ import annotations

import contextlib
import itertools
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.builders.toolchain import Part, differences, unloadable
from pipeline.engine import plan
from pipeline.engine.executors import NO_HINTS, Finished, Hints, hold_if_asked
from pipeline.engine.sandbox import Snapshot, Store, drop_private_root, read_blobs
from pipeline.errors import PlainspokenError

if TYPE_CHECKING:
    from distributed import Client, Future

#: How many calls wait in the cluster's queue per worker thread, beside those running: Dask then
#: orders them by priority (the registry's cost) and hands each worker its next call at once.
QUEUED_PER_THREAD = 1
#: How often a call is sent again after the project's files it needs were lost with every worker
#: holding them (a killed `dask worker --nworkers 1`: its nanny starts a new, empty one).
RESENDS = 2
#: Seconds a wait for the calls goes without looking at the cluster's workers: a Piper call waits
#: for a worker with a piper slot, and once the last such worker was lost, it waited for good.
LOOK_EVERY = 2.0


DASK_EXTRA = "'plainspoken[dask]'"
SCHEDULER_LOST = (
    "the Dask scheduler was lost during the build: build/site is unchanged; build again once "
    "`dask scheduler` runs there"
)
NO_PIPER_SLOT = (
    "no Dask worker with a piper slot (--resources piper=1) is left: the Piper voices' calls ran "
    "on the other workers"
)


@dataclass(frozen=True)
class Needs:
    """What a build's outputs need on every worker: system libraries by toolchain part (espeak-ng,
    liblouis), Python modules (Piper, its voice packages), each with what installs it; and the
    toolchain they are made with on the build's machine (its keys name it: a worker's must match)."""

    libraries: frozenset[str] = frozenset()
    modules: tuple[tuple[str, str], ...] = ()
    toolchain: tuple[Part, ...] = ()


NO_NEEDS = Needs()


class WrongVersion(Exception):
    """A worker runs another Plainspoken (its pipeline hash differs), or lacks what the build needs
    (a library, a module, the build machine's toolchain): it refuses the call."""


def connect(address: str) -> Client:
    """A client of the scheduler at ``address``; one line if distributed or the scheduler is missing."""
    try:
        from distributed import Client
    except ImportError:
        raise PlainspokenError.at(address, 0, f"Dask is not installed: pip install {DASK_EXTRA}") from None
    if problem := address_problem(address):  # before a Client: a half-made one hangs 40 s at exit
        raise PlainspokenError.at(
            address, 0, f"not a Dask scheduler's address ({problem}): write it as tcp://HOST:8786"
        )
    if refused := refusal(address):  # said at once: Dask tries again and again for 20 s
        raise PlainspokenError.at(address, 0, unreachable(refused))
    try:
        client = Client(address, timeout="20s", set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as error:
        raise PlainspokenError.at(address, 0, unreachable(str(error))) from None
    logging.getLogger("distributed.client").setLevel(logging.CRITICAL)  # a lost scheduler: our line says it
    return client


def comm_reason(error: OSError) -> str:
    """What Dask's comms say of ``error``, without their connection's repr and errno: "Connection
    reset by peer", not "in <TCP (closed)  local=tcp://…>: ConnectionResetError: [Errno 104] …"."""
    return re.sub(r"^\[Errno \d+\] ", "", str(error).rsplit(": ", 1)[-1]) or type(error).__name__


def unreachable(why: str) -> str:
    return f"cannot reach the Dask scheduler ({why}): is `dask scheduler` running there?"


def refusal(address: str) -> str:
    """Why a tcp:// ``address`` cannot answer at all (nothing listens there, an unknown host), ''
    otherwise: a slow or silent network is left to the client's time limit."""
    import socket

    from distributed.comm.addressing import parse_address, parse_host_port

    scheme, location = parse_address(address)
    if scheme != "tcp":
        return ""
    try:
        socket.create_connection(parse_host_port(location), timeout=5).close()
    except (ConnectionRefusedError, socket.gaierror) as error:
        return str(error)
    except OSError:
        return ""
    return ""


def address_problem(address: str) -> str:
    """Why ``address`` cannot be a scheduler's (an unknown scheme such as http, a port not a
    number), as Dask says it; '' when it can."""
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    try:
        scheme, location = parse_address(address)
        get_backend(scheme)
        if scheme in ("tcp", "tls"):
            parse_host_port(location)
    except (ValueError, TypeError) as error:
        return str(error)
    return ""


class _CallRaised(Exception):
    """Carries what a call raised on its worker (its cause) past the scheduler's own errors."""


class DaskExecutor:
    """Runs calls on a Dask cluster's workers: by priority (the job's cost), a Piper voice's jobs
    on workers that declare a ``piper`` resource (if any does), a lost worker's calls run again
    by Dask on the others (``distributed.scheduler.allowed-failures``)."""

    def __init__(self, client: Client, address: str, needs: Needs = NO_NEEDS) -> None:
        """``needs``: what every worker must load for the outputs to build (asked of each worker
        here, and by its first call of the build: a worker may join the cluster during the build)."""
        self.client, self.address, self.version = client, address, plan.pipeline_hash()
        self.needs = needs
        try:
            refuse_other_versions(client, address, self.version, needs)
        except PlainspokenError:
            client.close()  # type: ignore[no-untyped-call]
            raise
        workers = self._workers()
        self.known = set(workers)
        self.piper = any("piper" in info.get("resources", {}) for info in workers.values())
        threads = sum(info["nthreads"] for info in workers.values()) or 1
        self.threads, self.slots = threads, threads * (1 + QUEUED_PER_THREAD)
        self.futures: dict[Future[Any], int] = {}
        self.calls: dict[int, tuple[Callable[..., Any], tuple[Any, ...], Hints, int]] = {}  # to send again
        self.blobs: dict[str, bytes] = {}
        self.inputs: Any = None  # the project's files on the cluster: one future (see ship)
        self.snapshot_id: str | None = None  # the workers' copies of them are named by it
        self.placeholder: dict[str, bytes] = {}  # stands for ``inputs`` in the calls' arguments
        from distributed import as_completed

        self.completed = as_completed(loop=client.loop)  # type: ignore[no-untyped-call]
        self.tickets = itertools.count()
        self.notices: list[str] = []
        client.run(pause_profiling, on_error="ignore")  # close() starts it again; a worker gone: no matter

    def ship(self, root: Path, snapshot: Snapshot, folder: Path) -> Store:
        """The project's files (hash → bytes), scattered once as one piece of data: a worker fetches
        it with its first call and keeps it for the build. One future per file made every call
        depend on every file, and the scheduler's work per call grew with the site (10 to 30 articles).
        Returns what stands for it in the calls' arguments (sent as the future, see _send)."""
        self.blobs, self.snapshot_id = read_blobs(root, snapshot), snapshot.id
        with self._scheduler_kept():
            self.inputs = self._scatter(self.blobs)
        return self.placeholder

    def _scatter(self, blobs: dict[str, bytes]) -> Any:
        (future,) = self.client.scatter([blobs], hash=False)  # type: ignore[no-untyped-call]
        return future

    def submit(self, function: Callable[..., Any], args: tuple[Any, ...], hints: Hints = NO_HINTS) -> int:
        ticket = next(self.tickets)
        with self._scheduler_kept():
            self._send(ticket, function, args, hints, 0)
        return ticket

    @contextlib.contextmanager
    def _scheduler_kept(self) -> Iterator[None]:
        """The scheduler lost (stopped, its machine down: the client gives up after 20 s) as one line."""
        try:
            yield
        except OSError as error:
            raise PlainspokenError.at(self.address, 0, f"{SCHEDULER_LOST} ({comm_reason(error)})") from None

    def _send(
        self, ticket: int, function: Callable[..., Any], args: tuple[Any, ...], hints: Hints, resent: int
    ) -> None:
        self.calls[ticket] = (function, args, hints, resent)
        resources = {"piper": 1} if hints.piper and self.piper else None
        future = self.client.submit(
            checked_call,
            self.version,
            self.needs,
            function,
            *(self.inputs if arg is self.placeholder else arg for arg in args),
            key=f"{function.__name__}-{uuid.uuid4().hex}",
            priority=round(hints.cost * 1000),
            resources=resources,
            pure=False,
        )
        self.futures[future] = ticket
        self.completed.add(future)  # type: ignore[no-untyped-call]

    def wait_first(self) -> list[Finished]:
        try:
            with self._scheduler_kept():
                return self._wait_first()
        except _CallRaised as raised:  # a call's own OSError is not the scheduler lost
            assert raised.__cause__ is not None
            raise raised.__cause__ from None

    def _wait_first(self) -> list[Finished]:
        while True:  # until a call ends that is not sent again
            if self.piper and not self._one_done():  # a Piper call may wait for a worker gone for good
                self._piper_elsewhere()
                continue
            done = self.completed.next_batch(block=True)  # type: ignore[no-untyped-call]
            ended = [self._finished(future) for future in done if future in self.futures]
            if finished := [end for end in ended if end is not None]:
                return finished

    def _one_done(self) -> bool:
        """Whether a call has ended, waiting LOOK_EVERY seconds at most for one."""
        from distributed import wait
        from distributed.client import FuturesCancelledError

        if self.ready() or not self.futures:
            return True
        try:
            with self.client.as_current():
                wait(list(self.futures), timeout=LOOK_EVERY, return_when="FIRST_COMPLETED")  # type: ignore[no-untyped-call]
        except TimeoutError:
            return False
        except FuturesCancelledError:  # ended so: its files were lost (see _finished)
            return True
        return True

    def _piper_elsewhere(self) -> None:
        """Called while ``self.piper``: once no worker has a piper slot (the last one lost), the Piper
        calls waiting for one are sent again to any worker, and the summary says so."""
        if any("piper" in w.get("resources", {}) for w in self._workers().values()):
            return
        self.piper = False
        self.notices.append(NO_PIPER_SLOT)
        for future, ticket in list(self.futures.items()):
            function, args, hints, resent = self.calls[ticket]
            if hints.piper and not future.done():  # type: ignore[no-untyped-call]
                del self.futures[future]  # its end, cancelled, is not this call's any more
                future.cancel()  # type: ignore[no-untyped-call]
                self._send(ticket, function, args, hints, resent)

    def _workers(self) -> dict[str, Any]:
        workers: dict[str, Any] = self.client.scheduler_info(n_workers=-1)["workers"]
        return workers

    def ready(self) -> bool:
        return bool(self.completed.has_ready())  # type: ignore[no-untyped-call]

    def _finished(self, future: Future[Any]) -> Finished | None:
        from distributed import KilledWorker

        ticket = self.futures.pop(future)
        function, args, hints, resent = self.calls.pop(ticket)
        if future.status == "cancelled":  # the files it needs were lost with the workers holding them
            if resent >= RESENDS:
                return Finished(ticket, died=True, exit_code=None)
            self._refill_store()
            self._send(ticket, function, args, hints, resent + 1)
            return None
        if future.status != "error":
            result = future.result()
            future.release()  # type: ignore[no-untyped-call]
            return Finished(ticket, result)
        error = future.exception()  # type: ignore[no-untyped-call]
        if isinstance(error, KilledWorker):  # the workers running it died, one after another
            return Finished(ticket, died=True, exit_code=None)
        if isinstance(error, WrongVersion):
            raise PlainspokenError.at(self.address, 0, str(error)) from None
        raise _CallRaised from error

    def _refill_store(self) -> None:
        """The project's files scattered again if the workers that held them are gone."""
        if self.inputs is not None and self.inputs.status != "finished":
            self.inputs = self._scatter(self.blobs)

    def lost(self) -> list[str]:
        """A line for each worker that left the cluster since last asked (and for Piper calls sent
        to workers without a piper slot, once none was left)."""
        with self._scheduler_kept():
            now = set(self._workers())
        gone, self.known = sorted(self.known - now), now
        notices, self.notices = self.notices, []
        return [
            f"Dask worker {address} was lost during the build; its calls ran again on others"
            for address in gone
        ] + notices

    def restart(self) -> None:
        """Nothing to do: Dask replaces lost workers' calls itself."""

    def close(self, *, kill: bool = False) -> None:
        """Let go of the calls and the build's data; workers close their speech engines."""
        if kill:
            self.client.cancel(list(self.futures), force=True)  # type: ignore[no-untyped-call]
        self.futures.clear()
        self.calls.clear()
        try:
            with contextlib.suppress(OSError, TimeoutError):  # a worker gone since: nothing to close
                self.client.run(worker_done, self.snapshot_id, on_error="ignore")
        finally:
            self.client.close()  # type: ignore[no-untyped-call]


def refuse_other_versions(client: Client, address: str, version: str, needs: Needs = NO_NEEDS) -> None:
    """One line naming a worker whose Plainspoken differs from this one (its pipeline hash), that
    cannot start the speech engine's process (a daemonic worker process), or that lacks what the
    build ``needs`` (every output given that worker failed, in words that fit the build machine)."""
    versions: dict[str, tuple[str, bool]] = client.run(worker_state)
    for worker, (theirs, daemonic) in sorted(versions.items()):
        if theirs != version:
            raise PlainspokenError.at(address, 0, wrong_version(worker, theirs, version))
        if daemonic:
            raise PlainspokenError.at(address, 0, f"Dask worker {worker} {DAEMONIC}")
    missing: dict[str, Any] = client.run(missing_here, needs, on_error="return") if needs != NO_NEEDS else {}
    for worker, lines in sorted(missing.items()):
        if isinstance(lines, Exception):  # upgraded since it started: its loaded code is older
            raise PlainspokenError.at(address, 0, f"Dask worker {worker} {CANNOT_CHECK}")
        if lines:
            raise PlainspokenError.at(address, 0, lacking(worker, lines))


def lacking(worker: str, lines: list[str]) -> str:
    return f"Dask worker {worker}: {'; '.join(lines)}, and restart it"


CANNOT_CHECK = "cannot check its libraries: restart it, with the same Plainspoken as this machine"


DAEMONIC = (
    "runs in a daemonic process, which cannot start the speech engine's: start the workers with "
    "DASK_DISTRIBUTED__WORKER__DAEMON=False in their environment"
)


_loaded: list[str] = []  # on a worker: the pipeline hash of the code it loaded (its first build's)


def missing_here(needs: Needs) -> list[str]:
    """Runs on a worker: a line for each library of ``needs`` it cannot load, each module it cannot
    import, with what installs it, and each part of the toolchain that differs from the build machine's."""
    import importlib.util

    lines = unloadable(needs.libraries)
    for module, install in needs.modules:
        if importlib.util.find_spec(module.split(".")[0]) is None:
            lines.append(f"{module} is not installed ({install})")
    different = differences(needs.toolchain)
    if (more := len(different) - SHOWN) > 0:
        different[SHOWN:] = [f"{more} more {'part differs' if more == 1 else 'parts differ'}"]
    return lines + different


#: Parts of the toolchain a refused worker's line names at most (a worker of another Python names most).
SHOWN = 2


def worker_state() -> tuple[str, bool]:
    """Runs on a worker: its Plainspoken's pipeline hash, and whether it is a daemonic process
    (asked of workers of any version: its form stays). The hash is that of the code the worker
    loaded: one upgraded in place since (pip install, no restart) runs that code still."""
    import multiprocessing

    _loaded[:] = _loaded or [plan.pipeline_hash()]
    return _loaded[0], multiprocessing.current_process().daemon


def wrong_version(address: str, theirs: str, ours: str) -> str:
    return (
        f"Dask worker {address} runs another Plainspoken (pipeline {theirs[:12]}, this build's "
        f"{ours[:12]}): install the same version on every worker and restart it"
    )


_accepted: set[tuple[str, Needs]] = set()  # on a worker: the builds' versions and needs it found its own


def checked_call(version: str, needs: Needs, function: Callable[..., Any], *args: Any) -> Any:
    """Runs on a worker: ``function(*args)``, refused if this worker's Plainspoken is not ``version``
    or it lacks what the build ``needs`` (checked by the first call of each build, as a worker that
    joined the cluster during the build was asked nothing before it)."""
    from distributed import get_worker

    if (version, needs) not in _accepted:  # hashing takes 6 ms, reading the toolchain a few more
        if (own := plan.pipeline_hash()) != version:
            raise WrongVersion(wrong_version(get_worker().address, own, version))
        if lines := missing_here(needs):
            raise WrongVersion(lacking(get_worker().address, lines))
        _accepted.add((version, needs))
        from pipeline.engine.workers import runs_on_cluster

        runs_on_cluster()
    hold_if_asked(function, args)
    return function(*args)


def worker_done(snapshot_id: str | None, dask_worker: Any) -> None:
    """Runs on each worker at the end of a build: its speech engines closed, its copy of the build's
    inputs gone (another build's, still running there, is kept), its sampling profiler going again."""
    from pipeline.speech.engine import close_idle_engines

    close_idle_engines()
    drop_private_root(snapshot_id)
    resume_profiling(dask_worker)


#: The worker's periodic callbacks of Dask's sampling profiler (the dashboard's Profile page).
PROFILER = ("profile", "profile-cycle")
_pausing: list[str] = []  # on a worker: a mark for each build that paused its profiler, not yet done


def pause_profiling(dask_worker: Any) -> None:
    """Runs on each worker as a build starts: Dask's sampling profiler paused while its calls run.
    Every 10 ms it walked the running call's stack (a layout's is hundreds of frames deep) holding
    the interpreter lock, and every second kept the tree of what it saw (for 1,000 s): handout jobs
    ran 10-15 % slower, and a worker grew by some 15 MiB an article, build after build. Other work
    on the cluster is profiled again when the last build running on the worker ends."""
    callbacks = [dask_worker.periodic_callbacks.get(name) for name in PROFILER]
    if _pausing or any(callback is not None and callback.is_running() for callback in callbacks):
        _pausing.append("build")
    for callback in callbacks:
        if callback is not None:
            callback.stop()


def resume_profiling(dask_worker: Any) -> None:
    """The profiler going again once no build that paused it is running (see pause_profiling)."""
    if not _pausing:
        return
    _pausing.pop()
    if not _pausing:
        for name in PROFILER:
            if (callback := dask_worker.periodic_callbacks.get(name)) is not None:
                callback.start()
