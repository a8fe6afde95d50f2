"""Catalogs judged against what the outputs show now: current counts, lag behind the source."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog

from pipeline.i18n.catalogs import ProjectCatalog, extract_document
from pipeline.i18n.translate import MessageCounts, count_messages, outcome
from pipeline.i18n.ui import extract_ui
from pipeline.source.articles import load_sources
from pipeline.source.project import UI_DOMAIN, Project

PACKAGE_ROOT = Path(__file__).parent.parent.parent


@dataclass(frozen=True)
class Shown:
    """One message the outputs show now: its English and what the catalog holds for it."""

    msgid: str
    msgstr: str
    fuzzy: bool


def live_ids(catalog: Catalog) -> list[str]:
    """The msgids of a catalog's live messages (not the header, not obsolete ones; no message of
    Plainspoken's has plural forms)."""
    return [m.id for m in catalog if m.id and isinstance(m.id, str)]


def shown_messages(catalog: Catalog | None, template: Catalog | None) -> tuple[Shown, ...]:
    """What the outputs show: each of the template's messages with the catalog's translation, if any.

    Without a template (its source cannot be read), the catalog's own live messages.
    """
    source = template if template is not None else catalog
    ids = live_ids(source) if source is not None else []
    return tuple(_shown(catalog, msgid) for msgid in ids)


def _shown(catalog: Catalog | None, msgid: str) -> Shown:
    message = catalog.get(msgid) if catalog is not None else None
    if message is None:
        return Shown(msgid, "", False)
    return Shown(msgid, str(message.string or ""), bool(message.fuzzy))


def from_file(shown: tuple[Shown, ...], template: Catalog, path: str) -> tuple[Shown, ...]:
    """Those of ``shown`` that ``template`` takes from ``path``: site.toml's crisis lines' names
    and notes, which every page and handout shows (an interface string shows on some only)."""
    ids = {str(m.id) for m in template if m.id and any(where == path for where, _ in m.locations)}
    return tuple(s for s in shown if s.msgid in ids)


def shown_counts(shown: tuple[Shown, ...], *, markdown: bool) -> MessageCounts:
    """The one count of what the outputs show: status, check, the report and the build use it."""
    return count_messages(outcome(s.msgid, s.msgstr, fuzzy=s.fuzzy, markdown=markdown)[0] for s in shown)


@dataclass(frozen=True)
class Lag:
    """How far a catalog is behind its source: messages shown that it lacks, live ones no longer shown."""

    source: str
    new: int = 0
    gone: int = 0

    def __bool__(self) -> bool:
        return bool(self.new or self.gone)

    @property
    def message(self) -> str:
        """'behind source/site.toml (2 new messages): run `plainspoken update`'."""
        parts = [f"{self.new} new message{'' if self.new == 1 else 's'}"] if self.new else []
        parts += [f"{self.gone} no longer used"] if self.gone else []
        return f"behind {self.source} ({', '.join(parts)}): run `plainspoken update`"


def catalog_lag(catalog: Catalog, template: Catalog | None) -> Lag:
    """What ``plainspoken update`` would bring into ``catalog`` from ``template`` (None: nothing)."""
    if template is None:
        return Lag("")
    have, want = set(live_ids(catalog)), set(live_ids(template))
    new, gone = want - have, have - want
    return Lag(_source(template, catalog, new | gone), len(new), len(gone))


def _source(template: Catalog, catalog: Catalog, msgids: set[str]) -> str:
    """Where the changed messages come from: an article, site.toml, or the interface's templates."""
    places = {path for c in (template, catalog) for m in c if m.id in msgids for path, _ in m.locations}
    articles = sorted(p for p in places if p.endswith(".md"))
    settings = sorted(p for p in places if p.endswith(".toml"))
    return (articles or settings or ["plainspoken's interface"])[0]


def current_templates(project: Project) -> dict[str, ProjectCatalog]:
    """Domain → the template made from the sources as they are now (articles that do not parse are
    left out: they are reported where they are built and checked)."""
    templates = {UI_DOMAIN: ui_template(project)}
    for doc in load_sources(project).documents:
        templates[doc.slug] = extract_document(doc)
    return templates


def ui_template(project: Project, *, shared: bool = False) -> ProjectCatalog:
    """The interface's messages now: the package's strings and site.toml's crisis lines (with
    ``shared``, for readers only: see extract_ui)."""
    return extract_ui(project.config, package_root=PACKAGE_ROOT, shared=shared)
