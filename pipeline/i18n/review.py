"""Review sign-off recorded in catalog headers, and voided by any later change to the content."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from babel.messages.catalog import Catalog
from babel.messages.pofile import escape, unescape

from pipeline.i18n.catalogs import ProjectCatalog, normalise
from pipeline.i18n.currency import Shown, catalog_lag, shown_messages

STATUS, REVIEWER, DATE, HASH = "X-Review-Status", "X-Reviewed-By", "X-Review-Date", "X-Review-Hash"


def content_hash(catalog: Catalog) -> str:
    """A hash of every msgid, msgstr and fuzzy flag: what the reviewer read."""
    return shown_hash(shown_messages(catalog, None))


def shown_hash(shown: tuple[Shown, ...]) -> str:
    """A hash of messages as shown: equal to the signed hash only if they are exactly what was signed."""
    digest = hashlib.sha256()
    for msgid, msgstr, fuzzy in sorted((s.msgid, s.msgstr, s.fuzzy) for s in shown):
        digest.update(f"{msgid}\0{msgstr}\0{int(fuzzy)}\0".encode())
    return "sha256:" + digest.hexdigest()


@dataclass(frozen=True)
class ReviewState:
    """Whether a language's translation is signed off, and by whom."""

    state: str  # "reviewed", "draft" or "voided"
    reviewer: str = ""
    date: str = ""
    translator: str = ""


#: The Last-Translator that ``init`` writes: nobody's name, never credited.
UNKNOWN_TRANSLATOR = "Plainspoken draft"


def catalog_state(catalog: ProjectCatalog, template: Catalog | None = None) -> str:
    """'reviewed' only if the messages shown now (``template``'s, as they are in the sources now,
    with the catalog's translations) are exactly the ones signed; 'voided' if signed but changed."""
    if catalog.header(STATUS).strip().lower() != "reviewed":
        return "draft"
    if catalog_lag(catalog, template):
        return "voided"
    return "reviewed" if catalog.header(HASH) == shown_hash(shown_messages(catalog, template)) else "voided"


def review_state(catalogs: Sequence[tuple[ProjectCatalog, Catalog | None]]) -> ReviewState:
    """Reviewed only if every catalog is signed off and unchanged since; voided if any changed.

    Each catalog comes with its template as the sources make it now (None: as last merged).
    """
    if not catalogs:
        return ReviewState("draft")
    states = {catalog_state(c, t) for c, t in catalogs}
    state = "voided" if "voided" in states else "draft" if "draft" in states else "reviewed"
    first = catalogs[0][0]
    return ReviewState(
        state, first.header(REVIEWER), max(c.header(DATE) for c, _ in catalogs), translator_name(first)
    )


def translator_name(catalog: ProjectCatalog) -> str:
    """The translator the catalog names, or '' when it names none (``init``'s placeholder)."""
    name = str(catalog.last_translator or "").split("<")[0].strip()
    return "" if name in ("", UNKNOWN_TRANSLATOR) else name


#: The header comment a sign-off writes (lines short enough that no tool rewraps them).
SIGNED_NOTE = (
    "# Reviewed by {reviewer} on {date}.",
    "# Any change to a translation voids this sign-off until a qualified",
    "# reviewer signs it off again (plainspoken review).",
)
#: Header comment lines a sign-off replaces: the draft notice and any earlier sign-off note,
#: including the fragments ("# this", "# review).") that Babel's rewrapping once left behind.
_REPLACED = (
    "# DRAFT",
    "# Do not hand",
    "# Reviewed by",
    "# Any change to a",
    "# reviewer signs",
    "# sign-off",
)
_OLD_NOTE = (
    "Any change to a translation voids this sign-off until a qualified reviewer signs it off again "
    "(plainspoken review)."
)
_HEADER = re.compile(r'^msgid ""\nmsgstr ""\n((?:".*"\n?)*)', re.MULTILINE)


def signed_text(text: str, catalog: ProjectCatalog, *, reviewer: str, date: str, display: str) -> str:
    """``text`` (a catalog) with the sign-off in its header comment and fields; nothing else changes.

    Only the header entry is edited, as text (laid out by msgcat, as msgmerge would): every
    message keeps its bytes.
    """
    match = _HEADER.search(text)
    if match is None:
        raise ValueError("a catalog without a header")
    start = text.rfind("\n\n", 0, match.start()) + 2 if "\n\n" in text[: match.start()] else 0
    comments = [line for line in text[start : match.start()].splitlines() if not _replaced(line)]
    note = [line.format(reviewer=reviewer, date=date) for line in SIGNED_NOTE]
    comments = [*comments[:1], *note, *comments[1:]]
    fields = header_fields(match.group(1))
    fields.update({STATUS: "reviewed", REVIEWER: reviewer, DATE: date, HASH: content_hash(catalog)})
    body = "".join(f'"{escape(f"{name}: {value}")[1:-1]}\\n"\n' for name, value in fields.items())
    header = "".join(f"{line}\n" for line in comments) + 'msgid ""\nmsgstr ""\n' + body
    return text[:start] + normalise(header.encode(), display).decode() + text[match.end() :]


def _replaced(line: str) -> bool:
    words = line.lstrip("#").strip()
    return line.startswith(_REPLACED) or (line.startswith("# ") and bool(words) and words in _OLD_NOTE)


def header_fields(strings: str) -> dict[str, str]:
    """The header msgstr's ``"…"`` lines as an ordered name → value mapping."""
    value = "".join(unescape(line) for line in strings.splitlines() if line.startswith('"'))
    fields = {}
    for line in value.split("\n"):
        name, sep, rest = line.partition(":")
        if sep:
            fields[name.strip()] = rest.strip()
    return fields
