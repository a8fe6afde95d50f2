"""Catalogs: extraction, init, update that never loses a translation, strict loading, status."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import golden

from pipeline.i18n.catalogs import read_catalog

ES_ARTICLE = Path("locales/es/LC_MESSAGES/choosing-care.po")
ARTICLE = Path("source/choosing-care.md")
needs_msgfmt = pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext not installed")


def translations(path: Path) -> set[str]:
    """Every non-empty msgstr in a catalog, obsolete ones included."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    found = {str(m.string) for m in catalog if m.id and m.string}
    return found | {str(m.string) for m in catalog.obsolete.values() if m.string}


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "locales").rglob("*.po*"))}


def test_extract_golden_template(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    result = run(project, "extract")
    assert result.exit_code == 0, result.output
    golden("every-node.pot", (project / "locales" / "every-node.pot").read_text(encoding="utf-8"))


def test_extract_is_deterministic_and_writes_nothing_when_nothing_changed(
    run, make_project, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    run(project, "extract")
    before = snapshot(project)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    result = run(project, "extract")
    assert "templates are up to date" in result.output
    assert snapshot(project) == before


def test_template_messages_have_kind_location_and_notes(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    run(project, "extract")
    with (project / "locales" / "every-node.pot").open("rb") as handle:
        catalog = read_po(handle)
    message = catalog["**Flexibility:** You can balance treatment with work."]
    assert message.locations == [("source/every-node.md", 16)]
    assert message.auto_comments[0] == "list item"
    assert "Flexibility" in message.auto_comments[-1] and "hours" in message.auto_comments[-1]
    assert "Keep {clinic.phone} exactly as written." in catalog["Call {clinic.phone} today."].auto_comments
    assert "code stays as it is" not in {m.id for m in catalog}


def test_init_creates_draft_catalogs_and_never_overwrites(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    result = run(project, "init", "fr")
    assert "created locales/fr/LC_MESSAGES/every-node.po" in result.output
    po = project / "locales/fr/LC_MESSAGES/every-node.po"
    text = po.read_text(encoding="utf-8")
    assert '"X-Review-Status: draft\\n"' in text and "DRAFT" in text
    po.write_text(
        text.replace(
            'msgid "First key point."\nmsgstr ""',
            'msgid "First key point."\nmsgstr "Premier point."',
        )
    )
    kept = po.read_bytes()
    run(project, "init", "fr")
    assert po.read_bytes() == kept


@needs_msgfmt
def test_new_catalogs_pass_msgfmt(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    run(project, "init", "fr")
    for po in (project / "locales/fr/LC_MESSAGES").glob("*.po"):
        subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], check=True)


def test_noop_update_changes_no_byte(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    run(project, "update")  # lays out catalogs another tool wrote as gettext does, once
    before = snapshot(project)
    result = run(project, "update")
    assert result.exit_code == 0, result.output
    assert "updated" not in result.output
    assert snapshot(project) == before


def test_changing_a_fact_in_site_toml_marks_nothing_fuzzy(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    run(project, "update")  # lays out catalogs another tool wrote as gettext does, once
    toml = project / "source/site.toml"
    toml.write_text(toml.read_text().replace("(626) 555-0142", "(626) 555-0199"))
    before = snapshot(project)
    run(project, "update")
    assert snapshot(project) == before
    run(project, "build", "--format", "html")
    assert "555-0199" in (project / "build/site/es/choosing-care.html").read_text()


def test_update_keeps_every_translation_across_source_edits(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    po = project / ES_ARTICLE
    before = translations(po)
    source = project / ARTICLE
    text = source.read_text(encoding="utf-8")
    edited = "Choosing an Intensive Outpatient Program near Pasadena has many advantages:"
    text = text.replace(
        "Choosing an Intensive Outpatient Program in Pasadena and surrounding cities has many advantages:",
        edited,
    )
    text = text.replace(
        "Let’s break down the main differences between IOP vs residential rehab in a simple way:\n\n", ""
    )  # deleted
    text = text.replace(
        "## Final Thoughts\n", "## Final Thoughts\n\nA brand new paragraph about aftercare.\n"
    )  # added
    source.write_text(text, encoding="utf-8")
    result = run(project, "update", "--lang", "es")
    assert result.exit_code == 0, result.output
    assert "choosing-care.po: updated (1 new, 1 fuzzy, 1 obsolete)" in result.output
    assert translations(po) >= before, "a translation was lost"
    catalog = read_catalog(po, str(po))
    fuzzy = catalog[edited]
    assert fuzzy.fuzzy and fuzzy.string
    assert fuzzy.previous_id == [
        "Choosing an Intensive Outpatient Program in Pasadena and surrounding cities has many advantages:"
    ]
    assert (
        "Let’s break down the main differences between IOP vs residential rehab in a simple way:"
        in catalog.obsolete
    )
    assert catalog["A brand new paragraph about aftercare."].string == ""
    text = po.read_text(encoding="utf-8")
    assert "#| msgid" in text and "#~ msgid" in text and "# | msgid" not in text
    assert '"X-Review-Status: draft\\n"' in text
    # A second update is a no-op: the previous msgid (#|) is read back, not turned into a comment.
    kept = po.read_bytes()
    run(project, "update", "--lang", "es")
    assert po.read_bytes() == kept


def test_update_refuses_a_broken_catalog_and_leaves_it_alone(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    po = project / ES_ARTICLE
    broken = po.read_text(encoding="utf-8").replace('msgstr "Puntos clave"', 'msgstr "Puntos clave')
    po.write_text(broken, encoding="utf-8")
    ui = project / "locales/es/LC_MESSAGES/ui.po"
    ui.write_text(ui.read_text().replace('msgstr "Idiomas"', 'msgstr "Idiomas'))
    result = run(project, "update")
    assert result.exit_code == 1
    assert re.search(r"locales/es/LC_MESSAGES/ui\.po:\d+: ", result.stderr)
    assert "Traceback" not in result.output


def _plant(text: str, defect: str) -> tuple[str, int]:
    """Put one defect in a catalog's text; return the new text and the 1-based defect line."""
    lines = text.splitlines()
    target = next(i for i, line in enumerate(lines) if line.startswith('msgid "Key points"'))
    if defect == "unterminated":
        lines[target + 1] = 'msgstr "Puntos clave'
        return "\n".join(lines) + "\n", target + 2
    if defect == "duplicate":
        lines[target + 2 : target + 2] = ["", 'msgid "Key points"', 'msgstr "Otra vez"']
        return "\n".join(lines) + "\n", target + 4
    if defect == "keyword":
        lines[target + 1] = 'msgstring "Puntos clave"'
        return "\n".join(lines) + "\n", target + 2
    if defect == "escape":
        lines[target + 1] = 'msgstr "Puntos \\q clave"'
        return "\n".join(lines) + "\n", target + 2
    raise AssertionError(defect)


@needs_msgfmt
@pytest.mark.parametrize("defect", ["unterminated", "duplicate", "keyword", "escape"])
def test_each_kind_of_broken_catalog_is_reported_at_its_line(run, make_project, defect) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    ui = project / "locales/es/LC_MESSAGES/ui.po"
    text, line = _plant(ui.read_text(encoding="utf-8"), defect)
    ui.write_text(text, encoding="utf-8")
    result = run(project, "build", "--format", "html")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    errors = [e for e in result.stderr.splitlines() if e.startswith("locales/es/LC_MESSAGES/ui.po:")]
    assert errors, result.stderr
    assert errors[0].startswith(f"locales/es/LC_MESSAGES/ui.po:{line}: ")
    assert re.search(
        r"es\s+html\s+FAILED\s+choosing-care \(\d+\.\d s\): locales/es/LC_MESSAGES/ui\.po:\d+:",
        result.stdout,
    )
    assert re.search(r"en\s+html\s+built", result.stdout), "one broken language stopped the others"
    assert (project / "build/site/en/choosing-care.html").exists()


@needs_msgfmt
def test_status_agrees_with_msgfmt_statistics(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    po = project / ES_ARTICLE
    text = po.read_text(encoding="utf-8")
    text = text.replace(
        'msgid "Time Commitment"\nmsgstr "Tiempo que requiere"',
        'msgid "Time Commitment"\nmsgstr ""',
    )
    text = re.sub(r'(#: source/choosing-care\.md:\d+\n)(msgid "Cost")', r"\1#, fuzzy\n\2", text)
    po.write_text(text, encoding="utf-8")
    result = run(project, "status", "--json")
    import json

    every = json.loads(result.stdout)
    rows = {row["domain"]: row for row in every if row["language"] == "es"}
    for row in every:
        domain = f"{row['language']}/{row['domain']}"
        path = project / row["path"]
        stats = subprocess.run(
            ["msgfmt", "--statistics", "-o", "/dev/null", str(path)],
            capture_output=True,
            text=True,
            env={"LC_ALL": "C"},
        ).stderr
        counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (translated|fuzzy|untranslated)", stats)}
        assert (row["translated"], row["fuzzy"], row["untranslated"]) == (
            counts.get("translated", 0),
            counts.get("fuzzy", 0),
            counts.get("untranslated", 0),
        ), domain
    assert rows["choosing-care"]["fuzzy"] == 1
    assert rows["choosing-care"]["untranslated"] == 1


def test_status_shows_spanish_complete(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    result = run(project, "status")
    assert result.exit_code == 0
    es_rows = [line for line in result.stdout.splitlines() if line.startswith("es ")]
    assert len(es_rows) == 3 and all(line.endswith("100%  draft") for line in es_rows[:2])
    assert es_rows[2].startswith("es       (all catalogs)") and es_rows[2].endswith("100%")
