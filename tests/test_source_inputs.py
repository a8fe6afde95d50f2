"""Ordinary authoring mistakes: one line file:line naming the fix, never a traceback, the rest goes on."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from pipeline.errors import PlainspokenError
from pipeline.source.parse import parse_article

Run = Callable[..., Result]
FRONT = "---\ntitle: T\nsummary:\n  - S\nlast_reviewed: 2026-01-01\nlanguage: en\n---\n\nText.\n"


def problems_of(text: str) -> list[str]:
    with pytest.raises(PlainspokenError) as info:
        parse_article(text, path="a.md", slug="a")
    return [str(problem) for problem in info.value.problems]


def says(result: Result, where: str, message: str) -> bool:
    """One line of the output names the place and says the message (check adds "error: source:")."""
    return any(line.startswith(where) and message in line for line in result.output.splitlines())


def with_date(project: Path, date: str) -> Path:
    """tests/roots/lifecycle with sleep.md's last_reviewed (line 5) replaced."""
    path = project / "source" / "sleep.md"
    path.write_text(path.read_text().replace("last_reviewed: 2026-01-01", f"last_reviewed: {date}"))
    return project


@pytest.mark.parametrize(
    ("written", "shown", "reason"),
    [
        ("2026-02-30", "2026-02-30", "day is out of range for month"),
        ("2026-13-01", "2026-13-01", "month must be in 1..12"),
        ("'2026-02-30'", "2026-02-30", "day is out of range for month"),  # quoted: a string to YAML
    ],
)
@pytest.mark.parametrize("command", [("check", "--source"), ("extract",), ("update",)])
def test_an_impossible_date_is_one_line_and_the_other_articles_go_on(
    make_project: Callable[[str], Path],
    run: Run,
    command: tuple[str, ...],
    written: str,
    shown: str,
    reason: str,
) -> None:
    project = with_date(make_project("lifecycle"), written)
    (project / "locales" / "meals.pot").unlink()
    result = run(project, *command)  # in-process, exceptions not caught: a traceback fails the test
    assert result.exit_code == 1
    assert says(result, "source/sleep.md:5: ", f"last_reviewed {shown} is not a real date ({reason})")
    assert "Traceback" not in result.output
    if command != ("check", "--source"):
        assert (project / "locales" / "meals.pot").is_file()  # the good article was extracted
        assert (project / "locales" / "sleep.pot").is_file()  # the broken one's template is kept


def test_a_quoted_impossible_date_fails_its_article_not_the_site(
    make_project: Callable[[str], Path], run: Run
) -> None:
    project = with_date(make_project("lifecycle"), "'2026-02-30'")
    result = run(project, "build", "--format", "html", "--lang", "en", "-j", "1")
    assert result.exit_code == 1
    assert says(result, "source/sleep.md:5: ", "last_reviewed 2026-02-30 is not a real date")
    assert "a bug" not in result.output
    assert (project / "build/site/en/meals.html").is_file()
    assert "Meals" in (project / "build/site/en/index.html").read_text()
    assert not (project / "build/site/en/sleep.html").exists()


def test_every_front_matter_problem_of_a_file_is_listed_at_once() -> None:
    text = (
        "---\n"
        "summary:\n"  # 2
        "  - Call: 988\n"  # 3: a colon makes YAML read a key
        "last_reviewed: 2026-13-01\n"  # 4
        "author: me\n"  # 5
        "tags: [a]\n"  # 6
        "Titel: Sleep\n"  # 7
        "language: en\n"  # 8
        "language: es\n"  # 9
        "---\n\n# Again\n"  # 12: the body is still checked
    )
    assert problems_of(text) == [
        "a.md:1: front matter is missing 'title' (see docs/clinic-staff.md, 'Writing articles')",
        "a.md:3: each summary point must be one line of text: put it in quotes (a ': ' makes YAML read a key)",
        "a.md:4: last_reviewed 2026-13-01 is not a real date (month must be in 1..12): check the month and day",
        "a.md:5: unknown front matter key 'author' (known: title, summary, last_reviewed, language)",
        "a.md:6: unknown front matter key 'tags' (known: title, summary, last_reviewed, language)",
        "a.md:7: unknown front matter key 'Titel': did you mean 'title'? "
        "(known: title, summary, last_reviewed, language)",
        "a.md:9: front matter key 'language' is written twice (also on line 8): keep one",
        "a.md:12: the title (front matter) is the page's only level-1 heading: use ## for sections",
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("title: T", "title:", "a.md:2: title must be a non-empty line of text"),
        ("title: T", "title: [a, b]", "a.md:2: title must be a non-empty line of text"),
        ("  - S", "  - ", "a.md:4: each summary point must be a non-empty line of text"),
        ("summary:\n  - S", "summary: S", "a.md:3: summary must be a list of key points"),
        ("2026-01-01", "2026-1-1", "a.md:5: last_reviewed must be a date written YYYY-MM-DD"),
        ("2026-01-01", "[2026-01-01]", "a.md:5: last_reviewed must be a date written YYYY-MM-DD"),
        (
            "language: en",
            "language: ",
            "a.md:6: language must be en, not empty: articles are written in English",
        ),
        (
            "language: en",
            "language: english",
            "a.md:6: language must be en, not 'english'",
        ),  # was lang="english"
    ],
)
def test_each_front_matter_value_is_checked_at_its_line(old: str, new: str, expected: str) -> None:
    assert [p for p in problems_of(FRONT.replace(old, new, 1)) if p.startswith(expected)]


