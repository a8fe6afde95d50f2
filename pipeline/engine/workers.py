"""Worker processes: jobs longest first (a slow voice's speech in shares on every core), the shared
pages while the last jobs run, the report last."""

from __future__ import annotations

import collections
import contextlib
import ctypes
import dataclasses
import functools
import gc
import importlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.builders.outputs import OutputSpec, names, policy_keys, spec, specs
from pipeline.engine.executors import Executor, Hints, InProcess, LocalProcesses, hold_if_asked
from pipeline.engine.plan import Task
from pipeline.engine.results import TaskResult
from pipeline.engine.sandbox import (
    JobOutput,
    Snapshot,
    Store,
    changed_files,
    drop_private_root,
    job_folder,
    kept_folder,
    new_notes,
    private_root,
    take_snapshot,
    write_output,
)
from pipeline.errors import Problem
from pipeline.i18n.publishing import Prepared, Publication, decide_publication, prepare_for_policy
from pipeline.source.project import Project, load_project

if TYPE_CHECKING:
    from pipeline.engine.tasks import SitePages
    from pipeline.i18n.article import Article
    from pipeline.site.report import ReportRows


#: What every worker call starts with: the project's inputs (their hashes, and where their bytes
#: are), the page size, and what this build publishes.
WorkerArgs = tuple[Snapshot, Store, str, Publication]


@dataclass(frozen=True)
class Job:
    """Outputs of one article in one language that one worker builds in a row (in build order); or,
    with ``share`` (index, count), one share of an output's slow work done ahead for the job that
    builds it (which waits for its shares: a Piper guide's speech, on every core)."""

    slug: str
    language: str
    outputs: tuple[str, ...]
    cost: float
    share: tuple[int, int] | None = None
    piper: bool = False  # a Piper voice speaks in it (memory-heavy: a cluster may have slots for it)


@dataclass(frozen=True)
class ShareDone:
    """A share of slow work is done (or failed: the job it was for meets the problem and reports it)."""

    slug: str
    language: str
    output: str
    seconds: float = 0.0  # what it took: the output's line in the summary counts it


@dataclass
class SiteJob:
    """The shared pages (indexes, report, static files), written once every page is, from what
    the pages' tasks handed over (``entries``: task id → entry; the last build's, then this one's)."""

    whole_site: bool
    with_report: bool
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def record(self, results: Sequence[TaskResult]) -> None:
        """A built output's entry replaces its last one; a withheld output has none; a failed one
        keeps its last (its previous file stays on the site)."""
        for result in results:
            if result.entry is not None:
                self.entries[result.id] = result.entry
            elif result.status in ("built", "skipped"):
                self.entries.pop(result.id, None)


def plan_jobs(project: Project, todo: Sequence[Task], cores: int = 1) -> list[Job]:
    """Longest first, so that no worker idles at the end.

    The outputs of one article in one language are split into parts that need nothing of each
    other (e.g. the audio guide with the page that shows it, and the handouts), so that two
    workers can share a slow language. When at most one part is slow (a language with no voice:
    its audio task only takes its outputs down), they stay in one job, translated once. With more
    than one of ``cores``, a slow voice's speech is made ahead in shares (see _shares), and the
    last jobs are split further (see _split_tail).
    """
    grouped: dict[tuple[str, str], list[str]] = {}
    for task in todo:
        grouped.setdefault((task.slug, task.language), []).append(task.output)
    jobs: list[Job] = []
    each: dict[tuple[str, str, str], float] = {}  # (slug, language, output) → its cost
    for (slug, language), outputs in grouped.items():
        size = _article_size(project, slug)
        costs = {output.name: size * _cost(project, output, language) for output in specs(outputs)}
        shares = _shares(slug, language, costs, size, cores)
        costs.update({job.outputs[0]: size * spec(job.outputs[0]).cost for job in shares})
        each.update({(slug, language, name): cost for name, cost in costs.items()})
        parts = [part for part in _independent_parts(tuple(costs)) if part]
        if sum(1 for part in parts if sum(costs[o] for o in part) >= SLOW * size) < 2:
            parts = [tuple(costs)]
        jobs += shares + [Job(slug, language, part, sum(costs[o] for o in part)) for part in parts]
    if cores > 1:
        jobs = _split_tail(sorted(jobs, key=lambda job: -job.cost), each, TAIL_JOBS_PER_CORE * cores)
    return sorted((_with_piper(project, job) for job in jobs), key=lambda job: -job.cost)


