"""A new clinic starts from the wheel: `plainspoken new`, and the interface translations it ships."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline.cli import main
from pipeline.i18n.shipped import SHIPPED_DIR

REPO = Path(__file__).parent.parent
Run = Callable[..., Result]


def new(where: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["new", str(where), *args], catch_exceptions=False)


def page(project: Path, language: str, slug: str) -> str:
    return (project / "build" / "site" / language / f"{slug}.html").read_text(encoding="utf-8")


def test_new_makes_a_project_that_builds_with_its_interface_translated(tmp_path: Path, run: Run) -> None:
    result = new(tmp_path / "clinic", "--clinic", "Casa Clinic", "--languages", "es,vi,km")
    assert result.exit_code == 0, result.output
    clinic = tmp_path / "clinic"
    for path in ("source/site.toml", "source/welcome.md", "README.md", ".gitignore"):
        assert (clinic / path).is_file(), path
    assert (clinic / "locales/km/LC_MESSAGES/welcome.po").is_file()
    assert 'name = "Casa Clinic"' in (clinic / "source/site.toml").read_text()
    assert run(clinic, "check", "--source").exit_code == 0
    assert run(clinic, "build", "--format", "html").exit_code == 0
    spanish = page(clinic, "es", "welcome")
    assert "Puntos clave" in spanish and "¿Necesita ayuda ahora?" in spanish
    # The example article comes with drafts in every chosen language, shown as drafts.
    assert re.search(r"<h1 [^>]*>Su primera visita</h1>", spanish)
    assert "Traducción preliminar: todavía no la ha revisado" in spanish
    assert "Bản dịch nháp: chưa được" in page(clinic, "vi", "welcome")
    assert "Your First Visit" not in page(clinic, "km", "welcome").split("<main", 1)[-1]
    # check lists what the clinic must still do, and nothing else: its facts, its article, reviews.
    result = run(clinic, "check")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        *(
            f"locales/{tag}: info: review: draft translations, not yet reviewed by a qualified medical"
            f' translator (the pages say so); once reviewed: plainspoken review {tag} --by "Name"'
            for tag in ("es", "km", "vi")
        ),
        "source/site.toml:9: error: placeholder: clinic.phone is still plainspoken new's placeholder:"
        " write the number patients call",
        "source/site.toml:11: error: placeholder: clinic.address is still plainspoken new's placeholder:"
        " write the clinic's street address, on one line",
        "source/site.toml:13: error: placeholder: clinic.website is still plainspoken new's placeholder:"
        " write the address the site will be published at (https://…)",
        "source/welcome.md:9: info: example: plainspoken new's example article: replace it with your own"
        " (or copy it to start one)",
        "3 errors, 0 warnings, 4 notes (info: not a problem)",
    ]


def test_check_is_clean_once_the_clinic_wrote_its_facts(tmp_path: Path, run: Run) -> None:
    result = new(tmp_path / "clinic", "--phone", "(626) 555-0142", "--languages", "es")
    assert result.exit_code == 0, result.output
    toml = tmp_path / "clinic/source/site.toml"
    text = toml.read_text(encoding="utf-8").replace("https://www.example.org/", "https://clinic.example.com/")
    toml.write_text(text.replace("Replace with the clinic's street address", "1 Main St, Pasadena, CA"))
    result = run(tmp_path / "clinic", "check")
    assert result.exit_code == 0, result.output
    assert "placeholder" not in result.output and "error" not in result.output.replace("0 errors", "")


def test_the_example_article_has_a_draft_in_every_language_plainspoken_supports(tmp_path: Path) -> None:
    languages = sorted(path.stem for path in SHIPPED_DIR.glob("*.po"))
    assert len(languages) == 13
    result = new(tmp_path / "clinic", "--languages", ",".join(languages))
    assert result.exit_code == 0, result.output
    for language in languages:
        text = (tmp_path / f"clinic/locales/{language}/LC_MESSAGES/welcome.po").read_text(encoding="utf-8")
        assert 'msgstr ""\n\n' not in text + "\n", language  # every message has its draft
        assert "X-Review-Status: draft" in text and "#, fuzzy" not in text, language
    status = CliRunner().invoke(main, ["-C", str(tmp_path / "clinic"), "status"]).output
    assert re.search(r"^ko\s+welcome\s+8\s+0\s+0\s+0\s+100%\s+draft$", status, re.MULTILINE), status


def test_every_key_of_the_new_site_toml_has_a_comment_above_it(tmp_path: Path) -> None:
    new(tmp_path / "clinic")
    text = (tmp_path / "clinic/source/site.toml").read_text()
    lines = text[: text.index("[[crisis_lines]]")].splitlines()
    keys = [n for n, line in enumerate(lines) if re.match(r"^\w+ =", line)]
    assert len(keys) == 7
    assert all(lines[n - 1].startswith("# ") for n in keys)


def test_new_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "clinic").mkdir()
    (tmp_path / "clinic" / "notes.txt").write_text("mine")
    result = new(tmp_path / "clinic")
    assert result.exit_code == 1
    assert (
        result.output.strip() == f"{tmp_path / 'clinic'}: already exists and is not empty: name a new folder"
    )
    assert (tmp_path / "clinic" / "notes.txt").read_text() == "mine"


def test_new_refuses_a_phone_that_is_no_number_and_writes_nothing(tmp_path: Path) -> None:
    result = new(tmp_path / "clinic", "--phone", "call us")
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()  # its wording is the phone check's
    assert line.startswith("source/site.toml:") and "clinic.phone" in line
    assert not (tmp_path / "clinic").exists()


#: Ordinary mistakes in a new project's site.toml: (pattern, replacement, the line check prints,
#: with {key} the line number of the first line that holds key's text after the edit).
MISTAKES = [
    (
        r"^languages = ",
        "lenguages = ",
        "{lenguages}: publish.lenguages is not a setting: did you mean languages?",
    ),
    (
        r"^min_translated = 1$",
        "min_translate = 80",
        "{min_translate}: publish.min_translate is not a setting: did you mean min_translated?",
    ),
    (  # in the second [[crisis_lines]] table
        r'^note = "(?!Call or text 988)',
        'ntoe = "',
        "{ntoe}: crisis_lines.ntoe is not a setting: did you mean note?",
    ),
    (r"^\[clinic\]$", "[clinc]", "{[clinc]}: [clinc] is not a table of site.toml: did you mean [clinic]?"),
    (
        r'^phone = "\(626\).*\n',
        "",
        '{[clinic]}: clinic.phone must be a non-empty string, such as phone = "(626) 555-0142"',
    ),
    (
        r'^page_size = "letter"',
        "page_size = letter",
        '{page_size}: not valid TOML: Invalid value: write text in quotes: page_size = "letter"',
    ),
]


@pytest.mark.parametrize(("pattern", "replacement", "expected"), MISTAKES)
def test_an_ordinary_mistake_in_site_toml_is_named_at_its_line(
    tmp_path: Path, run: Run, pattern: str, replacement: str, expected: str
) -> None:
    assert new(tmp_path / "clinic").exit_code == 0
    toml = tmp_path / "clinic/source/site.toml"
    text = re.sub(pattern, replacement, toml.read_text(encoding="utf-8"), count=1, flags=re.MULTILINE)
    toml.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    key = re.search(r"\{(.+?)\}", expected).group(1)  # type: ignore[union-attr]
    number = next(n for n, line in enumerate(lines, start=1) if line.startswith(key))
    result = run(tmp_path / "clinic", "check", "--source")
    assert result.exit_code == 1
    assert f"source/site.toml:{number}: " + expected.split("}: ", 1)[1] in result.output.splitlines()
    assert "Traceback" not in result.output


def test_new_takes_en_in_its_languages_and_says_which_have_no_drafts(tmp_path: Path) -> None:
    result = new(tmp_path / "clinic", "--languages", "en, es,fr,es")
    assert result.exit_code == 0, result.output
    assert 'languages = ["en", "es", "fr"]' in (tmp_path / "clinic/source/site.toml").read_text()
    assert "  fr: Plainspoken ships no drafts in it: its pages are published once translated" in result.output
    assert "(es): have them reviewed" in result.output


def test_a_project_without_its_own_ui_po_shows_the_shipped_interface(
    make_project: Callable[[str], Path], run: Run
) -> None:
    project = make_project("basic")
    assert not (project / "locales/es/LC_MESSAGES/ui.po").exists()
    assert run(project, "build", "--format", "html", "--lang", "es").exit_code == 0
    assert "Puntos clave" in page(project, "es", "every-node")
    assert "Key points" not in page(project, "es", "every-node")


def test_a_projects_own_ui_po_overrides_the_shipped_one_message_by_message(
    make_project: Callable[[str], Path], run: Run
) -> None:
    project = make_project("basic")
    assert run(project, "init", "es").exit_code == 0
    ui = project / "locales/es/LC_MESSAGES/ui.po"
    text = ui.read_text(encoding="utf-8")
    assert 'msgstr "Puntos clave"' in text  # init starts from the shipped translations
    text = text.replace('msgstr "Puntos clave"', 'msgstr "Lo más importante"')
    ui.write_text(text.replace('msgstr "¿Necesita ayuda ahora?"', 'msgstr ""'), encoding="utf-8")
    assert run(project, "build", "--format", "html", "--lang", "es").exit_code == 0
    shown = page(project, "es", "every-node")
    assert "Lo más importante" in shown and "Puntos clave" not in shown
    assert "¿Necesita ayuda ahora?" in shown  # left blank in the project's: the shipped one


def test_the_shipped_interface_catalogs_are_the_repositorys() -> None:
    shipped = {path.stem: path.read_bytes() for path in SHIPPED_DIR.glob("*.po")}
    ours = {path.parent.parent.name: path.read_bytes() for path in REPO.glob("locales/*/LC_MESSAGES/ui.po")}
    assert len(shipped) == 13
    for language, data in ours.items():
        assert shipped[language] == data, f"copy locales/{language}/LC_MESSAGES/ui.po to pipeline/data/ui/"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) not installed")
def test_the_shipped_interface_catalogs_pass_msgfmt_check() -> None:
    """Builds read them without msgfmt (pipeline.i18n.shipped): GNU gettext checks them here."""
    for path in sorted(SHIPPED_DIR.glob("*.po")):
        done = subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(path)], capture_output=True, text=True)
        assert done.returncode == 0 and not done.stderr, f"{path.name}: {done.stderr}"


def test_every_site_toml_problem_is_listed_at_once_with_its_line_and_form(tmp_path: Path) -> None:
    """The adoption trial took six runs, one error each, to learn site.toml's keys."""
    source = tmp_path / "source"
    source.mkdir()
    (source / "site.toml").write_text(
        '[clinic]\nname = "Casa"\nwebsite = ""\n\n[publish]\npage_size = "a5"\n'
    )
    result = CliRunner().invoke(main, ["-C", str(tmp_path), "check", "--source"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        'source/site.toml:1: clinic.phone must be a non-empty string, such as phone = "(626) 555-0142"',
        'source/site.toml:1: clinic.address must be a non-empty string, such as address = "100 Example Avenue, Pasadena, CA 91101"',
        'source/site.toml:3: clinic.website must be a non-empty string, such as website = "https://www.example.org/"',
        'source/site.toml:5: publish.languages must be a list such as ["en", "es"]',
        "source/site.toml:6: publish.page_size must be one of letter, a4",
        "source/site.toml: no [[crisis_lines]] table: every page and handout shows crisis lines; add one with id, "
        "name, phone and note (plainspoken new writes two), or write crisis_lines = [] at the top to show none",
    ]


def test_a_bad_crisis_line_names_each_of_its_mistakes(tmp_path: Path) -> None:
    assert new(tmp_path / "clinic").exit_code == 0
    toml = tmp_path / "clinic/source/site.toml"
    text = (
        toml.read_text()
        .replace('id = "samhsa"', 'id = "SAMHSA"')
        .replace('note = "Free, private', 'notes = "Free')
    )
    toml.write_text(text)
    result = CliRunner().invoke(main, ["-C", str(tmp_path / "clinic"), "check", "--source"])
    lines = text.splitlines()
    header = [n for n, line in enumerate(lines, start=1) if line == "[[crisis_lines]]"][1]
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f'source/site.toml:{header}: crisis_lines.note must be a non-empty string, such as note = "Call or text 988, any time, day or night."',
        f"source/site.toml:{header + 1}: crisis line id 'SAMHSA' must be lower-case letters, digits or _",
        f"source/site.toml:{header + 4}: crisis_lines.notes is not a setting: did you mean note?",
    ]


