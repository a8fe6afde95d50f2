"""Review sign-off recorded in catalog headers, and voided by any later change to the content."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from babel.messages.catalog import Catalog

from pipeline.i18n.catalogs import ProjectCatalog

STATUS, REVIEWER, DATE, HASH = "X-Review-Status", "X-Reviewed-By", "X-Review-Date", "X-Review-Hash"


def content_hash(catalog: Catalog) -> str:
    """A hash of every msgid, msgstr and fuzzy flag: what the reviewer read."""
    digest = hashlib.sha256()
    for msgid, msgstr, fuzzy in sorted((str(m.id), str(m.string or ""), m.fuzzy) for m in catalog if m.id):
        digest.update(f"{msgid}\0{msgstr}\0{int(fuzzy)}\0".encode())
    return "sha256:" + digest.hexdigest()


@dataclass(frozen=True)
class ReviewState:
    """Whether a language's translation is signed off, and by whom."""

    state: str  # "reviewed", "draft" or "voided"
    reviewer: str = ""
    date: str = ""
    translator: str = ""


def catalog_state(catalog: ProjectCatalog) -> str:
    if catalog.header(STATUS).strip().lower() != "reviewed":
        return "draft"
    return "reviewed" if catalog.header(HASH) == content_hash(catalog) else "voided"


def review_state(catalogs: Sequence[ProjectCatalog]) -> ReviewState:
    """Reviewed only if every catalog is signed off and unchanged since; voided if any changed."""
    if not catalogs:
        return ReviewState("draft")
    states = {catalog_state(c) for c in catalogs}
    state = "voided" if "voided" in states else "draft" if "draft" in states else "reviewed"
    first = catalogs[0]
    translator = str(first.last_translator or "").split("<")[0].strip()
    return ReviewState(state, first.header(REVIEWER), max(c.header(DATE) for c in catalogs), translator)


def sign(catalog: ProjectCatalog, *, reviewer: str, date: str) -> None:
    """Record the sign-off in the catalog's header."""
    catalog.set_header(STATUS, "reviewed")
    catalog.set_header(REVIEWER, reviewer)
    catalog.set_header(DATE, date)
    catalog.set_header(HASH, content_hash(catalog))
    note = (
        f"# Reviewed by {reviewer} on {date}. Any change to a translation voids this\n"
        "# sign-off until a qualified reviewer signs it off again (plainspoken review)."
    )
    lines = [
        line
        for line in catalog.header_comment.splitlines()
        if not line.startswith(("# DRAFT", "# Do not hand", "# Reviewed by", "# sign-off"))
    ]
    catalog.header_comment = "\n".join([*lines[:1], note, *lines[1:]])
