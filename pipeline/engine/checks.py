"""The checks the report shows: each language's errors and warnings, kept in build/checks.json with
the hash of what they read, so that a build runs only the checks of what changed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.engine.plan import digest, file_hash, pipeline_hash, settings_hash, tree_hash
from pipeline.quality.checks import Finding
from pipeline.quality.gates import check_articles, check_language
from pipeline.quality.inputs import PROJECT_FILE
from pipeline.source.project import Project, write_atomic

#: (errors, warnings) per language
Counts = dict[str, tuple[int, int]]


def check_counts(project: Project, languages: Sequence[tuple[str, bool]]) -> Counts:
    """Errors and warnings of each (language, is the articles' own language), from the cache when
    nothing the checks read has changed."""
    path = project.root / "build" / "checks.json"
    cached = _read(path)
    counts: Counts = {}
    for language, source in languages:
        key = _checks_key(project, language, source)
        entry = cached.get(language, {})
        if entry.get("key") != key:
            findings = check_articles(project, strict=False) if source else check_language(project, language)
            entry = {"key": key, "errors": _count(findings, "error"), "warnings": _count(findings, "warning")}
            cached[language] = entry
        counts[language] = (entry["errors"], entry["warnings"])
    write_atomic(path, json.dumps(cached, indent=1, sort_keys=True).encode("utf-8"))
    return counts


def _checks_key(project: Project, language: str, source: bool) -> str:
    """The hash of what the checks read: the articles (a translation is checked against them as
    they are now), the language's catalogs and glossary (any other language), site.toml and the
    pipeline."""
    articles = sorted(project.article_paths())
    common = (pipeline_hash(), settings_hash(project), str(source))
    sources = (f"{p.name}={file_hash(p)}" for p in articles)
    if source:
        misnamed = (problem.path for problem in project.misnamed_articles())
        rules = file_hash(project.source_dir / PROJECT_FILE)  # the clinic's own terms and kept findings
        return digest(*common, *sources, *misnamed, rules)
    return digest(*common, tree_hash(project.locales_dir / language), *sources)


def _count(findings: Sequence[Finding], severity: str) -> int:
    return sum(1 for finding in findings if finding.severity == severity)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
