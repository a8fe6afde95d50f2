"""Data flows forward: what a task needs of another is handed to it as data, and what is published
is decided once, when the build is planned."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

Run = Callable[..., Result]


def inline_cues(page: Path) -> list[dict[str, object]]:
    html = page.read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="cues">(.*?)</script>', html, re.S)
    assert found, "no read-along data on the page"
    cues: list[dict[str, object]] = json.loads(found.group(1))
    return cues


def test_the_page_takes_the_guides_timings_as_data_not_from_its_captions(
    run: Run, make_project: Callable[[str], Path]
) -> None:
    from pipeline.engine.tasks import build_group
    from pipeline.source.project import load_project

    root = make_project("basic")
    assert run(root, "build", "--lang", "en", "--format", "audio", "--format", "html").exit_code == 0
    folder = root / "build/site/en"
    timings = json.loads((folder / "every-node.cues.json").read_text(encoding="utf-8"))
    assert inline_cues(folder / "every-node.html") == timings["cues"]
    first, second = [c["id"] for c in timings["cues"]][:2]
    assert first.startswith("u-") and second == "key-points"  # the title, then the key points
    (folder / "every-node.vtt").write_text("not WebVTT at all", encoding="utf-8")  # never read back
    (result,) = build_group(load_project(root), "every-node", "en", ("html",))
    assert result.status == "built"
    page = (folder / "every-node.html").read_text(encoding="utf-8")
    assert 'href="#a-section-heading"' in page and inline_cues(folder / "every-node.html") == timings["cues"]


def withhold_draft_pages(root: Path) -> None:
    toml = root / "source/site.toml"
    toml.write_text(
        toml.read_text().replace('page_size = "letter"', 'page_size = "letter"\ndrafts = { html = "skip" }')
    )


def test_what_is_published_is_decided_once_and_handed_to_the_tasks(
    run: Run, make_project: Callable[[str], Path]
) -> None:
    from pipeline.engine.tasks import build_group
    from pipeline.i18n.publishing import Publication
    from pipeline.source.project import load_project

    root = make_project("basic")
    withhold_draft_pages(root)  # es has no catalogs: a draft
    result = run(root, "build", "--format", "html", "-j", "1")
    assert result.exit_code == 0, result.output
    assert re.search(r"es +html +skipped +every-node .*draft translation", result.stdout)
    page = root / "build/site/en/every-node.html"
    assert "../es/every-node.html" not in page.read_text(encoding="utf-8")
    # A task trusts the decision it is handed: it does not apply the policy again.
    build_group(load_project(root), "every-node", "en", ("html",), Publication())
    assert 'hreflang="es" href="../es/every-node.html"' in page.read_text(encoding="utf-8")
    withheld = Publication((("every-node", "en", "html", "told so"),))
    (skipped,) = build_group(load_project(root), "every-node", "en", ("html",), withheld)
    assert (skipped.status, skipped.reason) == ("skipped", "told so") and not page.exists()


def keys(root: Path) -> dict[str, str]:
    """Task id → input hash, as the engine plans the whole site."""
    from pipeline.builders.outputs import names
    from pipeline.engine.plan import make_plan
    from pipeline.source.project import load_project

    project = load_project(root)
    plan = make_plan(project, outputs=names(), languages=project.config.languages)
    return {task.id: task.key for task in plan.tasks}


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {task for task in after if after[task] != before.get(task)}


def built(result: Result) -> list[str]:
    return sorted(re.findall(r"^\[\d+/\d+\] built +(\S+) ", result.stdout, flags=re.M))


def test_an_asset_is_an_input_of_the_articles_that_name_it_only(
    run: Run, make_project: Callable[[str], Path]
) -> None:
    root = make_project("basic")
    (root / "source/plain.md").write_text(
        (root / "source/every-node.md").read_text().split("\n---\n")[0] + "\n---\n\nNo pictures here.\n"
    )
    assert run(root, "build", "--format", "html", "-j", "1").exit_code == 0
    (root / "source/assets/unused.png").write_bytes(b"not named by any article")
    result = run(root, "build", "--format", "html", "-j", "1")
    assert result.exit_code == 0 and built(result) == []
    assert (root / "build/site/assets/unused.png").exists()  # the shared pages copy it
    (root / "source/assets/clinic.png").write_bytes((root / "source/assets/clinic.png").read_bytes() + b"\0")
    result = run(root, "build", "--format", "html", "-j", "1")
    assert built(result) == ["en/every-node/html", "es/every-node/html"]


def test_a_voice_is_an_input_of_its_languages_audio_and_page_only(
    make_project: Callable[[str], Path],
) -> None:
    root = make_project("basic")
    before = keys(root)
    toml = root / "source/site.toml"
    toml.write_text(toml.read_text() + '\n[voices]\nes = ""\n')
    assert changed(before, keys(root)) == {"es/every-node/audio", "es/every-node/html"}
    middle = keys(root)
    toml.write_text(toml.read_text().replace('name = "Test Clinic"', 'name = "Another Clinic"'))
    assert changed(middle, keys(root)) == set(middle)  # any other setting is an input of everything


def test_a_pronunciation_lexicon_is_an_input_of_the_audio_that_speaks_its_language_and_page_only(
    make_project: Callable[[str], Path],
) -> None:
    root = make_project("basic")
    before = keys(root)
    lexicon = root / "locales/en/pronunciation.toml"
    lexicon.write_text(lexicon.read_text() + "\n# a comment\n")
    # es has no catalog yet: its guide reads the English it falls back to with the English lexicon
    audio = {"en/every-node/audio", "en/every-node/html", "es/every-node/audio", "es/every-node/html"}
    assert changed(before, keys(root)) == audio
    spanish = root / "locales/es/pronunciation.toml"
    before = keys(root)
    spanish.parent.mkdir()
    spanish.write_text('IOP = "i o pe"\n')
    assert changed(before, keys(root)) == {"es/every-node/audio", "es/every-node/html"}


def test_the_report_reads_checks_that_rerun_only_when_what_they_read_changes(
    run: Run, make_project: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.engine import checks

    ran: list[str] = []
    for name in ("check_language", "check_articles"):
        original = getattr(checks, name)

        def counted(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            ran.append(args[1] if len(args) > 1 else "source")
            return _original(*args, **kwargs)

        monkeypatch.setattr(checks, name, counted)
    root = make_project("basic")
    assert run(root, "build", "--format", "html", "--format", "report", "-j", "1").exit_code == 0
    assert sorted(ran) == ["es", "source"]
    report = (root / "build/site/report.html").read_text(encoding="utf-8")
    asset = root / "source/assets/clinic.png"
    asset.write_bytes(asset.read_bytes() + b"\0")  # pages and report again; no checks
    assert run(root, "build", "--format", "html", "--format", "report", "-j", "1").exit_code == 0
    assert sorted(ran) == ["es", "source"]
    assert (root / "build/site/report.html").read_text(encoding="utf-8") == report
    (root / "locales/es").mkdir()
    (root / "locales/es/glossary.csv").write_text("source,target,developer_comments\nclinic,clínica,\n")
    assert run(root, "build", "--format", "html", "--format", "report", "-j", "1").exit_code == 0
    assert sorted(ran) == ["es", "es", "source"]


def test_the_indexes_list_what_the_page_tasks_handed_over_and_translate_nothing(
    run: Run, make_project: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.engine import tasks

    translated: list[str] = []
    original = tasks.prepare_article

    def counted(project: Any, slug: str, language: str) -> Any:
        translated.append(f"{language}/{slug}")
        return original(project, slug, language)

    monkeypatch.setattr(tasks, "prepare_article", counted)
    root = make_project("basic")
    header = (root / "source/every-node.md").read_text().split("\n---\n")[0]
    (root / "source/plain.md").write_text(
        header.replace("Every *node* type", "Plain page") + "\n---\n\nText.\n"
    )
    assert run(root, "build", "--format", "html", "--format", "report", "-j", "1").exit_code == 0
    assert sorted(translated) == ["en/every-node", "en/plain", "es/every-node", "es/plain"]  # the tasks only
    translated.clear()
    (root / "source/plain.md").write_text(
        header.replace("Every *node* type", "Plainer page") + "\n---\n\nText.\n"
    )
    assert run(root, "build", "--format", "html", "--format", "report", "-j", "1").exit_code == 0
    assert sorted(translated) == ["en/plain", "es/plain"]
    index = (root / "build/site/es/index.html").read_text(encoding="utf-8")
    assert "Plainer page" in index and "Every <em>node</em> type" in index
    assert "Plainer page" in (root / "build/site/report.html").read_text(encoding="utf-8")
