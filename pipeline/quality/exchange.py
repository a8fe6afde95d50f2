"""Exchange with CAT tools: export a language as XLIFF or TMX; import XLIFF targets after every check."""

from __future__ import annotations

import dataclasses
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import PlainspokenError, Problem
from pipeline.i18n.catalogs import load_catalog
from pipeline.i18n.po_edit import NewString, set_msgstrs
from pipeline.i18n.tmx import export_tmx
from pipeline.i18n.xliff import CatalogFile, ReturnedTarget, export_xliff, read_xliff, unit_id
from pipeline.quality.checks import CHECKS, MessageChecker
from pipeline.quality.gates import domains, message_checker
from pipeline.source.project import UI_DOMAIN, Project, write_atomic


def catalog_files(project: Project, language: str, article: str | None) -> list[CatalogFile]:
    """The language's catalogs to export: one article's, or the interface's and every article's."""
    chosen = [article] if article else domains(project)
    files = []
    for domain in chosen:
        path = project.catalog_path(language, domain)
        display = project.display(path)
        if not path.exists():
            raise PlainspokenError.at(display, 0, f"missing: run plainspoken init {language}")
        catalog = load_catalog(path, display, locale=language)
        files.append(CatalogFile(domain, display, catalog, markdown=domain != UI_DOMAIN))
    return files


def export_language(project: Project, language: str, *, kind: str, article: str | None) -> bytes:
    """The language's catalogs as an XLIFF 1.2 file or a TMX 1.4 memory."""
    files = catalog_files(project, language, article)
    if kind == "tmx":
        return export_tmx(files, language=language)
    return export_xliff(files, language=language)


@dataclass
class ImportResult:
    """What importing one XLIFF file did."""

    changed: dict[str, int] = field(default_factory=dict)  # catalog → messages changed
    rejected: list[Problem] = field(default_factory=list)


def _accept(
    target: ReturnedTarget, current: dict[str, tuple[str, bool]], checker: MessageChecker, display: str
) -> tuple[str, NewString] | Problem | None:
    """The change a target makes, the problem that refuses it, or None when it changes nothing."""
    if not target.msgstr or current.get(target.msgid) == (target.msgstr, target.fuzzy):
        return None
    if not target.fuzzy:
        found = checker.check(target.msgid, target.msgstr, fuzzy=False)
        errors = [text for check, text in found if CHECKS[check][0] == "error"]
        if errors:
            return Problem(display, target.line, f"trans-unit {target.unit_id}: rejected: {errors[0]}")
    return target.msgid, NewString(target.msgstr, target.fuzzy)


def import_xliff(project: Project, language: str, source: Path) -> ImportResult:
    """Merge an XLIFF file's targets into the language's catalogs; refused targets change nothing."""
    display = str(source)
    result = ImportResult()
    by_file: dict[str, list[ReturnedTarget]] = defaultdict(list)
    for item in read_xliff(source.read_bytes(), display):
        if isinstance(item, PlainspokenError):
            result.rejected += item.problems
        else:
            by_file[Path(item.file).stem].append(item)
    for domain, targets in sorted(by_file.items()):
        _import_domain(project, language, domain, targets, result, display)
    return result


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
        msgid = known.get(target.unit_id)
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
