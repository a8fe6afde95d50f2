"""Project-level quality gates: check every catalog and article, and sign a language off."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.errors import PlainspokenError
from pipeline.i18n.catalogs import ProjectCatalog, build_date, load_catalog, render_catalog
from pipeline.i18n.review import ReviewState, review_state, sign
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
                Finding(display, 0, "error", "catalog", f"missing: run plainspoken init {language}")
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


def check_language(project: Project, language: str) -> list[Finding]:
    """Every finding in the language's catalogs."""
    catalogs, findings = load_language(project, language)
    glossary_path = project.locales_dir / language / "glossary.csv"
    glossary = load_glossary(glossary_path, project.display(glossary_path))
    for catalog in catalogs:
        checker = MessageChecker(
            language=language,
            facts=project.config.facts(),
            glossary=glossary,
            names=fact_names(project),
            markdown=catalog.domain != UI_DOMAIN,
        )
        path = project.display(project.catalog_path(language, str(catalog.domain)))
        findings += check_catalog(catalog, path=path, checker=checker)
    return sorted(findings)


def check_articles(project: Project, *, strict: bool) -> list[Finding]:
    """Parse errors and the plain-language report of every source article."""
    sources = load_sources(project)
    findings = [Finding(p.path, p.line, "error", "source", p.message) for p in sources.problems]
    findings += [Finding(c.path, c.line, "info", "comment", c.message) for c in sources.comments]
    facts = {name: fact.value for name, fact in project.config.facts().items()}
    for doc in sources.documents:
        findings += check_source(doc, facts=facts, target=project.config.target_grade, strict=strict)
    return sorted(findings)


def language_review(project: Project, language: str) -> ReviewState:
    catalogs, _ = load_language(project, language)
    return review_state(catalogs)


@dataclass(frozen=True)
class SignOff:
    """What `plainspoken review` did, or why it refused."""

    signed: list[str]
    refused: list[Finding]


def sign_off(project: Project, language: str, *, reviewer: str) -> SignOff:
    """Record the review in every catalog of ``language``; refuse while any check fails."""
    errors = [f for f in check_language(project, language) if f.severity == "error"]
    if errors:
        return SignOff([], errors)
    catalogs, _ = load_language(project, language, shared=False)  # changed below: a private copy
    date = build_date().date().isoformat()
    signed = []
    for catalog in catalogs:
        path = project.catalog_path(language, str(catalog.domain))
        sign(catalog, reviewer=reviewer, date=date)
        write_atomic(path, render_catalog(catalog))
        signed.append(project.display(path))
    return SignOff(signed, [])
