"""A deleted article: its template goes, its catalogs stay (translators' work), never built nor counted."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from pseudo import fill_catalog

TRANSLATION = "El descanso es parte de la recuperación."
CATALOG = "locales/es/LC_MESSAGES/after-care.po"


@pytest.fixture
def project(run, make_project) -> Path:  # type: ignore[no-untyped-def]
    """The two-article root with Spanish catalogs, every message translated (one of them really)."""
    root: Path = make_project("articles")
    assert run(root, "init", "es").exit_code == 0
    for po in (root / "locales/es/LC_MESSAGES").glob("*.po"):
        fill_catalog(po)
    po = root / CATALOG
    text = po.read_text(encoding="utf-8")
    translated = re.sub(r'(msgid "Rest is part of recovery."\nmsgstr ).*', rf'\1"{TRANSLATION}"', text)
    assert translated != text
    po.write_text(translated, encoding="utf-8")
    return root


def delete_article(root: Path) -> bytes:
    """Move source/after-care.md aside (to restore it later); the catalog's bytes before."""
    shutil.move(root / "source/after-care.md", root / "after-care.md.bak")
    return (root / CATALOG).read_bytes()


def test_extract_removes_the_template_and_keeps_the_catalog(run, project: Path) -> None:
    before = delete_article(project)
    result = run(project, "extract")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "removed locales/after-care.pot: source/after-care.md is gone "
        "(its catalogs are kept; plainspoken status lists them)"
    )
    assert not (project / "locales/after-care.pot").exists()
    assert (project / "locales/first-visit.pot").exists() and (project / "locales/ui.pot").exists()
    assert (project / CATALOG).read_bytes() == before
    assert run(project, "extract").output.strip() == "templates are up to date"


def test_status_lists_orphans_with_how_to_delete_them(run, project: Path) -> None:
    delete_article(project)
    run(project, "extract")
    result = run(project, "status")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[1] for line in lines[1:3]] == ["ui", "first-visit"]  # not counted
    assert lines[3].split()[1:3] == ["(all", "catalogs)"]
    assert lines[4:7] == [  # then the voices
        "orphaned: source/after-care.md is gone; its catalog is kept (never built nor counted):",
        f"  {CATALOG}",
        "  to delete them: rm locales/*/LC_MESSAGES/after-care.po",
    ]
    as_json = run(project, "status", "--json")
    assert {row["domain"] for row in json.loads(as_json.stdout)} == {"ui", "first-visit"}
    assert "orphaned: source/after-care.md" in as_json.stderr
    (project / ".git").mkdir()
    assert "to delete them: git rm locales/*/LC_MESSAGES/after-care.po" in run(project, "status").output


def test_orphans_are_not_updated_checked_or_built(run, project: Path) -> None:
    assert run(project, "build", "--format", "html").exit_code == 0
    assert (project / "build/site/es/after-care.html").is_file()
    before = delete_article(project)
    result = run(project, "update")
    assert result.exit_code == 0, result.output
    assert [line for line in result.output.splitlines() if "after-care" in line] == [
        "removed locales/after-care.pot: source/after-care.md is gone "
        "(its catalogs are kept; plainspoken status lists them)"
    ]
    assert (project / CATALOG).read_bytes() == before
    assert not (project / "locales/after-care.pot").exists()
    result = run(project, "check", "--lang", "es")
    assert result.exit_code == 0, result.output
    assert "after-care" not in result.output
    result = run(project, "build", "--format", "html")
    assert result.exit_code == 0, result.output
    assert "after-care" not in result.output
    assert not (project / "build/site/es/after-care.html").exists()
    assert (project / "build/site/es/first-visit.html").is_file()


def test_restoring_the_article_brings_its_translations_back(run, project: Path) -> None:
    before = delete_article(project)
    run(project, "extract")
    run(project, "update")
    shutil.move(project / "after-care.md.bak", project / "source/after-care.md")
    assert run(project, "extract").output.strip() == "wrote locales/after-care.pot"
    result = run(project, "update")
    assert result.exit_code == 0, result.output
    assert f"{CATALOG}: unchanged" in result.output
    assert (project / CATALOG).read_bytes() == before
    assert "orphaned" not in run(project, "status").output
    result = run(project, "build", "--format", "html", "--lang", "es")
    assert result.exit_code == 0, result.output
    assert TRANSLATION in (project / "build/site/es/after-care.html").read_text(encoding="utf-8")


def test_a_template_not_written_by_plainspoken_is_left_alone(run, project: Path) -> None:
    other = project / "locales/glossary-terms.pot"
    other.write_text('msgid ""\nmsgstr ""\n"Project-Id-Version: another tool\\n"\n', encoding="utf-8")
    result = run(project, "extract")
    assert "glossary-terms" not in result.output and other.exists()
