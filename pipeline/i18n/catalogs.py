"""gettext catalogs: Babel extracts and reads; GNU gettext merges, lays out and validates."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, PoFileParser, denormalize, write_po

from pipeline import __version__
from pipeline.errors import PlainspokenError, Problem
from pipeline.i18n.msgfmt_results import MsgfmtResult, being_checked, checked_together, unchecked
from pipeline.markup import to_markdown
from pipeline.model import Document, Placeholder, iter_units, walk_inlines
from pipeline.source.languages import plural_forms
from pipeline.source.unreadable import unreadable_reason

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
_GETTEXT_HINT = "GNU gettext is needed (Debian: apt-get install gettext)"
BOM = b"\xef\xbb\xbf"
_PLACEHOLDER_PLURALS = re.compile(
    rb'^"Plural-Forms: *nplurals=INTEGER; *plural=EXPRESSION;? *(?:\\n)?"[ \t]*$', re.MULTILINE
)
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
    #: What reading repaired, as warnings: a byte order mark, a placeholder Plural-Forms.
    warnings: tuple[Problem, ...] = ()

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
    added = catalog.add(msgid, locations=[location], auto_comments=comments)  # type: ignore[list-item]
    added.flags -= _FORMAT_FLAGS  # as drop_format_flags does, for this message only


def drop_format_flags(catalog: Catalog) -> None:
    """Remove the python-format flags Babel guesses whenever it creates a message.

    Our own checks guard placeholders unit by unit; gettext's format checks would
    instead reject a whole catalog for one missing ``{clinic.phone}``.
    """
    # _messages, not iter(catalog): Babel's iterator makes the header message afresh each time
    for message in [*catalog._messages.values(), *catalog.obsolete.values()]:
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
    """The .po/.pot text of a new catalog or template, wrapped as GNU gettext (and Poedit) wrap it.

    Babel writes it and ``msgcat`` lays it out, so files we create look byte for byte like the
    ones ``msgmerge`` and translators' tools write later: no rewrapping churn in diffs. New
    catalogs and templates have no previous msgids (``#|``); only msgmerge writes those.
    """
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, include_previous=False, ignore_obsolete=False)
    return normalise(buffer.getvalue(), "<catalog>")


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
    # The language's plural rule, also for a tag CLDR lacks (hyw): set as if read from a header,
    # since Babel derives it from the locale alone.
    Catalog.mime_headers.fset(catalog, [("Plural-Forms", plural_rule(language))])  # type: ignore[attr-defined]
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
    revived: int = 0


# --- GNU gettext: merging, layout, validation ----------------------------------------


def run_gettext(tool: str, args: list[str], data: bytes) -> subprocess.CompletedProcess[bytes]:
    """Run a GNU gettext tool with ``data`` on its standard input."""
    return subprocess.run(
        [_program(tool), *args], input=data, capture_output=True, check=False, env=_gettext_env()
    )


#: msgfmt's arguments for a check of the catalog on its standard input.
MSGFMT_CHECK = ["--check", "-o", os.devnull, "-"]
#: Catalogs one msgfmt_checking checks at most (the others are checked as they are loaded).
AT_ONCE = 32
#: A shell loop checking catalog files one after another, so that a batch costs one process to
#: start, not one per catalog (each start cost the coordinator about 3 ms of its own time): after
#: each, msgfmt's messages, a NUL, its exit status and a NUL.
_CHECK_EACH = (
    'program=$1; shift; for file; do "$program" --check -o /dev/null - < "$file" 2>&1; '
    'printf "\\0%d\\0" "$?"; done'
)


class _Checking:
    """msgfmt checking files one after another in one process: each result is read as soon as
    msgfmt has given it, by whichever thread asks first."""

    def __init__(self, output: IO[bytes]) -> None:
        self.output, self.results, self.buffer = output, list[MsgfmtResult](), b""
        self.lock = threading.Lock()

    def result(self, index: int) -> MsgfmtResult | None:
        """The ``index``-th file's result, waited for; None if the loop ended before giving it."""
        with self.lock:
            while len(self.results) <= index:
                chunk = self.output.read1(65536)  # type: ignore[attr-defined]
                if not chunk or not self._parsed(self.buffer + chunk):
                    return None
            return self.results[index]

    def _parsed(self, data: bytes) -> bool:
        """Take the complete results off ``data``; False if it is not what the loop writes."""
        parts = data.split(b"\0")
        while len(parts) >= 3:
            if not parts[1].isdigit():
                return False
            self.results.append(MsgfmtResult(int(parts[1]), parts[0]))
            parts = parts[2:]
        self.buffer = b"\0".join(parts)
        return True


@contextlib.contextmanager
def _checking_each(program: str, datas: Sequence[bytes]) -> Iterator[_Checking]:
    """msgfmt started on ``datas``, one after another, in a process of its own (OSError if it cannot
    be: no shell, no temporary folder); stopped when the block ends before it has."""
    shell = shutil.which("sh")
    if shell is None:
        raise OSError("no sh to run msgfmt from")
    with tempfile.TemporaryDirectory(prefix="plainspoken-msgfmt-") as folder:
        paths = [Path(folder) / f"{index}.po" for index in range(len(datas))]
        for path, data in zip(paths, datas, strict=True):
            path.write_bytes(data)
        command = [shell, "-c", _CHECK_EACH, "sh", program, *map(str, paths)]
        with subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_gettext_env(),
        ) as process:
            assert process.stdout is not None
            try:
                yield _Checking(process.stdout)
            finally:
                process.kill()  # nothing left to read, or nobody left to read it


