"""Project-level quality gates: check every catalog and article, and sign a language off."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.errors import PlainspokenError
from pipeline.i18n.catalogs import ProjectCatalog, build_date, load_catalog, prepare
from pipeline.i18n.currency import catalog_lag, current_templates
from pipeline.i18n.lifecycle import missing_catalog
from pipeline.i18n.review import ReviewState, review_state, signed_text
from pipeline.quality.checks import Finding, MessageChecker, check_catalog, load_glossary
from pipeline.quality.plain_language import check_source
from pipeline.source.articles import load_sources
from pipeline.source.project import UI_DOMAIN, Project, write_atomic


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
        if not path.exists():
            findings.append(
                Finding(display, 0, "error", "catalog", missing_catalog(project, language, domain))
            )
            continue
        try:
            catalog = load_catalog(path, display, locale=language, shared=shared)
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
    return sorted(findings)


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
    for doc in sources.documents:
        findings += check_source(doc, facts=facts, target=project.config.target_grade, strict=strict)
    return sorted(findings)


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
