"""Exchange with CAT tools: export a language as XLIFF or TMX; import XLIFF targets after every check."""

from __future__ import annotations

import dataclasses
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import PlainspokenError, Problem
from pipeline.i18n.catalogs import load_catalog
from pipeline.i18n.lifecycle import missing_catalog
from pipeline.i18n.po_edit import NewString, set_msgstrs
from pipeline.i18n.tmx import export_tmx
from pipeline.i18n.xliff import (
    CatalogFile,
    ReturnedTarget,
    XliffFile,
    dialect,
    export_xliff,
    parse_xml,
    read_xliff1,
    unit_id,
)
from pipeline.i18n.xliff2 import export_xliff2, read_xliff2
from pipeline.quality.checks import CHECKS, MessageChecker
from pipeline.quality.gates import domains, message_checker
from pipeline.source.parse import parse_inline
from pipeline.source.project import UI_DOMAIN, Project, check_language, write_atomic

_LANGUAGE_HEADER = re.compile(rb'^"Language: ([^"\\]*)(?:\\n)?"', re.M)
_OWN_ID = re.compile(r"m[0-9a-f]{12}")
_LANGUAGE_FOLDER = re.compile(r"(?:^|/)locales/([^/]+)/LC_MESSAGES/")


def catalog_files(
    project: Project, language: str, article: str | None
) -> tuple[list[CatalogFile], list[Problem]]:
    """The language's catalogs to export: one article's, or the interface's and every article's;
    each one that cannot be read is named, and the others are exported all the same."""
    chosen = [article] if article else domains(project)
    files: list[CatalogFile] = []
    problems: list[Problem] = []
    for domain in chosen:
        try:
            files.append(catalog_file(project, language, domain))
        except PlainspokenError as error:
            problems += error.problems
    return files, problems


def catalog_file(project: Project, language: str, domain: str) -> CatalogFile:
    path = project.catalog_path(language, domain)
    display = project.display(path)
    if not path.exists():
        raise PlainspokenError.at(display, 0, f"{missing_catalog(project, language, domain)}; not exported")
    catalog = load_catalog(path, display, locale=language)
    return CatalogFile(domain, display, catalog, markdown=domain != UI_DOMAIN)


def export_language(
    project: Project, language: str, *, kind: str, article: str | None
) -> tuple[bytes, list[Problem]]:
    """The language's catalogs as an XLIFF 1.2 or 2.0 file (kind xliff, xliff2) or a TMX 1.4 memory,
    and each catalog left out (missing or unreadable); nothing to write when none can be read."""
    files, problems = catalog_files(project, language, article)
    if not files:
        raise PlainspokenError(problems)
    writers = {"xliff": export_xliff, "xliff2": export_xliff2, "tmx": export_tmx}
    return writers[kind](files, language=language), problems


@dataclass
class ImportResult:
    """What importing one XLIFF file did."""

    changed: dict[str, int] = field(default_factory=dict)  # catalog → messages changed
    rejected: list[Problem] = field(default_factory=list)


def _accept(
    target: ReturnedTarget, current: dict[str, tuple[str, bool]], checker: MessageChecker, display: str
) -> tuple[str, NewString] | Problem | None:
    """The change a target makes, the problem that refuses it, or None when it changes nothing."""
    if not target.msgstr or _unchanged(target, current.get(target.msgid), markdown=checker.markdown):
        return None
    if not target.fuzzy:
        found = checker.check(target.msgid, target.msgstr, fuzzy=False)
        errors = [text for check, text in found if CHECKS[check][0] == "error"]
        if errors:
            return Problem(display, target.line, f"trans-unit {target.unit_id}: rejected: {errors[0]}")
    return target.msgid, NewString(target.msgstr, target.fuzzy)


def _unchanged(target: ReturnedTarget, now: tuple[str, bool] | None, *, markdown: bool) -> bool:
    """Whether the target is what the catalog holds: the same text, or Markdown that reads the same
    (a translator's ``2*3`` comes back from export as ``2\\*3``: not a change to write)."""
    if now is None or now[1] != target.fuzzy:
        return False
    if now[0] == target.msgstr:
        return True
    try:
        return markdown and parse_inline(now[0]) == parse_inline(target.msgstr)
    except PlainspokenError:
        return False


def read_exchange(data: bytes, display: str) -> XliffFile:
    """An XLIFF 1.1, 1.2 or 2.0 file's units; any other file is refused saying what it is."""
    root = parse_xml(data, display)
    if dialect(root, display) == "XLIFF 2.0":
        return read_xliff2(root, display)
    return read_xliff1(root, display)


