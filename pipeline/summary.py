"""What the CLI prints after a build and for status: plain text or JSON, no logic."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from gettext import ngettext
from typing import TYPE_CHECKING

import click

from pipeline.engine.results import TaskResult

if TYPE_CHECKING:  # imported for types only: the build command starts faster without them
    from pipeline.engine.run import BuildReport
    from pipeline.i18n.lifecycle import DomainStatus, OrphanedArticle
    from pipeline.i18n.translate import MessageCounts
    from pipeline.quality.checks import Finding


class PlainProgress:
    """One line per finished task: for CI logs and anything that is not a terminal."""

    def __init__(self) -> None:
        self.done = 0
        self.total = 0

    def waiting(self, holder: str) -> None:
        click.echo(f"Another build is writing build/site ({holder}); waiting for it to finish…", err=True)

    def start(self, total: int, up_to_date: int) -> None:
        self.total = total
        if total:
            click.echo(f"Building {count(total, 'output', 'outputs')} ({up_to_date} up to date)…")

    def task_done(self, result: TaskResult) -> None:
        self.done += 1
        reason = f"  {result.reason}" if result.reason else ""
        seconds = f"{result.total_seconds:.1f} s"
        click.echo(f"[{self.done}/{self.total}] {result.status:<8} {result.id} ({seconds}){reason}")


class TerminalProgress(PlainProgress):
    """A progress bar on one line, naming the task just finished."""

    def task_done(self, result: TaskResult) -> None:
        self.done += 1
        width = 24
        filled = width * self.done // max(self.total, 1)
        bar = "█" * filled + "·" * (width - filled)
        line = f"\r[{bar}] {self.done}/{self.total} {result.status} {result.id}"
        click.echo(line[:100].ljust(100), nl=self.done == self.total)
        if result.status == "failed":
            click.echo(f"\n  failed: {result.id}: {result.reason}", err=True)


class QuietProgress(PlainProgress):
    """Nothing until the end."""

    def start(self, total: int, up_to_date: int) -> None:
        self.total = total

    def task_done(self, result: TaskResult) -> None:
        self.done += 1


def count(number: int, singular: str, plural: str) -> str:
    """'1 error', '2 errors': the CLI's messages are English, so gettext's ngettext picks the form."""
    return f"{number} {ngettext(singular, plural, number)}"


def make_progress(*, quiet: bool) -> PlainProgress:
    if quiet:
        return QuietProgress()
    return TerminalProgress() if sys.stdout.isatty() else PlainProgress()


def print_report(report: BuildReport, *, quiet: bool) -> None:
    """Warnings and errors with file:line, a table per language and output, then totals."""
    problems = [p for r in report.ran for p in r.problems] + report.problems
    for problem in dict.fromkeys(problems):
        click.echo(str(problem), err=True)
    counts = {
        status: sum(1 for r in report.results if r.status == status)
        for status in ("built", "up to date", "skipped", "failed")
    }
    if not quiet and (report.ran or report.problems):
        click.echo("\nBuild summary (build/site/):")
        for result in sorted(report.ran, key=lambda r: (r.output, r.language, r.slug)):
            click.echo(_row(result))
        for problem in dict.fromkeys(report.problems):  # the shared pages' (indexes, report), misnamed files
            where = ("source", "file") if problem.path.startswith("source/") else ("site", "pages")
            click.echo(f"  {where[0]:<8} {where[1]:<9} {'FAILED':<8} {problem}")
    for notice in report.notices:  # e.g. a Dask worker lost (its calls ran again on others)
        click.echo(f"  note: {notice}")
    if not report.ran and not report.site_pages and not report.failed:
        up_to_date = count(counts["up to date"], "output", "outputs")
        click.echo(f"Up to date: {up_to_date}, nothing to build ({report.seconds:.1f} s).")
        return
    totals = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    verdict = "Build failed" if report.failed else "Build succeeded"
    click.echo(f"{verdict}: {totals or 'site pages updated'} in {report.seconds:.1f} s.")


def _row(result: TaskResult) -> str:
    """'  es       pdf     built    iop-vs-residential-rehab (1.2 s)' and the reason for the rest."""
    detail = f"{result.slug} ({result.total_seconds:.1f} s)"
    if result.reason:  # e.g. a guide's "3 of 18 segments recorded"
        detail += f": {result.reason}"
    if result.status == "built" and result.fallbacks:
        english = count(result.fallbacks, "message", "messages")
        detail += f", {english} in English (untranslated, fuzzy or rejected)"
    if result.status == "built" and result.crisis_line_fallbacks:
        lines = count(result.crisis_line_fallbacks, "crisis-line message", "crisis-line messages")
        detail += f", {lines} in English"
    status = "FAILED" if result.status == "failed" else result.status
    return f"  {result.language:<8} {result.output:<9} {status:<8} {detail}"


def print_status(rows: Sequence[DomainStatus], *, as_json: bool) -> None:
    """A table (or JSON) of messages per language and catalog, with each language's total.

    The counts are the build's: a blank msgstr is untranslated, a translation the build
    refuses is 'rejected', and 'done' is translated out of all messages, as in the report.
    """
    from pipeline.i18n.translate import MessageCounts

    for warning in dict.fromkeys(w for r in rows for w in r.warnings):
        click.echo(str(warning), err=True)
    if as_json:
        data = [
            {
                "language": r.language,
                "domain": r.domain,
                "path": r.path,
                "translated": r.stats.translated,
                "fuzzy": r.stats.fuzzy,
                "untranslated": r.stats.untranslated,
                "rejected": r.stats.rejected,
                "percent": round(r.stats.percent, 1),
                "review": r.review,
                "problem": r.problem or None,
                "behind": r.behind or None,
            }
            for r in rows
        ]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(
        f"{'language':<9}{'catalog':<28}{'translated':>11}{'fuzzy':>7}{'untranslated':>14}{'rejected':>10}"
        f"{'done':>7}  review"
    )
    for language in dict.fromkeys(r.language for r in rows):
        mine = [r for r in rows if r.language == language]
        for r in mine:
            click.echo(_status_row(r.language, r.domain, r.stats, r.review, r.problem))
        if len(mine) > 1 and not any(r.problem for r in mine):
            total = sum((r.stats for r in mine), MessageCounts())
            click.echo(_status_row(language, "(all catalogs)", total, "", ""))
    for line in (r.behind for r in rows if r.behind):  # counted as the outputs show them now
        click.echo(line)


def _status_row(language: str, domain: str, s: MessageCounts, review: str, problem: str) -> str:
    if problem:
        return f"{language:<9}{domain:<28}  {problem}"
    return (
        f"{language:<9}{domain:<28}{s.translated:>11}{s.fuzzy:>7}{s.untranslated:>14}{s.rejected:>10}"
        f"{s.percent:>6.0f}%  {review}"
    ).rstrip()


def print_orphans(orphans: Sequence[OrphanedArticle], *, in_git: bool, err: bool = False) -> None:
    """Catalogs of deleted articles: kept for their translations; how to delete them."""
    for orphan in orphans:
        kept = "its catalog is" if len(orphan.catalogs) == 1 else f"its {len(orphan.catalogs)} catalogs are"
        click.echo(
            f"orphaned: source/{orphan.slug}.md is gone; {kept} kept (never built nor counted):", err=err
        )
        for path in orphan.catalogs:
            click.echo(f"  {path}", err=err)
        click.echo(f"  to delete them: {orphan.delete_command(in_git)}", err=err)


def print_findings(findings: Sequence[Finding], *, as_json: bool) -> None:
    """One finding a line, sorted, then a summary line (or JSON with both)."""
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity == "warning")
    infos = len(findings) - errors - warnings
    summary = f"{count(errors, 'error', 'errors')}, {count(warnings, 'warning', 'warnings')}"
    if infos:
        summary += f", {count(infos, 'note', 'notes')} (info: not a problem)"
    if as_json:
        data = {
            "findings": [vars(f) for f in findings],
            "errors": errors,
            "warnings": warnings,
            "infos": infos,
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for finding in findings:
        click.echo(str(finding))
    click.echo(summary)
