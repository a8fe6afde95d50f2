"""gettext catalogs with Babel: extract templates, create and update catalogs, load strictly."""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, PoFileParser, denormalize, normalize, write_po

from pipeline import __version__
from pipeline.errors import PlainspokenError, Problem
from pipeline.markup import to_markdown
from pipeline.model import Document, Placeholder, iter_units, walk_inlines

PROJECT_NAME = "plainspoken"
BUGS_ADDRESS = "translators@example.org"
#: Header fields Babel writes itself; any other field (X-Review-Status, X-Generator…) is kept.
_BABEL_HEADERS = {
    "project-id-version",
    "report-msgid-bugs-to",
    "pot-creation-date",
    "po-revision-date",
    "last-translator",
    "language",
    "language-team",
    "plural-forms",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "generated-by",
}
_PREVIOUS_FLAG = "plainspoken-previous-"
_FORMAT_FLAGS = {"python-format", "python-brace-format"}
DRAFT_HEADER_COMMENT = (
    "# {language} translation of {domain} for Plainspoken.\n"
    "# DRAFT: not yet reviewed by a qualified medical translator.\n"
    "# Do not hand out as final until a reviewer signs it off.\n"
    "#"
)


class ProjectCatalog(Catalog):
    """A Babel Catalog that keeps header fields Babel does not know, such as X-Review-Status."""

    extra_headers: tuple[tuple[str, str], ...] = ()

    def _get_headers(self) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = Catalog.mime_headers.fget(self)  # type: ignore[attr-defined]
        # Babel ends the header with "Generated-By: Babel x\n"; extra fields go before it.
        if headers and headers[-1][0] == "Generated-By":
            return [*headers[:-1], *self.extra_headers, headers[-1]]
        return [*headers, *self.extra_headers]

    def _set_headers(self, headers: Iterable[tuple[str, str]]) -> None:
        headers = list(headers)
        self.extra_headers = tuple((n, v) for n, v in headers if n.lower() not in _BABEL_HEADERS)
        Catalog.mime_headers.fset(self, headers)  # type: ignore[attr-defined]

    mime_headers = property(_get_headers, _set_headers)

    def header(self, name: str) -> str:
        """The value of an extra header field, or ''."""
        return next((v for n, v in self.extra_headers if n.lower() == name.lower()), "")

    def set_header(self, name: str, value: str) -> None:
        others = tuple((n, v) for n, v in self.extra_headers if n.lower() != name.lower())
        self.extra_headers = (*others, (name, value))


