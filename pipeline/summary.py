"""What the CLI prints after a build and for status: plain text or JSON, no logic."""

from __future__ import annotations

import json
from collections.abc import Sequence

import click

from pipeline.build import BuildSummary
from pipeline.checks import Finding
from pipeline.i18n import DomainStatus
from pipeline.project import Project


def print_summary(summary: BuildSummary, project: Project) -> None:
    """Warnings, errors, then one line per language and format."""
    for warning in summary.warnings:
        click.echo(f"{warning}", err=True)
    for problem in summary.problems:
        click.echo(f"{problem}", err=True)
    click.echo(f"\nBuild summary ({project.display(project.site_dir)}/):")
    for result in summary.results:
        if result.status == "skipped":
            click.echo(f"  {result.language:<8} {result.format:<6} skipped  {result.reason}")
        elif result.ok:
            plural = "article" if result.articles == 1 else "articles"
            detail = f"{result.articles} {plural}"
            if result.fallbacks:
                detail += f", {result.fallbacks} units in English (untranslated, fuzzy or rejected)"
            click.echo(f"  {result.language:<8} {result.format:<6} built    {detail}")
        else:
            click.echo(f"  {result.language:<8} {result.format:<6} FAILED   {result.reason}")
    failed = [r for r in summary.results if not r.ok]
    if summary.problems and not failed:
        click.echo(f"  {len(summary.problems)} problem(s) in source/: see above")
    click.echo("Build failed." if summary.failed else "Build succeeded.")


def print_status(rows: Sequence[DomainStatus], *, as_json: bool) -> None:
    """A table (or JSON) of translated / fuzzy / untranslated per language and catalog."""
    if as_json:
        data = [
            {
                "language": r.language,
                "domain": r.domain,
                "path": r.path,
                "translated": r.stats.translated,
                "fuzzy": r.stats.fuzzy,
                "untranslated": r.stats.untranslated,
                "percent": round(r.stats.percent, 1),
                "review": r.review,
                "problem": r.problem or None,
            }
            for r in rows
        ]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(
        f"{'language':<9}{'catalog':<28}{'translated':>11}{'fuzzy':>7}{'untranslated':>14}{'done':>7}  review"
    )
    for r in rows:
        if r.problem:
            click.echo(f"{r.language:<9}{r.domain:<28}  {r.problem}")
            continue
        s = r.stats
        click.echo(
            f"{r.language:<9}{r.domain:<28}{s.translated:>11}{s.fuzzy:>7}{s.untranslated:>14}{s.percent:>6.0f}%"
            f"  {r.review}"
        )


def print_findings(findings: Sequence[Finding], *, as_json: bool) -> None:
    """One finding a line, sorted, then a summary line (or JSON with both)."""
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    summary = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    if as_json:
        data = {"findings": [vars(f) for f in findings], "errors": errors, "warnings": warnings}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for finding in findings:
        click.echo(str(finding))
    click.echo(summary)
