"""Project-level quality gates: check every catalog and article, and sign a language off."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.errors import PlainspokenError
from pipeline.i18n.catalogs import ProjectCatalog, build_date, load_catalog, prepare
from pipeline.i18n.clinical import RECORD, Clinical, clinical_state, read_record, signed_record
from pipeline.i18n.currency import catalog_lag, current_templates
from pipeline.i18n.lifecycle import missing_catalog
from pipeline.i18n.review import ReviewState, review_state, signed_text
from pipeline.i18n.shipped import shipped_path
from pipeline.model import Document, plain_text
from pipeline.quality.checks import Finding, MessageChecker, check_catalog, load_glossary
from pipeline.quality.clinical import (
    WARN_DAYS,
    due_findings,
    future_review_findings,
    review_due,
    review_months,
)
from pipeline.quality.inputs import PROJECT_FILE, assessment_path
from pipeline.quality.plain_language import check_source, kept_in, translated_jargon
from pipeline.quality.scorecard import (
    Answer,
    Scorecard,
    assessment_text,
    read_assessment,
    scorecard,
)
from pipeline.quality.wording import LANGUAGE_FILE, load_language_jargon, load_wording
from pipeline.source.articles import load_sources
from pipeline.source.project import UI_DOMAIN, Project, write_atomic
from pipeline.source.unreadable import absent


def fact_names(project: Project) -> dict[str, str]:
    """How messages name each phone fact: 'clinic's phone', '988 Suicide & Crisis Lifeline'."""
    names = {"clinic.phone": f"{project.config.clinic_name} phone"}
    names.update({f"crisis.{c.id}.phone": c.name for c in project.config.crisis_lines})
    return names


def domains(project: Project) -> list[str]:
    return [UI_DOMAIN, *(path.stem for path in project.article_paths())]


def load_language(
    project: Project, language: str, *, shared: bool = True
) -> tuple[list[ProjectCatalog], list[Finding]]:
    """The language's catalogs that load, and a 'catalog' finding for each that does not."""
    catalogs, findings = [], []
    for domain in domains(project):
        path = project.catalog_path(language, domain)
        display = project.display(path)
        if absent(path) and domain == UI_DOMAIN and shipped_path(language):
            continue  # the interface as Plainspoken ships it (its own tests check it)
        if absent(path):
            findings.append(
                Finding(display, 0, "error", "catalog", missing_catalog(project, language, domain))
            )
            continue
        try:
            catalog = load_catalog(path, display, locale=language, shared=shared, cache=project.cache_dir)
        except PlainspokenError as error:
            findings += [Finding(p.path, p.line, "error", "catalog", p.message) for p in error.problems]
            continue
        catalog.domain = domain
        catalogs.append(catalog)
    return catalogs, findings


def message_checker(project: Project, language: str, domain: str) -> MessageChecker:
    """The checks for one catalog: the language, the clinic's facts, the language's glossary."""
    glossary_path = project.locales_dir / language / "glossary.csv"
    return MessageChecker(
        language=language,
        facts=project.config.facts(),
        glossary=load_glossary(glossary_path, project.display(glossary_path)),
        names=fact_names(project),
        markdown=domain != UI_DOMAIN,
    )


def check_language(project: Project, language: str) -> list[Finding]:
    """Every finding in the language's catalogs, and each catalog behind the sources as they are now."""
    catalogs, findings = load_language(project, language)
    templates = current_templates(project)
    for catalog in catalogs:
        lag = catalog_lag(catalog, templates.get(str(catalog.domain)))
        if lag:
            display = project.display(project.catalog_path(language, str(catalog.domain)))
            findings.append(Finding(display, 0, "error", "behind", lag.message.removeprefix("behind ")))
        checker = message_checker(project, language, str(catalog.domain))
        path = project.catalog_path(language, str(catalog.domain))
        display = project.display(path)
        findings += [Finding(w.path, w.line, "warning", "file", w.message) for w in catalog.warnings]
        findings += language_header(path.read_bytes(), display, language)
        findings += check_catalog(catalog, path=display, checker=checker)
        if catalog.domain != UI_DOMAIN:
            findings += _translated_jargon(project, language, catalog, display)
    return sorted(findings)