def build_date() -> dt.datetime:
    """Now, or SOURCE_DATE_EPOCH when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


# --- templates ---------------------------------------------------------------


def new_template(domain: str) -> ProjectCatalog:
    return ProjectCatalog(
        domain=domain,
        project=PROJECT_NAME,
        version=__version__,
        msgid_bugs_address=BUGS_ADDRESS,
        creation_date=build_date(),
        header_comment=f"# Translation template for {domain} (Plainspoken).\n#",
        fuzzy=True,
    )


def add_message(catalog: Catalog, msgid: str, location: tuple[str, int | None], comments: list[str]) -> None:
    """Add a message, merging locations and comments of a repeated msgid."""
    existing = catalog.get(msgid)
    if existing is not None:
        if location not in existing.locations:
            existing.locations.append(location)  # type: ignore[arg-type]  # Babel writes None as no line
        existing.auto_comments.extend(c for c in comments if c not in existing.auto_comments)
        return
    catalog.add(msgid, locations=[location], auto_comments=comments)  # type: ignore[list-item]
    drop_format_flags(catalog)


def drop_format_flags(catalog: Catalog) -> None:
    """Remove the python-format flags Babel guesses whenever it creates a message.

    Our own checks guard placeholders unit by unit; gettext's format checks would
    instead reject a whole catalog for one missing ``{clinic.phone}``.
    """
    for message in [*catalog, *catalog.obsolete.values()]:
        message.flags -= _FORMAT_FLAGS


def extract_document(doc: Document) -> ProjectCatalog:
    """One message per translatable unit of ``doc``, in reading order."""
    catalog = new_template(doc.slug)
    for ref in iter_units(doc):
        msgid = to_markdown(ref.node.inlines)
        if not msgid.strip():
            continue
        comments = [ref.kind]
        names = [n.name for n in walk_inlines(ref.node.inlines) if isinstance(n, Placeholder)]
        if names:
            comments.append("Keep " + ", ".join(f"{{{n}}}" for n in names) + " exactly as written.")
        if ref.note:
            comments.append(ref.note)
        add_message(catalog, msgid, (doc.source_path, ref.line), comments)
    return catalog


def render_catalog(catalog: Catalog) -> bytes:
    """The .po/.pot text: Babel's writer, with previous msgids (``#|``) written correctly.

    Babel 2.19 wraps a multi-line previous msgid as free text, splitting its strings across
    ``#|`` lines (GNU tools then misread it), so we mark those messages with a temporary
    flag and write their ``#| msgid`` lines ourselves, in GNU gettext's layout.
    """
    previous: dict[str, str] = {}
    for index, message in enumerate(catalog):
        if message.id and message.previous_id:
            token = f"{_PREVIOUS_FLAG}{index}"
            previous[token] = str(message.previous_id[0])
            message.flags.add(token)
    buffer = io.BytesIO()
    try:
        write_po(buffer, catalog, width=76, include_previous=False, ignore_obsolete=False)
    finally:
        for message in catalog:
            message.flags -= set(previous)
    lines = []
    for line in buffer.getvalue().decode("utf-8").split("\n"):
        tokens = (
            [f for f in line[2:].replace(" ", "").split(",") if f in previous]
            if line.startswith("#,")
            else []
        )
        if not tokens:
            lines.append(line)
            continue
        flags = [f.strip() for f in line[2:].split(",") if f.strip() not in previous]
        if flags:
            lines.append("#, " + ", ".join(flags))
        lines.append("#| msgid " + normalize(previous[tokens[0]], prefix="#| ", width=76))
    return "\n".join(lines).encode("utf-8")


def same_apart_from_date(old: bytes, new: bytes) -> bool:
    """True if two templates differ only in their POT-Creation-Date."""

    def strip(data: bytes) -> list[bytes]:
        return [line for line in data.splitlines() if not line.startswith(b'"POT-Creation-Date:')]

    return strip(old) == strip(new)


# --- catalogs ------------------------------------------------------------------


def new_catalog(template: Catalog, language: str, language_name: str) -> ProjectCatalog:
    """A fresh catalog for ``language`` holding every message of ``template``, untranslated."""
    catalog = ProjectCatalog(
        locale=language.replace("-", "_"),
        domain=template.domain,
        project=PROJECT_NAME,
        version=__version__,
        msgid_bugs_address=BUGS_ADDRESS,
        creation_date=template.creation_date,
        revision_date=build_date(),
        last_translator="Plainspoken draft <translators@example.org>",
        language_team=f"{language_name} <translators@example.org>",
        header_comment=DRAFT_HEADER_COMMENT.format(language=language_name, domain=template.domain),
        fuzzy=False,
    )
    catalog.set_header("X-Review-Status", "draft")
    for message in template:
        if message.id:
            catalog.add(
                message.id,
                "",
                locations=message.locations,
                auto_comments=message.auto_comments,
                flags=message.flags - {"fuzzy"},
            )
    catalog.fuzzy = False
    drop_format_flags(catalog)
    return catalog


@dataclass(frozen=True)
class CatalogUpdate:
    """What merging a template into one catalog changed."""

    path: str
    written: bool
    new: int
    fuzzy: int
    obsolete: int


def update_catalog(catalog: ProjectCatalog, template: Catalog) -> tuple[ProjectCatalog, int, int, int]:
    """Merge ``template`` into ``catalog`` with Babel's fuzzy matching; returns counts too."""
    before_obsolete = set(catalog.obsolete)
    before = {m.id for m in catalog if m.id}
    previous = {m.id: m.previous_id for m in catalog if m.id and m.fuzzy and m.previous_id}
    catalog.update(
        template,
        no_fuzzy_matching=False,
        update_header_comment=False,
        keep_user_comments=True,
        update_creation_date=False,
    )
    drop_format_flags(catalog)
    for message in catalog:  # Babel forgets the previous msgid of a message that stays fuzzy
        if message.fuzzy and not message.previous_id and message.id in previous:
            message.previous_id = previous[message.id]
    new_ids = [m.id for m in catalog if m.id and m.id not in before]
    fuzzy = sum(1 for m in catalog if m.id in new_ids and m.fuzzy and m.string)
    obsolete = len(set(catalog.obsolete) - before_obsolete)
    return catalog, len(new_ids) - fuzzy, fuzzy, obsolete


