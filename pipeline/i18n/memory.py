"""Translation memory across articles: a message translated in one article pre-fills it in another."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog

from pipeline.i18n.catalogs import load_catalog
from pipeline.i18n.po_edit import NewString, set_msgstrs
from pipeline.source.project import Project, write_atomic

#: How alike two English messages must be (difflib's ratio) for one's translation to be offered.
NEAR = 0.85


@dataclass(frozen=True)
class Recollection:
    """A translation remembered from another catalog."""

    msgid: str
    msgstr: str
    origin: str  # the catalog it comes from, as the project shows paths


def remember(catalogs: Mapping[str, Catalog]) -> dict[str, Recollection]:
    """msgid → its translation, from every catalog (path → catalog); translated, not fuzzy, only."""
    memory: dict[str, Recollection] = {}
    for origin, catalog in sorted(catalogs.items()):
        for message in catalog:
            text = str(message.string or "")
            if message.id and isinstance(message.id, str) and text.strip() and not message.fuzzy:
                memory.setdefault(message.id, Recollection(message.id, text, origin))
    return memory


def recall(msgid: str, memory: Mapping[str, Recollection], candidates: Sequence[str]) -> NewString | None:
    """The memory's offer for ``msgid``: always fuzzy, with a comment saying where it comes from."""
    exact = memory.get(msgid)
    if exact is not None:
        return NewString(exact.msgstr, True, f"memory: same English in {exact.origin}")
    close = difflib.get_close_matches(msgid, candidates, n=1, cutoff=NEAR)
    if not close:
        return None
    near = memory[close[0]]
    ratio = difflib.SequenceMatcher(None, msgid, near.msgid).ratio()
    like = near.msgid if len(near.msgid) <= 60 else near.msgid[:59] + "…"
    return NewString(near.msgstr, True, f"memory: {ratio:.0%} like {like!r} in {near.origin}")


def prefill(path: Path, catalog: Catalog, memory: Mapping[str, Recollection]) -> int:
    """Pre-fill the untranslated messages of the catalog at ``path`` in place; returns how many."""
    candidates = sorted(memory)  # only translated messages are remembered, so never this one
    changes = {}
    for message in catalog:
        if message.id and isinstance(message.id, str) and not str(message.string or "").strip():
            offer = recall(message.id, memory, candidates)
            if offer is not None:
                changes[message.id] = offer
    if changes:
        write_atomic(path, set_msgstrs(path.read_text(encoding="utf-8"), changes).encode("utf-8"))
    return len(changes)


def apply_memory(project: Project, language: str) -> dict[str, int]:
    """Pre-fill every article catalog of ``language`` from its other articles; path → messages."""
    catalogs = {}
    for article in project.article_paths():
        path = project.catalog_path(language, article.stem)
        if path.exists():
            catalogs[project.display(path)] = (
                path,
                load_catalog(path, project.display(path), locale=language),
            )
    memory = remember({display: catalog for display, (_, catalog) in catalogs.items()})
    filled = {display: prefill(path, catalog, memory) for display, (path, catalog) in catalogs.items()}
    return {display: count for display, count in filled.items() if count}
