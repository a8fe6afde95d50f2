"""The output registry: a new format is one builder plus its registry entry; the plan, the job
grouping, the CLI and the report pick it up from there."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

from pipeline.builders import outputs
from pipeline.builders.base import Builder
from pipeline.i18n.article import Article
from pipeline.model import iter_units, plain_text
from pipeline.source.project import write_atomic

Run = Callable[..., Result]


class TextBuilder(Builder):
    """A plain-text output: every unit of the article, one a line."""

    name = "text"

    def write(self, article: Article) -> list[Path]:
        (out,) = self.outputs(article)
        lines = [plain_text(ref.node.inlines) for ref in iter_units(article.doc)]
        write_atomic(out, "\n".join(lines).encode("utf-8"))
        return [out]


@pytest.fixture
def text_format() -> Iterator[outputs.OutputSpec]:
    spec = outputs.OutputSpec(
        "text", TextBuilder, files=(".txt",), cost=0.2, report=(("Plain text", ".txt"),)
    )
    outputs.register(spec)
    yield spec
    outputs.unregister("text")


def test_a_registered_format_is_planned_chosen_built_and_reported(
    run: Run, make_project: Callable[[str], Path], text_format: outputs.OutputSpec
) -> None:
    project = make_project("basic")
    assert "text" in run(project, "build", "--help").output
    result = run(project, "build", "--format", "text", "--format", "html", "--format", "report", "-j", "1")
    assert result.exit_code == 0, result.output
    site = project / "build/site"
    assert "A section heading" in (site / "es/every-node.txt").read_text(encoding="utf-8")
    assert '<a href="es/every-node.txt">Plain text</a>' in (site / "report.html").read_text()
    manifest = json.loads((project / "build/manifest.json").read_text())
    assert manifest["tasks"]["en/every-node/text"]["outputs"] == ["en/every-node.txt"]
    again = run(project, "build", "--format", "text", "--format", "html", "--format", "report", "-j", "1")
    assert again.stdout.startswith("Up to date: 4 outputs")


def test_an_unregistered_format_is_refused_by_the_cli(run: Run, make_project: Callable[[str], Path]) -> None:
    result = run(make_project("basic"), "build", "--format", "text")
    assert result.exit_code == 2 and "'text' is not one of" in result.output


def test_jobs_split_where_outputs_need_nothing_of_each_other(
    make_project: Callable[[str], Path], text_format: outputs.OutputSpec
) -> None:
    from pipeline.engine.plan import make_plan
    from pipeline.engine.workers import plan_jobs
    from pipeline.source.project import load_project

    project = load_project(make_project("basic"))  # en has a voice
    html = outputs.spec("html")
    chosen = ("audio", "pdf", "html", "text")  # the formats this test is about, whatever else is registered
    plan = make_plan(project, outputs=chosen, languages=("en",))
    assert [t.output for t in plan.tasks] == ["audio", "pdf", "html", "text"]
    # The page needs both (it links the handouts): one job. A page that linked no handout would not.
    assert [job.outputs for job in plan_jobs(project, plan.tasks)] == [("audio", "pdf", "html", "text")]
    outputs.register(dataclasses.replace(html, needs=("audio",), page_links=()))
    jobs = plan_jobs(project, plan.tasks)
    assert [job.outputs for job in jobs] == [("audio", "html"), ("pdf",), ("text",)]  # longest first
    outputs.register(outputs.OutputSpec("digest", TextBuilder, files=(".d",), needs=("text", "pdf")))
    try:
        (job, *rest) = plan_jobs(
            project, make_plan(project, outputs=(*chosen, "digest"), languages=("en",)).tasks
        )
        assert job.outputs == ("audio", "html") and rest[0].outputs == ("pdf", "text", "digest")
    finally:
        outputs.unregister("digest")
        outputs.register(html)
    assert outputs.spec("html") is html


def test_the_registry_refuses_what_it_cannot_order() -> None:
    with pytest.raises(ValueError, match="needs nothing-yet"):
        outputs.register(outputs.OutputSpec("later", TextBuilder, files=(".l",), needs=("nothing-yet",)))
    with pytest.raises(ValueError, match="needed by html"):
        outputs.unregister("audio")
