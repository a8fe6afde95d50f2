"""What a project must still do before its pages go to patients: new's placeholders, its example, reviews."""

from __future__ import annotations

import re

from pipeline.i18n.lifecycle import language_status
from pipeline.quality.checks import Finding
from pipeline.site.new_project import EXAMPLE_SENTENCE, PLACEHOLDERS
from pipeline.source.project import UI_DOMAIN, Project

#: What to write instead of each of plainspoken new's placeholders in [clinic].
_ADVICE = {
    "phone": "write the number patients call",
    "address": "write the clinic's street address, on one line",
    "website": "write the address the site will be published at (https://…)",
}


def readiness_findings(project: Project) -> list[Finding]:
    """Placeholders left in site.toml (errors: a patient would call or visit them), the example
    article still there, each language not yet reviewed (notes), the pages site.toml's policy
    keeps back (warnings)."""
    found = [*placeholder_findings(project), *example_findings(project), *review_findings(project)]
    return found + withheld_findings(project)


def placeholder_findings(project: Project) -> list[Finding]:
    """An error at each [clinic] value still as plainspoken new wrote it."""
    config = project.config
    values = {"phone": config.clinic_phone, "address": config.clinic_address, "website": config.website}
    lines = (project.source_dir / "site.toml").read_text(encoding="utf-8").splitlines()
    return [
        Finding(
            config.path,
            _clinic_line(lines, key),
            "error",
            "placeholder",
            f"clinic.{key} is still plainspoken new's placeholder: {_ADVICE[key]}",
        )
        for key, placeholder in PLACEHOLDERS.items()
        if values[key] == placeholder
    ]


def _clinic_line(lines: list[str], key: str) -> int:
    """The 1-based line of ``key`` in the [clinic] table (0 if it cannot be found)."""
    start = next((n for n, line in enumerate(lines) if line.strip() == "[clinic]"), 0)
    pattern = re.compile(rf"^\s*{key}\s*=")
    return next((n + 1 for n in range(start, len(lines)) if pattern.match(lines[n])), 0)


def example_findings(project: Project) -> list[Finding]:
    """A note at each article that still has plainspoken new's example text."""
    found = []
    for path in project.article_paths():
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()  # not UTF-8: said elsewhere
        line = next((n + 1 for n, text in enumerate(lines) if EXAMPLE_SENTENCE in text), 0)
        if line:
            message = "plainspoken new's example article: replace it with your own (or copy it to start one)"
            found.append(Finding(project.display(path), line, "info", "example", message))
    return found


def review_findings(project: Project) -> list[Finding]:
    """A note for each language with a catalog no qualified medical translator has signed off."""
    domains = [UI_DOMAIN, *(path.stem for path in project.article_paths())]
    found = []
    for language in project.translation_languages():
        states = {status.review for status in language_status(project, language, domains)}
        if states - {"reviewed"}:
            message = (
                "draft translations, not yet reviewed by a qualified medical translator (the pages say so);"
                f' once reviewed: plainspoken review {language} --by "Name"'
            )
            where = project.display(project.locales_dir / language)
            found.append(Finding(where, 0, "info", "review", message))
    return found


def withheld_findings(project: Project) -> list[Finding]:
    """A warning for each article's page the publishing policy keeps back, saying why and what
    publishes it (a language listed in site.toml that patients would not find)."""
    from pipeline.i18n.publishing import decide_publication

    slugs = sorted(path.stem for path in project.article_paths())
    publication = decide_publication(project, slugs, ["html"])
    return [
        Finding(project.display(project.catalog_path(language, slug)), 0, "warning", "not-published", why)
        for slug, language, _key, why in publication.withheld
    ]
