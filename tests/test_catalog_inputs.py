"""Each catalog mishap a clinic reported: one clear line, no traceback, every other language builds."""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from po_edits import every_msgstr, live_messages, msgfmt_check, poedit_save, reconciled, set_msgstr
from pseudo import fill_catalog

pytestmark = pytest.mark.skipif(shutil.which("msgmerge") is None, reason="GNU gettext not installed")
SLEEP_ES = "locales/es/LC_MESSAGES/sleep.po"
SLEEP_FR = "locales/fr/LC_MESSAGES/sleep.po"
DARK = "Keep your room dark and quiet."
DARK_ES = "Mantenga su cuarto oscuro y tranquilo."


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "locales").rglob("*.po*"))}


def line_of(path: Path, msgid: str) -> int:
    return next(line for found, _, _, line in live_messages(path) if found == msgid)


def edit_source(project: Path, old: str, new: str) -> None:
    source = project / "source/sleep.md"
    text = source.read_text(encoding="utf-8")
    assert old in text
    source.write_text(text.replace(old, new), encoding="utf-8")


def extract_update(run, project: Path):  # type: ignore[no-untyped-def]
    assert run(project, "extract").exit_code == 0
    result = run(project, "update")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


def built_cleanly(run, project: Path, *formats: str) -> str:  # type: ignore[no-untyped-def]
    """Build; every page of every language is written, without a traceback: the output."""
    args = [a for f in formats or ("html",) for a in ("--format", f)]
    result = run(project, "build", *args)
    assert "Traceback" not in result.output
    assert result.exit_code == 0, result.output
    for language in ("en", "es", "fr"):
        assert (project / f"build/site/{language}/sleep.html").exists()
    return result.output


