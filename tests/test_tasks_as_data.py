"""Tasks as data: a worker's job builds from the inputs' hashes and a store, never from the project's
path, and gives its files back for the coordinator to write."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def test_a_job_builds_from_the_store_alone_after_the_project_folder_is_renamed(
    make_project: Callable[[str], Path], tmp_path: Path
) -> None:
    from pipeline.engine.sandbox import drop_private_root, fill_store, take_snapshot
    from pipeline.engine.workers import build_in_worker
    from pipeline.i18n.publishing import Publication

    project = make_project("basic")
    snapshot = take_snapshot(project)
    fill_store(project, snapshot, tmp_path / "store")
    project.rename(tmp_path / "renamed")  # planned: the job may not need the project's path
    try:
        output = build_in_worker(
            snapshot, str(tmp_path / "store"), "letter", Publication(), "every-node", "en", ("html",)
        )
    finally:
        drop_private_root()
    (result,) = output.result
    assert (result.status, result.outputs) == ("built", ("en/every-node.html",)), result
    assert output.site["en/every-node.html"].startswith(b"<!DOCTYPE html>")
    assert not (tmp_path / "renamed/build/site").exists()  # the coordinator writes, not the job


def test_a_page_is_handed_the_cues_of_a_guide_built_earlier(
    make_project: Callable[[str], Path], tmp_path: Path
) -> None:
    from pipeline.engine.sandbox import drop_private_root, fill_store, take_snapshot
    from pipeline.engine.workers import build_in_worker
    from pipeline.i18n.publishing import Publication

    project = make_project("basic")
    snapshot = take_snapshot(project)
    fill_store(project, snapshot, tmp_path / "store")
    cues = b'{"duration":2.5,"cues":[{"id":"key-points","start":0.0,"end":2.5}]}'
    given = {"en/every-node.mp3": b"\xff\xfb" + bytes(400), "en/every-node.cues.json": cues}
    try:
        output = build_in_worker(
            snapshot, str(tmp_path / "store"), "letter", Publication(), "every-node", "en", ("html",), given
        )
    finally:
        drop_private_root()
    page = output.site["en/every-node.html"].decode()
    assert '"id":"key-points"' in page and "every-node.mp3" in page
    assert output.removed == () and set(output.site) == {"en/every-node.html"}  # the guide is not its


def test_a_build_folder_deleted_during_the_build_is_named_not_site_toml(
    make_project: Callable[[str], Path], tmp_path: Path
) -> None:
    """rm -rf build/ while building took the inputs' copy with it: the job said the project's
    source/site.toml was missing (it was there); it names build/ and what to do."""
    import shutil

    import pytest

    from pipeline.engine.sandbox import drop_private_root, fill_store, take_snapshot
    from pipeline.engine.workers import build_in_worker
    from pipeline.errors import PlainspokenError
    from pipeline.i18n.publishing import Publication

    project = make_project("basic")
    snapshot = take_snapshot(project)
    store = tmp_path / "build/inputs"
    fill_store(project, snapshot, store)
    job = (snapshot, str(store), "letter", Publication(), "every-node", "en", ("html",))
    try:
        build_in_worker(*job)  # the first job makes this process's copy of the inputs
        shutil.rmtree(tmp_path / "build")
        with pytest.raises(PlainspokenError) as error:
            build_in_worker(*job)
    finally:
        drop_private_root()
    assert str(error.value).startswith("build/: the build folder was deleted during the build")
    assert "site.toml" not in str(error.value)


@pytest.mark.slow
def test_the_article_handed_to_a_job_builds_what_translating_it_there_builds(
    make_project: Callable[[str], Path], run: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The coordinator hands each job the article it translated to decide what is published; a job
    that translates it itself (after its worker died) must write the same bytes."""
    from pipeline.engine import workers

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    args = ("build", "-j", "1", "--lang", "es", "--format", "html", "--format", "pdf")
    handed = make_project("clinic")
    handed = handed.rename(handed.parent / "handed")
    own = make_project("clinic")
    assert run(handed, *args).exit_code == 0
    monkeypatch.setattr(workers, "_handed", lambda jobs, prepared: {})
    assert run(own, *args).exit_code == 0
    files, theirs = _site(handed), _site(own)
    assert "es/choosing-care.pdf" in files and sorted(files) == sorted(theirs)
    assert [path for path in files if files[path] != theirs[path]] == []


def _site(root: Path) -> dict[str, bytes]:
    site = root / "build/site"
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}
