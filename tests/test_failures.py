"""A task is the unit of failure: whatever goes wrong in one output fails that output, and the rest
of the site is still published."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import translated_on, wait_for_a_held_call

from pipeline.builders import outputs
from pipeline.builders.html import HtmlBuilder
from pipeline.i18n.article import Article

Run = Callable[..., Result]


class ExplodingBuilder(HtmlBuilder):
    """Web pages, but Spanish ones hit a bug."""

    def write(self, article: Article) -> list[Path]:
        if article.language == "es":
            raise RuntimeError("boom")
        return super().write(article)


class ForgetfulBuilder(HtmlBuilder):
    """Web pages whose Spanish template context lacks a name the template uses."""

    def _article_context(self, article: Article) -> dict[str, Any]:
        context = super()._article_context(article)
        if article.language == "es":
            del context["listen"]
        return context


@pytest.fixture(autouse=True)
def _restore_registry() -> Iterator[None]:
    html = outputs.spec("html")
    yield
    outputs.register(html)


def use_html_builder(cls: type[HtmlBuilder]) -> None:
    """Web pages from ``cls`` instead (a replaced registry entry, as a plug-in would do)."""
    outputs.register(dataclasses.replace(outputs.spec("html"), builder=cls))


def test_a_bug_in_one_output_fails_that_output_and_the_rest_is_published(
    run: Run, make_project: Callable[[str], Path]
) -> None:
    project = make_project("basic")
    use_html_builder(ExplodingBuilder)
    result = run(project, "build", "--format", "html", "-j", "1")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    (failed,) = [line for line in result.stdout.splitlines() if "FAILED" in line]
    assert failed.split()[:3] == ["es", "html", "FAILED"]
    assert "pipeline/engine/tasks.py:" in failed  # the last line of the pipeline that ran
    assert "RuntimeError: boom (while building es/every-node/html" in failed
    assert "Build failed" in result.stdout
    site = project / "build/site"
    assert (site / "en/every-node.html").exists() and (site / "index.html").exists()
    assert not (site / "es/every-node.html").exists()
    manifest = json.loads((project / "build/manifest.json").read_text())
    assert "es/every-node/html" not in manifest["tasks"]  # retried next time
    use_html_builder(HtmlBuilder)
    again = run(project, "build", "--format", "html", "-j", "1")
    assert again.exit_code == 0 and (site / "es/every-node.html").exists()


def test_a_name_missing_from_a_template_context_fails_at_the_template_line(
    run: Run, make_project: Callable[[str], Path]
) -> None:
    project = make_project("basic")
    use_html_builder(ForgetfulBuilder)
    result = run(project, "build", "--format", "html", "-j", "1")
    assert result.exit_code == 1 and "Traceback" not in result.output
    (failed,) = [line for line in result.stdout.splitlines() if "FAILED" in line]
    assert "pipeline/templates/article.html:" in failed and "'listen' is undefined" in failed
    assert (project / "build/site/en/every-node.html").exists()


def test_a_failure_in_the_shared_pages_is_reported_and_the_pages_are_published(
    run: Run, make_project: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project("basic")

    def broken_index(self: HtmlBuilder, tag: str) -> dict[str, Any]:
        raise KeyError("title")

    monkeypatch.setattr(HtmlBuilder, "_language_index_context", broken_index)
    result = run(project, "build", "--format", "html", "-j", "1")
    assert result.exit_code == 1 and "Traceback" not in result.output
    (failed,) = [line for line in result.stdout.splitlines() if "FAILED" in line]
    assert failed.split()[:3] == ["site", "pages", "FAILED"]
    assert "KeyError: 'title' (while building the shared pages" in failed
    assert (project / "build/site/en/every-node.html").exists()
    assert (project / "build/site/es/every-node.html").exists()


def test_a_draft_handout_says_so_in_its_text(make_project: Callable[[str], Path]) -> None:
    """StrictUndefined found it: the handout's draft notice was an empty paragraph."""
    from pipeline.i18n.article import prepare_article
    from pipeline.render.handout import VARIANTS, render_handout
    from pipeline.source.project import load_project

    project = load_project(make_project("basic"))
    article, _ = prepare_article(project, "every-node", "es")
    assert article.is_draft
    html, _css = render_handout(article, config=project.config, variant=VARIANTS[0])
    assert "todavía no la ha revisado un traductor médico" in html  # the shipped Spanish interface