def _translated_jargon(
    project: Project, language: str, catalog: ProjectCatalog, display: str
) -> list[Finding]:
    """Warnings for the health terms of the language's list (Plainspoken's and locales/<lang>/jargon.csv)
    that a translated article uses without explaining them where first used."""
    path = project.locales_dir / language / LANGUAGE_FILE
    try:
        jargon = load_language_jargon(path, project.display(path), language)
    except PlainspokenError as error:
        return [Finding(p.path, p.line, "error", "file", p.message) for p in error.problems]
    shown = [
        (message.lineno or 0, str(message.string))
        for message in catalog
        if message.id and isinstance(message.string, str) and message.string.strip() and not message.fuzzy
    ]
    return [
        Finding(display, flag.line, "warning", flag.check, flag.message)
        for flag in translated_jargon(shown, jargon, language)
    ]


_LANGUAGE_HEADER = re.compile(rb'^"Language: *([^"\\]*)', re.MULTILINE)


def language_header(data: bytes, display: str, language: str) -> list[Finding]:
    """An error when the catalog's ``Language`` header names another language than its folder."""
    match = _LANGUAGE_HEADER.search(data)
    if match is None:
        return []
    value = match.group(1).decode("utf-8", "replace").strip()
    if not value or value.replace("_", "-").casefold() == language.casefold():
        return []
    line = data.count(b"\n", 0, match.start()) + 1
    message = (
        f'the header says "Language: {value}" but the catalog is in locales/{language}/: write {language}'
    )
    return [Finding(display, line, "error", "language-header", message)]


def check_articles(project: Project, *, strict: bool) -> list[Finding]:
    """Parse errors and the plain-language report of every source article."""
    sources = load_sources(project)
    findings = [Finding(p.path, p.line, "error", "source", p.message) for p in sources.problems]
    findings += [Finding(c.path, c.line, "info", "comment", c.message) for c in sources.comments]
    facts = {name: fact.value for name, fact in project.config.facts().items()}
    rules = project.source_dir / PROJECT_FILE
    try:
        wording = load_wording(rules, project.display(rules))
    except PlainspokenError as error:
        findings += [Finding(p.path, p.line, "error", "source", p.message) for p in error.problems]
        return sorted(findings)
    for doc in sources.documents:
        kept = kept_in((project.root / doc.source_path).read_text(encoding="utf-8"))
        target = project.config.target_grade
        findings += check_source(doc, facts=facts, target=target, strict=strict, wording=wording, kept=kept)
        findings += _assessment_problems(project, doc.slug)
        findings += due_findings(doc, review_months(rules), build_date().date())
        findings += future_review_findings(doc, dt.date.today())
        findings += _void_sign_off(project, doc)
    return sorted(findings + _record_problems(project))


def _void_sign_off(project: Project, doc: Document) -> list[Finding]:
    """A warning for an article changed since a clinician signed it off."""
    path = project.source_dir / RECORD
    try:
        review = clinical_state(doc, read_record(path, project.display(path)))
    except PlainspokenError:
        return []  # reported once, by _record_problems
    if review.state != "voided":
        return []
    message = (
        f"the clinical sign-off by {review.reviewer} on {review.date} is void: the article changed since;"
        " have it reviewed again (plainspoken review en --by NAME)"
    )
    return [Finding(doc.source_path, doc.metadata.title.line, "warning", "clinical-review", message)]


def _record_problems(project: Project) -> list[Finding]:
    """A broken source/clinical-review.toml, as one error."""
    path = project.source_dir / RECORD
    try:
        read_record(path, project.display(path))
    except PlainspokenError as error:
        return [Finding(p.path, p.line, "error", "source", p.message) for p in error.problems]
    return []


@dataclass(frozen=True)
class ClinicalRow:
    """An English article's clinical sign-off and next review date, for the report."""

    slug: str
    title: str
    review: Clinical
    due: str
    overdue: bool
    soon: bool = False  # due within WARN_DAYS


def clinical_rows(project: Project) -> list[ClinicalRow]:
    """Each English article's clinical sign-off and when its next review is due."""
    path = project.source_dir / RECORD
    try:
        record = read_record(path, project.display(path))
    except PlainspokenError:
        record = {}
    months, today = review_months(project.source_dir / PROJECT_FILE), build_date().date()
    rows = []
    for doc in load_sources(project).documents:
        due = review_due(doc, months)
        title = plain_text(doc.metadata.title.inlines)
        soon = 0 <= (due - today).days <= WARN_DAYS
        rows.append(
            ClinicalRow(doc.slug, title, clinical_state(doc, record), due.isoformat(), due < today, soon)
        )
    return rows