def test_undoing_a_deleted_paragraph_revives_its_translations(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("lifecycle")
    extract_update(run, project)  # current with the package's interface strings first
    before = snapshot(project)
    edit_source(project, f"{DARK}\n\n", "")
    result = extract_update(run, project)
    assert f"{SLEEP_ES}: updated (0 new, 0 fuzzy, 1 obsolete)" in result.output
    edit_source(project, "Put your phone", f"{DARK}\n\nPut your phone")  # git checkout, in effect
    result = extract_update(run, project)
    assert f"{SLEEP_ES}: updated (0 new, 0 fuzzy, 0 obsolete, 1 revived)" in result.output
    assert snapshot(project) == before, "the undo left traces in a catalog"
    assert all(not msgfmt_check(project / path) for path in before)
    assert run(project, "status").exit_code == 0
    built_cleanly(run, project)
    assert DARK_ES in (project / "build/site/es/sleep.html").read_text(encoding="utf-8")


def test_reverting_a_one_word_edit_keeps_every_catalog_valid(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("lifecycle")
    old, new = "Put your phone away 15 minutes", "Put your phone away 20 minutes"
    edit_source(project, old, new)
    result = extract_update(run, project)
    assert f"{SLEEP_ES}: updated (0 new, 1 fuzzy, 0 obsolete)" in result.output
    edit_source(project, new, old)
    extract_update(run, project)
    for path in snapshot(project):
        assert not msgfmt_check(project / path), path
    (msgstr,) = [s for i, s, _, _ in live_messages(project / SLEEP_ES) if i.startswith(old)]
    assert msgstr == "Guarde el teléfono 15 minutos antes de dormir."
    assert "Build succeeded" in built_cleanly(run, project)


def test_a_one_sentence_edit_changes_only_its_entry(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("lifecycle")
    po = project / SLEEP_ES
    poedit_save(po)  # a translator saved in Poedit
    saved = po.read_text(encoding="utf-8").splitlines()
    edit_source(project, "at the same time each night", "at the same time every night")
    extract_update(run, project)
    changed = [
        line
        for line in difflib.unified_diff(saved, po.read_text(encoding="utf-8").splitlines(), n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert changed == [
        '-msgid "Go to bed at the same time each night."',
        "+#, fuzzy",
        '+#| msgid "Go to bed at the same time each night."',
        '+msgid "Go to bed at the same time every night."',
    ]


def test_a_stray_space_is_untranslated_and_builds(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("lifecycle")
    po = project / SLEEP_ES
    line = line_of(po, DARK)
    set_msgstr(po, line, " ")
    output = built_cleanly(run, project, "html", "audio")
    assert re.search(r"es\s+html\s+built\s+sleep \(\d+\.\d s\), 2 messages in English", output)
    page = (project / "build/site/es/sleep.html").read_text(encoding="utf-8")
    assert DARK in page and "Acuéstese" in page
    rows = {
        r["domain"]: r for r in json.loads(run(project, "status", "--json").stdout) if r["language"] == "es"
    }
    assert (rows["sleep"]["translated"], rows["sleep"]["untranslated"]) == (4, 2)
    check = run(project, "check", "--lang", "es").stdout
    assert f"{SLEEP_ES}:{line}: warning: blank: the translation is only spaces" in check


def test_a_byte_order_mark_is_ignored_with_one_warning(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("lifecycle")
    po = project / SLEEP_ES
    po.write_bytes(b"\xef\xbb\xbf" + po.read_bytes())
    result = run(project, "build", "--format", "html")
    assert result.exit_code == 0 and "Traceback" not in result.output
    warnings = [line for line in result.stderr.splitlines() if "byte order mark" in line]
    assert warnings == [
        f"{SLEEP_ES}:1: the file starts with a byte order mark (BOM): ignored; save it as UTF-8 without BOM"
    ]
    assert DARK_ES in (project / "build/site/es/sleep.html").read_text(encoding="utf-8")
    check = run(project, "check", "--lang", "es").stdout
    assert f"{SLEEP_ES}:1: warning: file: the file starts with a byte order mark" in check
    assert "error: catalog" not in check
    extract_update(run, project)
    assert not po.read_bytes().startswith(b"\xef\xbb\xbf") and not msgfmt_check(po)


def test_a_language_header_for_another_language_is_an_error(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("lifecycle")
    po = project / SLEEP_ES
    po.write_text(po.read_text(encoding="utf-8").replace('"Language: es\\n"', '"Language: ko\\n"'))
    line = po.read_text(encoding="utf-8").splitlines().index('"Language: ko\\n"') + 1
    check = run(project, "check", "--lang", "es")
    assert check.exit_code == 1 and "Traceback" not in check.output
    assert (
        f'{SLEEP_ES}:{line}: error: language-header: the header says "Language: ko" but the catalog is in '
        "locales/es/: write es"
    ) in check.stdout.splitlines()
    built_cleanly(run, project)


def test_a_newline_the_english_lacks_is_an_error(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("lifecycle")
    po = project / SLEEP_ES
    line = line_of(po, DARK)
    set_msgstr(po, line, "Mantenga su cuarto oscuro\ny tranquilo.")
    check = run(project, "check", "--lang", "es").stdout
    assert (
        f"{SLEEP_ES}:{line}: error: newlines: the translation has a line break (\\n) that the English lacks"
    ) in check.splitlines()
    built_cleanly(run, project)


def test_a_placeholder_plural_forms_is_a_warning_and_update_writes_the_rule(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("lifecycle")
    po = project / SLEEP_ES
    text = re.sub(
        r'"Plural-Forms: .*?\\n"\n',
        '"Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;\\\\n"\n',
        po.read_text(),
        flags=re.S,
    )
    po.write_text(text, encoding="utf-8")
    assert msgfmt_check(po), "msgfmt alone rejects the placeholder"
    check = run(project, "check", "--lang", "es").stdout
    assert re.search(rf"{SLEEP_ES}:\d+: warning: file: Plural-Forms is a placeholder", check)
    assert "error: catalog" not in check
    output = built_cleanly(run, project)
    assert DARK_ES in (project / "build/site/es/sleep.html").read_text(encoding="utf-8")
    assert "Plural-Forms is a placeholder" in output
    extract_update(run, project)
    assert "nplurals=3; plural=(n == 1 ? 0" in po.read_text(encoding="utf-8") and not msgfmt_check(po)


def test_status_build_and_report_count_the_same_messages(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("lifecycle")
    edit_source(project, "Ask staff", f"{DARK}\n\nAsk staff")  # a repeated msgid: one message
    extract_update(run, project)
    po = project / SLEEP_ES
    set_msgstr(po, line_of(po, "Rest helps you heal."), "El [descanso](https://example.org/) ayuda.")
    rows = json.loads(run(project, "status", "--json").stdout)
    sleep = next(r for r in rows if r["language"] == "es" and r["domain"] == "sleep")
    assert (sleep["translated"], sleep["fuzzy"], sleep["untranslated"], sleep["rejected"]) == (4, 0, 1, 1)
    stats = reconciled(po)
    assert (sleep["translated"] + sleep["rejected"], sleep["untranslated"]) == (
        stats.translated,
        stats.untranslated,
    )
    output = built_cleanly(run, project, "html", "report")
    assert re.search(r"es\s+html\s+built\s+sleep \(\d+\.\d s\), 2 messages in English", output)
    mine = [r for r in rows if r["language"] == "es"]
    translated = sum(r["translated"] for r in mine)
    total = sum(r["translated"] + r["fuzzy"] + r["untranslated"] + r["rejected"] for r in mine)
    report = (project / "build/site/report.html").read_text(encoding="utf-8")
    assert f"{100 * translated / total:.0f}% ({translated} of {total} messages)" in report


def test_review_writes_only_its_header_fields(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("lifecycle")
    extract_update(run, project)  # current with the package's interface strings first
    for po in (project / "locales/es/LC_MESSAGES").glob("*.po"):
        fill_catalog(po)
    before = snapshot(project)
    for _ in range(2):
        result = run(project, "review", "es", "--by", "Ana Ruiz, CHI")
        assert result.exit_code == 0, result.output
    for path, old in before.items():
        new = (project / path).read_bytes()
        if "/es/" not in path:
            assert new == old
            continue
        _, _, body_old = old.partition(b"\n\n")
        head_new, _, body_new = new.partition(b"\n\n")
        assert body_new == body_old, "review changed a message"
        comments = [line for line in head_new.decode().splitlines() if line.startswith("#")]
        assert comments == [
            comments[0],
            "# Reviewed by Ana Ruiz, CHI on 2026-01-01.",
            "# Any change to a translation voids this sign-off until a qualified",
            "# reviewer signs it off again (plainspoken review).",
            "#",
        ]
        assert b'"X-Review-Status: reviewed\\n"' in head_new and not msgfmt_check(project / path)
    assert every_msgstr(project / SLEEP_ES) and "reviewed" in run(project, "status").stdout
    assert run(project, "update").stdout.count("unchanged") == 6


def test_update_repairs_a_live_message_with_an_obsolete_twin(run, make_project) -> None:  # type: ignore[no-untyped-def]
    """What the Babel-based update wrote when a deleted sentence came back: msgfmt rejects it."""
    project = make_project("lifecycle")
    po = project / SLEEP_ES
    text = po.read_text(encoding="utf-8").replace(f'msgstr "{DARK_ES}"', 'msgstr ""')
    po.write_text(text + f'\n#~ msgid "{DARK}"\n#~ msgstr "{DARK_ES}"\n', encoding="utf-8")
    assert "duplicate message definition" in msgfmt_check(po)
    result = extract_update(run, project)
    assert f"{SLEEP_ES}: updated (0 new, 0 fuzzy, 0 obsolete, 1 revived)" in result.output
    assert re.search(
        rf"{SLEEP_ES}:\d+: repaired: this message also had an obsolete \(#~\) copy", result.stderr
    )
    assert not msgfmt_check(po)
    assert [s for i, s, fuzzy, _ in live_messages(po) if i == DARK and not fuzzy] == [DARK_ES]


def test_a_catalog_restored_with_the_same_size_and_time_is_read_again(run, make_project) -> None:  # type: ignore[no-untyped-def]
    """A catalog put back from a backup (rsync -t, cp -p keep its time) between two builds of one
    process, as plainspoken serve runs them: the page shows what the file says now."""
    project = make_project("lifecycle")
    catalog = project / SLEEP_ES
    built_cleanly(run, project)
    before = catalog.stat()
    bright = DARK_ES.replace("oscuro", "OSCURO")  # same size
    catalog.write_bytes(catalog.read_bytes().replace(DARK_ES.encode(), bright.encode()))
    os.utime(catalog, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert catalog.stat().st_size == before.st_size
    built_cleanly(run, project)
    assert bright in (project / "build/site/es/sleep.html").read_text(encoding="utf-8")


def test_a_crisis_line_added_between_two_builds_of_one_process_is_counted(run, make_project) -> None:  # type: ignore[no-untyped-def]
    """Every language is judged against one interface template (made once per process for the same
    crisis lines, settings file and package files): a crisis line added is counted at once."""
    project = make_project("lifecycle")
    assert "crisis-line" not in built_cleanly(run, project)
    settings = project / "source/site.toml"
    line = '[[crisis_lines]]\nid = "lifeline"\nname = "988 Lifeline"\nphone = "988"\nnote = "Call or text 988."\n'
    settings.write_text(settings.read_text(encoding="utf-8").replace("crisis_lines = []  ", line + "# "), encoding="utf-8")
    output = built_cleanly(run, project)
    assert re.search(r"^  es +html +built +sleep .*, 2 crisis-line messages in English$", output, re.M), output


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_catalog_that_is_a_link_to_nothing_or_a_folder_is_named_and_the_rest_builds(  # type: ignore[no-untyped-def]
    run, make_project, workers: str
) -> None:
    """A translator's catalog linked from a folder that moved, and a delivery unzipped into a folder
    named like the catalog: planning, snapshotting and loading read them; each is one line, the other
    languages and articles build, and check and status name them too (a link to nothing is not a
    missing catalog: the interface then fell back to Plainspoken's own without a word)."""
    project = make_project("lifecycle")
    ui, sleep = project / "locales/es/LC_MESSAGES/ui.po", project / SLEEP_FR
    ui.unlink()
    ui.symlink_to(project.parent / "moved-away" / "ui.po")
    sleep.unlink()
    sleep.mkdir()
    (sleep / "sleep.po").write_text("from the translator's zip\n", encoding="utf-8")
    gone = project.parent / "moved-away" / "ui.po"
    named = {
        "locales/es/LC_MESSAGES/ui.po": f"a link to {gone}, which does not exist",
        SLEEP_FR: "a folder where a file belongs",
    }
    result = run(project, "build", "--format", "html", "-j", workers)
    assert result.exit_code == 1 and "Traceback" not in result.output
    for path, why in named.items():
        assert [line for line in result.stderr.splitlines() if line.startswith(f"{path}: {why}")], result.stderr
    site = project / "build/site"
    built = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    assert {"en/sleep.html", "en/meals.html", "fr/meals.html"} <= built
    assert "es/sleep.html" not in built and "fr/sleep.html" not in built
    for command in ("check", "status"):
        said = run(project, command)
        assert said.exit_code == 1 and "Traceback" not in said.output, said.output
        for path, why in named.items():
            assert [line for line in said.output.splitlines() if path in line and why in line], said.output


@pytest.mark.parametrize(
    ("saved", "why"),
    [
        (lambda text: text.encode("utf-16"), "saved as UTF-16 (Windows calls it Unicode): save it again as UTF-8"),
        (lambda text: b"", "the file is empty: put back the translated file"),
    ],
    ids=["utf-16", "empty"],
)
def test_a_catalog_saved_as_utf16_or_emptied_is_named_in_one_line_and_kept(  # type: ignore[no-untyped-def]
    run, make_project, saved, why: str
) -> None:
    """Notepad's "Unicode" and a save that emptied the file: msgfmt and Babel said 'keyword "m"
    unknown' or 'PO file header missing'. One line at the file says what happened; update leaves
    the file as it is (its bytes may be all the translator has), and the other language builds."""
    project = make_project("lifecycle")
    po = project / SLEEP_ES
    data = saved(po.read_text(encoding="utf-8"))
    po.write_bytes(data)
    for command in (("build", "--format", "html"), ("check",), ("update",)):
        result = run(project, *command)
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert [line for line in result.output.splitlines() if line.startswith(SLEEP_ES) and why in line], result.output
    assert po.read_bytes() == data
    assert (project / "build/site/fr/sleep.html").is_file() and not (project / "build/site/es/sleep.html").exists()
