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


def test_a_workers_copies_of_builds_that_take_turns_are_made_once_each(tmp_path: Path) -> None:
    """Two builds' jobs taking turns on one Dask worker: each copy of the inputs is made once and
    kept while the other's jobs run (each switch copied a whole project again); a build's end
    takes its own away, and the copies no build reads from are few."""
    from pipeline.engine import sandbox

    snapshots = []
    for name in ("first", "second", "third", "fourth", "fifth"):
        (tmp_path / name / "source").mkdir(parents=True)
        (tmp_path / name / "source/site.toml").write_text(f"# {name}\n", encoding="utf-8")
        snapshot = sandbox.take_snapshot(tmp_path / name)
        snapshots.append((snapshot, sandbox.read_blobs(tmp_path / name, snapshot)))
    try:
        folders = []
        for snapshot, blobs in [*snapshots[:2], *snapshots[:2]]:  # first, second, first, second
            with sandbox.private_root(snapshot, blobs) as root:
                folders.append((root, (root / "source/site.toml").stat().st_ino))
        assert folders[:2] == folders[2:] and folders[0][0] != folders[1][0]
        sandbox.drop_private_root(snapshots[0][0].id)  # the first build ends
        assert not folders[0][0].exists() and folders[1][0].is_dir()
        for snapshot, blobs in snapshots[2:]:
            with sandbox.private_root(snapshot, blobs):
                pass
        assert len(sandbox._copies) == sandbox.KEPT_COPIES and folders[1][0].is_dir()
        with sandbox.private_root(*snapshots[0]):  # a fifth build: the copy used longest ago goes
            assert not folders[1][0].exists() and len(sandbox._copies) == sandbox.KEPT_COPIES
    finally:
        sandbox.drop_private_root()
    assert not sandbox._copies
