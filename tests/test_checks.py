"""plainspoken check, the plain-language report, review sign-off and publishing policy."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from pipeline.i18n.catalogs import read_catalog
from pipeline.quality.checks import CHECKS, digits
from pipeline.quality.readability import TextStats, fernandez_huerta, flesch_kincaid_grade, smog_grade

PO = "locales/es/LC_MESSAGES/checks.po"
ARTICLE_PO = "locales/es/LC_MESSAGES/choosing-care.po"


def expectations(po: Path) -> list[tuple[int, str]]:
    """(msgid line, check) planted in the fixture, from its '# expect:' comments."""
    expected, pending = [], []
    for number, line in enumerate(po.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("# expect:"):
            pending = [c for c in line.split(":", 1)[1].split() if c != "nothing"]
        elif line.startswith("msgid ") and pending is not None:
            expected += [(number, check) for check in pending]
            pending = []
    return sorted(expected)


def test_each_planted_defect_is_found_at_its_line(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("checks")
    result = run(project, "check", "--lang", "es", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    found = sorted((f["line"], f["check"]) for f in data["findings"] if f["path"] == PO)
    assert found == expectations(project / PO)
    planted = {check for _, check in expectations(project / PO)}
    file_level = {"catalog", "file", "language-header", "behind"}  # test_catalog_inputs.py, test_signoff.py
    plain = {"jargon"}  # the plain-language check of a translation (its language's jargon list)
    assert planted - plain == set(CHECKS) - file_level, "every check has a planted defect"


def test_findings_are_sorted_lines_with_a_summary(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("checks")
    lines = run(project, "check", "--lang", "es").stdout.splitlines()
    findings, summary = lines[:-1], lines[-1]
    assert all(re.match(r"^[\w/.-]+\.po(:\d+)?: (error|warning): [a-z-]+: .+$", line) for line in findings)
    keys = [
        (line.split(":")[0], int(line.split(":")[1]) if line.split(":")[1].isdigit() else 0)
        for line in findings
    ]
    assert keys == sorted(keys)
    assert f'{PO}:69: error: numbers: "988" is missing from the translation' in findings
    assert re.fullmatch(r"\d+ errors, \d+ warnings", summary)


def test_the_spanish_catalogs_are_clean(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    result = run(project, "check", "--lang", "es")
    assert result.exit_code == 0
    assert result.stdout.strip() == "0 errors, 0 warnings"


def test_a_changed_crisis_number_is_an_error(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    ui = project / "locales/es/LC_MESSAGES/ui.po"
    ui.write_text(ui.read_text().replace('msgstr "988 Línea', 'msgstr "998 Línea'))
    result = run(project, "check", "--lang", "es")
    assert result.exit_code == 1
    assert re.search(r'ui\.po:\d+: error: numbers: "988" is missing from the translation', result.stdout)
    assert re.search(
        r"ui\.po:\d+: error: clinical-facts: the 988 Suicide & Crisis Lifeline number 988 is missing",
        result.stdout,
    )
    ui.write_text(ui.read_text().replace('msgstr "998 Línea', 'msgstr "988 Línea'))
    assert run(project, "check", "--lang", "es").stdout.strip() == "0 errors, 0 warnings"


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Llame al ۹۸۸", ["988"]),
        ("اتصل بـ ٩٨٨", ["988"]),
        ("24/7, 3–5 días", ["24", "7", "3", "5"]),
        ("(626) 555-0142", ["626", "555", "0142"]),
    ],
)
def test_numbers_in_any_script_count_as_the_same(text: str, numbers: list[str]) -> None:
    assert digits(text) == numbers


# --- plain language ---------------------------------------------------------------------


def test_reading_grades_match_hand_computed_values() -> None:
    easy = TextStats.of("The cat sat on the mat. The dog ran.", "en")
    assert easy == TextStats(sentences=2, words=9, syllables=9, polysyllables=0)
    assert flesch_kincaid_grade(easy) == pytest.approx(0.39 * 4.5 + 11.8 * 1 - 15.59)  # -2.035
    assert smog_grade(easy) == pytest.approx(3.1291)
    hard = TextStats.of("Residential treatment is beneficial.", "en")
    assert hard == TextStats(sentences=1, words=4, syllables=11, polysyllables=2)
    assert flesch_kincaid_grade(hard) == pytest.approx(18.42, abs=0.005)
    assert smog_grade(hard) == pytest.approx(11.208, abs=0.001)
    spanish = TextStats.of("El gato come. La casa es grande.", "es")
    assert spanish == TextStats(sentences=2, words=7, syllables=11, polysyllables=0)
    assert fernandez_huerta(spanish) == pytest.approx(206.84 - 0.60 * 1100 / 7 - 1.02 * 7 / 2)  # 108.98


def test_source_report_names_the_paragraph_and_the_sentence_to_shorten(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    result = run(project, "check", "--source")
    assert result.exit_code == 0  # warnings only
    out = result.stdout
    assert re.search(
        r"source/choosing-care\.md:2: warning: reading-grade: the article reads at grade "
        r"\d+\.\d by SMOG \(Flesch-Kincaid \d+\.\d\); target 8",
        out,
    )
    assert re.search(
        r"\.md:40: warning: reading-grade: this paragraph reads at grade \d+\.\d by Flesch-Kincaid "
        r"\(target 8\): shorten “Real-Life Practice: You learn skills in therapy, then…” \(15 words\)",
        out,
    )
    assert ".md:61: warning: long-sentence: a sentence of 27 words" in out
    assert ".md:61: warning: reading-grade" not in out  # a long sentence is reported once
    assert "warning: plain-words: “immediately”: plainer is “right away / now”" in out
    strict = run(project, "check", "--source", "--strict")
    assert strict.exit_code == 1 and ": error: reading-grade:" in strict.stdout


def test_target_grade_comes_from_site_toml(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    toml = project / "source/site.toml"
    toml.write_text(toml.read_text() + "\n[plain_language]\ntarget_grade = 12\n")
    out = run(project, "check", "--source").stdout
    assert "target 12" in out and "the article reads at grade" not in out


# --- review sign-off ----------------------------------------------------------------------


def test_review_is_refused_on_a_dirty_catalog(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    po = project / ARTICLE_PO
    po.write_text(po.read_text().replace('msgstr "Costo"', 'msgstr ""'))
    before = po.read_bytes()
    result = run(project, "review", "es", "--by", "Ana Ruiz, CHI")
    assert result.exit_code == 1
    assert "error: untranslated" in result.stderr and "Not signed off" in result.stderr
    assert po.read_bytes() == before


@pytest.mark.slow
def test_review_is_recorded_shown_and_voided_by_an_edit(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    result = run(project, "review", "es", "--by", "Ana Ruiz, CHI")
    assert result.exit_code == 0, result.output
    po = (project / ARTICLE_PO).read_text()
    assert '"X-Review-Status: reviewed\\n"' in po and '"X-Reviewed-By: Ana Ruiz, CHI\\n"' in po
    catalog = read_catalog(project / ARTICLE_PO, "es.po")
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", catalog.header("X-Review-Hash"))
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", catalog.header("X-Review-Date"))
    assert "# Reviewed by Ana Ruiz, CHI on" in po and "# DRAFT" not in po
    rows = [r for r in json.loads(run(project, "status", "--json").stdout) if r["language"] == "es"]
    assert {r["review"] for r in rows} == {"reviewed"}
    assert (
        run(project, "update").exit_code == 0
        and "X-Review-Status: reviewed" in (project / ARTICLE_PO).read_text()
    )
    run(project, "build", "--format", "html", "--format", "pdf", "--lang", "es")
    html = (project / "build/site/es/choosing-care.html").read_text()
    assert "Traducción preliminar" not in html
    # init's "Plainspoken draft" names no translator: the reviewer alone is credited
    assert re.search(r'<p class="colophon">Revisado por Ana Ruiz, CHI el [^<]+\.</p>', html)
    pdf_text = _pdf_text(project / "build/site/es/choosing-care.pdf")
    assert "Traducción preliminar" not in pdf_text and "Revisado por Ana Ruiz, CHI" in pdf_text
    # A translator edits one msgstr: the sign-off is void and the drafts notices come back.
    path = project / ARTICLE_PO
    path.write_text(path.read_text().replace('msgstr "Costo"', 'msgstr "Precio"'))
    rows = [r for r in json.loads(run(project, "status", "--json").stdout) if r["language"] == "es"]
    assert {r["domain"]: r["review"] for r in rows} == {
        "ui": "reviewed",
        "choosing-care": "voided",
    }
    run(project, "build", "--format", "html", "--format", "pdf", "--lang", "es")
    assert "Traducción preliminar" in (project / "build/site/es/choosing-care.html").read_text()
    pages = _pdf_text(project / "build/site/es/choosing-care.pdf").split("\f")
    assert all("Traducción preliminar" in page for page in pages if page.strip())


def _pdf_text(path: Path) -> str:
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


# --- publishing policy and the report ----------------------------------------------------------


@pytest.mark.slow
def test_drafts_can_be_kept_out_of_print(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    run(project, "build", "--format", "pdf", "--format", "html", "--lang", "en", "--lang", "es")
    assert (project / "build/site/es/choosing-care.pdf").exists()
    toml = project / "source/site.toml"
    toml.write_text(
        toml.read_text().replace('page_size = "letter"', 'page_size = "letter"\ndrafts = { pdf = "skip" }')
    )
    result = run(project, "build", "--format", "pdf", "--format", "html", "--lang", "en", "--lang", "es")
    assert result.exit_code == 0, result.output
    assert re.search(
        r"es\s+pdf\s+skipped\s+choosing-care \(\d+\.\d s\): draft translation: site.toml publishes only reviewed pdf",
        result.stdout,
    )
    assert not (project / "build/site/es/choosing-care.pdf").exists()  # taken down
    assert (project / "build/site/en/choosing-care.pdf").exists()
    assert (project / "build/site/es/choosing-care.html").exists()


def test_a_language_below_the_minimum_is_not_published(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    po = project / ARTICLE_PO
    text = po.read_text()
    po.write_text(re.sub(r'^msgstr "(?!").*"$', 'msgstr ""', text, count=60, flags=re.M))
    toml = project / "source/site.toml"
    toml.write_text(
        toml.read_text().replace('page_size = "letter"', 'page_size = "letter"\nmin_translated = 80')
    )
    result = run(project, "build", "--format", "html")
    assert re.search(
        r"es\s+html\s+skipped\s+choosing-care \(\d+\.\d s\): \d+% translated, below publish.min_translated \(80%\)",
        result.stdout,
    )
    assert not list((project / "build/site/es").glob("*.html"))
    assert "Español" not in (project / "build/site/index.html").read_text()


@pytest.mark.slow
def test_build_report_for_the_clinic_manager(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    run(
        project,
        "build",
        "--format",
        "html",
        "--format",
        "pdf",
        "--format",
        "report",
        "--lang",
        "en",
        "--lang",
        "es",
    )
    html = (project / "build/site/report.html").read_text()
    assert '<meter min="0" max="100" value="100"' in html
    assert "Draft: not reviewed" in html and "Source language" in html
    assert '<a href="es/choosing-care.pdf">Handout (PDF)</a>' in html
    assert re.search(r"reading grade \d+\.\d \(Fernández-Huerta\)", html)
    assert re.search(r"reading grade \d+\.\d \(Flesch-Kincaid\)", html)
    assert "0 errors, 0 warnings" in html


def test_a_language_with_nothing_translated_is_not_published_by_default(make_project, run) -> None:  # type: ignore[no-untyped-def]
    root = make_project("basic")  # its Spanish catalog of every-node is missing: 0 % translated
    toml = root / "source/site.toml"
    toml.write_text(re.sub(r"^min_translated = 0 .*$", "", toml.read_text(), flags=re.MULTILINE))
    result = run(root, "build", "--format", "html", "--format", "report")
    assert result.exit_code == 0, result.output
    assert (root / "build/site/en/every-node.html").is_file()
    assert not (root / "build/site/es/every-node.html").exists()
    report = (root / "build/site/report.html").read_text(encoding="utf-8")
    assert (
        "<li><code>es</code> <code>every-node</code>: 0% translated, below publish.min_translated (1%): not"
        " published until you translate locales/es/LC_MESSAGES/every-node.po" in report
    )
    assert re.search(
        r"es\s+html\s+skipped\s+every-node \(\d+\.\d s\): 0% translated, below publish.min_translated \(1%\): "
        r"not published until you translate locales/es/LC_MESSAGES/every-node.po "
        r"\(min_translated = 0 in site.toml publishes it anyway\)",
        result.output,
    ), result.output
    checked = run(root, "check").output.splitlines()
    assert (
        "locales/es/LC_MESSAGES/every-node.po: warning: not-published: 0% translated, below"
        " publish.min_translated (1%): not published until you translate locales/es/LC_MESSAGES/every-node.po"
        " (min_translated = 0 in site.toml publishes it anyway)" in checked
    )
    english = root / "build/site/en/every-node.html"
    assert 'hreflang="es"' not in english.read_text(encoding="utf-8")  # no link to a page not there
    # One sentence translated publishes it, and the English page's language list follows.
    assert run(root, "init", "es").exit_code == 0
    po = root / "locales/es/LC_MESSAGES/every-node.po"
    po.write_text(po.read_text().replace('"First key point."\nmsgstr ""', '"First key point."\nmsgstr "Primer punto."'))
    assert run(root, "build", "--format", "html").exit_code == 0
    assert (root / "build/site/es/every-node.html").is_file()
    assert 'hreflang="es" href="../es/every-node.html"' in english.read_text(encoding="utf-8")
    po.unlink()
    toml.write_text(toml.read_text().replace('page_size = "letter"', 'page_size = "letter"\nmin_translated = 0'))
    assert run(root, "build", "--format", "html").exit_code == 0
    assert (root / "build/site/es/every-node.html").is_file()  # with its notice that it is in English