def test_a_valid_date_is_kept_as_written_quoted_or_not() -> None:
    for date in ("2026-02-28", "'2024-02-29'", '"2026-12-31"'):
        doc = parse_article(FRONT.replace("2026-01-01", date), path="a.md", slug="a")
        assert doc.metadata.last_reviewed == date.strip("'\"")


BAD_NAMES = {
    "My Article.md": "my-article.md",
    "über.md": "uber.md",
    "naloxone_guide.md": "naloxone-guide.md",
    "naloxone-guide.MD": "naloxone-guide.md",
    "wound-care.markdown": "wound-care.md",
}


def with_bad_names(project: Path) -> Path:
    for name in BAD_NAMES:
        (project / "source" / name).write_text((project / "source" / "sleep.md").read_text())
    (project / "source" / ".#sleep.md").write_text("an editor's lock file: not an article")
    (project / "source" / "Sleep.md").write_text((project / "source" / "sleep.md").read_text())
    return project


def assert_each_bad_name_named(result: Result) -> None:
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for name, rename in BAD_NAMES.items():
        assert says(
            result,
            f"source/{name}: ",
            f"not read: an article's file name is lower-case words "
            f"joined by '-', ending in .md: rename it to {rename}",
        )
    assert ".#sleep.md" not in result.output
    assert says(
        result, "source/Sleep.md: ", "rename it (sleep.md is another article: merge the two, or choose"
    )


@pytest.mark.parametrize("command", [("check", "--source"), ("extract",), ("update",)])
def test_a_badly_named_file_is_one_line_with_the_rename_and_the_others_go_on(
    make_project: Callable[[str], Path], run: Run, command: tuple[str, ...]
) -> None:
    project = with_bad_names(make_project("lifecycle"))
    (project / "locales" / "sleep.pot").unlink()
    result = run(project, *command)
    assert_each_bad_name_named(result)
    if command != ("check", "--source"):
        assert (project / "locales" / "sleep.pot").is_file()
        assert not list((project / "locales").glob("*[A-Z_ü]*.pot"))
    if command == ("update",):
        assert "locales/es/LC_MESSAGES/meals.po: " in result.output


def test_a_badly_named_file_fails_the_build_but_the_others_are_built(
    make_project: Callable[[str], Path], run: Run
) -> None:
    project = with_bad_names(make_project("lifecycle"))
    result = run(project, "build", "--format", "html", "--lang", "en", "-j", "1")
    assert_each_bad_name_named(result)
    assert "Build failed" in result.output
    assert (project / "build/site/en/sleep.html").is_file()
    assert (project / "build/site/en/meals.html").is_file()
    again = run(project, "build", "--format", "html", "--lang", "en", "-j", "1")
    assert again.exit_code == 1  # still named, never "Up to date" while the file is there
    assert "rename it to my-article.md" in again.output


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


def test_a_character_no_font_has_is_refused_at_its_source_line(
    make_project: Callable[[str], Path], run: Run
) -> None:
    """💊 is in no installed font; ✓ is not in Noto Sans but WeasyPrint falls back to a font with it."""
    project = make_project("lifecycle")
    source = project / "source" / "sleep.md"
    source.write_text(source.read_text() + "\n## 💊 ✓ Before bed\n\nRead a book.\n")
    line = line_of(source, "Before bed")
    result = run(project, "check", "--source")
    assert result.exit_code == 1
    pill = "“💊” (U+1F48A PILL) is in no installed font: a handout would print an empty box"
    assert says(result, f"source/sleep.md:{line}: error: source: ", pill)
    assert "U+2713" not in result.output
    built = run(project, "build", "--format", "pdf", "--lang", "en", "-j", "1")
    assert built.exit_code == 1
    assert says(built, f"source/sleep.md:{line}: ", pill)
    assert "build/site/en/sleep.pdf" not in built.output  # the source line, not the output, is named
    assert (project / "build/site/en/meals.pdf").is_file()
    source.write_text(source.read_text().replace("💊 ", ""))
    assert run(project, "build", "--format", "pdf", "--lang", "en", "-j", "1").exit_code == 0


