"""Names of the files in source/ the quality checks read: builds are keyed on them, checks not loaded."""

from __future__ import annotations

from pathlib import Path

#: The clinic's own terms to explain and the findings it accepts: source/plain-language.toml.
PROJECT_FILE = "plain-language.toml"


def assessment_path(source_dir: Path, slug: str) -> Path:
    """Where a reviewer's answers for an article are kept: source/<slug>.assessment.toml."""
    return source_dir / f"{slug}.assessment.toml"
