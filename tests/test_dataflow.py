"""Data flows forward: what a task needs of another is handed to it as data, and what is published
is decided once, when the build is planned."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

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
    assert [c["id"] for c in timings["cues"]][:2] == ["u0", "key-points"]
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