#: The last jobs of a build (longest first), this many per core, are run as one job per output.
#: One article in 13 languages on 2 cores was 14 jobs of 3 to 7 s: whichever ran last, one core
#: idled for up to 3 s at the end while the other finished a whole language.
TAIL_JOBS_PER_CORE = 4


def _split_tail(jobs: list[Job], costs: Mapping[tuple[str, str, str], float], count: int) -> list[Job]:
    """``jobs`` (longest first) with the last ``count`` of those building more than one output split
    into a job for each output: the end of the build is then made of short jobs. An output waits
    for the jobs of those it needs (the page for the guide's cues and the handouts it links: see
    _Schedule). Only the last few are split, so a large build makes few more calls."""
    whole = [job for job in jobs if job.share is None and len(job.outputs) > 1]
    split = {id(job) for job in whole[-count:]}
    return [part for job in jobs for part in (_one_per_output(job, costs) if id(job) in split else [job])]


def _one_per_output(job: Job, costs: Mapping[tuple[str, str, str], float]) -> list[Job]:
    slug, language = job.slug, job.language
    return [Job(slug, language, (name,), costs[(slug, language, name)]) for name in job.outputs]


def _with_piper(project: Project, job: Job) -> Job:
    """The job, marked if a Piper voice speaks in it."""
    if not any(output.voiced for output in specs(job.outputs)):
        return job
    from pipeline.errors import PlainspokenError
    from pipeline.speech.piper import PIPER_ENGINE
    from pipeline.speech.speakers import speaker_for

    with contextlib.suppress(PlainspokenError):
        speaker = speaker_for(project.config, project.root, job.language)
        return dataclasses.replace(job, piper=bool(speaker and speaker.engine == PIPER_ENGINE))
    return job


#: A part of a job this costly (per 1000 characters) is worth a worker of its own.
SLOW = 1.0
#: A voiced output this many times its usual cost (a Piper voice) has its speech made in shares.
SHARED = 4.0


def _shares(slug: str, language: str, costs: dict[str, float], size: float, cores: int) -> list[Job]:
    """Two shares per core of a slow voice's speech, each a job of its own that any worker may take:
    one guide's synthesis then takes every core, and the jobs still come out even at the end. The
    job writing the guide waits for them, and keeps the cost of mixing and encoding it."""
    jobs = []
    for name, cost in costs.items():
        usual = size * spec(name).cost
        if cores > 1 and spec(name).voiced and cost >= SHARED * usual:
            count = 2 * cores
            jobs += [Job(slug, language, (name,), (cost - usual) / count, (i, count)) for i in range(count)]
    return jobs


def _cost(project: Project, output: OutputSpec, language: str) -> float:
    """Rough seconds per 1000 characters: nothing for a voiced output in a language with no voice,
    more for a slow voice (Piper)."""
    if not output.voiced:
        return output.cost
    return output.cost * _voice_cost(project, language) if _has_voice(project, language) else 0.0


def _independent_parts(outputs: tuple[str, ...]) -> list[tuple[str, ...]]:
    """``outputs`` in groups joined by what they need of each other, each in build order."""
    group_of = {name: {name} for name in outputs}
    for name in outputs:
        for need in spec(name).needs:
            if need in group_of and group_of[need] is not group_of[name]:
                merged = group_of[need] | group_of[name]
                for member in merged:
                    group_of[member] = merged
    parts = {id(group): group for group in group_of.values()}.values()
    return [tuple(name for name in outputs if name in group) for group in parts]


def _article_size(project: Project, slug: str) -> float:
    with contextlib.suppress(OSError):
        return max(1.0, (project.source_dir / f"{slug}.md").stat().st_size / 1000)
    return 1.0


def _has_voice(project: Project, language: str) -> bool:
    from pipeline.speech.voices import voice_for

    return voice_for(language, dict(project.config.voices)) is not None


