"""A task is the unit of failure: whatever goes wrong in one output fails that output, and the rest
of the site is still published."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

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
    assert "not yet reviewed by a qualified medical translator" in html


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
