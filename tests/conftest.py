"""Shared fixtures: one CliRunner, test projects copied from tests/roots/, the real project."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from pipeline.cli import main

TESTS = Path(__file__).parent
ROOTS = TESTS / "roots"
FIXTURES = TESTS / "fixtures"
REPO = TESTS.parent

os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01: reproducible headers


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that need the whole multilingual site built, or a browser, are slow (make test-fast)."""
    for item in items:
        if {"full_site", "shipped_site", "browser"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


#: Skip reasons that mean a tool or package is missing: on CI (``CI`` set) they fail instead, since
#: make test installs every one of them and a skip there would hide a missing install step.
_MISSING_TOOL = ("not installed", "installs", "No module named", "could not import")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    outcome = yield
    _fail_missing_tool_on_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    outcome = yield
    _fail_missing_tool_on_ci(outcome.get_result())


def _fail_missing_tool_on_ci(report: pytest.TestReport | pytest.CollectReport) -> None:
    if not os.environ.get("CI") or not report.skipped:
        return
    reason = str(report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr)
    if any(words in reason for words in _MISSING_TOOL):
        report.outcome = "failed"
        report.longrepr = f"CI is set, so a missing tool fails instead of skipping: {reason}"


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[[str], Path]:
    """Copy tests/roots/<name> into tmp_path ('repo': the shipped project, for tests/test_content.py only)."""

    def make(name: str) -> Path:
        target = tmp_path / name
        if name == "repo":
            for part in ("source", "locales"):
                shutil.copytree(REPO / part, target / part)
        else:
            shutil.copytree(ROOTS / name, target)
        return target

    return make


@pytest.fixture
def run() -> Callable[..., Result]:
    """Run the plainspoken CLI in-process: run(project, "build", "--lang", "es")."""
    runner = CliRunner()

    def invoke(project: Path, *args: str) -> Result:
        return runner.invoke(main, ["-C", str(project), *args], catch_exceptions=False)

    return invoke


def _built_once(factory: pytest.TempPathFactory, name: str, copy: Callable[[Path], None], *args: str) -> Path:
    """A project built once for the whole run (read-only for tests). Under xdist the first worker to
    ask builds it in the run's shared folder, and the others wait for it there: building it on each
    worker cost the suite a whole-site build a worker. The CLI's output is kept in build-output.txt."""
    shared = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # pytest-of-USER/pytest-N, which every worker's folder is in
    root = shared / f"built-{name}" / name
    with open(shared / f"built-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "build-output.txt").exists():  # not built yet, or a worker's attempt failed
            shutil.rmtree(root, ignore_errors=True)
            copy(root)
            result = CliRunner().invoke(main, ["-C", str(root), *args], catch_exceptions=False)
            assert result.exit_code == 0, result.output
            (root / "build-output.txt").write_text(result.output, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def full_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/roots/clinic (a short article in 13 languages) built once in every language and format."""
    return _built_once(tmp_path_factory, "clinic", lambda root: shutil.copytree(ROOTS / "clinic", root), "build")


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped project (source/ and locales/) built once in every language and format: for content
    tests only (the whole project builds; the article's page count, text layer and notices)."""

    def copy(root: Path) -> None:
        for part in ("source", "locales"):
            shutil.copytree(REPO / part, root / part)

    return _built_once(tmp_path_factory, "repo", copy, "build")


def golden(name: str, actual: str) -> None:
    """Compare with tests/fixtures/<name>; UPDATE_GOLDEN=1 rewrites it."""
    path = FIXTURES / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs; UPDATE_GOLDEN=1 to accept"


def missing_in_reading_order(root: Path, language: str, pdf: Path) -> list[str]:
    """Units of the article (in ``language``) that pdftotext does not give, in order: [] is good."""
    import re
    import subprocess

    from pipeline.engine.tasks import translate_language
    from pipeline.model import iter_units, plain_text
    from pipeline.render.handout import running_texts
    from pipeline.source.articles import load_sources
    from pipeline.source.project import load_project

    project = load_project(root)
    (article,) = translate_language(project, language, load_sources(project).documents)[0]
    facts = {name: fact.value for name, fact in project.config.facts().items()}
    pages = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")[:-1]  # a form feed ends every page
    on_page = running_texts(article, project.config).on_page  # a paragraph may go on over a page break

    def squash(value: str) -> str:  # line breaks, hyphenation and zero-width spaces differ
        return re.sub(r"[\s\-‐­\u200b]+", "", value)

    text = ""
    for number, page in enumerate(pages, start=1):
        page_text = squash(page)
        for piece in on_page(number, len(pages)):
            page_text = page_text.replace(squash(piece), "") if squash(piece) else page_text
        text += page_text
    squashed, position, missing = text, 0, []
    for ref in iter_units(article.doc):
        wanted = squash(plain_text(ref.node.inlines, facts))
        found = squashed.find(wanted, position)
        if found < 0:
            missing.append(plain_text(ref.node.inlines, facts)[:60])
        else:
            position = found + len(wanted)
    return missing


def translated_on(pool: Any, project: Any, slugs: list[str], inputs: Path) -> tuple[Any, list[str]]:
    """translate_first run to its end on ``pool`` once every worker of it has started (so that they
    take translations at once): its (prepared, starting) and the lines it gave."""
    from pipeline.engine.sandbox import take_snapshot
    from pipeline.engine.workers import translate_first

    for _ in range(pool.slots):
        pool.submit(len, ((),))
    ended = 0
    while ended < pool.slots:
        ended += len(pool.wait_first())
    snapshot = take_snapshot(project.root)
    steps = translate_first(pool, project, (snapshot, pool.ship(project.root, snapshot, inputs), "letter"), slugs)
    lines: list[str] = []
    while True:
        try:
            lines.append(next(steps))
        except StopIteration as end:
            return end.value, lines


def wait_for_a_held_call(build: subprocess.Popen[str], holds: Path) -> Path:
    """The signal file of the first worker process holding a call (pipeline.engine.executors'
    HOLD_ENV folder ``holds``), once there is one; fails if ``build`` ends first."""
    deadline = time.monotonic() + 120
    while not (held := sorted(holds.glob("held-*"))):
        assert build.poll() is None, "the build ended before a worker took a call"
        assert time.monotonic() < deadline, "no worker took a call"
        time.sleep(0.01)  # polls for the worker's signal (no guess at how long a call takes)
    return held[0]