def test_a_translation_with_a_character_no_font_has_is_named_at_its_catalog_line(
    make_project: Callable[[str], Path], run: Run
) -> None:
    project = make_project("lifecycle")
    catalog = project / "locales/es/LC_MESSAGES/meals.po"
    catalog.write_text(catalog.read_text().replace("a las ocho de la mañana.", "a las ocho 📞 de la mañana."))
    line = line_of(catalog, 'msgid "Breakfast is at eight')
    phone = "“📞” (U+1F4DE TELEPHONE RECEIVER) is in no installed font"
    checked = run(project, "check", "--lang", "es")
    assert says(checked, f"locales/es/LC_MESSAGES/meals.po:{line}: error: glyphs: ", phone)
    built = run(project, "build", "--format", "pdf", "--lang", "es", "-j", "1")
    assert says(built, f"locales/es/LC_MESSAGES/meals.po:{line}: ", phone)
    assert (project / "build/site/es/meals.pdf").is_file()  # with that message in English
    assert "build/site/es/meals.pdf: no font" not in built.output


def test_a_file_not_in_utf8_is_named_at_the_line_of_its_first_bad_byte(
    make_project: Callable[[str], Path], run: Run
) -> None:
    project = make_project("lifecycle")
    sleep = project / "source" / "sleep.md"
    sleep.write_bytes(sleep.read_text().replace('"Sleep well"', '"Café"').encode("cp1252"))
    expected = "not UTF-8 text (byte 0xe9): save it as UTF-8 (Save As, encoding UTF-8)"
    checked = run(project, "check", "--source")
    assert checked.exit_code == 1
    assert says(checked, "source/sleep.md:2: error: source: ", expected)
    parsed = run(project, "parse", str(sleep))
    assert parsed.exit_code == 1
    assert says(parsed, f"{sleep}:2: ", expected)


def test_an_interface_string_with_a_character_no_font_has_stays_english(
    make_project: Callable[[str], Path], run: Run
) -> None:
    project = make_project("lifecycle")
    ui = project / "locales/es/LC_MESSAGES/ui.po"
    text = ui.read_text()
    ui.write_text(
        text.replace('msgid "Need help now?"\nmsgstr ""', 'msgid "Need help now?"\nmsgstr "¿Ayuda? 📞"')
    )
    line = line_of(ui, 'msgid "Need help now?"')
    checked = run(project, "check", "--lang", "es")
    assert says(checked, f"locales/es/LC_MESSAGES/ui.po:{line}: error: glyphs: ", "“📞” (U+1F4DE")
    built = run(project, "build", "--format", "pdf", "--lang", "es", "-j", "1")
    assert "no font has a glyph" not in built.output
    assert (project / "build/site/es/meals.pdf").is_file()


def test_the_missing_catalog_of_an_article_with_errors_says_to_fix_the_article_first(
    make_project: Callable[[str], Path], run: Run
) -> None:
    """init and update leave out an article with errors: 'run plainspoken init es' went round in circles."""
    project = make_project("lifecycle")
    meals = (project / "source" / "meals.md").read_text()
    (project / "source" / "dose.md").write_text(meals.replace("2026-01-01", "2026-02-30"))
    advice = "missing: source/dose.md has errors: fix them (plainspoken check --source), then run plainspoken update --lang es"
    assert says(
        run(project, "check", "--lang", "es"), "locales/es/LC_MESSAGES/dose.po: error: catalog: ", advice
    )
    assert advice in run(project, "status").output
    (project / "source" / "dose.md").write_text(meals)
    assert re.search(r"es +dose +missing: run plainspoken init es\n", run(project, "status").output)


def test_a_site_toml_string_with_a_character_no_font_has_is_named_at_its_line(
    make_project: Callable[[str], Path], run: Run
) -> None:
    project = make_project("lifecycle")
    site = project / "source" / "site.toml"
    site.write_text(site.read_text().replace('name = "Test Clinic"', 'name = "Test Clinic 💊"'))
    result = run(project, "check", "--source")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "source/site.toml:4: clinic.name: “💊” (U+1F48A PILL) is in no installed font: "
        "a handout would print an empty box; remove it or say it in words"
    )