def import_language(xliff: XliffFile, asked: str | None, display: str) -> str:
    """The language to import into: the file's target language and ``--lang`` must agree (a CAT
    project's regional tag, es-ES, may go into its language's catalogs with --lang es)."""
    if "," in xliff.language:
        raise PlainspokenError.at(
            display,
            xliff.line,
            f"the file has several target languages ({xliff.language}): import one at a time",
        )
    if not xliff.language and not asked:
        raise PlainspokenError.at(
            display, xliff.line, f"this {xliff.dialect} file has no target language: use --lang"
        )
    stated = check_language(xliff.language) if xliff.language else ""
    tag = check_language(asked) if asked else stated
    if stated and stated != tag and not (asked and stated.startswith(tag + "-")):  # es-ES into es
        raise PlainspokenError.at(
            display,
            xliff.line,
            f"the file's target language is {stated}, not {tag}: nothing imported"
            f" (import it without --lang, or export {tag} again)",
        )
    return tag


def import_xliff(project: Project, asked: str | None, source: Path) -> ImportResult:
    """Merge an XLIFF file's targets into the language's catalogs; refused targets change nothing,
    and a file, --lang or catalog in another language changes no catalog at all."""
    display = str(source)
    xliff = read_exchange(source.read_bytes(), display)
    language = import_language(xliff, asked, display)
    result = ImportResult()
    by_file: dict[str, list[ReturnedTarget]] = defaultdict(list)
    for item in xliff.units:
        if isinstance(item, PlainspokenError):
            result.rejected += item.problems
        else:
            by_file[Path(item.file).stem].append(item)
    _check_languages(project, language, by_file, display)
    for domain, targets in sorted(by_file.items()):
        _import_domain(project, language, domain, targets, result, display)
    return result


def _check_languages(
    project: Project, language: str, by_file: dict[str, list[ReturnedTarget]], display: str
) -> None:
    """Refuse, before anything is written, a unit from another language's folder or a catalog whose
    Language header names another language."""
    for domain, targets in sorted(by_file.items()):
        folder = _LANGUAGE_FOLDER.search(targets[0].file)
        if folder and _same_language(folder.group(1), language) is False:
            raise PlainspokenError.at(
                display,
                targets[0].line,
                f"{targets[0].file} is a catalog for {folder.group(1)}, not {language}: nothing imported",
            )
        path = project.catalog_path(language, domain)
        data = path.read_bytes() if path.exists() else b""
        header = _LANGUAGE_HEADER.search(data)
        if header and _same_language(header.group(1).decode(), language) is False:
            raise PlainspokenError.at(
                project.display(path),
                data[: header.start()].count(b"\n") + 1,
                f"this catalog's Language is {header.group(1).decode()}, not {language}:"
                f" nothing imported from {display}",
            )


def _same_language(written: str, language: str) -> bool | None:
    """Whether a tag as a catalog or folder writes it (pt_BR) is ``language``; None if it is no tag."""
    try:
        return check_language(written.strip().replace("_", "-")) == language
    except PlainspokenError:
        return None


def _matched(
    target: ReturnedTarget, known: dict[str, str], current: dict[str, tuple[str, bool]]
) -> tuple[ReturnedTarget, str | None]:
    """The message a unit is for: by its id, else by its English (an XLIFF not written by export,
    e.g. translate-toolkit's po2xliff, holds the msgid as it is, Markdown and all). An id in
    export's own form is never second-guessed: an unknown one was exported from older English."""
    if target.unit_id in known or _OWN_ID.fullmatch(target.unit_id):
        return target, known.get(target.unit_id)
    if target.msgid in current:
        return target, target.msgid
    if target.literal_msgid in current:
        return dataclasses.replace(target, msgstr=target.literal_msgstr), target.literal_msgid
    return target, None


def _import_domain(
    project: Project,
    language: str,
    domain: str,
    targets: list[ReturnedTarget],
    result: ImportResult,
    display: str,
) -> None:
    path = project.catalog_path(language, domain)
    if domain not in domains(project) or not path.exists():
        result.rejected.append(
            Problem(display, targets[0].line, f"no catalog {project.display(path)} for this file")
        )
        return
    catalog = load_catalog(path, project.display(path), locale=language)
    known = {unit_id(domain, str(m.id)): str(m.id) for m in catalog if m.id and isinstance(m.id, str)}
    current = {str(m.id): (str(m.string or ""), m.fuzzy) for m in catalog if m.id}
    checker, changes = message_checker(project, language, domain), {}
    for target in targets:
        target, msgid = _matched(target, known, current)
        if msgid is None:
            result.rejected.append(
                Problem(
                    display,
                    target.line,
                    f"trans-unit {target.unit_id}: no such message (exported from an older English text?)",
                )
            )
            continue
        outcome = _accept(dataclasses.replace(target, msgid=msgid), current, checker, display)
        if isinstance(outcome, Problem):
            result.rejected.append(outcome)
        elif outcome:
            changes[outcome[0]] = outcome[1]
    if changes:
        data = set_msgstrs(path.read_text(encoding="utf-8"), changes).encode("utf-8")
        with tempfile.TemporaryDirectory() as folder:  # msgfmt --check first: never a broken file
            trial = Path(folder) / path.name
            trial.write_bytes(data)
            load_catalog(trial, project.display(path), locale=language)
        write_atomic(path, data)
        result.changed[project.display(path)] = len(changes)