def _program(tool: str) -> str:
    program = shutil.which(tool)
    if program is None:
        raise PlainspokenError.at("<system>", 0, f"{tool} not found: {_GETTEXT_HINT}")
    return program


def _gettext_env() -> dict[str, str]:
    return {**os.environ, "LC_ALL": "C.UTF-8"}


def gettext_problems(stderr: bytes, display: str, *, warnings: bool = False) -> list[Problem]:
    """``<stdin>:LINE: message`` lines of a gettext tool as problems at ``display``."""
    problems = []
    for line in stderr.decode("utf-8", "replace").splitlines():
        head, sep, rest = line.partition(":")
        number, sep2, message = rest.partition(":")
        if not (sep and sep2 and head == "<stdin>" and number.strip().isdigit()):
            continue
        if message.strip().startswith("warning:") and not warnings:
            continue  # missing optional header fields and the like: not a broken file
        # msgfmt counts the newline that ends an unterminated string: point at the string.
        offset = 1 if "end-of-line within string" in message else 0
        problems.append(Problem(display, int(number) - offset, message.strip()))
    return problems


def check_with_msgfmt(data: bytes, display: str, cache: Path | None = None) -> list[Problem]:
    """GNU ``msgfmt --check`` on a catalog's (prepared) bytes, the strict reference; its result is
    kept by the bytes' hash (in this process, and in the ``cache`` folder where one is given)."""

    def run(datas: list[bytes]) -> list[MsgfmtResult]:
        ran = run_gettext("msgfmt", MSGFMT_CHECK, datas[0])
        return [MsgfmtResult(ran.returncode, ran.stderr)]

    (result,) = checked_together([data], run, program=_program("msgfmt"), folder=_results_folder(cache))
    return _msgfmt_problems(result, display)


@contextlib.contextmanager
def msgfmt_checking(files: Sequence[tuple[Path, str | None]], cache: Path | None = None) -> Iterator[None]:
    """msgfmt checks the catalog files (path, locale) whose bytes were not checked before, one
    after another in a process of its own, while the block does other work; loading a file in the
    block waits for its own result only, and the results are kept when it ends, where loading the
    files finds them. A file it cannot read, beyond AT_ONCE, or without msgfmt, a shell or a
    temporary folder to start it with, is left to its loading (which reports what is wrong)."""
    program, folder = shutil.which("msgfmt"), _results_folder(cache)
    todo = unchecked(_prepared_files(files), program=program, folder=folder)[:AT_ONCE] if program else []
    if program is None or not todo:
        yield
        return
    with contextlib.ExitStack() as stack:
        try:
            checking = stack.enter_context(_checking_each(program, todo))
        except OSError:
            yield
            return
        waits = {data: functools.partial(checking.result, index) for index, data in enumerate(todo)}
        with being_checked(waits, program=program):
            yield
        done = [checking.result(index) for index in range(len(todo))]
    ran = {data: result for data, result in zip(todo, done, strict=True) if result is not None}
    checked_together(list(ran), lambda datas: [ran[data] for data in datas], program=program, folder=folder)


