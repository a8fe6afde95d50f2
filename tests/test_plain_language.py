"""The plain-language checks of source articles: readability against a reference, jargon, acceptance."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from pipeline.quality.readability import (
    MAX_GRADE,
    TextStats,
    flesch_kincaid_grade,
    reading_grades,
    smog_grade,
)

#: A fixed corpus of health-education prose, easy to hard, written for this test; every sentence
#: has 3 words or more (textstat drops shorter ones) and each text has 3 sentences or more (SMOG).
CORPUS = (
    "You live at home. You come to the clinic for care. Then you go home at night.",
    "Most programs meet three to five days a week, for about three hours each time. Many people"
    " keep working while they are in a program. A counselor talks with you alone and in a group.",
    "Stopping alcohol all at once can be dangerous if you drink a lot every day. Your body can react"
    " badly when you stop. This is called withdrawal. You could even have seizures.",
    "Residential rehabilitation provides a structured therapeutic environment with comprehensive"
    " medical supervision. Individualized treatment planning addresses coexisting psychiatric"
    " conditions. Participants gradually transition to intensive outpatient programming.",
    "Both intensive outpatient programs and residential treatment are established approaches"
    " to substance use disorders, although their relative effectiveness depends on the severity"
    " of the addiction, the stability of the living environment and the availability of family"
    " support. Consult a qualified professional before deciding. Insurance coverage varies considerably.",
)


@pytest.mark.parametrize("text", CORPUS, ids=range(len(CORPUS)))
def test_readability_matches_textstat_within_half_a_grade(text: str) -> None:
    """textstat 0.7.4 (the last release that counts offline, with pyphen) is the reference.

    The corpus has no hyphenated compound: textstat drops the hyphen and counts "one-on-one" as
    the one syllable of "oneonone"; Plainspoken adds up the parts' syllables (3).
    """
    import textstat

    stats = TextStats.of(text, "en")
    assert flesch_kincaid_grade(stats) == pytest.approx(textstat.flesch_kincaid_grade(text), abs=0.5)
    assert smog_grade(stats) == pytest.approx(textstat.smog_index(text), abs=0.5)
    kincaid, smog = reading_grades(text, "en")  # what the report says: each formula named, capped
    assert (kincaid.formula, smog.formula) == ("Flesch-Kincaid", "SMOG")
    assert kincaid.grade == min(flesch_kincaid_grade(stats), MAX_GRADE)
    assert smog.grade == min(smog_grade(stats), MAX_GRADE)


# --- the planted problems of tests/roots/plain ----------------------------------------------

PLANTED = {
    (11, "info", "jargon"),  # “inpatient”, kept by a comment in the article
    (13, "warning", "jargon"),  # “triggers”
    (19, "warning", "acronym"),  # “MAT”
    (19, "warning", "plain-words"),  # “individual counseling”
    (21, "warning", "jargon"),  # “huddle”, the clinic's own term (source/plain-language.toml)
    (21, "warning", "passive"),  # “is reviewed”
    (24, "info", "passive"),  # “is paid”, kept by a comment before the paragraph
    (26, "warning", "long-heading"),  # 14 words
}


def _findings(output: str) -> set[tuple[int, str, str]]:
    found = set()
    for line in output.splitlines():
        match = re.match(r"source/getting-ready\.md:(\d+): (\w+): ([\w-]+):", line)
        if match and match.group(3) != "comment":
            found.add((int(match.group(1)), match.group(2), match.group(3)))
    return found


def test_check_source_reports_exactly_the_planted_problems(run, make_project) -> None:  # type: ignore[no-untyped-def]
    """Nothing else: not the defined terms (“A relapse is when…”, “This is called a step-down”),
    not the footnote's 27-word citation, not a grade of the title or the heading."""
    result = run(make_project("plain"), "check", "--source")
    assert _findings(result.stdout) == PLANTED, result.stdout
    out = result.stdout
    assert "“individual counseling”: plainer is “one-on-one counseling”" in out
    assert "“person”" not in out
    assert "“inpatient” is not explained where it is first used" in out
    assert "(kept: patients meet it on insurance forms)" in out
    assert "say “a short team meeting”" in out


