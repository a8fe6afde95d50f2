"""Run a planned build: only the tasks whose inputs changed, in parallel worker processes,
into a staging copy of the site that replaces build/site only when everything is written."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pipeline.builders.outputs import names, spec
from pipeline.engine.plan import Plan, Task, file_hash, make_plan, unused_parts
from pipeline.engine.results import TaskResult
from pipeline.engine.store import BuildFolder
from pipeline.errors import Problem
from pipeline.source.project import Project

if TYPE_CHECKING:
    from pipeline.engine.dask_executor import DaskExecutor
    from pipeline.engine.executors import Executor
    from pipeline.engine.workers import Job
    from pipeline.source.config import SiteConfig


class Progress(Protocol):
    """What the engine tells the person waiting (a progress bar, log lines, or nothing)."""

    def waiting(self, holder: str) -> None: ...
    def start(self, total: int, up_to_date: int) -> None: ...
    def task_done(self, result: TaskResult) -> None: ...


@dataclass
class BuildReport:
    """Every task's result (up-to-date ones included), what else went wrong, and the time taken."""

    results: list[TaskResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    site_pages: bool = False
    seconds: float = 0.0
    notices: list[str] = field(default_factory=list)  # e.g. a cluster's worker lost (its work redone)

    @property
    def failed(self) -> bool:
        return bool(self.problems) or any(r.status == "failed" for r in self.results)

    @property
    def ran(self) -> list[TaskResult]:
        return [r for r in self.results if r.status != "up to date"]


def run_build(
    project: Project,
    *,
    outputs: Sequence[str] | None = None,
    languages: Sequence[str] | None = None,
    jobs: int | None = None,
    shard: tuple[int, int] | None = None,
    progress: Progress,
    scheduler: str | None = None,
) -> BuildReport:
    """Build what changed; the previous site stays whole until the new one is complete.

    ``outputs``: names of registered outputs and "report"; None for all of them. ``scheduler``: the
    address of a Dask scheduler whose workers build (None: site.toml's [build] scheduler, if any).
    """
    scheduler = scheduler or project.config.scheduler
    outputs = (*names(), "report") if outputs is None else outputs
    start = time.perf_counter()
    folder = BuildFolder(project.root / "build")
    report = BuildReport(problems=project.misnamed_articles())  # files never read as articles
    with folder.lock(progress.waiting), _interrupts_noted() as interrupted:
        folder.recover()
        plan = make_plan(
            project,
            outputs=tuple(name for name in names() if name in outputs),
            languages=tuple(languages or project.config.languages),
            shard=shard,
        )
        previous = folder.read_manifest()
        full = languages is None and shard is None
        work = _work(plan, previous, folder.site, project.root, full=full, outputs=outputs)
        report.results = [
            TaskResult(t.slug, t.language, t.output, "up to date") for t in plan.tasks if t not in work.todo
        ]
        progress.start(len(work.todo), len(plan.tasks) - len(work.todo))
        if work.todo or work.stale or work.site_pages:
            _build_staged(
                project, folder, plan, work, (jobs, scheduler, interrupted), progress, report, previous
            )
    report.seconds = time.perf_counter() - start
    return report


@contextlib.contextmanager
def _interrupts_noted() -> Iterator[Callable[[], bool]]:
    """Whether Ctrl-C (SIGINT) came while the build ran in the main thread: noted as well as raised.
    Python loses the KeyboardInterrupt when its handler runs inside a finalizer ("Exception ignored
    in …"), and an interrupted build must still not swap its staging copy in. A process that ignores
    SIGINT goes on ignoring it."""
    noted: list[int] = []
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous == signal.SIG_IGN:
        yield lambda: False
        return

    def note(signum: int, frame: Any) -> None:
        noted.append(signum)
        if not callable(previous):  # SIG_DFL: Python's own handler was not there
            raise KeyboardInterrupt
        previous(signum, frame)

    signal.signal(signal.SIGINT, note)
    try:
        yield lambda: bool(noted)
    finally:
        signal.signal(signal.SIGINT, previous)


def _work(
    plan: Plan, previous: dict[str, Any], site: Path, root: Path, *, full: bool, outputs: Sequence[str]
) -> Work:
    """What this build has to do, given the last build's manifest and what is in build/site."""
    known = previous.get("tasks", {})
    todo: list[Task] = []
    redone: set[str] = set()
    for task in plan.tasks:  # in build order: what a task needs comes before it
        if any(need in redone for need in _need_ids(task)) or not _up_to_date(task, known, site, root):
            todo.append(task)
            redone.add(task.id)
    stale = _stale(plan, known, full=full)
    first_shard = plan.shard is None or plan.shard[0] == 1
    site_pages = first_shard and (
        bool(todo or stale) or previous.get("site_key") != plan.site_key or not (site / "index.html").exists()
    )
    report = (  # the report shows every page's entry: whatever a task redoes, it is made again too
        first_shard
        and "report" in outputs
        and (
            bool(todo or stale)
            or previous.get("report_key") != plan.site_key
            or not (site / "report.html").exists()
        )
    )
    return Work(todo, stale, site_pages or report, report)


def _up_to_date(task: Task, known: dict[str, Any], site: Path, root: Path) -> bool:
    """Built from the current key, from what its needs produced last, with the files its parse read
    unchanged, and its files on the site as that build wrote them."""
    entry = known.get(task.id)
    return (
        entry is not None
        and entry.get("key") == task.key
        and entry.get("status") in ("built", "skipped")
        and all(_stamp(site / path) == stamp for path, stamp in entry.get("stamps", {}).items())
        and all(file_hash(root / path) == hashed for path, hashed in entry.get("depends", {}).items())
        and entry.get("used", {}) == _produced(_need_ids(task), known)
    )


def _need_ids(task: Task | TaskResult) -> list[str]:
    return [f"{task.language}/{task.slug}/{need}" for need in spec(task.output).needs]


def _produced(need_ids: Sequence[str], known: dict[str, Any]) -> dict[str, str]:
    """What each of ``need_ids`` produced when last built (a task records what it used)."""
    return {need: known[need].get("produced", "") for need in need_ids if need in known}


def _stamp(path: Path) -> list[int] | None:
    """A file's size and modification time (kept by the hard links of staging), or None if missing."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _stale(plan: Plan, known: dict[str, Any], *, full: bool) -> list[str]:
    """Tasks of the last build that this plan no longer has (an article or language removed)."""
    current = {t.id for t in plan.tasks}
    stale = []
    for task_id in known:
        language, _, output = task_id.split("/")
        in_scope = full or (language in plan.scope_languages and output in plan.scope_outputs)
        if in_scope and output in plan.scope_outputs and task_id not in current:
            stale.append(task_id)
    return stale


@dataclass(frozen=True)
class Work:
    """What this build has to do."""

    todo: list[Task]
    stale: list[str]  # task ids whose outputs are taken down
    site_pages: bool
    with_report: bool


def _build_staged(
    project: Project,
    folder: BuildFolder,
    plan: Plan,
    work: Work,
    where: tuple[int | None, str | None, Callable[[], bool]],
    progress: Progress,
    report: BuildReport,
    previous: dict[str, Any],
) -> None:
    """Build into a staging copy and swap it in (``where``: how many local workers, or the Dask
    scheduler's address, and whether Ctrl-C was pressed); on any interruption, drop the copy."""
    from pipeline.engine.workers import (  # not on a no-op build's path
        SiteJob,
        plan_jobs,
        run_jobs,
        start_local_workers,
    )

    jobs, scheduler, interrupted = where
    cluster = _cluster(scheduler, work.todo, project.config)
    executor: Executor | None = cluster
    staged = folder.stage()
    project = dataclasses.replace(project, site_override=staged)
    known = previous.get("tasks", {})
    try:
        for task_id in work.stale:  # first: the shared pages then list only what is left
            for path in known[task_id].get("outputs", []):
                (staged / path).unlink(missing_ok=True)
        queue = plan_jobs(project, work.todo, cluster.threads if cluster else jobs or os.cpu_count() or 1)
        site = (
            SiteJob(plan.shard is None, work.with_report, _entries(known, work)) if work.site_pages else None
        )
        workers = cluster.slots if cluster else _workers(queue, jobs)
        if executor is None and workers > 1:  # started now: they translate what decides what is published
            executor = start_local_workers(workers, queue)
        for result in run_jobs(project, queue, site, workers, plan.slugs, executor):
            if isinstance(result, TaskResult):
                report.results.append(result)
                progress.task_done(result)
            elif isinstance(result, str):  # a worker lost on the way: its calls ran elsewhere
                report.notices.append(result)
            else:
                report.problems += result.problems
                report.site_pages = True
        for result in _missing(work.todo, report.ran):
            report.results.append(result)
            progress.task_done(result)
        report.results = _told_what_failed_under_them(report.results)
        if interrupted():  # its KeyboardInterrupt lost on the way: the site is still not swapped
            raise KeyboardInterrupt
        folder.publish(_manifest(plan, report, previous, work, staged))
    except BaseException:
        folder.discard()
        raise


def _cluster(scheduler: str | None, todo: Sequence[Task], config: SiteConfig) -> DaskExecutor | None:
    """The Dask cluster at ``scheduler``, if one is asked for (distributed is imported only then),
    each of its workers able to load what the outputs ``todo`` builds need, with this machine's toolchain."""
    if not scheduler:
        return None
    from pipeline.builders.toolchain import parts
    from pipeline.engine.dask_executor import DaskExecutor, Needs, connect
    from pipeline.speech.piper import needed_modules

    libraries = frozenset(part for task in todo for part in spec(task.output).toolchain)
    modules = needed_modules(config) if any(spec(task.output).voiced for task in todo) else ()
    outputs = {(spec(task.output), task.language) for task in todo}
    made = parts((output, language, unused_parts(config, output, language)) for output, language in outputs)
    return DaskExecutor(connect(scheduler), scheduler, Needs(libraries, modules, made))


def _entries(known: dict[str, Any], work: Work) -> dict[str, dict[str, Any]]:
    """What the last build's tasks handed the shared pages, but for tasks no longer planned."""
    return {
        task_id: entry["entry"]
        for task_id, entry in known.items()
        if "entry" in entry and task_id not in work.stale
    }


def _workers(queue: list[Job], jobs: int | None) -> int:
    """How many jobs run at once; 1 means here, in this process (pages alone are cheaper so)."""
    from pipeline.engine.workers import SLOW

    if all(spec(output).cost < SLOW for job in queue for output in job.outputs):
        return 1
    return min(jobs or os.cpu_count() or 1, len(queue))


def _missing(todo: Sequence[Task], ran: Sequence[TaskResult]) -> list[TaskResult]:
    """A failure for each planned task no job reported on: nothing is recorded that did not run."""
    reported = {result.id for result in ran}
    message = "planned, but the job building it returned no result for it (nothing was recorded)"
    return [_failed(task, message) for task in todo if task.id not in reported]


def _told_what_failed_under_them(results: list[TaskResult]) -> list[TaskResult]:
    """A task built while what it needs failed in the same build says so in its row: it holds the
    need's last output (a page: the read-along of the last guide built), until the need builds."""
    failed = {result.id: result.output for result in results if result.status == "failed"}
    return [
        _with_failed_needs(result, [failed[n] for n in _need_ids(result) if n in failed])
        for result in results
    ]


def _with_failed_needs(result: TaskResult, needs: list[str]) -> TaskResult:
    if result.status != "built" or not needs:
        return result
    names = ", ".join(needs)
    told = (
        f"its {names} failed in this build: it has the last {names} built, if any, until the {names} builds"
    )
    return dataclasses.replace(result, reason=f"{result.reason}; {told}" if result.reason else told)


def _failed(task: Task, message: str) -> TaskResult:
    problem = Problem(f"build/site/{task.language}/{task.slug}", 0, message)
    return TaskResult(task.slug, task.language, task.output, "failed", message, problems=(problem,))


def _manifest(
    plan: Plan, report: BuildReport, previous: dict[str, Any], work: Work, staged: Path
) -> dict[str, Any]:
    """Tasks that built or were skipped get their new key; failed ones, and those whose needs
    failed, keep their old entry marked failed (retried). The shared pages' keys are recorded
    only when they were written without a problem."""
    keys = {t.id: t.key for t in plan.tasks}
    tasks = {
        task_id: entry for task_id, entry in previous.get("tasks", {}).items() if task_id not in work.stale
    }
    failed = {result.id for result in report.ran if result.status not in ("built", "skipped")}
    order = {name: index for index, name in enumerate(names())}
    for result in sorted(report.ran, key=lambda r: order.get(r.output, -1)):  # needs first
        if result.id not in keys:
            continue
        if result.id in failed or any(need in failed for need in _need_ids(result)):
            if result.id in tasks:
                tasks[result.id] = {**tasks[result.id], "status": "failed"}
            continue
        tasks[result.id] = _entry(result, keys[result.id], _produced(_need_ids(result), tasks), staged)
    written = not report.problems
    return {
        "tasks": tasks,
        "site_key": plan.site_key if work.site_pages and written else previous.get("site_key"),
        "report_key": plan.site_key if work.with_report and written else previous.get("report_key"),
    }


def _entry(result: TaskResult, key: str, used: dict[str, str], staged: Path) -> dict[str, Any]:
    """The manifest's record of a task that built (or was skipped): what the next plan checks."""
    return {
        "key": key,
        "status": result.status,
        "outputs": list(result.outputs),
        "stamps": {path: _stamp(staged / path) for path in result.outputs},
        "produced": result.produced,
        "used": used,
        "depends": result.depends,
        **({"entry": result.entry} if result.entry is not None else {}),
    }
