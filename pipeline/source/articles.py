"""Reading a project's articles into source Documents, with placeholder checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PlainspokenError, Problem
from pipeline.model import (
    Block,
    Document,
    Heading,
    Image,
    Link,
    Placeholder,
    iter_units,
    plain_text,
    walk_inlines,
)
from pipeline.source.glyphs import undrawable, undrawable_message
from pipeline.source.parse import ARTICLE_LINK, ASSET_LINK, ParsedArticle, parse_source
from pipeline.source.project import Project


@dataclass(frozen=True)
class SourceSet:
    """The articles that parsed, the problems of those that did not, and the authors' private comments."""

    documents: tuple[Document, ...]
    problems: tuple[Problem, ...]
    comments: tuple[Problem, ...] = ()


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


def heading_ids(blocks: tuple[Block, ...]) -> set[str]:
    """The id of every heading, however deep (in lists and quotes too)."""
    found: set[str] = set()
    for block in blocks:
        if isinstance(block, Heading):
            found.add(block.id)
        for child in getattr(block, "blocks", ()):
            found |= heading_ids((child,))
        for item in getattr(block, "items", ()):
            found |= heading_ids(item.blocks)
    return found


def glyph_problems(doc: Document) -> list[Problem]:
    """A character no installed font has, at its line: every handout of the article would fail."""
    return [
        Problem(doc.source_path, ref.line, undrawable_message(char))
        for ref in iter_units(doc)
        for char in undrawable(plain_text(ref.node.inlines))
    ]


def target_problems(project: Project, doc: Document) -> list[Problem]:
    """Links to articles or anchors that do not exist, and images whose file is missing."""
    problems = []
    for ref in iter_units(doc):
        for node in walk_inlines(ref.node.inlines):
            message = ""
            if isinstance(node, Link):
                message = _link_target_problem(project, doc, node.url)
            elif isinstance(node, Image) and not (project.source_dir / node.src).is_file():
                message = f"image {node.src} is missing: put the file at source/{node.src}"
            if message:
                problems.append(Problem(doc.source_path, ref.line, message))
    return problems


def _link_target_problem(project: Project, doc: Document, url: str) -> str:
    if url.startswith("#"):
        ids = heading_ids(doc.blocks)
        return "" if url[1:] in ids else f"link to {url}: this article has no section with that id"
    if ASSET_LINK.match(url):
        exists = (project.source_dir / url).is_file()
        return "" if exists else f"link to {url}: the file is missing: put it at source/{url}"
    match = ARTICLE_LINK.match(url)
    if match is None:
        return ""
    slug, anchor = match.groups()
    path = project.source_dir / f"{slug}.md"
    if not path.is_file():
        return f"link to {url}: there is no article source/{slug}.md"
    if not anchor:
        return ""
    try:
        target = _parse(project, path).document  # its errors, if any, are reported with it
    except (PlainspokenError, UnicodeDecodeError):
        return ""  # the other article's own errors are reported with it
    if anchor not in heading_ids(target.blocks):
        choices = ", ".join(f"#{i}" for i in sorted(heading_ids(target.blocks))) or "none"
        return f"link to {url}: {slug}.md has no section #{anchor} (its sections: {choices})"
    return ""


def _parse(project: Project, path: Path) -> ParsedArticle:
    return parse_source(path.read_text(encoding="utf-8"), path=project.display(path), slug=path.stem)


def _comments(project: Project, path: Path) -> tuple[Problem, ...]:
    """The private comments of an article with errors, when it parses at all."""
    try:
        return _parse(project, path).comments
    except (PlainspokenError, UnicodeDecodeError, OSError):
        return ()


def not_utf8_problem(display: str, error: UnicodeDecodeError) -> Problem:
    """'source/a.md:3: not UTF-8 text (byte 0xe9): …', at the line of the first byte that is not."""
    line = error.object.count(b"\n", 0, error.start) + 1
    byte = error.object[error.start]
    message = (
        f"not UTF-8 text (byte 0x{byte:02x}): save it as UTF-8 (Save As, encoding UTF-8)"
    )
    return Problem(display, line, message)


def read_source(project: Project, path: Path) -> ParsedArticle:
    """Parse one article and check its placeholders, links and images; raises PlainspokenError."""
    display = project.display(path)
    try:
        parsed = _parse(project, path)
    except UnicodeDecodeError as error:
        raise PlainspokenError(not_utf8_problem(display, error)) from None
    doc = parsed.document
    problems = [*parsed.problems, *unknown_placeholders(doc, set(project.config.facts()))]
    problems += target_problems(project, doc) + glyph_problems(doc)
    if problems:
        raise PlainspokenError(sorted(problems))
    return parsed


def read_article(project: Project, path: Path) -> Document:
    """Parse one article and check it; raises PlainspokenError on bad input."""
    return read_source(project, path).document


def load_sources(project: Project) -> SourceSet:
    """Parse every article in source/; a bad article is reported, the others still load."""
    documents: list[Document] = []
    problems: list[Problem] = project.misnamed_articles()
    comments: list[Problem] = []
    for path in project.article_paths():
        try:
            parsed = read_source(project, path)
        except PlainspokenError as error:
            problems.extend(error.problems)
            comments.extend(_comments(project, path))
            continue
        documents.append(parsed.document)
        comments.extend(parsed.comments)
    return SourceSet(tuple(documents), tuple(problems), tuple(comments))
