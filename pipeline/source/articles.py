"""Reading a project's articles into source Documents, with placeholder checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PlainspokenError, Problem
from pipeline.model import Document, Placeholder, iter_units, walk_inlines
from pipeline.source.parse import parse_article
from pipeline.source.project import Project


@dataclass(frozen=True)
class SourceSet:
    """The articles that parsed, and the problems of those that did not."""

    documents: tuple[Document, ...]
    problems: tuple[Problem, ...]


def unknown_placeholders(doc: Document, known: set[str]) -> list[Problem]:
    """A problem for every {placeholder} that site.toml does not define."""
    problems = []
    for ref in iter_units(doc):
        for node in walk_inlines(ref.node.inlines):
            if isinstance(node, Placeholder) and node.name not in known:
                choices = ", ".join("{" + k + "}" for k in sorted(known))
                problems.append(
                    Problem(
                        doc.source_path,
                        ref.line,
                        f"unknown placeholder {{{node.name}}} (site.toml defines {choices})",
                    )
                )
    return problems


def read_article(project: Project, path: Path) -> Document:
    """Parse one article and check its placeholders; raises PlainspokenError on bad input."""
    display = project.display(path)
    try:
        doc = parse_article(path.read_text(encoding="utf-8"), path=display, slug=path.stem)
    except UnicodeDecodeError:
        raise PlainspokenError.at(display, 0, "not UTF-8 text") from None
    problems = unknown_placeholders(doc, set(project.config.facts()))
    if problems:
        raise PlainspokenError(problems)
    return doc


def load_sources(project: Project) -> SourceSet:
    """Parse every article in source/; a bad article is reported, the others still load."""
    documents: list[Document] = []
    problems: list[Problem] = []
    for path in project.article_paths():
        try:
            documents.append(read_article(project, path))
        except PlainspokenError as error:
            problems.extend(error.problems)
    return SourceSet(tuple(documents), tuple(problems))