def _prepared_files(files: Sequence[tuple[Path, str | None]]) -> list[bytes]:
    """The bytes msgfmt checks of each catalog file (path, locale) that can be read."""
    datas = []
    for path, locale in files:
        with contextlib.suppress(OSError, PlainspokenError):  # left to its loading, which says why
            datas.append(prepare(path.read_bytes(), str(path), locale)[0])
    return datas


def _results_folder(cache: Path | None) -> Path | None:
    """Where msgfmt's results are kept on disk: only where the project has a build folder
    (checking a project never makes one)."""
    return cache / "msgfmt" if cache is not None and cache.parent.is_dir() else None


def _msgfmt_problems(result: MsgfmtResult, display: str) -> list[Problem]:
    problems = gettext_problems(result.stderr, display)
    if result.returncode != 0 and not problems:
        text = " ".join(result.stderr.decode("utf-8", "replace").replace("<stdin>", display).split())
        problems.append(Problem(display, 0, text or "msgfmt rejected this file"))
    return problems


def normalise(data: bytes, display: str) -> bytes:
    """``data`` laid out by ``msgcat``: GNU gettext's wrapping, same messages."""
    result = run_gettext("msgcat", ["--force-po", "-o", "-", "-"], data)
    if result.returncode != 0:
        problems = gettext_problems(result.stderr, display) or [Problem(display, 0, "msgcat failed")]
        raise PlainspokenError(problems)
    return result.stdout


def merge_catalog(data: bytes, template: Path, display: str) -> bytes:
    """``data`` merged with ``template`` by ``msgmerge --previous``, checked by msgfmt.

    msgmerge is the reference for what a merge keeps: an obsolete entry whose msgid comes
    back is revived with its translation; a changed msgid keeps its translation as fuzzy
    with the previous msgid (``#|``). Raises instead of returning a catalog msgfmt rejects.
    """
    result = run_gettext("msgmerge", ["--previous", "--quiet", "-o", "-", "-", str(template)], data)
    if result.returncode != 0:
        problems = gettext_problems(result.stderr, display)
        raise PlainspokenError(problems or [Problem(display, 0, "msgmerge could not merge this catalog")])
    problems = check_with_msgfmt(result.stdout, display)
    if problems:
        raise PlainspokenError(
            Problem(display, 0, f"update left the file alone: merging would break it ({p.message})")
            for p in problems
        )
    return result.stdout


def drop_obsolete_twins(data: bytes, display: str) -> tuple[bytes, list[Problem]]:
    """Repair a live message with an obsolete (``#~``) copy of the same msgid, which msgfmt rejects.

    Plainspoken's Babel-based updates wrote such pairs when a deleted sentence came back. The
    copy without a translation goes (msgmerge then revives the translated one); a warning says so.
    """
    catalog = parse_catalog(data, display)
    lines = data.split(b"\n")
    drop: list[tuple[int, int]] = []
    warnings = []
    for msgid, old in catalog.obsolete.items():
        live = catalog.get(msgid) if msgid else None
        if live is None or not live.lineno or not old.lineno:
            continue
        keep_old = not str(live.string or "").strip() and bool(str(old.string or "").strip())
        drop.append(_entry_lines(lines, (live.lineno if keep_old else old.lineno) - 1))
        warnings.append(
            Problem(display, live.lineno, "repaired: this message also had an obsolete (#~) copy; one kept")
        )
    for start, end in sorted(drop, reverse=True):
        del lines[start:end]
    return b"\n".join(lines), warnings


def _entry_lines(lines: list[bytes], msgid_index: int) -> tuple[int, int]:
    """The line range of the entry whose msgid is at ``msgid_index``: its comments to its blank line."""
    start = msgid_index
    while start > 0 and lines[start - 1].startswith(b"#"):
        start -= 1
    end = msgid_index
    while end < len(lines) and lines[end].strip():
        end += 1
    return start, min(end + 1, len(lines))


# --- reading -------------------------------------------------------------------------