def semantic_key(catalog: Catalog) -> list[Any]:
    """What a translator cares about in a catalog: everything but the file's formatting."""

    def key(message: Message) -> tuple[Any, ...]:
        return (
            message.id,
            message.string,
            message.context,
            sorted(message.flags),
            sorted(message.locations),
            list(message.auto_comments),
            list(message.user_comments),
            message.previous_id,
        )

    messages = [key(m) for m in catalog]
    obsolete = [key(m) for m in catalog.obsolete.values()]
    return [sorted(catalog.mime_headers), messages, obsolete]


# --- strict loading --------------------------------------------------------------


def check_with_msgfmt(path: Path, display: str) -> list[Problem]:
    """GNU msgfmt --check, the strict reference; [] if msgfmt is not installed."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return []
    result = subprocess.run(
        [msgfmt, "--check", "-o", os.devnull, str(path)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    problems = []
    for line in result.stderr.splitlines():
        head, sep, rest = line.partition(":")
        number, sep2, message = rest.partition(":")
        if sep and sep2 and head == str(path) and number.strip().isdigit():
            # msgfmt counts the newline that ends an unterminated string: point at the string.
            offset = 1 if "end-of-line within string" in message else 0
            problems.append(Problem(display, int(number) - offset, message.strip()))
    if result.returncode != 0 and not problems:
        text = " ".join(result.stderr.replace(str(path), display).split())
        problems.append(Problem(display, 0, text or "msgfmt rejected this file"))
    return problems


def read_catalog(path: Path, display: str, *, locale: str | None = None) -> ProjectCatalog:
    """Parse a .po/.pot file with Babel, refusing anything invalid."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        raise PlainspokenError.at(
            display, 1, "file starts with a byte order mark (BOM); save as UTF-8 without BOM"
        )
    catalog = ProjectCatalog(locale=locale.replace("-", "_") if locale else None)
    parser = PoFileParser(catalog, ignore_obsolete=False, abort_invalid=True)
    try:
        parser.parse(io.BytesIO(data))
    except PoFileError as error:
        raise PlainspokenError.at(display, error.lineno + 1, str(error).rsplit(" on ", 1)[0]) from None
    except (UnicodeDecodeError, ValueError) as error:
        raise PlainspokenError.at(display, 0, f"cannot read catalog: {error}") from None
    for message in [*catalog, *catalog.obsolete.values()]:
        _restore_previous_id(message)
    drop_format_flags(catalog)
    return catalog


def _restore_previous_id(message: Message) -> None:
    """Babel reads ``#| msgid "…"`` as a user comment and would write it back as ``# | …``."""
    previous = [c[2:] for c in message.user_comments if c.startswith("| ")]
    if not previous or not previous[0].startswith("msgid "):
        return
    message.user_comments = [c for c in message.user_comments if not c.startswith("| ")]
    message.previous_id = [denormalize("\n".join([previous[0][6:], *previous[1:]]))]


def load_catalog(
    path: Path, display: str, *, locale: str | None = None, shared: bool = False
) -> ProjectCatalog:
    """Validate with msgfmt, then parse with Babel; every problem is path:line.

    With ``shared``, a catalog already loaded in this process (same file, size and time) is
    returned again: for readers only, never for code that changes the catalog.
    """
    if shared:
        stat = path.stat()
        return _load_shared(path, display, locale, stat.st_mtime_ns, stat.st_size)
    problems = check_with_msgfmt(path, display)
    if problems:
        raise PlainspokenError(problems)
    return read_catalog(path, display, locale=locale)


@functools.lru_cache(maxsize=256)
def _load_shared(path: Path, display: str, locale: str | None, mtime: int, size: int) -> ProjectCatalog:
    return load_catalog(path, display, locale=locale)


@dataclass(frozen=True)
class CatalogStats:
    """Counts as msgfmt --statistics gives them."""

    translated: int
    fuzzy: int
    untranslated: int

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.untranslated

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0


def catalog_stats(catalog: Catalog) -> CatalogStats:
    """Translated, fuzzy and untranslated messages, header and obsolete ones left out."""
    translated = fuzzy = untranslated = 0
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            fuzzy += 1
        elif all(strings):
            translated += 1
        else:
            untranslated += 1
    return CatalogStats(translated, fuzzy, untranslated)
