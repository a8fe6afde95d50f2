"""Run a planned build: only the tasks whose inputs changed, in parallel worker processes,
into a staging copy of the site that replaces build/site only when everything is written."""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import multiprocessing
import os
import signal
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pipeline.engine.plan import OUTPUTS, Plan, Task, make_plan
from pipeline.engine.results import TaskResult
from pipeline.engine.store import BuildFolder
from pipeline.errors import Problem
from pipeline.project import Project, load_project


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

    @property
    def failed(self) -> bool:
        return bool(self.problems) or any(r.status == "failed" for r in self.results)

    @property
    def ran(self) -> list[TaskResult]:
        return [r for r in self.results if r.status != "up to date"]


def run_build(
    project: Project,
    *,
    outputs: Sequence[str] = (*OUTPUTS, "report"),
    languages: Sequence[str] | None = None,
    jobs: int | None = None,
    shard: tuple[int, int] | None = None,
    progress: Progress,
) -> BuildReport:
    """Build what changed; the previous site stays whole until the new one is complete."""
    start = time.perf_counter()
    folder = BuildFolder(project.root / "build")
    report = BuildReport()
    with folder.lock(progress.waiting):
        folder.recover()
        plan = make_plan(
            project,
            outputs=tuple(o for o in OUTPUTS if o in outputs),
            languages=tuple(languages or project.config.languages),
            shard=shard,
        )
        previous = folder.read_manifest()
        known = previous.get("tasks", {})
        todo = [t for t in plan.tasks if not _up_to_date(t, known, folder.site)]
        stale = _stale(plan, known, full=languages is None and shard is None)
        first_shard = shard is None or shard[0] == 1
        site_pages = first_shard and (
            bool(todo or stale)
            or previous.get("site_key") != plan.site_key
            or not (folder.site / "index.html").exists()
        )
        report_needed = (
            first_shard
            and "report" in outputs
            and (previous.get("report_key") != plan.site_key or not (folder.site / "report.html").exists())
        )
        report.results = [
            TaskResult(t.slug, t.language, t.output, "up to date") for t in plan.tasks if t not in todo
        ]
        progress.start(len(todo), len(plan.tasks) - len(todo))
        if todo or stale or site_pages or report_needed:
            work = Work(todo, stale, site_pages or report_needed, report_needed)
            _build_staged(project, folder, plan, work, jobs, progress, report, previous)
    report.seconds = time.perf_counter() - start
    return report


def _up_to_date(task: Task, known: dict[str, Any], site: Path) -> bool:
    entry = known.get(task.id)
    return (
        entry is not None
        and entry.get("key") == task.key
        and entry.get("status") in ("built", "skipped")
        and all((site / path).exists() for path in entry.get("outputs", []))
    )


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
    jobs: int | None,
    progress: Progress,
    report: BuildReport,
    previous: dict[str, Any],
) -> None:
    """Build into a staging copy and swap it in; on any interruption, drop the copy."""
    staged = folder.stage()
    project = dataclasses.replace(project, site_override=staged)
    known = previous.get("tasks", {})
    try:
        for result in _run_tasks(project, work.todo, jobs):
            report.results.append(result)
            progress.task_done(result)
        for task_id in work.stale:
            for path in known[task_id].get("outputs", []):
                (staged / path).unlink(missing_ok=True)
        if work.site_pages:
            from pipeline.build import build_site_pages

            pages = build_site_pages(project, whole_site=plan.shard is None, report=work.with_report)
            report.problems += pages.problems
            report.site_pages = True
        folder.publish(_manifest(plan, report, previous, work))
    except BaseException:
        folder.discard()
        raise


def _manifest(plan: Plan, report: BuildReport, previous: dict[str, Any], work: Work) -> dict[str, Any]:
    """Tasks that built or were skipped get their new key; failed ones keep the old entry (retried)."""
    keys = {t.id: t.key for t in plan.tasks}
    tasks = {
        task_id: entry for task_id, entry in previous.get("tasks", {}).items() if task_id not in work.stale
    }
    for result in report.ran:
        if result.status in ("built", "skipped"):
            tasks[result.id] = {
                "key": keys[result.id],
                "status": result.status,
                "outputs": list(result.outputs),
            }
    manifest = {
        "tasks": tasks,
        "site_key": plan.site_key if work.site_pages else previous.get("site_key"),
        "report_key": plan.site_key if work.with_report else previous.get("report_key"),
    }
    return manifest


def _groups(todo: list[Task]) -> list[tuple[str, str, tuple[str, ...]]]:
    """Tasks grouped by article × language: one job each, outputs in build order."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for task in todo:
        grouped.setdefault((task.slug, task.language), []).append(task.output)
    cost = {"audio": 3, "pdf": 2, "html": 1}  # longest first, so no worker idles at the end
    groups = [(slug, language, tuple(outs)) for (slug, language), outs in grouped.items()]
    return sorted(groups, key=lambda group: -sum(cost[output] for output in group[2]))


def _run_tasks(project: Project, todo: list[Task], jobs: int | None) -> Iterator[TaskResult]:
    """Each group in a worker process (or here, with one job); results as they finish."""
    groups = _groups(todo)
    workers = min(jobs or os.cpu_count() or 1, len(groups))
    args = (str(project.root), str(project.site_dir), project.config.page_size)
    if workers <= 1 or all(task.output == "html" for task in todo):  # pages alone: cheaper than spawning
        for slug, language, outs in groups:
            yield from build_in_worker(*args, slug, language, outs)
        return
    context = multiprocessing.get_context("spawn")  # workers never inherit this process's state
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init) as pool:
        futures: list[Future[list[TaskResult]]] = [
            pool.submit(build_in_worker, *args, *group) for group in groups
        ]
        try:
            for future in as_completed(futures):
                yield from future.result()
        except BaseException:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _worker_init() -> None:
    """Workers leave Ctrl-C to the main process, and die with it if it is killed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def build_in_worker(
    root: str, site: str, page_size: str, slug: str, language: str, outputs: tuple[str, ...]
) -> list[TaskResult]:
    """Runs in a worker: build one article in one language into the staging site."""
    from pipeline.build import build_group

    project = load_project(Path(root))
    config = dataclasses.replace(project.config, page_size=page_size)
    project = dataclasses.replace(project, config=config, site_override=Path(site))
    return build_group(project, slug, language, outputs)
