"""msgfmt --check results kept by catalog hash: an unchanged catalog is checked by one msgfmt process,
a changed byte is checked again, and a broken catalog is reported at its line every time."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.errors import PlainspokenError
from pipeline.i18n.catalogs import (
    AT_ONCE,
    check_with_msgfmt,
    load_catalog,
    msgfmt_checking,
)
from pipeline.i18n.msgfmt_results import forget_in_memory

REAL_MSGFMT = shutil.which("msgfmt")
needs_msgfmt = pytest.mark.skipif(REAL_MSGFMT is None, reason="GNU gettext not installed")
UI = Path("locales/es/LC_MESSAGES/ui.po")


@pytest.fixture
def msgfmt_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A log with a line per msgfmt process: msgfmt on PATH is a script that notes its run, then
    runs the real one. Nothing is kept in memory from earlier tests."""
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "msgfmt.log"
    log.touch()
    script = folder / "msgfmt"
    script.write_text(f'#!/bin/sh\necho run >> "{log}"\nexec "{REAL_MSGFMT}" "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:{Path(REAL_MSGFMT or '').parent}")
    forget_in_memory()
    return log


def broken_interface(project: Path) -> tuple[Path, Path, int]:
    """The project's Spanish interface catalog with a string left open, its article catalog, and the
    line msgfmt reports."""
    ui, article = project / UI, project / "locales/es/LC_MESSAGES/choosing-care.po"
    ui.write_text(ui.read_text(encoding="utf-8").replace('msgstr "Idiomas"', 'msgstr "Idiomas'), encoding="utf-8")
    lines = ui.read_text(encoding="utf-8").splitlines()
    return ui, article, next(n for n, text in enumerate(lines, 1) if 'msgstr "Idiomas' in text)


def runs(log: Path) -> int:
    return len(log.read_text(encoding="utf-8").splitlines())


@needs_msgfmt
def test_an_unchanged_catalog_is_checked_by_one_msgfmt_process(make_project, msgfmt_runs) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    cache = project / "build/cache"
    data = (project / UI).read_bytes()
    assert check_with_msgfmt(data, str(UI), cache) == []
    assert not (project / "build").exists(), "checking a project made its build folder"
    forget_in_memory()
    (project / "build").mkdir()
    msgfmt_runs.write_text("", encoding="utf-8")
    assert check_with_msgfmt(data, str(UI), cache) == []
    assert check_with_msgfmt(data, str(UI), cache) == []
    assert runs(msgfmt_runs) == 1, "the same bytes were checked twice in one process"
    forget_in_memory()  # as a worker process or the next build starts
    assert check_with_msgfmt(data, str(UI), cache) == []
    assert runs(msgfmt_runs) == 1, "the next process checked the same bytes again"
    changed = data.replace(b'msgstr "Idiomas"', b'msgstr "Idiomaz"')
    assert changed != data
    assert check_with_msgfmt(changed, str(UI), cache) == []
    assert runs(msgfmt_runs) == 2, "a changed catalog was not checked again"


@needs_msgfmt
def test_a_broken_catalog_is_reported_at_its_line_every_time(make_project, msgfmt_runs) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    ui = project / UI
    lines = ui.read_text(encoding="utf-8").splitlines()
    target = next(i for i, line in enumerate(lines) if line.startswith('msgid "Key points"'))
    lines[target + 1] = 'msgstr "Puntos clave'
    ui.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (project / "build").mkdir()
    found = []
    for _ in range(2):
        for _ in range(2):
            with pytest.raises(PlainspokenError) as error:
                load_catalog(ui, str(UI), locale="es", cache=project / "build/cache")
            found.append([(p.path, p.line, p.message) for p in error.value.problems])
        forget_in_memory()
    assert found[0][0][:2] == (str(UI), target + 2)
    assert all(problems == found[0] for problems in found)
    assert runs(msgfmt_runs) == 1


@needs_msgfmt
def test_a_broken_catalog_fails_its_language_on_the_second_build_too(run, make_project, msgfmt_runs) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    ui = project / UI
    ui.write_text(
        ui.read_text(encoding="utf-8").replace('msgstr "Idiomas"', 'msgstr "Idiomas'), encoding="utf-8"
    )
    for _ in range(2):
        forget_in_memory()
        result = run(project, "build", "--format", "html")
        assert result.exit_code == 1
        assert re.search(r"^locales/es/LC_MESSAGES/ui\.po:\d+: ", result.stderr, re.MULTILINE), result.stderr
        assert "Traceback" not in result.output
    assert list((project / "build/cache/msgfmt").glob("*.json")), "no result was kept under build/cache"


@needs_msgfmt
def test_the_kept_results_are_bounded(make_project, msgfmt_runs, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import pipeline.i18n.msgfmt_results

    monkeypatch.setattr(pipeline.i18n.msgfmt_results, "KEPT", 4)
    project = make_project("clinic")
    (project / "build").mkdir()
    data = (project / UI).read_bytes()
    for number in range(8):
        check_with_msgfmt(data + f"\n# {number}\n".encode(), str(UI), project / "build/cache")
    assert 3 <= len(list((project / "build/cache/msgfmt").glob("*.json"))) <= 4


@needs_msgfmt
def test_catalogs_checked_in_one_batch_each_get_their_own_result(make_project, msgfmt_runs, tmp_path) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    good = (project / UI).read_bytes()
    lines = good.decode("utf-8").splitlines()
    target = next(i for i, line in enumerate(lines) if line.startswith('msgid "Key points"'))
    lines[target + 1] = 'msgstr "Puntos clave'
    broken = ("\n".join(lines) + "\n").encode("utf-8")
    files = {"broken.po": broken, "again.po": broken}  # the same bytes: checked once
    files.update({f"{n}.po": good + f"\n# {n}\n".encode() for n in range(AT_ONCE + 1)})
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    with msgfmt_checking([(tmp_path / name, "es") for name in files]):
        pass
    assert runs(msgfmt_runs) == AT_ONCE, "not as many in one batch as allowed"
    found = {name: check_with_msgfmt(data, name) for name, data in files.items()}
    assert runs(msgfmt_runs) == len(files) - 1, "the one left over was not checked, or one twice"
    assert [(p.path, p.line) for p in found["broken.po"]][:1] == [("broken.po", target + 2)]
    assert [(p.path, p.line, p.message) for p in found["again.po"]] == [
        ("again.po", p.line, p.message) for p in found["broken.po"]
    ]
    assert all(found[name] == [] for name in files if name[0].isdigit())


@needs_msgfmt
def test_catalogs_checked_while_an_article_is_read_are_not_checked_again(make_project, msgfmt_runs) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    ui, article, line = broken_interface(project)
    with msgfmt_checking([(ui, "es"), (article, "es"), (project / "missing.po", "es")]):
        pass  # an article's job reads and extracts the article here, while msgfmt runs
    assert runs(msgfmt_runs) == 2
    load_catalog(article, "article.po", locale="es")
    with pytest.raises(PlainspokenError) as error:
        load_catalog(ui, str(UI), locale="es")
    assert [(p.path, p.line) for p in error.value.problems][:1] == [(str(UI), line)]
    assert runs(msgfmt_runs) == 2, "a catalog checked before loading was checked again"


@needs_msgfmt
def test_a_catalog_loaded_while_its_batch_runs_waits_for_its_own_result(
    make_project, msgfmt_runs, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Loading inside the block takes the batch's result for that file (the broken one at its line),
    not a run of its own; the batch is one process started, whatever the number of catalogs."""
    project = make_project("clinic")
    ui, article, line = broken_interface(project)
    started = []
    popen = subprocess.Popen

    def noted(command, *args, **kwargs):  # type: ignore[no-untyped-def]
        started.append(command)
        return popen(command, *args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", noted)
    with msgfmt_checking([(article, "es"), (ui, "es")]):
        with pytest.raises(PlainspokenError) as error:
            load_catalog(ui, str(UI), locale="es")
        assert [(p.path, p.line) for p in error.value.problems][:1] == [(str(UI), line)]
        load_catalog(article, "article.po", locale="es")
    assert len(started) == 1, started
    assert runs(msgfmt_runs) == 2, "a catalog being checked was checked again when loaded"


@needs_msgfmt
def test_a_catalog_msgfmt_could_not_check_beside_is_checked_when_loaded(
    make_project, msgfmt_runs, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """No temporary folder to start msgfmt on (a full disk): the article is still read, and its
    catalogs are checked as they are loaded."""
    import tempfile

    project = make_project("clinic")

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "mkdtemp", full_disk)
    with msgfmt_checking([(project / UI, "es")]):
        pass
    assert runs(msgfmt_runs) == 0
    load_catalog(project / UI, str(UI), locale="es")
    assert runs(msgfmt_runs) == 1


@needs_msgfmt
def test_a_rebuild_after_one_catalog_edit_starts_msgfmt_once(make_project, msgfmt_runs) -> None:  # type: ignore[no-untyped-def]
    """Each build is a new process: every catalog it did not edit is known by its hash on disk. The
    interface catalog Plainspoken ships was checked again by every build (kept under no project)."""
    project = make_project("clinic")
    command = [
        sys.executable,
        "-m",
        "pipeline.cli",
        "-C",
        str(project),
        "build",
        "--lang",
        "es",
        "--format",
        "html",
    ]
    assert subprocess.run(command, capture_output=True, check=False).returncode == 0
    assert runs(msgfmt_runs) >= 2  # the project's interface and article catalogs, first seen
    po = project / "locales/es/LC_MESSAGES/choosing-care.po"
    po.write_text(po.read_text(encoding="utf-8").replace('"Tiempo que requiere"', '"Tiempo necesario"'))
    msgfmt_runs.write_text("", encoding="utf-8")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Tiempo necesario" in (project / "build/site/es/choosing-care.html").read_text(encoding="utf-8")
    assert runs(msgfmt_runs) == 1, "catalogs that did not change were checked again"
