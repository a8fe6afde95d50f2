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