def sign_off_english(project: Project, *, reviewer: str) -> SignOff:
    """Record a clinician's sign-off of every English article; refused while any article has errors."""
    sources = load_sources(project)
    refused = [Finding(p.path, p.line, "error", "source", p.message) for p in sources.problems]
    path = project.source_dir / RECORD
    try:
        record = read_record(path, project.display(path))
    except PlainspokenError as error:
        refused += [Finding(p.path, p.line, "error", "source", p.message) for p in error.problems]
    if refused:
        return SignOff([], refused)
    docs = list(sources.documents)
    date = build_date().date().isoformat()
    write_atomic(path, signed_record(record, docs, reviewer, date).encode("utf-8"))
    return SignOff([doc.source_path for doc in docs], [])


def _assessment_problems(project: Project, slug: str) -> list[Finding]:
    """A broken source/<slug>.assessment.toml, as one error at its place."""
    path = assessment_path(project.source_dir, slug)
    try:
        read_assessment(path, project.display(path))
    except PlainspokenError as error:
        return [Finding(p.path, p.line, "error", "source", p.message) for p in error.problems]
    return []


def article_scorecards(project: Project) -> list[Scorecard]:
    """Each article's health-literacy scorecard; a broken assessment file leaves its items unanswered
    (``check --source`` names the file)."""
    findings = check_articles(project, strict=False)
    cards = []
    for doc in load_sources(project).documents:
        path = assessment_path(project.source_dir, doc.slug)
        try:
            reviewer, answers = read_assessment(path, project.display(path))
        except PlainspokenError:
            reviewer, answers = "", {}
        mine = [finding for finding in findings if finding.path == doc.source_path]
        cards.append(scorecard(doc, mine, answers, reviewer))
    return cards


def language_review(
    project: Project, language: str, templates: Mapping[str, ProjectCatalog] | None = None
) -> ReviewState:
    """Reviewed only if every catalog loads and shows now exactly what was signed."""
    catalogs, problems = load_language(project, language)
    if problems:
        return ReviewState("draft")
    templates = current_templates(project) if templates is None else templates
    return review_state([(c, templates.get(str(c.domain))) for c in catalogs])


@dataclass(frozen=True)
class SignOff:
    """What `plainspoken review` did, or why it refused."""

    signed: list[str]
    refused: list[Finding]


def sign_off(project: Project, language: str, *, reviewer: str) -> SignOff:
    """Record the review in every catalog of ``language``; refuse while any check fails, and a
    reviewer's name that is blank (a stray space): no page may say "Reviewed by" no one."""
    if not reviewer.strip():
        message = '--by is empty: give the reviewer\'s name and qualification, e.g. --by "Ana Ruiz, CHI"'
        raise PlainspokenError.at("<command line>", 0, message)
    errors = [f for f in check_language(project, language) if f.severity == "error"]
    if errors:
        return SignOff([], errors)
    catalogs, _ = load_language(project, language, shared=False)  # changed below: a private copy
    date = build_date().date().isoformat()
    signed = []
    for catalog in catalogs:
        path = project.catalog_path(language, str(catalog.domain))
        display = project.display(path)
        text, _ = prepare(path.read_bytes(), display, language)
        signed_po = signed_text(text.decode("utf-8"), catalog, reviewer=reviewer, date=date, display=display)
        write_atomic(path, signed_po.encode("utf-8"))
        signed.append(display)
    return SignOff(signed, [])


def unanswered_items(project: Project, slug: str) -> list[Answer]:
    """The items of an article's scorecard that neither its structure nor a reviewer answered yet."""
    cards = [card for card in article_scorecards(project) if card.slug == slug]
    if not cards:
        raise PlainspokenError.at(
            f"source/{slug}.md", 0, "no such article, or it has errors (plainspoken check --source)"
        )
    return [answer for answer in cards[0].answers if not answer.value]


def record_assessment(
    project: Project, slug: str, reviewer: str, answers: Mapping[tuple[str, int], str]
) -> str:
    """Add a reviewer's answers to source/<slug>.assessment.toml (earlier answers kept); its display path."""
    path = assessment_path(project.source_dir, slug)
    earlier_reviewer, earlier = read_assessment(path, project.display(path))
    write_atomic(path, assessment_text(reviewer or earlier_reviewer, {**earlier, **answers}).encode("utf-8"))
    return project.display(path)
