"""Plan a build: one task per article × language × output, each keyed by a hash of its inputs.

Only hashing happens here (no parsing, no rendering), so that a build with nothing to do is quick.
"""

from __future__ import annotations

import functools
import hashlib
import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from pipeline import __version__
from pipeline.builders import toolchain
from pipeline.builders.outputs import OutputSpec, specs
from pipeline.errors import PlainspokenError
from pipeline.i18n.clinical import RECORD, read_record
from pipeline.quality.inputs import PROJECT_FILE, assessment_path
from pipeline.source.config import SiteConfig
from pipeline.source.languages import SOURCE_LANGUAGE
from pipeline.source.project import UI_DOMAIN, Project

PACKAGE_DIR = Path(__file__).resolve().parent.parent


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
    slugs: tuple[str, ...] = ()  # every article of the site, in this shard or not


def digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def file_hash(path: Path) -> str:
    """sha256 of a file's bytes, or 'missing', or 'unreadable' (a folder in its place, no permission:
    reported where it is read)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "unreadable"


def tree_hash(folder: Path) -> str:
    """One hash for every file under ``folder`` (names and contents), sorted."""
    if not folder.is_dir():
        return "missing"
    files = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return digest(*(f"{p.relative_to(folder).as_posix()}={file_hash(p)}" for p in files))


def pipeline_hash() -> str:
    """The pipeline's version: its release and every file of the package (code, templates, CSS, data),
    hashed again whenever a file's time or size changed (a preview server runs for hours)."""
    files = [p for p in PACKAGE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    stamp = tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files))
    return _pipeline_hash(str(PACKAGE_DIR), stamp)


@functools.lru_cache(maxsize=1)
def _pipeline_hash(folder: str, stamp: tuple[tuple[str, int, int], ...]) -> str:
    return digest(__version__, tree_hash(Path(folder)))


def make_plan(
    project: Project,
    *,
    outputs: tuple[str, ...],
    languages: tuple[str, ...],
    shard: tuple[int, int] | None = None,
) -> Plan:
    """The tasks for ``outputs`` × ``languages`` × every article (or this shard's slice of them)."""
    slugs = sorted(p.stem for p in project.article_paths())
    common = digest(pipeline_hash(), settings_hash(project), project.config.page_size)
    assets = asset_hashes(project)
    groups = [(slug, language) for slug in slugs for language in languages]
    if shard is not None:
        index, count = shard
        groups = [g for position, g in enumerate(groups) if position % count == index - 1]
    tasks: list[Task] = []
    read: dict[str, ArticleInputs] = {}  # what every language of an article reads: read once
    for slug, language in groups:
        text = _text_key(project, common, assets, slug, language)
        if slug not in read:
            read[slug] = ArticleInputs(slug, tuple(_published_in(project, slug)), sign_off_key(project, slug))
        keys = _output_keys(project, text, language, read[slug])
        tasks += [Task(slug, language, output.name, keys[output.name]) for output in specs(outputs)]
    everything = digest(  # the shared pages: indexes, report, static files, every asset
        common,
        file_hash(project.source_dir / "site.toml"),
        *assets.values(),
        tree_hash(project.locales_dir),
        *(file_hash(project.source_dir / f"{s}.md") for s in slugs),
        *(file_hash(assessment_path(project.source_dir, s)) for s in slugs),  # the report's scorecards
        file_hash(project.source_dir / PROJECT_FILE),
        file_hash(project.source_dir / RECORD),  # the report's clinical sign-offs
        *(t.key for t in tasks),
    )
    return Plan(tuple(tasks), everything, languages, outputs, shard, tuple(slugs))


def settings_hash(project: Project) -> str:
    """site.toml as data, without [voices] (a voice is an input of its own language's audio only)
    and [build] (where the build runs changes none of its outputs)."""
    path = project.source_dir / "site.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return file_hash(path)
    data.pop("voices", None)
    data.pop("build", None)
    return digest(json.dumps(data, sort_keys=True, default=str))


def asset_hashes(project: Project) -> dict[str, str]:
    """'assets/<path>' → sha256 of every file under source/assets/."""
    folder = project.source_dir / "assets"
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    return {f"assets/{p.relative_to(folder).as_posix()}": file_hash(p) for p in files}


