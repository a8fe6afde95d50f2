"""Project-level catalog work: extract templates, init and update catalogs, statistics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.errors import PlainspokenError, Problem
from pipeline.i18n.catalogs import (
    PROJECT_NAME,
    CatalogUpdate,
    ProjectCatalog,
    check_with_msgfmt,
    drop_obsolete_twins,
    extract_document,
    load_catalog,
    merge_catalog,
    new_catalog,
    parse_catalog,
    prepare,
    render_catalog,
    same_apart_from_date,
)
from pipeline.i18n.currency import catalog_lag, current_templates, shown_counts, shown_messages
from pipeline.i18n.review import catalog_state
from pipeline.i18n.shipped import shipped_display, shipped_path, shipped_ui
from pipeline.i18n.translate import MessageCounts
from pipeline.i18n.ui import extract_ui
from pipeline.source.articles import load_sources, read_source
from pipeline.source.languages import LANGUAGE_TAG
from pipeline.source.project import SLUG, UI_DOMAIN, Project, language_info, write_atomic
from pipeline.source.unreadable import absent, unreadable_reason

PACKAGE_ROOT = Path(__file__).parent.parent.parent


def make_templates(project: Project) -> tuple[dict[str, ProjectCatalog], tuple[Problem, ...]]:
    """Domain → template, built from the current sources (ui first, then articles), and the
    problems of the articles left out: a broken article never stops the others."""
    sources = load_sources(project)
    templates = {UI_DOMAIN: extract_ui(project.config, package_root=PACKAGE_ROOT)}
    for doc in sources.documents:
        templates[doc.slug] = extract_document(doc)
    return templates, sources.problems


def write_templates(project: Project, templates: dict[str, ProjectCatalog]) -> list[Path]:
    """Write locales/<domain>.pot where its messages changed; return the files written."""
    written = []
    for domain, template in templates.items():
        path = project.template_path(domain)
        data = render_catalog(template)
        if path.exists() and same_apart_from_date(path.read_bytes(), data):
            continue
        write_atomic(path, data)
        written.append(path)
    return written


def init_language(project: Project, language: str, templates: dict[str, ProjectCatalog]) -> list[Path]:
    """Create the catalogs ``language`` lacks (templates must be written); existing ones are kept."""
    name = language_info(language).english_name
    created = []
    for domain, template in templates.items():
        path = project.catalog_path(language, domain)
        if path.exists():
            continue
        data = _starting_catalog(domain, template, language, name)
        # Through msgmerge too, so the header is laid out as every later update writes it.
        write_atomic(path, merge_catalog(data, project.template_path(domain), project.display(path)))
        created.append(path)
    return created


def _starting_catalog(domain: str, template: ProjectCatalog, language: str, name: str) -> bytes:
    """A new catalog's first text: the interface's as Plainspoken ships it (translations and
    review state), else the template with every message to translate."""
    shipped = shipped_path(language) if domain == UI_DOMAIN else None
    return shipped.read_bytes() if shipped else render_catalog(new_catalog(template, language, name))


def update_language(
    project: Project, language: str, templates: dict[str, ProjectCatalog]
) -> tuple[list[CatalogUpdate], list[Problem], list[Problem]]:
    """Merge each template into the catalogs with msgmerge; returns updates, errors and warnings.

    A catalog that msgfmt rejects, or that merging would break, is reported and left alone.
    """
    updates: list[CatalogUpdate] = []
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for domain, template in templates.items():
        path = project.catalog_path(language, domain)
        why = unreadable_reason(path)
        if why:  # update would write a new catalog in its place
            problems.append(Problem(project.display(path), 0, why))
            continue
        if not path.exists():
            init_language(project, language, {domain: template})
            updates.append(CatalogUpdate(project.display(path), True, len(template), 0, 0))
            continue
        try:
            update, found = _update_one(project, language, domain)
        except PlainspokenError as error:
            problems.extend(error.problems)
            continue
        updates.append(update)
        warnings.extend(found)
    return updates, problems, warnings


def _update_one(project: Project, language: str, domain: str) -> tuple[CatalogUpdate, list[Problem]]:
    """Merge locales/<domain>.pot into one catalog; write it atomically only if a byte changed."""
    path = project.catalog_path(language, domain)
    display = project.display(path)
    original = path.read_bytes()
    data, warnings = prepare(original, display, language)
    problems = check_with_msgfmt(data, display)
    if problems and all("definition" in p.message for p in problems):  # msgfmt: duplicate …
        data, repaired = drop_obsolete_twins(data, display)
        warnings += repaired
        problems = check_with_msgfmt(data, display)
    if problems:
        raise PlainspokenError(problems)
    merged = merge_catalog(data, project.template_path(domain), display)
    written = merged != original and write_atomic(path, merged)
    before, after = parse_catalog(data, display), parse_catalog(merged, display)
    return CatalogUpdate(display, written, *merge_counts(before, after)), warnings


def merge_counts(before: ProjectCatalog, after: ProjectCatalog) -> tuple[int, int, int, int]:
    """New, fuzzy, obsolete and revived messages: what ``update`` prints for a catalog."""
    live = {m.id for m in before if m.id}
    came = [m for m in after if m.id and m.id not in live]
    fuzzy = sum(1 for m in came if m.fuzzy and m.string)
    revived = sum(1 for m in came if not m.fuzzy and m.string)
    obsolete = len(set(after.obsolete) - set(before.obsolete))
    return len(came) - fuzzy - revived, fuzzy, obsolete, revived


@dataclass(frozen=True)
class DomainStatus:
    """Message counts of one language's catalog for one domain."""

    language: str
    domain: str
    path: str
    stats: MessageCounts
    problem: str = ""
    review: str = "draft"  # "reviewed", "draft" or "voided"
    warnings: tuple[Problem, ...] = ()
    behind: str = ""  # 'behind source/site.toml (2 new messages): run `plainspoken update`', or ''