def _voice_cost(project: Project, language: str) -> float:
    """How much slower than espeak-ng the language's voice is (1 if it cannot be found: its audio
    task reports why)."""
    from pipeline.errors import PlainspokenError
    from pipeline.speech.speakers import speaker_for

    try:
        speaker = speaker_for(project.config, project.root, language)
    except PlainspokenError:
        return 1.0
    return speaker.cost if speaker else 1.0


def run_jobs(
    project: Project,
    jobs: Sequence[Job],
    site: SiteJob | None,
    workers: int,
    slugs: Sequence[str] = (),
    executor: Executor | None = None,
) -> Iterator[TaskResult | SitePages | str]:
    """Each job in a worker process (or here, with one worker; or on ``executor``); results as
    they finish, and a line for each worker lost on the way.

    Workers get the project's inputs as data (a snapshot of their hashes, resolved from a per-build
    store) and give their files back as data: only this process writes the staging site. First,
    the articles ``slugs`` are translated, on the workers and here, and site.toml's policy decides
    from them what is published (see translate_first); each is handed to the job that writes it
    (then dropped) rather than translated again. The shared pages are written here once no page is
    left to write, and the report (which links to every file) once nothing else is left. The
    workers are ended, and waited for, before this returns (or raises).
    """
    _one_math_thread_per_worker()
    if executor is None:
        executor = InProcess() if workers <= 1 else start_local_workers(workers, jobs)
    snapshot = take_snapshot(project.root)
    try:
        store = executor.ship(project.root, snapshot, project.site_dir.parent / "inputs")
        inputs = (snapshot, store, project.config.page_size)
        prepared, starting = yield from translate_first(executor, project, inputs, slugs)
        args = (*inputs, decide_publication(project, slugs, policy_keys(), prepared))
        coordinator = _Coordinator(project, args, _handed(jobs, prepared))
        yield from _dispatch(executor, coordinator, _Schedule(list(jobs), site), starting)
    except BaseException:
        executor.close(kill=True)
        drop_private_root(snapshot.id)
        raise
    executor.close()
    drop_private_root(snapshot.id)  # the copy of the inputs jobs run here used


#: The calls of translate_first: this many per slot of the executor at least (so that the workers
#: and this process end together), but no more articles in one than an article's languages.
TRANSLATE_CALLS_PER_SLOT = 4


