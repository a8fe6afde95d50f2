"""Reading a project's articles into source Documents, with placeholder checks."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.errors import PlainspokenError, Problem
from pipeline.model import Document, Inline, Placeholder, iter_units
from pipeline.parse import parse_article
from pipeline.project import Project


@dataclass(frozen=True)
class SourceSet:
    """The articles that parsed, and the problems of those that did not."""

    documents: tuple[Document, ...]
    problems: tuple[Problem, ...]


def unknown_placeholders(doc: Document, known: set[str]) -> list[Problem]:
    """A problem for every {placeholder} that site.toml does not define."""
    problems = []
    for ref in iter_units(doc):
        for node in _walk(ref.node.inlines):
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


def _walk(inlines: tuple[Inline, ...]) -> list[Inline]:
    found: list[Inline] = []
    for node in inlines:
        found.append(node)
        children = getattr(node, "children", None)
        if children:
            found.extend(_walk(children))
    return found


def load_sources(project: Project) -> SourceSet:
    """Parse every article in source/; a bad article is reported, the others still load."""
    documents: list[Document] = []
    problems: list[Problem] = []
    known = set(project.config.facts())
    for path in project.article_paths():
        display = project.display(path)
        try:
            doc = parse_article(path.read_text(encoding="utf-8"), path=display, slug=path.stem)
        except PlainspokenError as error:
            problems.extend(error.problems)
            continue
        except UnicodeDecodeError:
            problems.append(Problem(display, 0, "not UTF-8 text"))
            continue
        found = unknown_placeholders(doc, known)
        if found:
            problems.extend(found)
            continue
        documents.append(doc)
    return SourceSet(tuple(documents), tuple(problems))