def missing_catalog(project: Project, language: str, domain: str) -> str:
    """What makes a missing catalog: init, or first fixing its article (init and update leave out
    an article with errors, so advising them alone would go round in circles)."""
    if domain != UI_DOMAIN:
        try:
            read_source(project, project.source_dir / f"{domain}.md")
        except PlainspokenError:
            return (
                f"missing: source/{domain}.md has errors: fix them (plainspoken check --source), "
                f"then run plainspoken update --lang {language}"
            )
    return f"missing: run plainspoken init {language}"


Templates = Mapping[str, ProjectCatalog]  #: domain → its template as the sources make it now


def language_status(
    project: Project, language: str, domains: list[str], templates: Templates | None = None
) -> list[DomainStatus]:
    """Per domain: the message counts the build uses, or the problem that stops counting.

    Counted against the sources as they are now (``templates``, made here if not given).
    """
    templates = current_templates(project) if templates is None else templates
    result = []
    for domain in domains:
        path = project.catalog_path(language, domain)
        display = project.display(path)
        shipped = shipped_ui(language) if domain == UI_DOMAIN and absent(path) else None
        if shipped is not None:  # the interface as Plainspoken ships it: nothing to do
            display = shipped_display(language)
            status = _domain_status(language, domain, display, shipped, templates.get(domain))
            result.append(replace(status, behind=""))  # messages it lacks count as untranslated
            continue
        if absent(path):  # every message it should hold is shown in English
            missing = missing_catalog(project, language, domain)
            counts = shown_counts(shown_messages(None, templates.get(domain)), markdown=False)
            result.append(DomainStatus(language, domain, display, counts, missing))
            continue
        try:
            catalog = load_catalog(path, display, locale=language, shared=True, cache=project.cache_dir)
        except PlainspokenError as error:
            result.append(DomainStatus(language, domain, display, MessageCounts(), str(error)))
            continue
        result.append(_domain_status(language, domain, display, catalog, templates.get(domain)))
    return result


def _domain_status(
    language: str, domain: str, display: str, catalog: ProjectCatalog, template: ProjectCatalog | None
) -> DomainStatus:
    """One catalog's counts and sign-off, judged against ``template`` (None: as last merged)."""
    counts = shown_counts(shown_messages(catalog, template), markdown=domain != UI_DOMAIN)
    lag = catalog_lag(catalog, template)
    state = catalog_state(catalog, template)
    behind = f"{display}: {lag.message}" if lag else ""
    return DomainStatus(language, domain, display, counts, "", state, catalog.warnings, behind)


# --- removed articles ----------------------------------------------------------


def orphaned_templates(project: Project, templates: dict[str, ProjectCatalog]) -> list[Path]:
    """Our locales/<slug>.pot files whose article is gone from source/ (not merely broken)."""
    return [
        path
        for path in sorted(project.locales_dir.glob("*.pot"))
        if path.stem not in templates
        and SLUG.match(path.stem)
        and not (project.source_dir / f"{path.stem}.md").is_file()
        and _written_by_us(path)
    ]


def _written_by_us(path: Path) -> bool:
    with path.open("rb") as handle:
        return f'"Project-Id-Version: {PROJECT_NAME} '.encode() in handle.read(4096)


def remove_orphaned_templates(project: Project, templates: dict[str, ProjectCatalog]) -> list[Path]:
    """Delete the templates of removed articles (their catalogs stay: translators' work)."""
    removed = orphaned_templates(project, templates)
    for path in removed:
        path.unlink()
    return removed


@dataclass(frozen=True)
class OrphanedArticle:
    """The catalogs of an article whose source is gone: kept, never built nor counted."""

    slug: str
    catalogs: tuple[str, ...]  # paths as displayed

    def delete_command(self, in_git: bool) -> str:
        """The shell command that deletes them, run from the project folder."""
        files = f"locales/*/LC_MESSAGES/{self.slug}.po"
        return f"git rm {files}  (or rm, if they were never committed)" if in_git else f"rm {files}"


def orphaned_catalogs(project: Project, domains: list[str]) -> list[OrphanedArticle]:
    """Catalogs in locales/<lang>/LC_MESSAGES/ for a domain that is not in ``domains``."""
    found: dict[str, list[str]] = {}
    for path in sorted(project.locales_dir.glob("*/LC_MESSAGES/*.po")):
        if path.stem not in domains and LANGUAGE_TAG.match(path.parent.parent.name):
            found.setdefault(path.stem, []).append(project.display(path))
    return [OrphanedArticle(slug, tuple(paths)) for slug, paths in sorted(found.items())]


def in_git_repository(project: Project) -> bool:
    return any((folder / ".git").exists() for folder in (project.root, *project.root.parents))


def language_counts(
    project: Project, language: str, domains: list[str], templates: Templates | None = None
) -> MessageCounts:
    """Every catalog of ``language`` together: the numbers ``status`` totals and the report shows."""
    rows = language_status(project, language, domains, templates)
    return sum((row.stats for row in rows), MessageCounts())
