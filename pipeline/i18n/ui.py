"""Interface strings: extracted from the templates and site.toml, looked up per language."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import babel
from babel.messages.extract import extract_from_dir, extract_from_file
from markupsafe import Markup, escape

from pipeline.i18n.catalogs import ProjectCatalog, add_message, new_template
from pipeline.i18n.translate import is_blank
from pipeline.source.config import CrisisLine, SiteConfig
from pipeline.source.glyphs import undrawable
from pipeline.source.languages import SOURCE_LANGUAGE
from pipeline.source.project import UI_DOMAIN, write_atomic

PACKAGE_DIR = Path(__file__).parent.parent
#: Interface strings are _() and gettext() calls in the page templates and the package.
_METHOD_MAP = [("templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
_OPTIONS = {"templates/**.html": {"trimmed": "true"}}
#: A call of one of Babel's default gettext keywords (_, N_, gettext, ngettext, pgettext…).
_GETTEXT_CALL = re.compile(r"\b(?:_|N_|[a-z]*gettext)\s*\(")


def extract_ui(config: SiteConfig, *, package_root: Path, shared: bool = False) -> ProjectCatalog:
    """ui.pot: every template string, then site.toml's crisis line names and notes. With
    ``shared``, the catalog made for the same crisis lines, settings file and package files is
    returned again (every article in every language is judged against it): for readers only."""
    make = _shared_ui_messages if shared else _ui_messages
    return make(config.crisis_lines, config.path, package_root, _package_state())


PackageState = tuple[tuple[str, int], ...]


def _ui_messages(
    crisis_lines: tuple[CrisisLine, ...], settings: str, package_root: Path, state: PackageState
) -> ProjectCatalog:
    catalog = new_template(UI_DOMAIN)
    rows = _package_messages(state)
    where = PACKAGE_DIR.relative_to(package_root).as_posix()
    # Interface strings are located by file only: line numbers in code would change with every
    # edit and churn every translator's ui.po.
    for filename, _lineno, message, comments, _context in rows:
        if isinstance(message, str):
            add_message(catalog, message, (f"{where}/{filename}", None), ["interface", *comments])
    for line in crisis_lines:
        add_message(catalog, line.name, (settings, None), ["crisis line name"])
        add_message(catalog, line.note, (settings, None), ["crisis line note"])
    return catalog


_shared_ui_messages = functools.lru_cache(maxsize=4)(_ui_messages)


def _package_state() -> PackageState:
    """Each source file of the package with its modification time: what extraction reads (walked
    with os.walk: pathlib's rglob took 30 % longer, and every article's job asks)."""
    templates = str(PACKAGE_DIR / "templates")
    found = []
    for folder, _dirs, files in os.walk(PACKAGE_DIR):
        in_templates = folder == templates or folder.startswith(templates + os.sep)
        for name in files:
            if name.endswith(".py") or (in_templates and name.endswith(".html")):
                path = os.path.join(folder, name)
                found.append((path, os.stat(path).st_mtime_ns))
    return tuple(sorted(found))


#: Where a package's extraction is kept for the next process, as Python keeps its bytecode.
EXTRACTED = PACKAGE_DIR / "__pycache__" / "ui-messages.{key}.json"
Rows = tuple[tuple[str, int, Any, list[str], Any], ...]


@functools.lru_cache(maxsize=4)
def _package_messages(state: tuple[tuple[str, int], ...]) -> Rows:
    """Babel's extraction of the package (0.4 s: the slow part of ``extract`` and of a process's first
    page), once per package state: kept in the package's ``__pycache__`` for every later process
    (where it cannot be written, each process extracts it again)."""
    key = hashlib.sha256(repr((state, babel.__version__)).encode()).hexdigest()[:16]
    path = Path(str(EXTRACTED).format(key=key))
    with contextlib.suppress(OSError, ValueError, IndexError, TypeError):
        return tuple(
            (row[0], row[1], _tuple(row[2]), row[3], row[4]) for row in json.loads(path.read_bytes())
        )
    rows = _extract_package(state)
    with contextlib.suppress(OSError):
        for older in path.parent.glob(str(EXTRACTED.name).format(key="*")):
            older.unlink()  # an earlier state's
        write_atomic(path, json.dumps(rows, ensure_ascii=False).encode("utf-8"))
    return rows


def _tuple(message: Any) -> Any:
    """A plural message read back from JSON: a tuple, as Babel gives it."""
    return tuple(message) if isinstance(message, list) else message


def _extract_package(state: tuple[tuple[str, int], ...]) -> Rows:
    """Babel's extraction of the package.

    Babel tokenises every Python file it is given: only those that call gettext are given (the
    same messages in half the time).
    """
    tags = ("Translators:",)
    templates = _METHOD_MAP[:1]
    found: list[tuple[str, int, Any, list[str], Any]] = list(
        extract_from_dir(str(PACKAGE_DIR), templates, _OPTIONS, comment_tags=tags, strip_comment_tags=True)
    )
    for name, _mtime in state:
        path = Path(name)
        if path.suffix == ".py" and _GETTEXT_CALL.search(path.read_text(encoding="utf-8")):
            where = path.relative_to(PACKAGE_DIR).as_posix()
            rows = extract_from_file("python", str(path), comment_tags=tags, strip_comment_tags=True)
            found += [(where, *row) for row in rows]
    return tuple(sorted(found, key=lambda row: (row[0], row[1])))


@dataclass(frozen=True)
class UiText:
    """gettext for one language's interface strings; untranslated strings, and those with a
    character no installed font has, stay English."""

    language: str
    strings: Mapping[str, str] = field(default_factory=dict)

    def gettext(self, message: str) -> str:
        return self.strings.get(message) or message

    def fallback(self, message: str) -> str:
        """The language ``message`` is shown in when it has no translation here; '' when it has one."""
        untranslated = message and self.language != SOURCE_LANGUAGE and message not in self.strings
        return SOURCE_LANGUAGE if untranslated else ""

    def marked(self, message: str) -> Markup:
        """``message`` for a page, in a ``lang`` span when it fell back: read in its own voice."""
        lang = self.fallback(message)
        if not lang:
            return escape(self.gettext(message))
        return Markup('<span lang="{}" dir="auto">{}</span>').format(lang, message)

    def lang_attr(self, message: str) -> Markup:
        """` lang="en" dir="auto"` for the element that shows ``message`` when it fell back."""
        lang = self.fallback(message)
        return Markup(' lang="{}" dir="auto"').format(lang) if lang else Markup("")

    @classmethod
    def from_catalogs(cls, language: str, *catalogs: ProjectCatalog | None) -> UiText:
        """Later catalogs override earlier ones message by message (a project's over the shipped)."""
        strings: dict[str, str] = {}
        for catalog in catalogs:
            strings.update(cls.from_catalog(language, catalog).strings)
        return cls(language, strings)

    @classmethod
    def from_catalog(cls, language: str, catalog: ProjectCatalog | None) -> UiText:
        if catalog is None:
            return cls(language)
        strings = {
            str(m.id): str(m.string)
            for m in catalog
            if m.id
            and isinstance(m.id, str)
            and not is_blank(str(m.string or ""))
            and not m.fuzzy
            and not undrawable(str(m.string))  # check names it; a handout could not print it
        }
        return cls(language, strings)