def plural_rule(language: str | None) -> str:
    """The language's CLDR plural rule in gettext's Plural-Forms syntax (Babel knows it)."""
    return plural_forms(language or "en")


def prepare(data: bytes, display: str, language: str | None) -> tuple[bytes, list[Problem]]:
    """The bytes gettext and Babel read, and a warning for each repair.

    A UTF-8 byte order mark (Windows editors) is dropped; Poedit's placeholder
    ``Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;`` becomes the language's CLDR rule
    when the catalog has no plural messages (with plural messages, msgfmt reports it).
    """
    unusable = _unusable(data)
    if unusable:
        raise PlainspokenError.at(display, 1, unusable)
    warnings = []
    if data.startswith(BOM):
        data = data[len(BOM) :]
        bom = "the file starts with a byte order mark (BOM): ignored; save it as UTF-8 without BOM"
        warnings.append(Problem(display, 1, bom))
    match = _PLACEHOLDER_PLURALS.search(data)
    if match and b"\nmsgid_plural " not in data:
        line = data.count(b"\n", 0, match.start()) + 1
        rule = f'"Plural-Forms: {plural_rule(language)}\\n"'.encode()
        data = data[: match.start()] + rule + data[match.end() :]
        warnings.append(
            Problem(
                display,
                line,
                "Plural-Forms is a placeholder (nplurals=INTEGER): ignored, as no message has "
                "plural forms; plainspoken update writes the language's rule",
            )
        )
    return data, warnings


def _unusable(data: bytes) -> str:
    """Why catalog bytes cannot be read as a catalog at all ('' if they can be tried)."""
    if not data.strip():
        return "the file is empty: put back the translated file (from a backup or version control)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\0" in data[:200]:
        return "saved as UTF-16 (Windows calls it Unicode): save it again as UTF-8"
    return ""


def read_catalog(path: Path, display: str, *, locale: str | None = None) -> ProjectCatalog:
    """Parse a .po/.pot file with Babel (after :func:`prepare`), refusing anything invalid."""
    data, warnings = prepare(path.read_bytes(), display, locale)
    return parse_catalog(data, display, locale=locale, warnings=warnings)


def parse_catalog(
    data: bytes, display: str, *, locale: str | None = None, warnings: Iterable[Problem] = ()
) -> ProjectCatalog:
    """Babel's reading of prepared catalog bytes."""
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
    catalog.warnings = tuple(warnings)
    return catalog


def _restore_previous_id(message: Message) -> None:
    """Babel reads ``#| msgid "…"`` as a user comment: make it the previous msgid again."""
    previous = [c[2:] for c in message.user_comments if c.startswith("| ")]
    if not previous or not previous[0].startswith("msgid "):
        return
    message.user_comments = [c for c in message.user_comments if not c.startswith("| ")]
    message.previous_id = [denormalize("\n".join([previous[0][6:], *previous[1:]]))]


def load_catalog(
    path: Path, display: str, *, locale: str | None = None, shared: bool = False, cache: Path | None = None
) -> ProjectCatalog:
    """Validate with msgfmt, then parse with Babel; every problem is path:line.

    The catalog's ``warnings`` say what was repaired on reading (a BOM, a placeholder
    Plural-Forms). With ``shared``, a catalog already loaded in this process from the same bytes
    is returned again: for readers only, never for code that changes it. msgfmt's result is kept
    in ``cache`` (a project's build/cache) for the next process.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        why = unreadable_reason(path) or f"cannot read: {error.strerror}"
        raise PlainspokenError.at(display, 0, why) from None
    if shared:
        return _load_shared(data, display, locale, cache)
    return _load(data, display, locale, cache)


def _load(data: bytes, display: str, locale: str | None, cache: Path | None) -> ProjectCatalog:
    data, warnings = prepare(data, display, locale)
    problems = check_with_msgfmt(data, display, cache)
    if problems:
        raise PlainspokenError(problems)
    return parse_catalog(data, display, locale=locale, warnings=warnings)


@functools.lru_cache(maxsize=256)
def _load_shared(data: bytes, display: str, locale: str | None, cache: Path | None) -> ProjectCatalog:
    """Keyed by the file's bytes, not its time: a catalog put back with its old size and time (a
    backup restored) between two builds of one process is read again."""
    return _load(data, display, locale, cache)