def test_strict_passes_once_each_problem_is_fixed_or_accepted(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("plain")
    assert run(project, "check", "--source", "--strict").exit_code == 1
    article = project / "source/getting-ready.md"
    text = article.read_text(encoding="utf-8")
    for before, after in (
        (
            "about triggers with you.",
            "about triggers with you. Triggers are things that make you want to use.",
        ),
        ("Ask about MAT", "Ask about medicine for addiction (MAT)"),
        ("individual counseling", "one-on-one counseling"),
        ("Your plan is reviewed by the team", "The team looks at your plan"),
        ("## What to bring with you when you come to group for the first time", "## What to bring"),
    ):
        assert before in text
        text = text.replace(before, after)
    article.write_text(text, encoding="utf-8")
    rules = project / "source/plain-language.toml"
    rules.write_text(rules.read_text() + '"huddle" = "our patients call the morning meeting that"\n')
    result = run(project, "check", "--source", "--strict")
    assert result.exit_code == 0, result.stdout
    assert _findings(result.stdout) == {
        (11, "info", "jargon"),
        (21, "info", "jargon"),
        (24, "info", "passive"),
    }
    assert result.stdout.splitlines()[-1].startswith("0 errors, 0 warnings")


def test_a_broken_project_file_is_one_line_at_its_place(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("plain")
    (project / "source/plain-language.toml").write_text('[keep]\n"huddle" = \n')
    result = run(project, "check", "--source")
    assert result.exit_code == 1
    assert re.search(r"^source/plain-language\.toml:2: error: source: not valid TOML", result.stdout, re.M)
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "text",
    [
        "Outpatient means you do not stay overnight.",
        "It is also called inpatient rehab.",
        "Triggers are things that make you want to use.",
        "You may feel cravings (strong urges to use).",
        "Detox: medical care that helps you stop safely.",
        "Many people move on to an IOP. This is called a step-down.",
        "Do you use opioids, like fentanyl, heroin or pain pills?",
    ],
)
def test_a_term_explained_where_it_is_first_used_is_not_reported(text: str) -> None:
    from pipeline.quality.wording import explained, shipped_jargon, uses

    (term,) = [t for t in shipped_jargon() if uses(t, text) and explained(t, text)]
    assert term in text.lower() or term.rstrip("s") in text.lower()


def test_the_reports_counts_follow_the_clinics_plain_language_file(make_project) -> None:  # type: ignore[no-untyped-def]
    from pipeline.engine.checks import check_counts
    from pipeline.source.project import load_project

    root = make_project("plain")
    assert check_counts(load_project(root), [("en", True)]) == {"en": (0, 6)}
    rules = root / "source/plain-language.toml"
    rules.write_text(rules.read_text() + '"huddle" = "our patients call the morning meeting that"\n')
    assert check_counts(load_project(root), [("en", True)]) == {"en": (0, 5)}  # not the cached count


# --- the health-literacy scorecard in report.html -------------------------------------------


def _report_text(root: Path) -> str:
    page = (root / "build/site/report.html").read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_report_shows_measured_items_and_leaves_the_human_items_unanswered(run, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project("plain")
    assert run(root, "build", "--format", "html", "--format", "report").exit_code == 0
    text = _report_text(root)
    assert (
        "getting-ready: PEMAT-P understandability not scored: 7 items unanswered;"
        " PEMAT-P actionability not scored: 6 items unanswered;"
        " CDC Clear Communication Index not scored: 17 items unanswered"
    ) in text
    assert (
        "4. Medical terms only to familiarize, and defined when used no measured: 3 terms unexplained" in text
    )
    assert "11. Provides a summary yes measured: 2 key points" in text
    assert (
        "19. Simple tables with short, clear row and column headings not applicable measured: no table"
        in text
    )
    assert "1. Purpose is completely evident unanswered waiting for a reviewer" in text
    assert "%" not in text.split("Health-literacy scorecards")[1].split("Details:")[0]  # no score yet


def test_a_reviewers_answers_complete_the_scores(run, make_project) -> None:  # type: ignore[no-untyped-def]
    from pipeline.quality.scorecard import ACTIONABLE, CDC, UNDERSTANDABLE

    root = make_project("plain")
    run(root, "build", "--format", "html", "--format", "report")
    pemat = {n: "agree" for n in (*UNDERSTANDABLE, *ACTIONABLE)} | {2: "disagree", 24: "na"}
    cdc = {n: "yes" for n in CDC} | {1: "no", 20: "na"}
    lines = [
        'reviewer = "Rosa Diaz, health educator"',
        "[pemat]",
        *(f'{n} = "{v}"' for n, v in pemat.items()),
    ]
    lines += ["[cdc]", *(f'{n} = "{v}"' for n, v in cdc.items())]
    (root / "source/getting-ready.assessment.toml").write_text("\n".join(lines) + "\n")
    assert run(root, "build", "--format", "html", "--format", "report").exit_code == 0
    text = _report_text(root)
    # The reviewer's answer wins over a measured one (4, 16 to 19, 25; CDC 4 and 7).
    assert "PEMAT-P understandability 94 % (16 of 17)" in text
    assert "PEMAT-P actionability 100 % (6 of 6)" in text
    assert "CDC Clear Communication Index 95 % (18 of 19)" in text
    assert "2. No information or content that distracts from its purpose no reviewer Rosa Diaz" in text


def test_a_broken_assessment_is_one_line_and_counts_nothing(run, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project("plain")
    (root / "source/getting-ready.assessment.toml").write_text('[pemat]\n1 = "maybe"\n')
    result = run(root, "check", "--source")
    assert (
        "source/getting-ready.assessment.toml: error: source: [pemat] 1 = 'maybe': want an item"
        in result.stdout
    )
    assert "Traceback" not in result.output


# --- the clinical sign-off of the English articles, and review due dates ------------------------


def test_review_en_records_the_clinicians_sign_off_and_an_english_edit_voids_it(run, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project("plain")
    signed = run(root, "review", "en", "--by", "Sam Lee, MD")
    assert signed.exit_code == 0, signed.output
    assert "signed off source/getting-ready.md" in signed.output
    assert run(root, "build", "--format", "html", "--format", "report").exit_code == 0
    assert "medically reviewed by Sam Lee, MD on 2026-01-01; next review due 2027-11-01" in _report_text(root)
    article = root / "source/getting-ready.md"
    article.write_text(article.read_text(encoding="utf-8").replace("Bring your card.", "Bring your ID card."))
    assert run(root, "build", "--format", "html", "--format", "report").exit_code == 0
    assert "sign-off void : changed after Sam Lee, MD's review on 2026-01-01" in _report_text(root)
    warned = run(root, "check", "--source").stdout
    assert (
        "source/getting-ready.md:2: warning: clinical-review: the clinical sign-off by Sam Lee, MD on 2026-01-01 is void"
        in warned
    )
    assert run(root, "review", "en", "--by", "Sam Lee, MD").exit_code == 0
    run(root, "build", "--format", "html", "--format", "report")
    assert "medically reviewed by Sam Lee, MD" in _report_text(root)


def test_review_en_is_refused_while_an_article_has_errors(run, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project("plain")
    (root / "source/broken.md").write_text("---\ntitle: Broken\n---\n\nText.\n")
    result = run(root, "review", "en", "--by", "Sam Lee, MD")
    assert result.exit_code == 1
    assert "source/broken.md:" in result.output and "Not signed off" in result.output
    assert not (root / "source/clinical-review.toml").exists()


@pytest.mark.parametrize(
    ("today", "months", "expected"),
    [
        ("2026-09-15", None, []),  # due 2026-11-01: more than 30 days ahead
        ("2026-10-10", None, ["warning: review-due: the clinical review is due on 2026-11-01, in 22 days"]),
        ("2026-11-02", None, ["error: review-due: the clinical review was due on 2026-11-01"]),
        ("2026-05-10", 6, ["error: review-due: the clinical review was due on 2026-05-01"]),
    ],
)
def test_a_review_is_due_months_after_last_reviewed(
    run, make_project, monkeypatch, today, months, expected
) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    root = make_project("plain")
    (root / "source/getting-ready.md").write_text(
        (root / "source/getting-ready.md")
        .read_text()
        .replace("last_reviewed: 2026-11-01", "last_reviewed: 2025-11-01")
    )
    if months:
        rules = root / "source/plain-language.toml"
        rules.write_text(rules.read_text().replace("[keep]", f"[review]\nmonths = {months}\n\n[keep]"))
    epoch = dt.datetime.fromisoformat(today).replace(tzinfo=dt.UTC).timestamp()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(epoch)))
    result = run(root, "check", "--source")
    found = [line.split(": ", 1)[1] for line in result.stdout.splitlines() if "review-due" in line]
    assert len(found) == len(expected) and all(f.startswith(e) for f, e in zip(found, expected, strict=True))
    assert result.exit_code == (1 if expected and expected[0].startswith("error") else 0)


def test_a_last_reviewed_date_still_to_come_is_an_error(run, make_project) -> None:  # type: ignore[no-untyped-def]
    """A year typed wrong: the page would print a review that has not happened (whatever the build's date)."""
    root = make_project("plain")
    article = root / "source/getting-ready.md"
    article.write_text(article.read_text().replace("last_reviewed: 2026-11-01", "last_reviewed: 2099-11-01"))
    result = run(root, "check", "--source")
    assert "source/getting-ready.md:2: error: review-due: last_reviewed 2099-11-01 is after today" in result.stdout
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_a_checklist_numbered_steps_and_the_clinics_phone_answer_the_action_items() -> None:
    """Task-list items (- [ ]) are the tangible tool of PEMAT item 23."""
    from pipeline.quality.scorecard import measure
    from pipeline.source.parse import parse_article

    front = '---\ntitle: "Before you call"\nsummary:\n  - "Call us."\nlast_reviewed: 2026-01-01\nlanguage: en\n---\n\n'
    body = (
        "- [ ] My home is safe.\n- [ ] I have a ride.\n\n1. Call us at {clinic.phone}.\n2. Bring this page.\n"
    )
    measured = measure(parse_article(front + body, path="a.md", slug="a"), [])
    assert measured[("actionable", 23)] == ("agree", "a checklist, line 9")
    assert measured[("actionable", 22)] == measured[("cdc", 14)] == ("agree", "numbered steps, line 12")
    assert measured[("actionable", 20)] == measured[("cdc", 5)] == ("agree", "the clinic's phone, line 12")
    assert measured[("understandable", 11)] == ("agree", "1 key point")
    without = measure(parse_article(front + "- My home is safe.\n", path="a.md", slug="a"), [])
    assert ("actionable", 23) not in without and ("actionable", 22) not in without  # left to a reviewer


def test_a_translated_page_is_graded_on_its_own_language_only() -> None:
    """A message shown in English on a Spanish page (untranslated: lang="en") is not graded as Spanish."""
    import dataclasses

    from pipeline.model import Paragraph, map_units
    from pipeline.quality.plain_language import grade_label
    from pipeline.quality.readability import reading_grade
    from pipeline.source.parse import parse_article

    spanish = "Usted vive en su casa. Va a la clínica por la mañana. Luego vuelve a su casa."
    english = (
        "Comprehensive individualized interdisciplinary rehabilitation programming addresses"
        " co-occurring psychiatric conditions through evidence-based therapeutic modalities."
    )
    front = '---\ntitle: "Casa"\nsummary:\n  - "Casa."\nlast_reviewed: 2026-01-01\nlanguage: en\n---\n\n'
    parsed = parse_article(f"{front}{spanish}\n\n{english}\n", path="a.md", slug="a")
    doc = dataclasses.replace(parsed, language="es")  # as translate_document leaves it

    def english_fallback(ref):  # type: ignore[no-untyped-def]
        node = ref.node
        shown_in_english = isinstance(node, Paragraph) and "Comprehensive" in str(node.inlines)
        return dataclasses.replace(node, lang="en") if shown_in_english else node

    doc = map_units(doc, english_fallback)
    assert grade_label(doc, {}) == f"reading grade {reading_grade(spanish, 'es').grade:.1f} (Fernández-Huerta)"


def test_assess_asks_only_the_unanswered_items_and_keeps_earlier_answers(run, make_project) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from pipeline.cli import main

    root = make_project("plain")
    runner = CliRunner()
    first = runner.invoke(
        main, ["-C", str(root), "assess", "getting-ready", "--by", 'Rosa "R" Diaz'], input="agree\n\nna\n"
    )
    assert first.exit_code == 0, first.output
    assert "PEMAT-P 1. Purpose is completely evident" in first.output
    assert "PEMAT-P 11." not in first.output  # measured: the article has key points
    assert "2 answers recorded in source/getting-ready.assessment.toml" in first.output
    second = runner.invoke(main, ["-C", str(root), "assess", "getting-ready"], input="disagree\n" + "\n" * 40)
    assert second.exit_code == 0, second.output
    assert "PEMAT-P 1." not in second.output and "PEMAT-P 2. No information" in second.output
    run(root, "build", "--format", "html", "--format", "report")
    text = _report_text(root)
    assert 'Purpose is completely evident yes reviewer Rosa "R" Diaz' in text
    assert "6. Numbers are clear and easy to understand not applicable" in text
    assert "2. No information or content that distracts from its purpose no reviewer" in text


def test_a_term_with_a_footnote_is_explained_there() -> None:
    from pipeline.quality.plain_language import check_source
    from pipeline.source.parse import parse_article

    front = '---\ntitle: "Group"\nsummary:\n  - "Come to group."\nlast_reviewed: 2026-01-01\nlanguage: en\n---\n\n'
    noted = "We talk about triggers[^t] in group.\n\n[^t]: The people and places that make you want to use.\n"
    plain = "We talk about triggers in group.\n"
    found = {
        body: [
            f.check
            for f in check_source(
                parse_article(front + body, path="a.md", slug="a"), facts={}, target=8, strict=False
            )
        ]
        for body in (noted, plain)
    }
    assert found == {noted: [], plain: ["jargon"]}


#: Spanish sentences whose syllables textstat's pyphen count and Plainspoken's vowel count agree on
#: (pyphen's hyphenation points miss a syllable in "días", "reaccionar", "alcohol").
SPANISH = (
    "Usted vive en su casa. Va a la clínica por la mañana. Luego vuelve a su casa.",
    "Los participantes pasan gradualmente a programas ambulatorios intensivos. La supervisión"
    " terapéutica es completa. Pregunte por su plan de tratamiento.",
)


@pytest.mark.parametrize("text", SPANISH, ids=range(len(SPANISH)))
def test_spanish_readability_matches_textstat(text: str) -> None:
    import textstat

    from pipeline.quality.readability import fernandez_huerta, szigriszt_pazos

    textstat.set_lang("es")
    try:
        stats = TextStats.of(text, "es")
        assert stats.syllables == textstat.syllable_count(text)
        # textstat rounds syllables per word to one decimal first: up to 3 points of ease
        assert fernandez_huerta(stats) == pytest.approx(textstat.fernandez_huerta(text), abs=3.1)
        assert szigriszt_pazos(stats) == pytest.approx(textstat.szigriszt_pazos(text), abs=0.1)
    finally:
        textstat.set_lang("en_US")


def test_a_term_in_the_key_points_is_explained_where_the_body_first_uses_it() -> None:
    """The key points summarize the body: a term there is checked where the body first uses it."""
    from pipeline.quality.plain_language import check_source
    from pipeline.source.parse import parse_article

    front = '---\ntitle: "Group"\nsummary:\n  - "Group helps with cravings."\nlast_reviewed: 2026-01-01\nlanguage: en\n---\n\n'
    explained = "Cravings are strong urges to use. Group helps.\n"
    unexplained = "We talk about cravings in group.\n"
    only_summary = "We talk in group.\n"
    found = {
        body: [
            (f.line, f.check)
            for f in check_source(
                parse_article(front + body, path="a.md", slug="a"), facts={}, target=8, strict=False
            )
        ]
        for body in (explained, unexplained, only_summary)
    }
    assert found == {explained: [], unexplained: [(9, "jargon")], only_summary: [(4, "jargon")]}


@pytest.mark.parametrize(
    ("today", "shown"), [("2027-09-01", ""), ("2027-10-20", ": due soon"), ("2027-11-02", ": overdue")]
)
def test_the_report_lists_articles_whose_review_is_due(run, make_project, monkeypatch, today, shown) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    root = make_project("plain")
    epoch = dt.datetime.fromisoformat(today).replace(tzinfo=dt.UTC).timestamp()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(epoch)))
    run(root, "build", "--format", "html", "--format", "report")
    text = _report_text(root)
    assert (
        f"not medically reviewed ( plainspoken review en --by NAME ); next review due 2027-11-01{shown} "
        in text
    )


# --- languages no reading formula was validated for ---------------------------------------------


def test_a_language_without_a_validated_formula_is_measured_against_the_english(make_project) -> None:  # type: ignore[no-untyped-def]
    """Every language of the clinic root but English and Spanish: its sentence and word length beside
    the English article's, in characters where the script puts no spaces between words; never a
    grade by an English formula (which would count syllables of words it was never made for)."""
    from pipeline.i18n.article import prepare_article
    from pipeline.quality.plain_language import grade_label
    from pipeline.quality.readability import reading_grades
    from pipeline.source.articles import read_article
    from pipeline.source.project import load_project

    project = load_project(make_project("clinic"))
    english = read_article(project, project.source_dir / "choosing-care.md")
    labels = {}
    for language in project.config.languages:
        article, _ = prepare_article(project, "choosing-care", language)
        labels[language] = grade_label(article.doc, {}, english)
        if language not in ("en", "es"):
            assert reading_grades("Una frase. Otra frase. Y otra más.", language) == ()
    assert labels["en"].startswith("reading grade ") and labels["en"].endswith("(Flesch-Kincaid)")
    assert labels["es"].endswith("(Fernández-Huerta)")
    others = {tag: label for tag, label in labels.items() if tag not in ("en", "es")}
    assert len(others) >= 10
    for tag, label in others.items():
        assert "grade" not in label and "Flesch" not in label and "SMOG" not in label, label
        assert label.startswith("no reading formula validated for "), label
        by_characters = tag.split("-")[0] in ("zh", "ja", "km")
        unit = "characters a sentence (English: " if by_characters else "words a sentence, "
        assert unit in label, label
        assert ("counted in characters" in label) == by_characters, label
        assert re.search(r"\(English: \d", label), label


@pytest.mark.parametrize(
    ("text", "language", "per_sentence"),
    [
        ("你好吗？我很好。谢谢你！", "zh-Hans", 3.0),  # no space after 。 or ！ or ？
        ("សួស្ដី។ អរគុណ។", "km", 5.0),  # Khmer ends a sentence with ។
        ("Ի՞նչ է սա։ Սա տուն է։", "hy", 3.0),  # Armenian: ։ (words), the question mark sits in the word
        ("هل أنت بخير؟ نعم أنا بخير.", "ar", 3.0),
    ],
)
def test_sentences_end_where_each_script_ends_them(text: str, language: str, per_sentence: float) -> None:
    from pipeline.quality.readability import Lengths, counts_characters

    unit = "characters" if counts_characters(language) else "words"
    assert Lengths.of(text).per_sentence(unit) == pytest.approx(per_sentence, abs=0.5)


def test_the_report_names_each_languages_formula_or_none(run, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project("clinic")
    languages = ("en", "es", "ru", "zh-Hans", "km")
    result = run(root, "build", "--format", "html", "--format", "report", *(f"--lang={tag}" for tag in languages))
    assert result.exit_code == 0, result.output
    report = (root / "build/site/report.html").read_text(encoding="utf-8")
    rows = {tag: row for row in report.split("<tr>") for tag in languages if f"<code>{tag}</code>" in row}
    assert re.search(r"reading grade \d+\.\d \(Flesch-Kincaid\)", rows["en"])
    assert re.search(r"reading grade \d+\.\d \(Fernández-Huerta\)", rows["es"])
    assert "no reading formula validated for Russian: " in rows["ru"]
    assert "counted in characters since Chinese (Simplified) puts no spaces" in html.unescape(rows["zh-Hans"])
    assert "counted in characters since Khmer puts no spaces" in rows["km"]
    for tag in ("ru", "zh-Hans", "km"):
        assert "grade" not in rows[tag] and "Flesch" not in rows[tag], rows[tag]


# --- jargon in a translation: the language's list and the clinic's own -------------------------

CARE_ES = "locales/es/LC_MESSAGES/choosing-care.po"
GROUP = "**Apoyo de la comunidad:** La terapia de grupo le ayuda a conectarse con "


def _jargon_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": warning: jargon: " in line]


def test_a_translation_is_checked_against_its_languages_jargon_list(run, make_project) -> None:  # type: ignore[no-untyped-def]
    """The shipped Spanish list (pipeline/data/health_jargon.es.csv) flags "desintoxicación" where a
    Spanish page first uses it unexplained, at the catalog's line; explained there, it is not."""
    from pipeline.engine.checks import check_counts
    from pipeline.source.project import load_project

    root = make_project("clinic")
    po = root / CARE_ES
    text = po.read_text(encoding="utf-8")
    line = text[: text.rindex("msgid", 0, text.index(GROUP))].count("\n") + 1  # the message's msgid
    po.write_text(text.replace(GROUP, GROUP.replace("La terapia", "Tras la desintoxicación, la terapia")))
    found = _jargon_lines(run(root, "check", "--lang", "es").stdout)
    assert found == [
        f"{CARE_ES}:{line}: warning: jargon: “desintoxicación” is not explained where it is first used:"
        " say what it means there, or say “dejar el alcohol o las drogas con ayuda médica”"
    ], found
    assert check_counts(load_project(root), [("es", False)]) == {"es": (0, 1)}  # the report's count
    explained = GROUP.replace(
        "La terapia", "Tras la desintoxicación, es decir, dejar de consumir con ayuda médica, la terapia"
    )
    po.write_text(text.replace(GROUP, explained))
    assert _jargon_lines(run(root, "check", "--lang", "es").stdout) == []
    assert check_counts(load_project(root), [("es", False)]) == {"es": (0, 0)}


def test_a_clinic_adds_its_own_terms_per_language(run, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project("clinic")
    own = root / "locales/es/jargon.csv"
    own.write_text('term,plainer\nterapia de grupo,"hablar con otras personas, con un terapeuta"\n')
    found = _jargon_lines(run(root, "check", "--lang", "es").stdout)
    assert len(found) == 1 and "“terapia de grupo” is not explained" in found[0], found
    assert "hablar con otras personas, con un terapeuta" in found[0]
    assert _jargon_lines(run(root, "check", "--lang", "ru").stdout) == []  # Spanish terms, Spanish pages
    own.write_text("word,meaning\nterapia,x\n")
    broken = run(root, "check", "--lang", "es")
    assert "locales/es/jargon.csv:1: error: file: a jargon list needs the columns term and plainer" in broken.stdout
    assert broken.exit_code == 1 and "Traceback" not in broken.output


def test_the_spanish_jargon_list_says_where_each_term_is_from() -> None:
    import csv

    from pipeline.quality.wording import DATA, shipped_jargon

    with (DATA / "health_jargon.es.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 50 and {"ambulatorio intensivo", "desintoxicación"} <= {r["term"] for r in rows}
    assert {r["source"] for r in rows} <= {"plainspoken", "translation-review"}
    assert all(r["plainer"].strip() for r in rows)
    assert shipped_jargon("ru") == {}  # no list shipped: nothing is guessed


@pytest.mark.parametrize(
    ("term", "text", "meant"),
    [
        ("desintoxicación", "La desintoxicación es dejar el alcohol con ayuda médica.", True),
        ("desintoxicación", "La desintoxicación significa dejar el alcohol con ayuda.", True),
        ("detonantes", "Lejos de los detonantes, es decir, de lo que le da ganas de consumir.", True),
        ("recaída", "Volver a consumir se llama recaída.", True),
        ("sustancias", "Deje las sustancias como el alcohol o las drogas.", True),
        ("copago", "Pague el copago (lo que paga en cada visita).", True),
        ("desintoxicación", "Después de la desintoxicación, venga al grupo.", False),
        ("recaída", "Una recaída no es un fracaso.", False),  # says what it is not
    ],
)
def test_spanish_ways_of_explaining_a_term(term: str, text: str, meant: bool) -> None:
    from pipeline.quality.wording import explained

    assert explained(term, text, "es") is meant


def test_hyphenation_patterns_kept_for_the_next_process_count_the_same_syllables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pyphen's en_US patterns are parsed once and read back by later processes (0.1 s each): the
    syllables, so the grades, are the same; a kept file that cannot be read is parsed again."""
    import pyphen  # type: ignore[import-untyped]

    from pipeline.quality import readability

    monkeypatch.setattr(readability, "PARSED_PATTERNS", tmp_path / "hyphenation.{key}.pickle")
    words = sorted({w.lower() for text in CORPUS for w in readability.words(text)})
    fresh = pyphen.Pyphen(lang="en_US")
    try:
        for _ in range(2):  # parsed and kept, then read back
            readability._hyphenator.cache_clear()
            assert [readability._hyphenator().positions(w) for w in words] == [fresh.positions(w) for w in words]
        (kept,) = tmp_path.glob("hyphenation.*.pickle")
        kept.write_bytes(kept.read_bytes()[:100])
        readability._hyphenator.cache_clear()
        assert [readability._hyphenator().positions(w) for w in words] == [fresh.positions(w) for w in words]
    finally:
        readability._hyphenator.cache_clear()


def test_letters_count_letters_marks_and_digits_only() -> None:
    from pipeline.quality.readability import Lengths, letters

    # Ç a v a 3 k ể, the Arabic tatweel (a letter), د and its mark; not spaces, ? , ؟ nor the ZWNJ
    assert letters("Ça va? 3 kể\u200c, ـ؟ دً") == 10
    assert Lengths.of("One two. Three four five!") == Lengths(2, 5, 19)
