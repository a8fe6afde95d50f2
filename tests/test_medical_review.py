"""The clinician's sign-off of the English source, as pages and handouts show it in every language."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from test_signoff import EDITED, SENTENCE, handout_text, page_text

Run = Callable[..., Result]

SHOWN = {  # the sign-off of 2026-01-01 (SOURCE_DATE_EPOCH), dated as each language writes it
    "en": "Medically reviewed by Sam Lee, MD on January 1, 2026.",
    "es": "Revisado médicamente por Sam Lee, MD el 1 de enero de 2026.",
}


def build(run: Run, project: Path) -> Result:
    result = run(project, "build", "--format", "html", "--format", "pdf")
    assert result.exit_code == 0, result.output
    return result


def rebuilt(output: str) -> set[tuple[str, str]]:
    """(language, output) of each row the build summary says it built."""
    return set(re.findall(r"^  (\w+)\s+(\w+)\s+built\s", output, re.MULTILINE))


def shown_in(project: Path, language: str) -> tuple[str, str]:
    """What a patient reads on the page and in the handout's text layer."""
    page = project / f"build/site/{language}/choosing-care.html"
    return page_text(page), handout_text(page.with_suffix(".pdf"))


def test_pages_and_handouts_credit_the_medical_review_until_the_english_changes(run: Run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("signoff")
    build(run, project)
    assert not any("Medically reviewed" in text for text in shown_in(project, "en"))
    assert run(project, "review", "en", "--by", "Sam Lee, MD").exit_code == 0
    output = build(run, project).output
    assert rebuilt(output) == {(lang, out) for lang in SHOWN for out in ("html", "pdf")}, output
    for language, line in SHOWN.items():
        page, handout = shown_in(project, language)
        assert line in page and line in handout, (language, page, handout)
    article = project / "source/choosing-care.md"
    article.write_text(article.read_text(encoding="utf-8").replace(SENTENCE, EDITED), encoding="utf-8")
    build(run, project)
    for language, line in SHOWN.items():
        page, handout = shown_in(project, language)
        assert line.split(" Sam")[0] not in page + handout, language
        assert "Sam Lee" not in page + handout, language  # nothing says who once reviewed it
