"""Project-level catalog work: extract templates, init and update catalogs, statistics."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog

from pipeline.errors import PlainspokenError, Problem
from pipeline.i18n.catalogs import (
    PROJECT_NAME,
    CatalogStats,
    CatalogUpdate,
    ProjectCatalog,
    catalog_stats,
    extract_document,
    load_catalog,
    new_catalog,
    render_catalog,
    same_apart_from_date,
    semantic_key,
    update_catalog,
)
from pipeline.i18n.review import catalog_state
from pipeline.i18n.ui import extract_ui
from pipeline.source.articles import load_sources
from pipeline.source.languages import EXTRA_LANGUAGES, LANGUAGE_TAG, plural_forms
from pipeline.source.project import SLUG, UI_DOMAIN, Project, language_info, write_atomic

PACKAGE_ROOT = Path(__file__).parent.parent.parent


def make_templates(project: Project) -> dict[str, ProjectCatalog]:
    """Domain → template, built from the current sources (ui first, then articles)."""
    sources = load_sources(project)
    if sources.problems:
        raise PlainspokenError(sources.problems)
    templates = {UI_DOMAIN: extract_ui(project.config, package_root=PACKAGE_ROOT)}
    for doc in sources.documents:
        templates[doc.slug] = extract_document(doc)
    return templates


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
    """Create the catalogs ``language`` lacks; existing catalogs are never touched."""
    name = language_info(language).english_name
    created = []
    for domain, template in templates.items():
        path = project.catalog_path(language, domain)
        if path.exists():
            continue
        catalog = with_project_plural_forms(new_catalog(template, language, name), language)
        write_atomic(path, render_catalog(catalog))
        created.append(path)
    return created


def update_language(
    project: Project, language: str, templates: dict[str, ProjectCatalog]
) -> tuple[list[CatalogUpdate], list[Problem]]:
    """Merge each template into the catalogs; a broken catalog is reported and left alone."""
    updates: list[CatalogUpdate] = []
    problems: list[Problem] = []
    for domain, template in templates.items():
        path = project.catalog_path(language, domain)
        display = project.display(path)
        if not path.exists():
            init_language(project, language, {domain: template})
            updates.append(CatalogUpdate(display, True, len(template), 0, 0))
            continue
        try:
            catalog = load_catalog(path, display, locale=language)
        except PlainspokenError as error:
            problems.extend(error.problems)
            continue
        before = semantic_key(catalog)
        merged, new, fuzzy, obsolete = update_catalog(catalog, template)
        changed = semantic_key(merged) != before
        if changed:
            write_atomic(path, render_catalog(merged))
        updates.append(CatalogUpdate(display, changed, new, fuzzy, obsolete))
    return updates, problems


def with_project_plural_forms(catalog: ProjectCatalog, language: str) -> ProjectCatalog:
    """A language beyond CLDR (hyw) gets the plural rule of the project's table, which Babel lacks."""
    if catalog.locale is None and language in EXTRA_LANGUAGES:  # as if read from the file's header:
        Catalog.mime_headers.fset(catalog, [("Plural-Forms", plural_forms(language))])  # type: ignore[attr-defined]
    return catalog


@dataclass(frozen=True)
class DomainStatus:
    """Statistics of one language's catalog for one domain."""

    language: str
    domain: str
    path: str
    stats: CatalogStats
    problem: str = ""
    review: str = "draft"  # "reviewed", "draft" or "voided"


def language_status(project: Project, language: str, domains: list[str]) -> list[DomainStatus]:
    """Per domain: translated, fuzzy, untranslated, or the problem that stops counting."""
    result = []
    for domain in domains:
        path = project.catalog_path(language, domain)
        display = project.display(path)
        if not path.exists():
            result.append(
                DomainStatus(
                    language,
                    domain,
                    display,
                    CatalogStats(0, 0, 0),
                    f"missing: run plainspoken init {language}",
                )
            )
            continue
        try:
            catalog = load_catalog(path, display, locale=language)
        except PlainspokenError as error:
            result.append(DomainStatus(language, domain, display, CatalogStats(0, 0, 0), str(error)))
            continue
        result.append(
            DomainStatus(language, domain, display, catalog_stats(catalog), review=catalog_state(catalog))
        )
    return result


# --- removed articles ----------------------------------------------------------


def orphaned_templates(project: Project, templates: dict[str, ProjectCatalog]) -> list[Path]:
    """Our locales/<slug>.pot files whose article is gone from source/."""
    return [
        path
        for path in sorted(project.locales_dir.glob("*.pot"))
        if path.stem not in templates and SLUG.match(path.stem) and _written_by_us(path)
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