def test_a_translation_bug_in_one_language_fails_its_outputs_only_even_when_drafts_are_withheld(
    run: Run, make_project: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The policy is applied to every language when the build is planned: a bug there must not
    escape either."""
    from pipeline.engine import tasks
    from pipeline.i18n import article as article_module

    original = article_module.prepare_article

    def buggy(project: Any, slug: str, language: str) -> Any:
        if language == "es":
            raise IndexError("tuple index out of range")
        return original(project, slug, language)

    monkeypatch.setattr(article_module, "prepare_article", buggy)
    monkeypatch.setattr(tasks, "prepare_article", buggy)
    project = make_project("basic")
    toml = project / "source/site.toml"
    toml.write_text(
        toml.read_text().replace('page_size = "letter"', 'page_size = "letter"\ndrafts = { pdf = "skip" }')
    )
    result = run(project, "build", "--format", "html", "-j", "1")
    assert result.exit_code == 1 and "Traceback" not in result.output
    (failed,) = [line for line in result.stdout.splitlines() if "FAILED" in line]
    assert failed.split()[:3] == ["es", "html", "FAILED"] and "IndexError" in failed
    assert (project / "build/site/en/every-node.html").exists()


def _build_holding(project: Path, holds: Path, *extra: str) -> subprocess.Popen[str]:
    """``plainspoken build -j 2`` in a subprocess whose workers hold a call for each hold-* file
    in ``holds`` (pipeline.engine.executors.HOLD_ENV) until the test kills them."""
    from pipeline.engine.executors import HOLD_ENV

    holds.mkdir(exist_ok=True)
    command = [sys.executable, "-c", "from pipeline.cli import main; main()", "-C", str(project), "build"]
    env = {**os.environ, HOLD_ENV: str(holds)}
    return subprocess.Popen(
        [*command, "-j", "2", *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )


def _kill_holder(build: subprocess.Popen[str], holds: Path) -> str:
    """Wait for a worker to hold its call, SIGKILL it; the call it held (repr)."""
    held = wait_for_a_held_call(build, holds)
    call = held.read_text(encoding="utf-8")
    held.unlink()
    os.kill(int(held.name.removeprefix("held-")), signal.SIGKILL)
    return call


@pytest.mark.slow
def test_a_worker_killed_mid_build_is_replaced_and_its_work_done_again(
    make_project: Callable[[str], Path], tmp_path: Path
) -> None:
    """The kernel's out-of-memory killer takes a worker: no traceback, the build goes on and succeeds."""
    project = make_project("clinic")
    (tmp_path / "holds").mkdir()
    (tmp_path / "holds/hold-1").write_text("build_in_worker")
    build = _build_holding(project, tmp_path / "holds", "--lang", "es", "--lang", "km")
    call = _kill_holder(build, tmp_path / "holds")
    output, _ = build.communicate(timeout=240)
    assert call.startswith("build_in_worker")
    assert build.returncode == 0, output
    assert "Traceback" not in output and "FAILED" not in output, output
    for language in ("es", "km"):
        assert (project / f"build/site/{language}/choosing-care.html").is_file()
        assert (project / f"build/site/{language}/choosing-care.pdf").is_file()


@pytest.mark.slow
def test_a_call_whose_worker_is_killed_twice_fails_in_one_line_and_the_rest_is_built(
    make_project: Callable[[str], Path], tmp_path: Path
) -> None:
    project = make_project("clinic")
    holds = tmp_path / "holds"
    holds.mkdir()
    (holds / "hold-1").write_text("build_in_worker")
    build = _build_holding(project, holds, "--lang", "es", "--lang", "km")
    call = _kill_holder(build, holds)
    (holds / "hold-2").write_text(call)  # only this call, run again on its own, takes it
    assert _kill_holder(build, holds) == call
    output, _ = build.communicate(timeout=240)
    assert build.returncode == 1 and "Traceback" not in output, output
    failed = [line for line in output.splitlines() if "FAILED" in line]
    assert failed and all("killed (signal 9), twice: out of memory?" in line for line in failed), output
    built = [line for line in output.splitlines() if " built " in line]
    assert built and "Build failed" in output


def test_a_worker_killed_while_translating_has_its_articles_translated_here(
    make_project: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before any job, workers translate what decides what is published. One killed meanwhile: its
    articles are translated here. Left out, they counted as published whatever the policy said (a
    language below min_translated would have gone out); no line, no traceback."""
    from pipeline.engine import workers
    from pipeline.engine.executors import HOLD_ENV
    from pipeline.i18n.publishing import prepare_for_policy
    from pipeline.source.project import load_project

    project = load_project(make_project("clinic"))
    holds = tmp_path / "holds"
    holds.mkdir()
    (holds / "hold-1").write_text("translate_in_worker")
    monkeypatch.setenv(HOLD_ENV, str(holds))
    pool = workers.start_local_workers(2, [])
    try:
        killer = threading.Thread(target=_kill_when_held, args=(holds,))
        killer.start()
        (prepared, _), lines = translated_on(pool, project, ["choosing-care"], tmp_path / "inputs")
        killer.join()
    finally:
        pool.close()
    assert prepared == prepare_for_policy(project, ["choosing-care"])
    assert len(prepared) == len(project.config.languages) and not lines  # a local death is no lost line
    assert not list(holds.glob("hold-*"))  # the held call was taken, and its worker killed


def _kill_when_held(holds: Path) -> None:
    deadline = time.monotonic() + 60
    while not (held := sorted(holds.glob("held-*"))) and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(int(held[0].name.removeprefix("held-")), signal.SIGKILL)


def test_a_worker_that_dies_under_a_call_is_reported_with_its_signal() -> None:
    from fake_engines import kill_own_process

    from pipeline.engine.executors import LocalProcesses

    pool = LocalProcesses(1, initializer=_nothing, finalizer=_nothing)
    try:
        ticket = pool.submit(kill_own_process, ())
        (finished,) = pool.wait_first()
        assert (finished.ticket, finished.died, finished.exit_code) == (ticket, True, -signal.SIGKILL)
        pool.restart()
        ticket = pool.submit(len, ("four",))
        assert [(f.ticket, f.result, f.died) for f in pool.wait_first()] == [(ticket, 4, False)]
    finally:
        pool.close()
    assert pool.workers == []


def _nothing() -> None:
    """A worker set-up (and end) that does nothing."""


def test_a_call_whose_worker_dies_twice_fails_in_one_line() -> None:
    from pipeline.engine.workers import _died, build_in_worker

    results = _died((build_in_worker, ("choosing-care", "es", ("html", "pdf"))), -9)
    assert [(r.output, r.status) for r in results] == [("html", "failed"), ("pdf", "failed")]
    assert str(results[0].problems[0]) == (
        "build/site/es/choosing-care: the worker process building it was killed (signal 9), twice: "
        "out of memory? The previous file is kept."
    )


def test_a_guide_that_fails_before_it_speaks_leaves_no_temporary_file_in_the_site(
    run: Run, make_project: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guide's MP3 was opened as a temporary file before its speech cache, whose failure
    (here a cache folder that cannot be made) left `.every-node.mp3.….tmp` in the published site,
    build after build (a Dask worker handed it back as one of the job's files)."""
    from pipeline.builders import audio

    def unwritable(*args: Any) -> Any:
        raise PermissionError(13, "Permission denied", "build/cache/speech")

    monkeypatch.setattr(audio, "speech_cache", unwritable)
    project = make_project("basic")
    result = run(project, "build", "--format", "audio", "--lang", "en", "-j", "1")
    assert result.exit_code == 1 and "Traceback" not in result.output
    (failed,) = [line for line in result.stdout.splitlines() if "FAILED" in line]
    assert "Permission denied" in failed
    assert [p.name for p in (project / "build").rglob("*") if p.name.endswith(".tmp")] == []


def test_a_temporary_file_an_earlier_build_left_in_the_site_is_not_copied_on(
    run: Run, make_project: Callable[[str], Path]
) -> None:
    """Sites built before the fix above hold such empty `.….mp3.….tmp` files: the next build that
    changes anything leaves them out of the new site."""
    project = make_project("basic")
    assert run(project, "build", "--format", "html", "-j", "1").exit_code == 0
    left = project / "build/site/en/.every-node.mp3.k2j4h5g6.tmp"
    left.write_bytes(b"")
    source = project / "source/every-node.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")
    assert run(project, "build", "--format", "html", "-j", "1").exit_code == 0
    assert not left.exists()
    assert (project / "build/site/en/every-node.html").is_file()


def test_an_article_that_is_a_link_to_nothing_or_a_folder_is_named_and_the_rest_builds(
    run: Run, make_project: Callable[[str], Path]
) -> None:
    """Markdown names in source/ that are no readable file were left out without a word (the site lost
    an article); a folder of that name is a mistake too. Each is one error line; the others build."""
    project = make_project("lifecycle")
    (project / "source/moved.md").symlink_to(project.parent / "elsewhere" / "moved.md")
    (project / "source/unzipped.md").mkdir()
    (project / "source/unzipped.md/unzipped.md").write_text("# Inside\n", encoding="utf-8")
    for command in (("build", "--format", "html"), ("check",)):
        result = run(project, *command)
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        lines = result.output.splitlines()
        assert [line for line in lines if line.startswith("source/moved.md: ") and "a link to" in line], lines
        assert [line for line in lines if line.startswith("source/unzipped.md: ") and "a folder" in line], lines
    assert (project / "build/site/es/sleep.html").is_file() and (project / "build/site/fr/meals.html").is_file()


def test_site_toml_as_a_folder_and_a_file_named_build_are_one_line_each(
    run: Run, make_project: Callable[[str], Path]
) -> None:
    project = make_project("basic")
    (project / "build").write_text("notes kept here by mistake\n", encoding="utf-8")
    result = run(project, "build", "--format", "html")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "build: a file where the build folder belongs: rename it or move it away" in result.output
    assert (project / "build").read_text(encoding="utf-8") == "notes kept here by mistake\n"
    (project / "build").unlink()
    site = project / "source/site.toml"
    text = site.read_text(encoding="utf-8")
    site.unlink()
    site.mkdir()
    (site / "site.toml").write_text(text, encoding="utf-8")
    for command in (("build",), ("check",), ("status",)):
        result = run(project, *command)
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert "source/site.toml: a folder where a file belongs" in result.output, result.output
