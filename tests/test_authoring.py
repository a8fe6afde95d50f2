"""What an author writes is what patients get: tests/roots/author built once, in every format.

first-day.md holds every construct (a private comment, an i18n note, a footnote, a link to another
article's section, external and tel: links, a table, an image); what-to-bring.md is the article it
links to, not published in Spanish; broken.md skips a heading level, uses a missing image and a
link without a scheme, and must build nothing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import ROOTS, golden

from pipeline.cli import main
from pipeline.errors import PlainspokenError
from pipeline.i18n.article import prepare_article
from pipeline.model import Paragraph, Text
from pipeline.render.speech import render_speech
from pipeline.source.parse import parse_article
from pipeline.source.project import load_project

PRIVATE = ("Dr. Kim", "parking", "front desk")
FRONT = "---\ntitle: T\nsummary:\n  - S\nlast_reviewed: 2026-01-01\nlanguage: en\n---\n"


def cli(root: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["-C", str(root), *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """The author root, with a page of broken.md from an earlier build, built in every format."""
    root = tmp_path_factory.mktemp("author") / "author"
    shutil.copytree(ROOTS / "author", root)
    earlier = root / "build/site/en/broken.html"
    earlier.parent.mkdir(parents=True)
    earlier.write_text("an earlier, good build", encoding="utf-8")
    return root, cli(root, "build")


def site(built: tuple[Path, Result]) -> Path:
    return built[0] / "build" / "site"


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def error_of(body: str) -> str:
    with pytest.raises(PlainspokenError) as info:
        parse_article(FRONT + body, path="a.md", slug="a")
    return str(info.value)


# --- 1. private comments -------------------------------------------------------------


def test_private_comments_reach_no_output_and_no_catalog(built: tuple[Path, Result]) -> None:
    root, _ = built
    outputs = {
        "page": (site(built) / "es/first-day.html").read_text(encoding="utf-8"),
        "pdf": pdf_text(site(built) / "en/first-day.pdf"),
        "captions": (site(built) / "en/first-day.vtt").read_text(encoding="utf-8"),
        "template": (root / "locales/first-day.pot").read_text(encoding="utf-8"),
    }
    for name, text in outputs.items():
        assert not [word for word in PRIVATE if word in text], name
    assert '"intake" is the first meeting with a counselor.' in outputs["template"]  # i18n note kept


def test_check_lists_private_comments_as_info_and_strict_ignores_them(tmp_path: Path) -> None:
    root = tmp_path / "author"
    shutil.copytree(ROOTS / "author", root)
    (root / "source/broken.md").unlink()
    result = cli(root, "check", "--source", "--strict")
    lines = result.output.splitlines()
    assert (
        "source/first-day.md:9: info: comment: private comment, not published: TODO: ask Dr. Kim about parking"
        in lines
    )
    assert any(line.startswith("source/first-day.md:17: info: comment:") for line in lines)
    assert lines[-1].startswith("0 errors, 0 warnings, 4 notes"), result.output  # 2 kept terms
    assert result.exit_code == 0


def test_a_comment_inside_a_paragraph_leaves_no_extra_space() -> None:
    doc = parse_article(FRONT + "Call us <!-- which number? --> today. <!-- TODO -->\n", path="a", slug="a")
    assert doc.blocks == (Paragraph((Text("Call us today."),), 8),)


# --- 2. unsupported syntax -----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Line one<br>\nline two.\n",
            "a.md:8: raw HTML is not supported (<br>): end the line with a backslash",
        ),
        ("Intro.\n\n<div>A box</div>\n", "a.md:10: raw HTML is not supported (<div>A box</div>)"),
        ("Text\nwith <span>a tag</span>.\n", "a.md:9: raw HTML is not supported (<span>)"),
        ("Now ~~free~~ low cost.\n", "a.md:8: strikethrough (~~…~~) is not supported"),
        ("## Part\n\n#### Detail\n", "a.md:10: heading level skipped: #### after ##; use ###"),
        ("### First\n", "a.md:8: heading level skipped: ### after #; use ##"),
        ("Call {clinic.phone today.\n", "a.md:8: unclosed placeholder {clinic.phone: write {clinic.phone}"),
        ("[Win](javascript:alert(1))\n", "a.md:8: link to 'javascript:alert(1)' is not allowed"),
        ("[Data](data:text/html,x)\n", "a.md:8: link to 'data:text/html,x' is not allowed"),
        (
            "[Help](www.samhsa.gov)\n",
            "a.md:8: link to 'www.samhsa.gov' has no scheme, so it would lead nowhere: "
            "write https://www.samhsa.gov",
        ),
        ("[Help](samhsa.gov/families)\n", "write https://samhsa.gov/families"),
        ("[Form](form.pdf)\n", "a.md:8: link to 'form.pdf' is neither a web address"),
        ("Fact.[^1]\n", "a.md:8: footnote [^1] is used but never written"),
        ("Fact.\n\n[^1]: Source.\n", "a.md:10: footnote [^1] is never referred to"),
    ],
)
def test_unsupported_syntax_is_an_error_at_its_line(body: str, expected: str) -> None:
    assert expected in error_of(body)


def test_every_error_of_an_article_is_listed() -> None:
    message = error_of("<b>x</b> and ~~y~~\n\n## A\n\n#### B\n")
    assert message.count("a.md:") == 3


def test_a_broken_article_builds_nothing_and_keeps_its_previous_outputs(built: tuple[Path, Result]) -> None:
    _, result = built
    output = result.output
    assert result.exit_code == 1
    for expected in (
        "source/broken.md:11: heading level skipped",
        "source/broken.md:13: image assets/missing.png is missing",
        "source/broken.md:15: link to 'samhsa.gov/find-help' has no scheme",
    ):
        assert expected in output
    assert (site(built) / "en/broken.html").read_text() == "an earlier, good build"
    assert not list(site(built).glob("*/broken.pdf")) and not list(site(built).glob("*/broken.mp3"))
    for language in ("en", "es"):
        assert (site(built) / f"{language}/first-day.html").exists()
        assert (site(built) / f"{language}/first-day.pdf").exists()


def test_check_source_reports_the_broken_article_at_its_lines(built: tuple[Path, Result]) -> None:
    root, _ = built
    result = cli(root, "check", "--source")
    assert result.exit_code == 1
    assert "source/broken.md:13: error: source: image assets/missing.png is missing" in result.output
    assert "3 errors, 0 warnings" in result.output


# --- 3. links between articles ---------------------------------------------------------


def test_links_to_other_articles_lead_to_their_pages(built: tuple[Path, Result]) -> None:
    english = (site(built) / "en/first-day.html").read_text(encoding="utf-8")
    spanish = (site(built) / "es/first-day.html").read_text(encoding="utf-8")
    assert '<a href="what-to-bring.html#documents">what to bring</a>' in english
    # not published in Spanish: the English page, marked as such
    assert '<a href="../en/what-to-bring.html#documents" hreflang="en">qué traer</a>' in spanish
    assert ".md" not in english + spanish
    assert (site(built) / "en/what-to-bring.html").exists()


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("nowhere.md", "link to nowhere.md: there is no article source/nowhere.md"),
        (
            "what-to-bring.md#parking",
            "link to what-to-bring.md#parking: what-to-bring.md has no section #parking (its sections: #documents)",
        ),
        ("#nowhere", "link to #nowhere: this article has no section with that id"),
    ],
)
def test_a_link_to_a_missing_article_or_section_is_an_error(tmp_path: Path, link: str, expected: str) -> None:
    root = tmp_path / "author"
    shutil.copytree(ROOTS / "author", root)
    path = root / "source/first-day.md"
    path.write_text(path.read_text().replace("what-to-bring.md#documents", link), encoding="utf-8")
    result = cli(root, "check", "--source")
    assert f"source/first-day.md:15: error: source: {expected}" in result.output


# --- 4. images -----------------------------------------------------------------------


def test_the_pdf_fetcher_says_missing_for_a_missing_file(tmp_path: Path) -> None:
    from pipeline.builders.printing import render_pdf

    assets = tmp_path / "assets"
    assets.mkdir()
    html = f'<html lang="en"><title>x</title><img src="{(assets / "gone.png").as_uri()}" alt="gone"></html>'
    with pytest.raises(PlainspokenError) as info:
        render_pdf(html, "", base_url=tmp_path.as_uri() + "/", allowed_dirs=[assets], label="out.pdf")
    assert f"out.pdf: {assets / 'gone.png'} is missing" in str(info.value)


# --- 7, 8, 9. audio, print and footnotes ----------------------------------------------------


def script(language: str) -> Any:
    project = load_project(ROOTS / "author")
    article, _ = prepare_article(project, "first-day", language)
    config = project.config
    return render_speech(
        article.doc, facts=config.facts(), lexicon={}, gettext=article.ui.gettext, config=config
    )


def test_speech_script_golden() -> None:
    golden("first-day.speech.txt", script("en").to_text() + "\n" + script("es").to_text())


def test_the_audio_guide_reads_each_footnote_at_the_end_of_its_section() -> None:
    texts = [s.text for s in script("es").segments]
    note = texts.index("Nota: Una licencia de conducir o un pasaporte.")
    assert texts[note - 1].endswith("Traiga una identificación con foto.")  # no mark read aloud
    assert texts[note + 1] == "Admisión"


@pytest.mark.parametrize(
    ("language", "ending"),
    [
        (
            "en",
            [
                "Need help now?",
                "988 Suicide & Crisis Lifeline: 988.",
                "SAMHSA National Helpline: 1-800-662-4357.",
                "Call us: (626) 555-0100.",
                "In an emergency, call 911.",
            ],
        ),
        (
            "es",
            [
                "¿Necesita ayuda ahora?",
                "988 Línea de Prevención del Suicidio y Crisis: 988.",
                "Línea Nacional de Ayuda de SAMHSA: 1-800-662-4357.",
                "Llámenos: (626) 555-0100.",
                "En una emergencia, llame al 911.",
            ],
        ),
    ],
)
def test_captions_end_with_the_crisis_lines(
    built: tuple[Path, Result], language: str, ending: list[str]
) -> None:
    from test_audio import read_cues

    cues = read_cues((site(built) / f"{language}/first-day.vtt").read_text(encoding="utf-8"))
    last = [cue.text for cue in cues[-5:]]
    assert [text.startswith(want) for text, want in zip(last, ending, strict=True)] == [True] * 5
    assert [cue.id for cue in cues[-5:]] == [
        "help-title",
        "help-lifeline",
        "help-samhsa",
        "help-clinic",
        "help-911",
    ]
    spoken = script(language).segments[-4].spoken
    assert "9 8 8" in spoken and "1, 8 0 0, 6 6 2, 4 3 5 7" in script(language).segments[-3].spoken


def test_the_page_lists_the_crisis_chapter(built: tuple[Path, Result]) -> None:
    html = (site(built) / "es/first-day.html").read_text(encoding="utf-8")
    assert '<a href="#help-title" data-start=' in html and 'id="help-911"' in html


def test_the_pdf_prints_addresses_and_footnotes_but_no_comment(built: tuple[Path, Result]) -> None:
    text = " ".join(pdf_text(site(built) / "en/first-day.pdf").split())
    assert "SAMHSA's family resources (samhsa.gov/families)" in text
    assert "Call us (626-555-0100)" in text
    assert "what to bring (test-clinic.example.org/en/what-to-bring.html)" in text
    assert "Bring a photo ID.1" in text  # the reference mark
    assert "Notes 1. A driver's license or a passport." in text
    assert not [word for word in PRIVATE if word in text]
    spanish = " ".join(pdf_text(site(built) / "es/first-day.pdf").split())
    assert "Notas 1. Una licencia de conducir o un pasaporte." in spanish


def test_the_html_print_stylesheet_prints_addresses(built: tuple[Path, Result]) -> None:
    html = (site(built) / "en/first-day.html").read_text(encoding="utf-8")
    css = (site(built) / "_static/plainspoken.css").read_text(encoding="utf-8")
    assert 'data-print="samhsa.gov/families">SAMHSA' in html and 'data-print="626-555-0100">Call us' in html
    assert 'a[data-print]::after { content: " (" attr(data-print) ")"; }' in css


def test_footnotes_link_both_ways(built: tuple[Path, Result]) -> None:
    html = (site(built) / "en/first-day.html").read_text(encoding="utf-8")
    assert '<sup class="footnote-ref"><a href="#fn-1" id="fnref-1" role="doc-noteref">1</a></sup>' in html
    assert '<section class="footnotes" role="doc-endnotes" aria-labelledby="footnotes-title">' in html
    assert re.search(r'<li id="fn-1"><span id="u-[0-9a-f]{8}">A driver&#39;s license or a passport\.</span>', html)
    assert '<a href="#fnref-1" role="doc-backlink" aria-label="Back to the text (1)">' in html


def test_each_footnote_is_its_own_message(built: tuple[Path, Result]) -> None:
    template = (built[0] / "locales/first-day.pot").read_text(encoding="utf-8")
    assert '#. footnote\n#: source/first-day.md:26\nmsgid "A driver\'s license or a passport."' in template
    assert 'msgid "Come at 9 in the morning. Bring a photo ID.[^id]"' in template


@pytest.mark.browser
def test_axe_finds_no_violations_with_footnotes(built: tuple[Path, Result]) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    from test_accessibility import AXE_TAGS, CHROMIUM, LAUNCH_ARGS

    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed")
    found: dict[str, Any] = {}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page()
        for rel in ("en/first-day.html", "es/first-day.html"):
            page.goto((site(built) / rel).as_uri())
            options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
            violations = axe_module.Axe().run(page, options=options).response["violations"]
            found[rel] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
        browser.close()
    assert found == {"en/first-day.html": [], "es/first-day.html": []}


# --- 5. reading grade: prose only --------------------------------------------------------


def _grade_findings(body: str) -> list[str]:
    from pipeline.quality.plain_language import check_source

    doc = parse_article(FRONT + body, path="a.md", slug="a")
    return [
        f.message for f in check_source(doc, facts={}, target=8, strict=True) if f.check == "reading-grade"
    ]


@pytest.mark.parametrize("rows", [30, 60])
def test_tables_do_not_count_in_the_reading_grade(rows: int) -> None:
    table = "| Day | What happens |\n|---|---|\n" + "".join(
        f"| Day {n} | Group therapy session with a counselor and family education |\n" for n in range(rows)
    )
    assert _grade_findings("Come early. Bring your ID.\n\n" + table) == []


def test_lists_of_short_facts_do_not_count_in_the_reading_grade() -> None:
    facts = "".join(f"- Medication management appointment {n}\n" for n in range(40))
    assert _grade_findings("Come early. Bring your ID.\n\n" + facts) == []


def test_no_paragraph_reads_above_the_formulas_range() -> None:
    sentence = " ".join(["Comprehensive individualized interdisciplinary rehabilitation programming."] * 12)
    (message,) = [m for m in _grade_findings(sentence + "\n") if m.startswith("this paragraph")]
    assert message.startswith("this paragraph reads at grade 18 or above by Flesch-Kincaid (target 8)")


# --- 6. wording ---------------------------------------------------------------------------


def test_counts_use_the_right_plural() -> None:
    from pipeline.summary import count

    assert [count(n, "error", "errors") for n in (0, 1, 2)] == ["0 errors", "1 error", "2 errors"]


def test_a_fuzzy_flag_set_by_hand_is_not_blamed_on_the_english(tmp_path: Path) -> None:
    root = tmp_path / "author"
    shutil.copytree(ROOTS / "author", root)
    (root / "source/broken.md").unlink()
    po = root / "locales/es/LC_MESSAGES/first-day.po"
    po.write_text(po.read_text().replace('msgid "Group"', '#, fuzzy\nmsgid "Group"'), encoding="utf-8")
    found = [line for line in cli(root, "check", "--lang", "es").output.splitlines() if "fuzzy:" in line]
    assert len(found) == 1 and found[0].endswith(
        "marked as needing review: check the translation, then clear 'fuzzy'"
    )
    article = root / "source/first-day.md"  # now the English of a translated message changes
    article.write_text(article.read_text().replace("| 9:00 | Intake |", "| 9:00 | Intake talk |"))
    assert cli(root, "update", "--lang", "es").exit_code == 0
    found = [line for line in cli(root, "check", "--lang", "es").output.splitlines() if "fuzzy:" in line]
    assert len(found) == 2
    assert sum("the English changed since this was translated" in line for line in found) == 1


def test_renaming_a_linked_section_is_caught_on_the_next_build(tmp_path: Path) -> None:
    root = tmp_path / "author"
    shutil.copytree(ROOTS / "author", root)
    (root / "source/broken.md").unlink()
    assert cli(root, "build", "--format", "html").exit_code == 0
    target = root / "source/what-to-bring.md"
    target.write_text(target.read_text().replace("## Documents", "## Papers"), encoding="utf-8")
    result = cli(root, "build", "--format", "html")
    assert result.exit_code == 1
    assert "source/first-day.md:15: link to what-to-bring.md#documents: what-to-bring.md has no section" in (
        result.output
    )


def test_a_translation_must_keep_its_footnote_references(tmp_path: Path) -> None:
    root = tmp_path / "author"
    shutil.copytree(ROOTS / "author", root)
    po = root / "locales/es/LC_MESSAGES/first-day.po"
    po.write_text(po.read_text().replace("identificación con foto.[^id]", "identificación con foto."))
    result = cli(root, "check", "--lang", "es")
    assert "error: markdown: the footnote reference [^id] is missing from the translation" in result.output


def test_a_link_to_a_file_in_assets_is_checked_and_leads_to_the_sites_copy(tmp_path: Path) -> None:
    root = tmp_path / "author"
    shutil.copytree(ROOTS / "author", root)
    (root / "source/broken.md").unlink()
    article = root / "source/first-day.md"
    article.write_text(article.read_text().replace("what-to-bring.md#documents", "assets/form.pdf"))
    result = cli(root, "check", "--source")
    assert (
        "source/first-day.md:15: error: source: link to assets/form.pdf: the file is missing" in result.output
    )
    (root / "source/assets/form.pdf").write_bytes(b"%PDF-1.4\n")
    assert cli(root, "build", "--format", "html", "--lang", "en").exit_code == 0
    html = (root / "build/site/en/first-day.html").read_text(encoding="utf-8")
    assert '<a href="../assets/form.pdf">what to bring</a>' in html
    assert (root / "build/site/assets/form.pdf").exists()


@pytest.mark.parametrize("text", ["~~not struck~~", "{clinic.phone", "[^1]", "<!-- shown -->", "<br>"])
def test_text_that_looks_like_refused_syntax_survives_as_a_message(text: str) -> None:
    """A translation's literal text is escaped in its msgid, so it parses back, never as an error."""
    from pipeline.markup import to_markdown
    from pipeline.source.parse import parse_inline

    assert parse_inline(to_markdown((Text(text),))) == (Text(text),)


def test_an_unclosed_placeholder_is_reported_at_its_own_line() -> None:
    assert "a.md:9: unclosed placeholder {clinic.phone" in error_of("Call us\nat {clinic.phone today.\n")


def test_private_comments_of_an_article_with_errors_are_still_listed(tmp_path: Path) -> None:
    root = tmp_path / "author"
    shutil.copytree(ROOTS / "author", root)
    broken = root / "source/broken.md"
    broken.write_text(broken.read_text().replace("## Section", "## Section\n\n<!-- TODO: fix the levels -->"))
    result = cli(root, "check", "--source")
    assert (
        "source/broken.md:11: info: comment: private comment, not published: TODO: fix the levels"
        in result.output
    )
