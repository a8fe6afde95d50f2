"""Content tests: the shipped article and catalogs (source/, locales/) build and check clean.

Only these tests read the repository's own project. A failure here means "the content needs work"
(an article edit, a new or incomplete language), not that the pipeline broke; every behaviour of
the pipeline is tested on the small read-only projects in tests/roots/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import REPO

from pipeline.source.project import load_project
from pipeline.speech.voices import voice_for


def test_the_shipped_articles_have_no_web_page_debris() -> None:
    for article in sorted((REPO / "source").glob("*.md")):
        text = article.read_text(encoding="utf-8")
        for debris in ("Also Read", "Highly Accredited", "Accredited Logo"):
            assert debris not in text, f"{article.name}: {debris!r}"


def test_every_shipped_catalog_is_complete_and_checks_clean(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("repo")
    rows = json.loads(run(project, "status", "--json").stdout)
    assert {r["language"] for r in rows} == set(load_project(project).translation_languages())
    assert [r for r in rows if r["percent"] < 100 or r["fuzzy"] or r["problem"]] == []
    result = run(project, "check", "--json")
    errors = [f for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"]
    assert errors == [] and result.exit_code == 0


def test_the_shipped_articles_build_in_every_published_language(shipped_site: Path) -> None:
    project = shipped_site  # built by `plainspoken build`: every format; a failed build fails there
    output = (project / "build-output.txt").read_text(encoding="utf-8")
    assert not re.search(r"\bFAILED\b", output)
    config = load_project(project).config
    site = project / "build/site"
    for slug in (p.stem for p in (project / "source").glob("*.md")):
        for lang in config.languages:
            for name in (f"{slug}.html", f"{slug}.pdf", f"{slug}-large-print.pdf"):
                assert (site / lang / name).is_file(), f"{lang}/{name}"
            if voice_for(lang, dict(config.voices)) is not None:
                assert (site / lang / f"{slug}.mp3").is_file() or re.search(
                    rf"^  {re.escape(lang)}\s+audio\s+skipped\s+{slug} ", output, re.M
                ), f"{lang}/{slug}.mp3"
    assert (site / "index.html").is_file() and (site / "report.html").is_file()


def test_the_shipped_project_is_where_the_content_tests_look() -> None:
    """The content tests above must not pass by finding nothing."""
    assert list((REPO / "source").glob("*.md")) and (REPO / "locales").is_dir()
    assert Path(REPO / "source/site.toml").is_file()


def test_the_shipped_articles_scorecard_and_findings_are_reported_not_hidden(run, make_project) -> None:  # type: ignore[no-untyped-def]
    """Issue 23: the report's scorecard shows the shipped article's measured PEMAT-P and CDC items and
    leaves the human items unanswered until a reviewer assesses them; check --source lists its
    plain-language findings at their lines (the clinic's text is not rewritten to pass)."""
    project = make_project("repo")
    result = run(project, "build", "--format", "html", "--format", "report", "--lang", "en")
    assert result.exit_code == 0, result.output
    page = (project / "build/site/report.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    for slug in (p.stem for p in (project / "source").glob("*.md")):
        card = text.split(f"{slug}: PEMAT-P understandability")[1].split("Details:")[0]
        assert re.search(r"11\. Provides a summary yes measured: \d+ key points?", card), card
        assert re.search(r"8\. Information chunked into short sections (yes|no) measured", card), card
        if not (project / f"source/{slug}.assessment.toml").exists():
            assert "1. Purpose is completely evident unanswered waiting for a reviewer" in card
            assert "items unanswered" in card and "%" not in card  # no score from unanswered items
    findings = run(project, "check", "--source").stdout
    assert re.search(r"^source/[\w-]+\.md:\d+: warning: (jargon|long-sentence|reading-grade): ", findings, re.M)
