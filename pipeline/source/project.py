"""Where a project's articles, catalogs and outputs live; slugs and language tags as paths."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import json
import os
import re
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import babel
from babel import Locale, UnknownLocaleError

from pipeline.errors import PlainspokenError, Problem
from pipeline.source.config import SiteConfig, load_config
from pipeline.source.languages import (
    EXTRA_LANGUAGES,
    NAME_OVERRIDES,
    SOURCE_LANGUAGE,
    LanguageTagError,
    language_tag,
)
from pipeline.source.unreadable import unreadable_reason

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
#: Endings of files that are surely meant as articles; only <slug>.md is read.
MARKDOWN_SUFFIXES = (".md", ".markdown")
UI_DOMAIN = "ui"


@dataclass(frozen=True)
class Project:
    """A Plainspoken project folder: source/, locales/, build/."""

    root: Path
    config: SiteConfig
    site_override: Path | None = None  # the staging copy a build writes into
    cache_override: Path | None = None  # a worker's: what builds keep, outside its copy of the inputs
    #: A worker's: input files its copy lacks because they could not be read (path from the root →
    #: why), as the build's own process found them (see unreadable_reason).
    unreadable: tuple[tuple[str, str], ...] = ()

    @property
    def source_dir(self) -> Path:
        return self.root / "source"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def site_dir(self) -> Path:
        return self.site_override or self.root / "build" / "site"

    @property
    def scratch_dir(self) -> Path | None:
        """Where a job leaves pieces of an output for the job that writes it (a guide's speech made
        in shares), which the coordinator hands that job: beside the job's own site folder (its
        parts/); None unstaged."""
        return self.site_override.parent / "parts" if self.site_override else None

    @property
    def cache_dir(self) -> Path:
        """build/cache: what builds keep for the next one (speech, msgfmt's checks); never an input,
        never committed, and a build without it only takes longer. A worker building from a private
        copy of the inputs is given one that outlives the copy."""
        return self.cache_override or self.root / "build" / "cache"

    def display(self, path: Path) -> str:
        """``path`` relative to the project root, for messages (staged outputs as build/site/…)."""
        if self.site_override is not None and path.is_relative_to(self.site_override):
            path = self.root / "build" / "site" / path.relative_to(self.site_override)
        named = path.parent.resolve() / path.name if path.name else path.resolve()  # a link as named
        try:
            return named.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def article_paths(self) -> list[Path]:
        """Every article in source/ (a file named <slug>.md), sorted; see misnamed_articles()."""
        return sorted(path for path in self._markdown_files() if _is_article_name(path.name))

    def misnamed_articles(self) -> list[Problem]:
        """An error for each Markdown file in source/ that is not read as an article, naming the
        rename to make: the other articles go on without it."""
        misnamed = [
            Problem(self.display(path), 0, f"not read: {_rename_hint(path.name, self.source_dir)}")
            for path in self._markdown_files()
            if not _is_article_name(path.name)
        ]
        return misnamed + [Problem(self.display(path), 0, why) for path, why in self._unreadable_markdown()]

    def _unreadable_markdown(self) -> list[tuple[Path, str]]:
        """Markdown names in source/ that are no readable file (a link to nothing, a folder)."""
        if not self.source_dir.is_dir():
            return []
        found = (
            (path, unreadable_reason(path))
            for path in sorted(self.source_dir.iterdir())
            if path.suffix.lower() in MARKDOWN_SUFFIXES and not path.name.startswith(".")
        )
        return [(path, why) for path, why in found if why]

    def unreadable_input(self, path: Path) -> str:
        """Why the input file at ``path`` cannot be read ('' if it can, or is simply absent)."""
        with contextlib.suppress(ValueError):
            kept = dict(self.unreadable).get(path.relative_to(self.root).as_posix())
            if kept:
                return kept
        return unreadable_reason(path)

    def _markdown_files(self) -> list[Path]:
        """Files in source/ ending in .md or .markdown in any case; hidden files (editors') left out."""
        if not self.source_dir.is_dir():
            return []
        return sorted(
            path
            for path in self.source_dir.iterdir()
            if path.suffix.lower() in MARKDOWN_SUFFIXES and not path.name.startswith(".") and path.is_file()
        )

    def template_path(self, domain: str) -> Path:
        return self.locales_dir / f"{check_slug(domain)}.pot"

    def catalog_path(self, language: str, domain: str) -> Path:
        return self.locales_dir / check_language(language) / "LC_MESSAGES" / f"{check_slug(domain)}.po"

    def output_dir(self, language: str) -> Path:
        """build/site/<lang>/, guaranteed to stay inside build/site."""
        path = self.site_dir / check_language(language)
        if not path.resolve().is_relative_to(self.site_dir.resolve()):
            raise PlainspokenError.at(self.config.path, 0, f"language {language!r} escapes build/site")
        return path

    def translation_languages(self) -> tuple[str, ...]:
        """Published languages that need catalogs (all but English, the articles' language)."""
        return tuple(lang for lang in self.config.languages if lang != SOURCE_LANGUAGE)


def _is_article_name(name: str) -> bool:
    return name.endswith(".md") and bool(SLUG.match(name[: -len(".md")]))


def _rename_hint(name: str, folder: Path) -> str:
    """What an article's file name must be, and the name to give this one (if not taken)."""
    rule = "an article's file name is lower-case words joined by '-', ending in .md"
    stem = name.rsplit(".", 1)[0]
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_stem.lower()).strip("-")
    if not slug:
        return f"{rule}, e.g. my-article.md: rename it"
    if (folder / f"{slug}.md").exists():
        return f"{rule}: rename it ({slug}.md is another article: merge the two, or choose another name)"
    return f"{rule}: rename it to {slug}.md"


def load_project(root: Path) -> Project:
    """Open the project at ``root`` (the folder holding source/site.toml)."""
    root = root.resolve()
    return Project(root, load_config(root / "source" / "site.toml"))


def check_language(tag: str) -> str:
    """``tag`` as CLDR writes it (pt_BR → pt-BR) if CLDR or the project knows it; an error otherwise."""
    try:
        return language_tag(tag)
    except LanguageTagError as error:
        raise PlainspokenError.at("<command line>", 0, str(error)) from None


def check_translation_language(tag: str) -> str:
    """``check_language``, refusing the articles' own language, which has no catalogs."""
    tag = check_language(tag)
    if tag == SOURCE_LANGUAGE:
        raise PlainspokenError.at(
            "<command line>", 0, f"{tag} is the articles' own language: it has no catalogs to translate"
        )
    return tag


def check_slug(slug: str) -> str:
    if not SLUG.match(slug):
        raise PlainspokenError.at("<command line>", 0, f"{slug!r} is not a valid article name")
    return slug


@dataclass(frozen=True)
class LanguageInfo:
    """How a language is named and written."""

    tag: str
    native_name: str
    english_name: str
    direction: str  # "ltr" or "rtl"


@functools.cache
def language_info(tag: str) -> LanguageInfo:
    """Names from CLDR (Babel) or the project's own table; an unknown tag is named by itself."""
    if tag in EXTRA_LANGUAGES:
        extra = EXTRA_LANGUAGES[tag]
        return LanguageInfo(tag, extra.native_name, extra.english_name, "ltr")
    if tag in NAME_OVERRIDES:
        native_name, english_name = NAME_OVERRIDES[tag]
        return LanguageInfo(tag, native_name, english_name, "ltr")
    with _NAMES_LOCK:  # a Dask worker's threads may name two languages at once
        kept = _kept_names()
        if tag not in kept:
            kept[tag] = _cldr_names(tag)
            _keep_names(kept)
        native, english, direction = kept[tag]
    return LanguageInfo(tag, native, english, direction)


_NAMES_LOCK = threading.Lock()


#: Where the languages' names and directions from CLDR, once looked up, are kept for the next
#: process, as Python keeps its bytecode: Babel loads a language's whole locale data to name it
#: (0.09 s for 14 languages, a third of an HTML build's own work). Keyed by Babel's version.
KEPT_NAMES = Path(__file__).parent.parent / "__pycache__" / "language-names.{key}.json"


def _keep_names(kept: dict[str, list[str]]) -> None:
    """Keep the names for later processes, in place of those kept for another Babel."""
    path = _kept_names_path()
    with contextlib.suppress(OSError):
        for older in path.parent.glob(KEPT_NAMES.name.format(key="*")):
            if older != path:
                older.unlink()
        write_atomic(path, json.dumps(kept, ensure_ascii=False, sort_keys=True).encode())


def _kept_names_path() -> Path:
    return Path(str(KEPT_NAMES).format(key=hashlib.sha256(babel.__version__.encode()).hexdigest()[:16]))


@functools.cache
def _kept_names() -> dict[str, list[str]]:
    """Tag → [native name, English name, direction], as kept by earlier processes (where the
    package's folder is writable) for this Babel."""
    with contextlib.suppress(OSError, ValueError):
        kept = json.loads(_kept_names_path().read_bytes())
        if isinstance(kept, dict) and all(
            isinstance(names, list) and len(names) == 3 and all(isinstance(n, str) for n in names)
            for names in kept.values()
        ):
            return kept
    return {}


def _cldr_names(tag: str) -> list[str]:
    """CLDR's name of ``tag`` in itself and in English, and its direction (an unknown tag is named
    by itself)."""
    try:
        locale = Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError):
        return [tag, tag, "ltr"]
    native = locale.get_display_name(locale) or tag
    english = locale.get_display_name("en") or tag
    direction = "rtl" if locale.character_order == "right-to-left" else "ltr"
    return [native[:1].upper() + native[1:], english, direction]


#: False while a build job writes into its own temporary folder: the coordinator copies what it
#: gives back into the staging site, durably; flushing the job's copies to disk first was waste.
DURABLE: contextvars.ContextVar[bool] = contextvars.ContextVar("durable_writes", default=True)


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` through a temporary file, flushed to disk before it replaces the
    old one (unless DURABLE is off); False if it already held it."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if DURABLE.get():
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True