def translate_first(
    executor: Executor, project: Project, inputs: tuple[Snapshot, Store, str], slugs: Sequence[str]
) -> Generator[str, None, tuple[Prepared, set[int]]]:
    """Every article in every language translated, where site.toml's policy needs them to decide
    what is published (as publishing.prepare_for_policy), and a line for each worker lost; returns
    them, and the tickets of the calls still running that only wait for a worker to start.

    On workers, in calls of a few articles each, once each has started, and here, the last calls,
    while every worker is busy: this process alone took 0.9 s for one article in 14 languages
    before any job started; hundreds of articles would take minutes, while a cluster waited. The
    call of a worker that died is translated here, as all were before: an article left out counts
    as published, whatever the policy says of it. One that fails to translate is left out, as one
    with a broken catalog always was: its own job reports why.
    """
    if not slugs or not project.config.withholds():
        return {}, set()
    if isinstance(executor, InProcess):
        return prepare_for_policy(project, slugs), set()
    pairs = [(slug, language) for slug in slugs for language in project.config.languages]
    size = min(len(project.config.languages), -(-len(pairs) // (TRANSLATE_CALLS_PER_SLOT * executor.slots)))
    calls = collections.deque(tuple(pairs[i : i + size]) for i in range(0, len(pairs), size))
    prepared: Prepared = {}
    starting = {executor.submit(_started, (), TRANSLATING) for _ in range(executor.slots)}
    translating: dict[int, tuple[tuple[str, str], ...]] = {}  # ticket → the pairs it translates
    while calls or translating:
        while calls and not executor.ready():  # every worker busy (or starting): the last call here
            prepared.update(_translated(project, calls.pop()))
        for finished in executor.wait_first() if starting or translating else ():
            starting.discard(finished.ticket)
            sent = translating.pop(finished.ticket, ())
            # a dead worker's articles are translated here: left out, they would count as published
            prepared.update(_translated(project, sent) if finished.died else finished.result)
            if calls:
                call = calls.popleft()
                translating[executor.submit(translate_in_worker, (*inputs, call), TRANSLATING)] = call
        yield from executor.lost()
        executor.restart()
    return prepared, starting


def _started() -> Prepared:
    """A worker slot's first call: it ends once the worker has started (about a second, importing
    its builders). A translation sent before would wait for that, while this process could do it
    (for one article, the first job started 0.15 s later); and the jobs do not wait for it."""
    return {}


#: What a cluster's scheduler knows of a translation call: before any job (its priority).
TRANSLATING = Hints(cost=1e9)


def _translated(project: Project, pairs: Sequence[tuple[str, str]]) -> Prepared:
    """Each (slug, language) of ``pairs`` translated; one that fails is left out (its job reports)."""
    from pipeline.i18n.article import prepare_each

    return prepare_each(project, pairs)


def _handed(jobs: Sequence[Job], prepared: Prepared) -> dict[tuple[str, str], list[Any]]:
    """(slug, language) → [its prepared article, the jobs left that build it], for the jobs' own."""
    handed: dict[tuple[str, str], list[Any]] = {}
    for job in jobs:
        key = (job.slug, job.language)
        if job.share is None and key in prepared:
            handed.setdefault(key, [prepared[key], 0])[1] += 1
    return handed


#: A call for a worker: the function and its arguments after the WorkerArgs.
Call = tuple[Callable[..., Any], tuple[Any, ...]]


@dataclass
class _Coordinator:
    """The one writer of the staging site: what each call is handed, and what it gave back written."""

    project: Project  # the staged project
    args: WorkerArgs
    #: (slug, language) → [the article translated here, jobs left to hand it to] (see _handed)
    prepared: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    parts: dict[tuple[str, str, str], dict[str, bytes]] = field(default_factory=dict)

    def call_args(self, call: Call) -> tuple[Any, ...]:
        """The call's arguments: the build's, its own, and (a job) the files it is handed."""
        function, extra = call
        if function is not build_in_worker:
            return (*self.args, *extra)
        slug, language, outputs = extra
        parts: dict[str, bytes] = {}
        for output in outputs:
            parts.update(self.parts.pop((slug, language, output), {}))
        given = self._given(slug, language, outputs)
        return (*self.args, *extra, given, parts, self._article(slug, language))

    def _article(self, slug: str, language: str) -> Any:
        """The article translated here for this job, dropped once the last job that builds it has it
        (a job run again after its worker died translates it itself)."""
        held = self.prepared.get((slug, language))
        if held is None:
            return None
        held[1] -= 1
        if held[1] <= 0:
            del self.prepared[(slug, language)]
        return held[0]

    def _given(self, slug: str, language: str, outputs: tuple[str, ...]) -> dict[str, bytes]:
        """The staged files of the outputs a job builds and of what they need (the guide's cues,
        the handouts the page links): built by an earlier job, or by the last build."""
        wanted = {name for output in outputs for name in (output, *spec(output).needs)}
        given = {}
        for output in specs(sorted(wanted)):
            for suffix in output.files:
                path = self.project.site_dir / language / f"{slug}{suffix}"
                if path.is_file():
                    given[f"{language}/{slug}{suffix}"] = path.read_bytes()
        return given

    def take(self, output: JobOutput) -> Any:
        """A call's result, once the files it gave back are written (a share's parts kept for its job)."""
        failed = write_output(output, self.project.site_dir, self.project.root)
        if isinstance(output.result, ShareDone):
            done = output.result
            self.parts.setdefault((done.slug, done.language, done.output), {}).update(output.parts)
        if failed and isinstance(output.result, list):
            return [self._unwritten(result, failed) for result in output.result]
        return output.result

    def _unwritten(self, result: TaskResult, failed: dict[str, OSError]) -> TaskResult:
        """A built result whose files could not all be written into the staging site: failed."""
        unwritten = [path for path in result.outputs if path in failed]
        if not unwritten:
            return result
        error = failed[unwritten[0]]
        where = self.project.display(self.project.site_dir / unwritten[0])
        problem = Problem(where, 0, f"cannot be written: {error.strerror or error}")
        return TaskResult(
            result.slug, result.language, result.output, "failed", str(problem), problems=(problem,)
        )

    def run_here(self, call: Call) -> Any:
        """The shared pages and the report: written here, into the staging site."""
        function, extra = call
        return function(self.project, self.args[3], *extra)


def _dispatch(
    executor: Executor, coordinator: _Coordinator, schedule: _Schedule, starting: Iterable[int] = ()
) -> Iterator[TaskResult | SitePages | str]:
    """Keep every worker busy with the most urgent work there is (``starting``: calls running
    already that only wait for a worker to start).

    When a worker process dies, the call it was running is run again on its own (nothing else
    runs meanwhile: it may have died of the memory others used); a call that dies alone again
    fails with one line, the others go on.
    """
    running: dict[int, Call] = {ticket: (_started, ()) for ticket in starting}
    again: list[Call] = []  # calls whose worker died, to run again alone
    alone: set[int] = set()  # the tickets of calls running again alone
    while schedule.unfinished or running or again:
        here = False
        for call, on_its_own in _startable(executor, schedule, running, again):
            if call[0] in _HERE:
                yield from schedule.record(coordinator.run_here(call))
                here = True
                continue
            ticket = executor.submit(call[0], coordinator.call_args(call), schedule.hints(call))
            running[ticket] = call
            if on_its_own:
                alone.add(ticket)
        if not running and here:
            continue
        if not running:  # cannot happen: every job reports its pages; never spin if it does
            raise RuntimeError("build schedule stalled: shared pages wait for pages no job will write")
        for finished in executor.wait_first():
            call = running.pop(finished.ticket)
            if call[0] is _started:
                continue
            if not finished.died:
                yield from schedule.record(coordinator.take(finished.result))
            elif finished.ticket in alone:
                yield from schedule.record(_died(call, finished.exit_code))
            else:
                again.append(call)
        yield from executor.lost()
        executor.restart()


def _startable(
    executor: Executor, schedule: _Schedule, running: dict[int, Call], again: list[Call]
) -> Iterator[tuple[Call, bool]]:
    """The calls to start now, each with whether it runs on its own: a call to run again waits for
    the running ones to end, and nothing starts beside it."""
    if again:
        if not running:
            yield again.pop(0), True
        return
    while len(running) < executor.slots and (call := schedule.next_call(busy=bool(running))):
        yield call, False


def _died(call: Call, exit_code: int | None) -> Any:
    """What a call whose worker process died twice gives: failed outputs, or a share left to its job."""
    how = f"was killed (signal {-exit_code})" if exit_code and exit_code < 0 else "stopped"
    return _lost(call, f"the worker process building it {how}, twice: out of memory?")


def _lost(call: Call, why: str) -> Any:
    """What a call no worker could finish gives: failed outputs (``why``), or a share left to its job."""
    function, extra = call
    if function is share_in_worker:
        return ShareDone(*extra[:3])  # the job writing the output speaks the share's segments itself
    slug, language, outputs = extra
    message = f"{why} The previous file is kept."
    problem = Problem(f"build/site/{language}/{slug}", 0, message)
    return [TaskResult(slug, language, name, "failed", message, problems=(problem,)) for name in outputs]


class _Schedule:
    """What is left to hand to the workers: the jobs longest first (but a job whose output has
    shares of its work made ahead waits for them); then the shared pages (and the report's rows),
    which need every page written; then the report, which needs every file."""

    def __init__(self, queue: list[Job], site: SiteJob | None) -> None:
        self.queue, self.site = queue, site
        self.report: ReportRows | None = None
        self.pages_left = sum(1 for job in queue if _indexed(job.outputs))
        self.shares_left = collections.Counter(
            (job.slug, job.language, job.outputs[0]) for job in queue if job.share
        )
        #: (slug, language, output) → jobs left that build it: a job waits for those it needs
        self.building = collections.Counter(
            (job.slug, job.language, output) for job in queue if not job.share for output in job.outputs
        )
        self._hints: dict[Call, Hints] = {}
        #: (slug, language, output) → the seconds its shares took, added to its own job's
        self.share_seconds: dict[tuple[str, str, str], float] = collections.defaultdict(float)

    def hints(self, call: Call) -> Hints:
        """What a cluster may use of a call: its job's cost, and whether a Piper voice speaks in it."""
        return self._hints.get(call, Hints())

    @property
    def unfinished(self) -> bool:
        return bool(self.queue or self.site or self.report)

    def next_call(self, *, busy: bool) -> tuple[Callable[..., Any], tuple[Any, ...]] | None:
        job = next((job for job in self.queue if not self._waiting(job)), None)
        if job is not None:
            self.queue.remove(job)
            call: Call = (build_in_worker, (job.slug, job.language, job.outputs))
            if job.share:
                call = (share_in_worker, (job.slug, job.language, job.outputs[0], *job.share))
            self._hints[call] = Hints(job.cost, job.piper)
            return call
        if self.site is not None and not self.pages_left:  # fills a worker while the last jobs run
            site, self.site = self.site, None
            return site_pages_here, (site.whole_site, site.with_report, True, site.entries)
        if self.report is not None and not busy and self.site is None:
            report, self.report = self.report, None
            return report_here, (report,)
        return None

    def _waiting(self, job: Job) -> bool:
        """Whether ``job`` builds an output whose shares are not all done, or one that needs an output
        another job has yet to build (the page, the guide's cues: see _split_tail)."""
        if job.share:
            return False
        needed = {need for o in job.outputs for need in spec(o).needs if need not in job.outputs}
        return any(self.shares_left[(job.slug, job.language, o)] for o in job.outputs) or any(
            self.building[(job.slug, job.language, need)] > 0 for need in needed
        )

    def record(self, result: list[TaskResult] | SitePages | ShareDone) -> Iterator[TaskResult | SitePages]:
        if isinstance(result, ShareDone):
            self.shares_left[(result.slug, result.language, result.output)] -= 1
            self.share_seconds[(result.slug, result.language, result.output)] += result.seconds
            return
        if isinstance(result, list):
            result = [self._with_shares(r) for r in result]
            self.building.subtract((r.slug, r.language, r.output) for r in result)
            self.pages_left -= _indexed([r.output for r in result])
            if self.site is not None:
                self.site.record(result)
            yield from result
            return
        self.report = result.report
        yield result

    def _with_shares(self, result: TaskResult) -> TaskResult:
        """``result`` with the time the shares of its work made ahead took (the guide: its speech)."""
        if (shares := self.share_seconds.pop((result.slug, result.language, result.output), 0.0)) == 0.0:
            return result
        return dataclasses.replace(result, shared_seconds=shares)


def _indexed(outputs: Sequence[str]) -> bool:
    """Whether any of ``outputs`` is listed by the shared pages (which then wait for it)."""
    return any(spec(name).indexed for name in outputs)


#: Where this process runs jobs, which says what it lets go of after each: "" the build's own process
#: (nothing: the next job's caches are warm), "local" a worker process of the build (it exits after
#: CALLS_PER_WORKER calls), "cluster" a Dask worker (long-lived, its heap holds the cluster's state).
_RUNS_JOBS = ""


#: Thread pools of the numerical libraries the audio step loads (numpy and scipy's OpenBLAS).
_MATH_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _one_math_thread_per_worker() -> None:
    """One thread for numpy and scipy in every worker, unless the user set their own.

    The build is parallel by processes already. OpenBLAS starts a thread per core in each of
    them, and its idle threads spin: an audio guide took 4.5 CPU s instead of 3.0, and a cold
    build of the sample site 53 CPU s instead of 36 (28.5 s against 19.9 s on two cores). Set
    here, before any worker starts and before numpy is loaded, so that spawned workers inherit it.
    """
    for name in _MATH_THREADS:
        os.environ.setdefault(name, "1")


def start_local_workers(slots: int, jobs: Sequence[Job]) -> LocalProcesses:
    """``slots`` worker processes, started now, each loading what ``jobs`` build with before its
    first call: they start (about a second, WeasyPrint's import the most of it) while the build
    snapshots the project and starts translating (see translate_first), rather than after."""
    _one_math_thread_per_worker()
    outputs = tuple(sorted({output for job in jobs for output in job.outputs}))
    pool = LocalProcesses(slots, functools.partial(_worker_init, outputs), _worker_exit)
    pool.start()
    return pool


def _worker_init(outputs: Sequence[str] = ()) -> None:
    """Workers leave Ctrl-C to the main process, and die with it if it is killed; they load the
    builders of ``outputs`` ahead of their first call."""
    global _RUNS_JOBS
    _RUNS_JOBS = "local"
    from pipeline.builders import printing

    printing.COLLECT_DROPPED_LAYOUTS = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    _load_builders(outputs)


def _load_builders(outputs: Sequence[str]) -> None:
    """Import the builders of ``outputs`` (and WeasyPrint, for those that print) and the engine's
    tasks. Whatever fails here fails again in the job that needs it, which reports it; a format
    registered at run time in the build's process is unknown here, and its job says so."""
    from pipeline.builders.printing import load_weasyprint

    for found in specs([name for name in outputs if name in names()]):
        with contextlib.suppress(Exception):
            if isinstance(found.builder, str):
                importlib.import_module(found.builder.partition(":")[0])
            if "weasyprint" in found.toolchain:
                load_weasyprint()
    if outputs:
        importlib.import_module("pipeline.engine.tasks")


def _worker_exit() -> None:
    """A worker's last act: close the speech engines it kept for the next file (and their folders),
    and the fork server they came from."""
    from pipeline.speech.engine import close_idle_engines, stop_engine_server

    close_idle_engines()
    stop_engine_server()
    drop_private_root()


def _release_memory() -> None:
    """After a job in a worker: forget the articles it cached and collect what it left in reference
    cycles (WeasyPrint leaves many), so that a worker's memory peaks at one job's (about 250 MiB for
    a CJK handout), not at the sum of the jobs it ran; give the freed heap back to the system. A
    local worker also sets what survives (modules, caches) aside from later collections (gc.freeze);
    a Dask worker outlives builds and holds the cluster's state, which freezing would keep for good.
    With JOB_COLLECTION_THRESHOLDS, this one collection per job took the place of dozens: on Dask,
    collections took a quarter less time, and the workers' peak fell from 225 to 210 MiB."""
    if not _RUNS_JOBS:
        return
    _forget_articles()
    gc.collect()
    if _RUNS_JOBS == "local":
        gc.freeze()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def runs_on_cluster() -> None:
    """Marks this process as a Dask worker: each job it runs lets go of its articles after it."""
    global _RUNS_JOBS
    _RUNS_JOBS = "cluster"


#: The collector's thresholds while a job runs (Python's: 700, 10, 10). Laying out and translating
#: make millions of short-lived objects: at 700 new objects a young collection, those still alive
#: were promoted and scanned again and again, and in a Dask worker, whose heap holds the cluster's
#: state, a third of a handout job's time went to collections. Dropped layouts are collected
#: explicitly (printing.filled_layout), so the peak does not grow.
JOB_COLLECTION_THRESHOLDS = (50_000, 20, 10)


class _FewerCollections:
    """The collector runs less often while any job runs (JOB_COLLECTION_THRESHOLDS), as before once
    none does. Counted: in a Dask worker of two threads, a job ending beside another put back the
    thresholds it found, the jobs' own, and the worker kept them after the build."""

    def __init__(self) -> None:
        self.lock, self.running, self.before = threading.Lock(), 0, gc.get_threshold()

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self.lock:
            if not self.running:
                self.before = gc.get_threshold()
                gc.set_threshold(*JOB_COLLECTION_THRESHOLDS)
            self.running += 1
        try:
            yield
        finally:
            with self.lock:
                self.running -= 1
                if not self.running:
                    gc.set_threshold(*self.before)


_fewer_collections = _FewerCollections()


#: Caches keyed by an article's text or catalog (module, function): they serve a job, and would
#: otherwise keep every article a worker has built, so that it grew with the site.
_PER_ARTICLE_CACHES = (
    ("pipeline.source.parse", "parse_source"),
    ("pipeline.source.parse", "parse_inline"),
    ("pipeline.markup", "to_markdown"),
    ("pipeline.i18n.catalogs", "_load_shared"),
    ("pipeline.i18n.article", "source_template"),
    ("pipeline.quality.plain_language", "article_lengths"),
)


def _forget_articles() -> None:
    """Empty the per-article caches of the modules this worker has loaded (a job's first use of
    them then costs what it costs the first job: milliseconds)."""
    for module, name in _PER_ARTICLE_CACHES:
        if module in sys.modules:
            getattr(sys.modules[module], name).cache_clear()


@contextlib.contextmanager
def _worker_project(
    snapshot: Snapshot, store: Store, page_size: str, given: Mapping[str, bytes], parts: Mapping[str, bytes]
) -> Iterator[tuple[Project, Path]]:
    """The project as this process's private copy of its inputs, building into the job's own folder
    (the files it was handed in its site/, the parts in its parts/): never the project's path. The
    collector runs less often meanwhile (JOB_COLLECTION_THRESHOLDS)."""
    with private_root(snapshot, store) as root, _fewer_collections(), job_folder(given, parts) as folder:
        hold_if_asked(private_root, (page_size,))
        project = load_project(root)
        config = dataclasses.replace(project.config, page_size=page_size)
        kept = kept_folder(store)
        staged = dataclasses.replace(
            project, site_override=folder / "site", cache_override=kept, unreadable=snapshot.unreadable
        )
        yield dataclasses.replace(staged, config=config), folder


def build_in_worker(
    snapshot: Snapshot,
    store: Store,
    page_size: str,
    publication: Publication,
    slug: str,
    language: str,
    outputs: tuple[str, ...],
    given: Mapping[str, bytes] | None = None,
    parts: Mapping[str, bytes] | None = None,
    prepared: tuple[Article, list[Problem]] | None = None,
) -> JobOutput:
    """Runs in a worker: build one article in one language (``prepared``: translated already, by
    the coordinator); its files given back as data."""
    from pipeline.engine.tasks import build_group

    given = given or {}
    try:
        with _worker_project(snapshot, store, page_size, given, parts or {}) as (project, folder):
            results = build_group(project, slug, language, outputs, publication, prepared)
            written, removed = changed_files(folder / "site", given)
            return JobOutput(results, written, removed, notes=new_notes(project.root, snapshot))
    finally:
        _release_memory()


def translate_in_worker(
    snapshot: Snapshot, store: Store, page_size: str, pairs: tuple[tuple[str, str], ...]
) -> Prepared:
    """Runs in a worker: articles translated for the build to decide what it publishes (and to hand
    each to the job that writes it); one that fails is left out."""
    try:
        with _worker_project(snapshot, store, page_size, {}, {}) as (project, _):
            return _translated(project, pairs)
    finally:
        _release_memory()


def share_in_worker(
    snapshot: Snapshot,
    store: Store,
    page_size: str,
    publication: Publication,
    slug: str,
    language: str,
    output: str,
    index: int,
    count: int,
) -> JobOutput:
    """Runs in a worker: one share of an output's slow work, ahead of the job that builds it (given
    back as parts, which that job is handed)."""
    from pipeline.engine.tasks import write_share

    start = time.perf_counter()
    try:
        with _worker_project(snapshot, store, page_size, {}, {}) as (project, folder):
            write_share(project, slug, language, output, index, count)
            parts, _ = changed_files(folder / "parts", {})
            done = ShareDone(slug, language, output, time.perf_counter() - start)
            return JobOutput(done, parts=parts)
    finally:
        _release_memory()


def site_pages_here(
    project: Project,
    publication: Publication,
    whole_site: bool,
    report: bool,
    report_later: bool = False,
    entries: dict[str, dict[str, Any]] | None = None,
) -> SitePages:
    """Runs in the coordinator: the site's shared pages, into the staging site (a failure is
    reported). They list what is in the staging site, so they are written where it is."""
    from pipeline.engine.tasks import SitePages, build_site_pages, failure_problems

    try:
        return build_site_pages(
            project, publication, entries, whole_site=whole_site, report=report, report_later=report_later
        )
    except Exception as error:  # the shared pages are a task: their failure is theirs
        return SitePages(problems=list(failure_problems(error, project, "the shared pages")))


def report_here(project: Project, publication: Publication, report: ReportRows) -> SitePages:
    """Runs in the coordinator: the report, from rows made earlier, into the staging site."""
    from pipeline.engine.tasks import SitePages, failure_problems, write_report

    try:
        return write_report(project, report)
    except Exception as error:  # the report is a task: its failure is its own
        return SitePages(problems=list(failure_problems(error, project, "the report")))


#: The calls the coordinator runs itself.
_HERE = (site_pages_here, report_here)


__all__ = ["Job", "SiteJob", "build_in_worker", "plan_jobs", "run_jobs"]