def _text_key(project: Project, common: str, assets: dict[str, str], slug: str, language: str) -> str:
    """The hash of what every output of one article in one language reads: the article, its
    catalogs and the assets they name."""
    catalogs = project.locales_dir / language / "LC_MESSAGES"
    article, catalog = project.source_dir / f"{slug}.md", catalogs / f"{slug}.po"
    named = _read(article) + _read(catalog)
    named += unquote(named)  # assets/a%20b.png names "assets/a b.png"
    return digest(
        common,
        file_hash(article),
        file_hash(catalog),
        file_hash(catalogs / f"{UI_DOMAIN}.po"),
        *(f"{name}={digest}" for name, digest in assets.items() if name in named),
    )


def _published_in(project: Project, slug: str) -> list[str]:
    """When the policy can withhold languages (as by default: a language with nothing translated),
    the article's catalogs in every language: they decide which languages its page links to. Only
    outputs that list the languages read them: a Korean edit remakes the other pages, not their
    handouts or guides."""
    others = project.config.languages if project.config.withholds() else ()
    return [file_hash(project.locales_dir / other / "LC_MESSAGES" / f"{slug}.po") for other in others]


def linked_files(project: Project, linked: Sequence[str], language: str) -> dict[str, str]:
    """What the articles a page links to add to it (their sections, where they are published), as
    project-relative path → hash: recorded when the page is built (the articles its parse
    resolved), checked by the next plan (Sphinx's note_dependency)."""
    others = project.config.languages if project.config.withholds() else ()
    paths = []
    for slug in linked:
        paths.append(project.source_dir / f"{slug}.md")
        paths += [project.locales_dir / lang / "LC_MESSAGES" / f"{slug}.po" for lang in (language, *others)]
    return {path.relative_to(project.root).as_posix(): file_hash(path) for path in paths}


def sign_off_key(project: Project, slug: str) -> str:
    """The article's entry in source/clinical-review.toml (who signed it, when, what they read): an
    input of the outputs that show it; an edit of the article voids it through the article's own hash."""
    path = project.source_dir / RECORD
    try:
        return digest(json.dumps(read_record(path, project.display(path)).get(slug, {}), sort_keys=True))
    except PlainspokenError:
        return file_hash(path)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:  # absent, or no file (its job says so)
        return ""


@dataclass(frozen=True)
class ArticleInputs:
    """What the outputs of an article read in every language: the article's catalogs in every
    language (see _published_in), and its sign-off's key."""

    slug: str
    published: tuple[str, ...]
    signed: str


def _output_keys(project: Project, text: str, language: str, article: ArticleInputs) -> dict[str, str]:
    """The input hash of each output: the text's, what it needs, its own files, its voice (the
    voice setting, a Piper model and a narrator's recordings, by name, size and time), and the
    toolchain that renders it (library versions, font and espeak-ng files)."""
    from pipeline.speech.speakers import voice_inputs

    voices = dict(project.config.voices)
    slug = article.slug
    inputs = voice_inputs(project.config, project.root, language, slug)
    voice = f"voice={voices.get(language, 'default')}\n{inputs}"
    if language != SOURCE_LANGUAGE:  # parts that fell back: the source language's voice and lexicon
        fallback = voice_inputs(project.config, project.root, SOURCE_LANGUAGE, slug)
        lexicon = file_hash(project.locales_dir / SOURCE_LANGUAGE / "pronunciation.toml")
        voice += f"\nfallback={voices.get(SOURCE_LANGUAGE, 'default')}\n{fallback}\n{lexicon}"
    keys: dict[str, str] = {}
    for output in specs():  # in build order: what an output needs is keyed before it
        keys[output.name] = digest(
            text,
            output.name,
            *(keys[need] for need in output.needs),
            *(file_hash(project.locales_dir / language / name) for name in output.language_files),
            *([voice] if output.voiced else []),
            *([article.signed] if output.signed else []),
            *(article.published if output.lists_languages else []),
            toolchain.fingerprint(output, language, unused_parts(project.config, output, language)),
        )
    return keys


def unused_parts(config: SiteConfig, output: OutputSpec, language: str) -> frozenset[str]:
    """The parts of ``output``'s toolchain that do not make it in ``language``: Piper's, unless it is
    a guide spoken with a Piper voice (its own language's, or the source language's where a part
    fell back to it). Its key leaves them out, and so does what a cluster's workers are compared on."""
    if not output.voiced:
        return frozenset()
    spoken = {language, SOURCE_LANGUAGE}
    piper_voices = [c for lang in spoken if (c := config.voice_choice(lang)) and c.engine == "piper"]
    return frozenset() if piper_voices else toolchain.PIPER
