"""Plan a build: one task per article × language × output, each keyed by a hash of its inputs.

Only hashing happens here (no parsing, no rendering), so that a build with nothing to do is quick.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline import __version__
from pipeline.source.project import UI_DOMAIN, Project

PACKAGE_DIR = Path(__file__).resolve().parent.parent
OUTPUTS = ("audio", "pdf", "html")  # build order within an article × language
_ARTICLE_LINK = re.compile(r"\]\(<?([a-z0-9]+(?:-[a-z0-9]+)*)\.md[#)>]")


@dataclass(frozen=True)
class Task:
    """One output of one article in one language, and the hash of everything it is made from."""

    slug: str
    language: str
    output: str
    key: str

    @property
    def id(self) -> str:
        return f"{self.language}/{self.slug}/{self.output}"


@dataclass(frozen=True)
class Plan:
    """Every task of this build, in order, and the key of the site's shared pages."""

    tasks: tuple[Task, ...]
    site_key: str
    scope_languages: tuple[str, ...]
    scope_outputs: tuple[str, ...]
    shard: tuple[int, int] | None = None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def file_hash(path: Path) -> str:
    """sha256 of a file's bytes, or 'missing'."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return "missing"


def tree_hash(folder: Path) -> str:
    """One hash for every file under ``folder`` (names and contents), sorted."""
    if not folder.is_dir():
        return "missing"
    files = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return _digest(*(f"{p.relative_to(folder).as_posix()}={file_hash(p)}" for p in files))


def pipeline_hash() -> str:
    """The pipeline's version: its release and every file of the package (code, templates, CSS, data),
    hashed again whenever a file's time or size changed (a preview server runs for hours)."""
    files = [p for p in PACKAGE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    stamp = tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files))
    return _pipeline_hash(str(PACKAGE_DIR), stamp)


@functools.lru_cache(maxsize=1)
def _pipeline_hash(folder: str, stamp: tuple[tuple[str, int, int], ...]) -> str:
    return _digest(__version__, tree_hash(Path(folder)))


def make_plan(
    project: Project,
    *,
    outputs: tuple[str, ...],
    languages: tuple[str, ...],
    shard: tuple[int, int] | None = None,
) -> Plan:
    """The tasks for ``outputs`` × ``languages`` × every article (or this shard's slice of them)."""
    slugs = sorted(p.stem for p in project.article_paths())
    common = _digest(
        pipeline_hash(),
        file_hash(project.source_dir / "site.toml"),
        project.config.page_size,  # --page-size overrides site.toml
        tree_hash(project.source_dir / "assets"),
    )
    groups = [(slug, language) for slug in slugs for language in languages]
    if shard is not None:
        index, count = shard
        groups = [g for position, g in enumerate(groups) if position % count == index - 1]
    tasks: list[Task] = []
    for slug, language in groups:
        keys = _group_keys(project, common, slug, language)
        tasks += [Task(slug, language, output, keys[output]) for output in OUTPUTS if output in outputs]
    everything = _digest(
        common,
        tree_hash(project.locales_dir),
        *(file_hash(project.source_dir / f"{s}.md") for s in slugs),
        *(t.key for t in tasks),
    )
    return Plan(tuple(tasks), everything, languages, outputs, shard)


def _linked_slugs(path: Path) -> list[str]:
    """The other articles an article links to (](other.md…): a regular expression, not a parse."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return sorted(set(_ARTICLE_LINK.findall(text)) - {path.stem})


def _group_keys(project: Project, common: str, slug: str, language: str) -> dict[str, str]:
    """The input hash of each output of one article in one language."""
    catalogs = project.locales_dir / language / "LC_MESSAGES"
    text = _digest(
        common,
        file_hash(project.source_dir / f"{slug}.md"),
        file_hash(catalogs / f"{slug}.po"),
        file_hash(catalogs / f"{UI_DOMAIN}.po"),
    )
    for other in _linked_slugs(project.source_dir / f"{slug}.md"):  # their sections and publication
        text = _digest(
            text, file_hash(project.source_dir / f"{other}.md"), file_hash(catalogs / f"{other}.po")
        )
    if project.config.withholds():  # other languages' catalogs decide which languages are published
        text = _digest(
            text,
            *(
                file_hash(project.locales_dir / other / "LC_MESSAGES" / f"{slug}.po")
                for other in project.config.languages
            ),
        )
    audio = _digest(text, "audio", file_hash(project.locales_dir / language / "pronunciation.toml"))
    return {"audio": audio, "pdf": _digest(text, "pdf"), "html": _digest(text, "html", audio)}
