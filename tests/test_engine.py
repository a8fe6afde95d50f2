"""The build engine: incremental, per-language, atomic under interruption, locked, sharded."""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, ROOTS, translated_on

from pipeline.source.project import load_project
from pipeline.speech.voices import voice_for

PLAINSPOKEN = [sys.executable, "-m", "pipeline.cli"]
#: The languages source/site.toml publishes (one article): every count below follows from them.
LANGUAGES = load_project(ROOTS / "clinic").config.languages


#: Five of the clinic's languages, both directions and three scripts: enough for a build to be caught
#: mid-way, at a third of the whole clinic's time.
SOME_LANGUAGES = ("en", "es", "ar", "zh-Hans", "ru")


def copy_clinic(target: Path, languages: tuple[str, ...] = ()) -> Path:
    """The clinic test root, publishing only `languages` if given."""
    for part in ("source", "locales"):
        shutil.copytree(ROOTS / "clinic" / part, target / part)
    if languages:
        toml = target / "source/site.toml"
        listed = ", ".join(f'"{language}"' for language in languages)
        text, count = re.subn(r"(?m)^languages = \[.*\]$", f"languages = [{listed}]", toml.read_text())
        assert count == 1
        toml.write_text(text)
    return target


def site_files(root: Path) -> dict[str, str]:
    site = root / "build/site"
    return {
        p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


def start(root: Path, *args: str) -> subprocess.Popen[str]:
    """plainspoken in the background, its output captured, Ctrl-C as a terminal gives it: a test run
    started in the background of a non-interactive shell ignores SIGINT, and its children would."""
    return subprocess.Popen(
        [*PLAINSPOKEN, "-C", str(root), *args],
        cwd=REPO,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )


def _ctrl_c_as_in_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def cli(root: Path, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PLAINSPOKEN, "-C", str(root), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        **kwargs,
    )  # type: ignore[call-overload]


def test_second_build_runs_nothing_and_first_records_a_manifest(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    first = run(project, "build", "--format", "html", "--format", "pdf")
    assert first.exit_code == 0, first.output
    manifest = json.loads((project / "build/manifest.json").read_text())
    assert set(manifest["tasks"]) == {
        f"{lang}/every-node/{out}" for lang in ("en", "es") for out in ("html", "pdf")
    }
    second = run(project, "build", "--format", "html", "--format", "pdf")
    assert second.stdout.startswith("Up to date: 4 outputs, nothing to build")


def test_a_build_with_nothing_to_do_loads_no_parser_template_or_print_stack(run, make_project) -> None:  # type: ignore[no-untyped-def]
    """An up-to-date site is told so without Markdown, YAML, Jinja2, Pyphen, numpy or WeasyPrint: the
    plan's keys once imported the readability checks (and Markdown with them) for a file name."""
    project = make_project("basic")
    assert run(project, "build", "--format", "html", "-j", "1").exit_code == 0
    code = (
        "import sys\nfrom pipeline.cli import main\n"
        f"try:\n    main(['-C', {str(project)!r}, 'build', '--format', 'html', '-j', '1'])\n"
        "except SystemExit as done:\n    assert not done.code, done.code\n"
        "heavy = ('markdown_it', 'yaml', 'jinja2', 'pyphen', 'numpy', 'weasyprint', 'lameenc')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "nothing to build" in done.stdout, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


@pytest.mark.slow
def test_editing_one_catalog_runs_exactly_that_languages_tasks(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    assert run(project, "build", "--format", "html", "--format", "pdf").exit_code == 0
    before = site_files(project)
    po = project / "locales/ko/LC_MESSAGES/choosing-care.po"
    po.write_text(po.read_text().replace('msgstr "비용"', 'msgstr "비용 안내"'), encoding="utf-8")
    result = run(project, "build", "--format", "html", "--format", "pdf")
    ran = re.findall(r"^\[\d+/\d+\] built +(\S+) ", result.stdout, flags=re.M)
    # The other languages' pages are made again (by default a language with nothing translated is
    # not published, so a Korean edit could change their language lists), never their handouts.
    assert [task for task in ran if not task.endswith("/html")] == ["ko/choosing-care/pdf"]
    assert "ko/choosing-care/html" in ran
    after = site_files(project)
    changed = {path for path in after if after[path] != before.get(path)}
    assert changed <= {
        "ko/choosing-care.html",
        "ko/choosing-care.pdf",
        "ko/choosing-care-large-print.pdf",
        "ko/index.html",
        "report.html",
    }
    assert "ko/choosing-care.html" in changed


def test_removing_a_language_takes_its_outputs_down(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    run(project, "build", "--format", "html")
    assert (project / "build/site/ko/choosing-care.html").exists()
    toml = project / "source/site.toml"
    toml.write_text(toml.read_text().replace('"ko", ', ""))
    assert run(project, "build", "--format", "html").exit_code == 0
    assert not list((project / "build/site/ko").glob("*.html"))
    assert 'href="ko/index.html"' not in (project / "build/site/index.html").read_text()
    assert not any(
        t.startswith("ko/") for t in json.loads((project / "build/manifest.json").read_text())["tasks"]
    )


def _wait_for(condition, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_an_interrupted_build_leaves_the_previous_site_whole(tmp_path: Path, how: signal.Signals) -> None:
    root = copy_clinic(tmp_path / "clinic", SOME_LANGUAGES)
    assert cli(root, "build", "--format", "html", "--format", "pdf").returncode == 0
    before = site_files(root)
    source = root / "source/choosing-care.md"
    source.write_text(
        source.read_text().replace("Final Thoughts", "Last Thoughts")
    )  # every language rebuilds
    staged = root / "build/.staging/site"
    process = start(root, "build", "--format", "html", "--format", "pdf")
    _wait_for(
        lambda: staged.exists() and any(p.stat().st_nlink == 1 for p in staged.rglob("*.pdf"))
    )  # mid-way: some new PDFs written
    process.send_signal(how)
    out, err = process.communicate(timeout=60)
    changed = sorted(path for path, digest in site_files(root).items() if before.get(path) != digest)
    assert not changed, f"the previous site changed ({len(changed)} files), exit {process.returncode}: {out}{err}"
    if how == signal.SIGINT:
        assert process.returncode == 130 and "Interrupted: build/site is unchanged." in err
        assert not (root / "build/.staging").exists()
    # The next build finishes the job from a clean state.
    result = cli(root, "build", "--format", "html", "--format", "pdf")
    assert result.returncode == 0, result.stderr
    assert not (root / "build/.staging").exists()
    assert "Last Thoughts" in (root / "build/site/en/choosing-care.html").read_text()


def test_ctrl_c_whose_keyboard_interrupt_is_lost_still_leaves_the_previous_site(make_project) -> None:  # type: ignore[no-untyped-def]
    """Python loses a KeyboardInterrupt raised inside a finalizer ("Exception ignored in …"); the
    build still notes the Ctrl-C, and does not swap its staging copy in."""
    from pipeline.engine.run import run_build

    root = make_project("basic")
    assert cli(root, "build", "--format", "html", "-j", "1").returncode == 0
    before = site_files(root)
    source = root / "source/every-node.md"
    source.write_text(source.read_text(encoding="utf-8").replace("# ", "# Now ", 1), encoding="utf-8")

    class LosingProgress:
        def waiting(self, holder: str) -> None: ...
        def start(self, total: int, up_to_date: int) -> None: ...
        def task_done(self, result: Any) -> None:
            try:  # the handler runs here, and what it raises goes nowhere, as in a finalizer
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.01)
            except KeyboardInterrupt:
                pass

    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)  # as a terminal starts Python
    try:
        with pytest.raises(KeyboardInterrupt):
            run_build(load_project(root), outputs=("html",), jobs=1, progress=LosingProgress())
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back as it was
    finally:
        signal.signal(signal.SIGINT, inherited)
    assert site_files(root) == before
    assert not (root / "build/.staging").exists()


@pytest.mark.slow
def test_two_concurrent_builds_do_not_corrupt_the_site(tmp_path: Path) -> None:
    root = copy_clinic(tmp_path / "clinic", SOME_LANGUAGES)
    first = start(root, "build", "--format", "html", "--format", "pdf")
    _wait_for(lambda: (root / "build/.staging").exists())
    second = cli(root, "build", "--format", "html", "--format", "pdf")
    _out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert second.returncode == 0, second.stderr
    assert "Another build is writing build/site (pid" in second.stderr
    assert f"Up to date: {2 * len(SOME_LANGUAGES)} outputs" in second.stdout  # it waited, then found it done
    files = site_files(root)
    assert len([f for f in files if f.endswith(".pdf")]) == 2 * len(SOME_LANGUAGES) and "index.html" in files


@pytest.mark.slow
def test_shards_split_the_work_and_merge_into_one_site(tmp_path: Path) -> None:
    full = copy_clinic(tmp_path / "full")
    assert cli(full, "build", "--format", "html").returncode == 0
    merged = tmp_path / "merged"
    counts = []
    for shard in ("1/3", "2/3", "3/3"):
        root = copy_clinic(tmp_path / shard.replace("/", "-"))
        result = cli(root, "build", "--format", "html", "--shard", shard)
        assert result.returncode == 0, result.stderr
        counts.append(int(re.search(r"(\d+) built", result.stdout).group(1)))
        shutil.copytree(root / "build/site", merged, dirs_exist_ok=True)
    assert sum(counts) == len(LANGUAGES) and max(counts) - min(counts) <= 1
    assert {p.relative_to(merged).as_posix() for p in merged.rglob("*") if p.is_file()} == set(
        site_files(full)
    )


def test_jobs_start_with_the_slow_outputs_one_job_per_article_and_language(make_project) -> None:  # type: ignore[no-untyped-def]
    from pipeline.engine.plan import make_plan
    from pipeline.engine.workers import plan_jobs
    from pipeline.source.project import load_project
    from pipeline.speech.voices import voice_for

    project = load_project(make_project("clinic"))
    languages = project.config.languages
    plan = make_plan(project, outputs=("audio", "pdf", "html"), languages=languages)
    jobs = plan_jobs(project, plan.tasks)
    tasks = sorted(f"{j.language}/{j.slug}/{o}" for j in jobs for o in j.outputs)
    assert tasks == sorted(t.id for t in plan.tasks)  # every task once
    assert [j.cost for j in jobs] == sorted((j.cost for j in jobs), reverse=True)
    voiced = [tag for tag in languages if voice_for(tag)]
    assert {j.language for j in jobs[: len(voiced)]} == set(voiced)  # audio guides first
    # The page needs the audio's cues and links the handouts: one job per article and language,
    # the page after both (languages still run side by side).
    assert {job.outputs for job in jobs} == {("audio", "pdf", "html")}


def test_the_last_jobs_build_one_output_each_and_a_page_waits_for_what_it_links(make_project) -> None:  # type: ignore[no-untyped-def]
    """One article in 13 languages on 2 cores was 14 jobs of 3 to 7 s: one core idled up to 3 s at
    the end. The last jobs now build one output each, and a page still never starts before the
    guide and handouts it shows."""
    from pipeline.engine.plan import make_plan
    from pipeline.engine.results import TaskResult
    from pipeline.engine.workers import TAIL_JOBS_PER_CORE, _Schedule, build_in_worker, plan_jobs

    project = load_project(make_project("clinic"))
    plan = make_plan(project, outputs=("audio", "pdf", "html"), languages=project.config.languages)
    whole, jobs = plan_jobs(project, plan.tasks, 1), plan_jobs(project, plan.tasks, 2)
    assert sorted(f"{j.language}/{j.slug}/{o}" for j in jobs for o in j.outputs) == sorted(t.id for t in plan.tasks)
    assert [j.cost for j in jobs] == sorted((j.cost for j in jobs), reverse=True)
    tail = {(j.slug, j.language) for j in whole[-TAIL_JOBS_PER_CORE * 2 :]}
    assert 2 < len(tail) < len(whole)  # the clinic root has more languages than the tail
    assert {(j.slug, j.language, j.outputs) for j in jobs if (j.slug, j.language) in tail} == {
        (slug, language, (name,)) for slug, language in tail for name in ("audio", "pdf", "html")
    }
    assert all(j.outputs == ("audio", "pdf", "html") for j in jobs if (j.slug, j.language) not in tail)
    schedule = _Schedule(list(jobs), None)
    started = []
    while (call := schedule.next_call(busy=True)) is not None:
        started.append(call[1])
    assert len(started) == len(jobs) - len(tail)  # every split page waits
    slug, language = sorted(tail)[0]
    list(schedule.record([TaskResult(slug, language, "audio", "built")]))
    assert schedule.next_call(busy=True) is None  # its handouts are still printing
    list(schedule.record([TaskResult(slug, language, "pdf", "failed")]))  # done, if not built
    assert schedule.next_call(busy=True) == (build_in_worker, (slug, language, ("html",)))
    assert schedule.next_call(busy=True) is None


def test_a_build_split_into_one_job_per_output_makes_the_same_site(tmp_path: Path) -> None:
    """One language on two workers is all tail: three jobs, the page after its guide and handouts.
    Every file is byte for byte what one process building the language in one job makes."""
    sites = {}
    for workers in ("1", "2"):
        root = copy_clinic(tmp_path / workers)
        result = cli(root, "build", "--lang", "en", "-j", workers)
        assert result.returncode == 0, result.stdout + result.stderr
        sites[workers] = site_files(root)
    assert any(name.endswith(".vtt") for name in sites["1"])  # the page's read-along came from a guide
    assert sites["2"] == sites["1"]


def test_weasyprint_is_loaded_without_running_a_compiler() -> None:
    """WeasyPrint's library lookup ran ldconfig, gcc and ld 38 times in every build worker."""
    code = (
        "import sys\n"
        "started = []\n"
        "sys.addaudithook(lambda event, args: event == 'subprocess.Popen' and started.append(args[0]))\n"
        "from pipeline.builders.printing import load_weasyprint\n"
        "load_weasyprint()\n"
        "from weasyprint import HTML\n"
        "assert HTML(string='<p>x</p>').write_pdf().startswith(b'%PDF')\n"
        "print(started)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['/sbin/ldconfig']"


def test_the_report_links_to_exactly_the_outputs_there_are(full_site: Path) -> None:
    """End to end, with the report written last (a handout printed after its rows were made is
    checked deterministically in the next test)."""
    site = full_site / "build/site"
    report = (site / "report.html").read_text(encoding="utf-8")
    linked = set(re.findall(r'<a href="([^"#]+\.(?:html|pdf|mp3))">', report)) - {"en/index.html"}
    outputs = {
        p.relative_to(site).as_posix()
        for p in site.glob("*/*")
        if p.suffix in (".pdf", ".mp3") or (p.suffix == ".html" and p.name != "index.html")
    }
    voiced = [tag for tag in LANGUAGES if voice_for(tag)]  # page and two handouts everywhere; audio if voiced
    translated = len(LANGUAGES) - 1  # and a bilingual handout in every language but the source's
    assert len(outputs) == 3 * len(LANGUAGES) + translated + len(voiced)
    assert linked == outputs


def test_a_report_made_early_links_to_the_handouts_printed_after_it(run, make_project) -> None:  # type: ignore[no-untyped-def]
    from pipeline.engine.tasks import build_group, build_site_pages, write_report
    from pipeline.source.project import load_project

    root = make_project("clinic")
    assert run(root, "build", "--format", "html", "--lang", "es").exit_code == 0
    project = load_project(root)
    early = build_site_pages(project, report=True, report_later=True)
    assert early.report is not None and not (root / "build/site/report.html").exists()
    assert build_group(project, "choosing-care", "es", ("pdf",))[0].status == "built"
    write_report(project, early.report)
    report = (root / "build/site/report.html").read_text(encoding="utf-8")
    assert '<a href="es/choosing-care.pdf">Handout (PDF)</a>' in report
    assert 'href="es/choosing-care.mp3"' not in report  # not made: not linked


def test_the_shared_pages_wait_for_every_page_and_the_report_for_every_job() -> None:
    from pipeline.engine.results import TaskResult
    from pipeline.engine.tasks import SitePages
    from pipeline.engine.workers import (
        Job,
        SiteJob,
        _Schedule,
        build_in_worker,
        report_here,
        site_pages_here,
    )
    from pipeline.site.report import ReportRows

    page = Job("a", "es", ("audio", "pdf", "html"), 4.5)
    handouts = Job("b", "es", ("pdf",), 1.5)  # another article's (its page is up to date)
    schedule = _Schedule([page, handouts], SiteJob(whole_site=True, with_report=True))
    assert schedule.next_call(busy=False) == (build_in_worker, ("a", "es", ("audio", "pdf", "html")))
    assert schedule.next_call(busy=True) == (build_in_worker, ("b", "es", ("pdf",)))
    assert schedule.next_call(busy=True) is None  # the page is not written yet
    list(schedule.record([TaskResult("a", "es", name, "built") for name in ("audio", "pdf", "html")]))
    call = schedule.next_call(busy=True)  # while the handouts print
    assert call is not None and call[0] is site_pages_here
    list(schedule.record(SitePages(report=ReportRows((), ("es",)))))
    assert schedule.next_call(busy=True) is None  # a handout is still printing
    call = schedule.next_call(busy=False)
    assert call is not None and call[0] is report_here
    assert not schedule.unfinished


class _ScriptedWorkers:
    """Two worker slots for a fast test of the scheduler (the real pool: tests/test_failures.py):
    a call "prints" its handout, but the worker under an article named in ``deaths`` dies
    (SIGKILL) that many times. ``started``: each call's article with those running beside it."""

    slots = 2

    def __init__(self, deaths: dict[str, int]) -> None:
        self.deaths, self.running, self.started = deaths, {}, []  # type: ignore[var-annotated]

    def submit(self, function, args, hints=None):  # type: ignore[no-untyped-def]
        ticket = len(self.started)
        self.running[ticket] = args[4]
        self.started.append((args[4], sorted(self.running.values())))
        return ticket

    def wait_first(self):  # type: ignore[no-untyped-def]
        from pipeline.engine.executors import Finished
        from pipeline.engine.results import TaskResult
        from pipeline.engine.sandbox import JobOutput

        ticket = min(self.running)
        slug = self.running.pop(ticket)
        if self.deaths.get(slug):
            self.deaths[slug] -= 1
            return [Finished(ticket, died=True, exit_code=-9)]
        return [Finished(ticket, JobOutput([TaskResult(slug, "es", "pdf", "built")]))]

    def lost(self) -> list[str]:
        return []

    def restart(self) -> None:
        pass

    def close(self, *, kill: bool = False) -> None:
        pass


@pytest.mark.parametrize("deaths", [1, 2])
def test_a_call_whose_worker_died_runs_again_with_nothing_beside_it(
    deaths: int, make_project: Callable[[str], Path], tmp_path: Path
) -> None:
    from pipeline.engine.sandbox import Snapshot
    from pipeline.engine.workers import Job, _Coordinator, _dispatch, _Schedule
    from pipeline.i18n.publishing import Publication

    project = load_project(make_project("plain"))
    staged = dataclasses.replace(project, site_override=tmp_path / "staging/site")
    coordinator = _Coordinator(staged, (Snapshot(()), "store", "letter", Publication()))
    workers = _ScriptedWorkers({"a": deaths})
    jobs = [Job(slug, "es", ("pdf",), 1.0) for slug in "abcd"]
    results = list(_dispatch(workers, coordinator, _Schedule(jobs, None)))
    assert workers.started[:3] == [("a", ["a"]), ("b", ["a", "b"]), ("a", ["a"])]  # b ended first
    assert sorted(r.slug for r in results) == ["a", "b", "c", "d"]
    (a,) = [r for r in results if r.slug == "a"]
    if deaths == 1:
        assert a.status == "built"
    else:
        assert a.status == "failed" and "killed (signal 9), twice: out of memory?" in str(a.problems[0])


class _NeverWaits:
    """Progress that fails the build at once if it would wait for another build's lock."""

    def waiting(self, holder: str) -> None:
        raise AssertionError(f"the build waited for {holder}: a lock held by nothing but this process")

    def start(self, total: int, up_to_date: int) -> None:
        pass

    def task_done(self, result: object) -> None:
        pass


@pytest.mark.skipif(shutil.which("espeak-ng") is None and "CI" not in os.environ, reason="no espeak-ng")
def test_a_second_build_in_the_same_process_is_not_locked_out_by_the_first_ones_speech_engine(
    make_project,  # type: ignore[no-untyped-def]
) -> None:
    """Audio made here (-j 1) keeps its speech engine for the next file: it must not hold build/.lock
    (a forked engine did, and the next build in this process waited for it forever)."""
    from pipeline.engine.run import run_build
    from pipeline.speech.engine import close_idle_engines

    project = load_project(make_project("basic"))
    try:
        first = run_build(project, outputs=("audio", "html"), jobs=1, progress=_NeverWaits())
        assert {r.status for r in first.results if r.output == "audio"} == {"built"}
        (project.source_dir / "every-node.md").write_text(
            (project.source_dir / "every-node.md").read_text(encoding="utf-8") + "\nOne more line.\n",
            encoding="utf-8",
        )
        second = run_build(project, outputs=("audio", "html"), jobs=1, progress=_NeverWaits())
        assert not second.failed and "built" in {r.status for r in second.results if r.output == "audio"}
    finally:
        close_idle_engines()


@pytest.mark.slow
def test_cold_builds_with_workers_end_without_a_traceback_at_exit(tmp_path: Path) -> None:
    """A fresh build once printed a concurrent.futures traceback after "Build succeeded", as the
    interpreter exited: the workers are now ended and waited for before the last line."""
    command = Path(sys.executable).with_name("plainspoken")
    for attempt in range(3):
        root = tmp_path / f"cold-{attempt}"
        shutil.copytree(ROOTS / "basic", root)
        done = subprocess.run(
            [str(command), "-C", str(root), "build", "-j", "2"], capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stdout and "Traceback" not in done.stderr, done.stderr
        assert "Build succeeded" in done.stdout and list((root / "build/site").rglob("*.mp3"))


@pytest.mark.timeout(120)  # it used to wait for the lock for ever
def test_a_second_build_in_the_same_process_is_not_locked_out_by_a_kept_speech_engine(
    make_project: Callable[[str], Path], run: Callable[..., Any]
) -> None:
    """The engine process kept for the next guide was forked holding build/.lock (the preview
    server spawns, so only in-process callers met it): the second build waited for ever."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed")
    root = make_project("voices")
    assert run(root, "build", "--format", "audio", "--lang", "en").exit_code == 0
    second = run(root, "build", "--format", "audio", "--lang", "en")
    assert second.exit_code == 0 and "Up to date" in second.output


@pytest.mark.parametrize("runs_jobs", ["local", "cluster"])
def test_a_worker_keeps_no_article_after_its_job(monkeypatch: pytest.MonkeyPatch, runs_jobs: str) -> None:
    """A worker's caches of parsed text and loaded catalogs serve one job: kept, they held every
    article a worker had built, and the largest worker grew with the number of articles. A local
    worker also sets what survives aside from collections; a Dask worker, which outlives the build
    and holds the cluster's state, does not (frozen, the cluster's garbage would stay for good)."""
    from pipeline.engine import workers
    from pipeline.markup import to_markdown
    from pipeline.source.parse import parse_inline

    monkeypatch.setattr(workers, "_RUNS_JOBS", runs_jobs)
    to_markdown(parse_inline("Call **the clinic** today."))
    assert parse_inline.cache_info().currsize and to_markdown.cache_info().currsize
    try:
        workers._release_memory()
        frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()  # what the worker sets aside from collections: this process is not one
    assert parse_inline.cache_info().currsize == 0 and to_markdown.cache_info().currsize == 0
    assert bool(frozen) == (runs_jobs == "local")


def test_a_job_runs_with_fewer_collections_and_leaves_the_process_as_it_was() -> None:
    """Jobs make millions of short-lived objects: the collector runs every 50,000 new ones while a job
    runs (not 700), and the process's own thresholds are back after it, even if the job failed."""
    from pipeline.engine import workers

    before = gc.get_threshold()
    with pytest.raises(RuntimeError), workers._fewer_collections():
        assert gc.get_threshold() == workers.JOB_COLLECTION_THRESHOLDS != before
        raise RuntimeError("the job failed")
    assert gc.get_threshold() == before


def test_jobs_side_by_side_leave_the_process_its_own_collection_thresholds() -> None:
    """Two jobs in one process (a Dask worker of two threads), the first ending first: the process
    kept the jobs' thresholds for good, as the second put back what it had found, the first's."""
    from pipeline.engine import workers

    before = gc.get_threshold()
    first, second = workers._fewer_collections(), workers._fewer_collections()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert gc.get_threshold() == workers.JOB_COLLECTION_THRESHOLDS  # the second job still runs
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before


def test_two_guides_spoken_at_once_leave_one_engine_for_the_next_and_end_the_other() -> None:
    """Two threads of a Dask worker each speak a guide with an engine process of its own (one kept for
    the next file, as Piper's are): the one put aside second replaced the first, which nothing ended
    until the worker did. The engines are real processes; their speech is tones."""
    from pipeline.speech import engine

    engine.close_idle_engines()
    tones = "fake_engines:ToneEngine"
    with engine.speech_worker("x", engine=tones) as first, engine.speech_worker("x", engine=tones) as second:
        processes = [first.process, second.process]
        assert first.speak("One.").pcm and second.speak("Two.").pcm
    try:
        assert len(engine._IDLE) == 1 and [p.is_alive() for p in processes].count(True) == 1
    finally:
        engine.close_idle_engines()
    assert not any(p.is_alive() for p in processes)


def test_a_worker_process_is_replaced_after_its_share_of_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """What jobs leave in a worker never adds up: after CALLS_PER_WORKER calls a new process takes
    its place (every call still answered), so the largest worker does not grow with the site."""
    from pipeline.engine import executors

    monkeypatch.setattr(executors, "CALLS_PER_WORKER", 2)
    pool = executors.LocalProcesses(1, initializer=_nothing, finalizer=_nothing)
    pids = []
    try:
        for _ in range(5):
            ticket = pool.submit(os.getpid, ())
            (finished,) = pool.wait_first()
            assert finished.ticket == ticket and not finished.died
            pids.append(finished.result)
            pool.restart()
    finally:
        pool.close()
    assert [pids.index(pid) for pid in pids] == [0, 0, 2, 2, 4]  # two calls each, then a new process
    assert os.getpid() not in pids


def test_local_workers_start_while_the_build_decides_what_it_publishes(run, make_project, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The worker processes start (about a second each, WeasyPrint's import the most of it) before
    the build translates to decide what it publishes: they translate too."""
    import multiprocessing

    from pipeline.engine import workers

    started: list[int] = []
    deciding = workers.translate_first

    def watched(*args: Any, **kwargs: Any) -> Any:
        started.append(len(multiprocessing.active_children()))
        return (yield from deciding(*args, **kwargs))

    monkeypatch.setattr(workers, "translate_first", watched)
    result = run(make_project("basic"), "build", "--format", "pdf", "--format", "html", "-j", "2")
    assert result.exit_code == 0, result.output
    assert started == [2]


def test_what_decides_publication_is_translated_on_the_workers_as_here(make_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """One process translated every article in every language before any job started: 0.9 s for
    one article in 14 languages, minutes for hundreds while every worker of a cluster waited. The
    workers translate too, once started (this process takes the last calls while they are busy),
    and give back the same articles, warnings included, as this process makes."""
    from pipeline.engine import workers
    from pipeline.i18n.publishing import prepare_for_policy

    project = load_project(make_project("clinic"))
    assert project.config.withholds() and len(project.config.languages) > 8
    pool = workers.start_local_workers(2, [])
    sent: list[tuple[tuple[str, str], ...]] = []
    submit = pool.submit

    def recorded(function: Callable[..., Any], args: tuple[Any, ...], hints: Any = None) -> int:
        if function is workers.translate_in_worker:
            sent.append(args[-1])
        return submit(function, args, hints)

    pool.submit = recorded  # type: ignore[method-assign]
    try:
        (prepared, starting), _ = translated_on(pool, project, ["choosing-care"], tmp_path / "inputs")
    finally:
        pool.close()
    expected = prepare_for_policy(project, ["choosing-care"])
    assert len(expected) == len(project.config.languages) and not starting
    assert prepared == expected
    on_workers = [pair for call in sent for pair in call]
    assert sent and len(on_workers) == len(set(on_workers)) < len(expected)  # here too, none twice


def test_a_worker_started_ahead_has_loaded_what_its_jobs_print_with() -> None:
    """A worker started for handout jobs has imported WeasyPrint before its first call comes; a
    format it does not know (registered at run time elsewhere) does not stop it."""
    from pipeline.engine import workers

    jobs = [workers.Job("a", "en", ("pdf", "unknown-format"), 1.0)]
    pool = workers.start_local_workers(1, jobs)
    try:
        pool.submit(_loaded, ("weasyprint",))
        (finished,) = pool.wait_first()
    finally:
        pool.close()
    assert finished.result is True


def _loaded(module: str) -> bool:
    return module in sys.modules


def _nothing() -> None:
    """A worker set-up (and end) that does nothing."""