def test_status_and_check_count_the_shipped_interface_of_a_project_without_ui_po(
    make_project: Callable[[str], Path], run: Run
) -> None:
    project = make_project("basic")
    status = run(project, "status").output
    row = re.search(r"es +ui +(\d+) +0 +1 +0 +\d+%  draft", status)  # its crisis line note is new
    assert row and int(row.group(1)) > 30, status  # the rest is the shipped Spanish
    assert "behind" not in status
    checked = run(project, "check", "--lang", "es").output
    assert "ui.po" not in checked


def test_a_crisis_line_left_blank_in_the_projects_ui_po_counts_as_the_shipped_translation_shown(
    make_project: Callable[[str], Path], run: Run
) -> None:
    from pipeline.i18n.article import prepare_article
    from pipeline.source.project import load_project

    project = make_project("basic")
    assert run(project, "init", "es").exit_code == 0
    ui = project / "locales/es/LC_MESSAGES/ui.po"
    text = ui.read_text(encoding="utf-8")
    blanked = re.sub(r'(msgid "988 Suicide & Crisis Lifeline"\nmsgstr )".*"', r'\1""', text)
    assert blanked != text
    ui.write_text(blanked, encoding="utf-8")
    article, _ = prepare_article(load_project(project), "every-node", "es")
    # Only basic's own note ("Call or text 988, any time.") is in English: the shipped catalog has no such note.
    assert article.ui_counts.fallbacks == 1
    assert "988 Línea de Prevención del Suicidio y Crisis" in article.ui.gettext(
        "988 Suicide & Crisis Lifeline"
    )
