"""`plainspoken new`: a project folder that builds at once, from the templates in pipeline/data/new/."""

from __future__ import annotations

import datetime
import json
import string
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PlainspokenError
from pipeline.source.config import load_config
from pipeline.source.languages import SOURCE_LANGUAGE
from pipeline.source.project import Project, write_atomic

TEMPLATES = Path(__file__).parent.parent / "data" / "new"
#: Draft translations of the example article, language → msgid → msgstr.
EXAMPLE_DRAFTS = TEMPLATES / "welcome-drafts.toml"
#: Template file → where it goes in the new project.
FILES = {
    "site.toml": "source/site.toml",
    "welcome.md": "source/welcome.md",
    "README.md": "README.md",
    "gitignore": ".gitignore",
}


#: [clinic] values site.toml gets until the clinic writes its own: check says so (plainspoken
#: new's --phone replaces the phone). 555-0199 is a fictional number no one answers.
PLACEHOLDERS = {
    "phone": "(626) 555-0199",
    "address": "Replace with the clinic's street address",
    "website": "https://www.example.org/",
}
#: A sentence only the example article has: check notes an article that still holds it.
EXAMPLE_SENTENCE = "This is an example. Replace it with your own article."


@dataclass(frozen=True)
class NewProject:
    """What ``plainspoken new`` was told about the clinic."""

    clinic: str = "Example Clinic"
    phone: str = PLACEHOLDERS["phone"]
    languages: tuple[str, ...] = ("es",)  # besides the articles' own language
    today: str = ""


def _toml(value: object) -> str:
    """A TOML value (TOML's basic strings and arrays of them are JSON's)."""
    return json.dumps(value, ensure_ascii=False)


def project_files(choice: NewProject) -> dict[str, str]:
    """Project-relative path → the text of each file of the new project."""
    languages = [SOURCE_LANGUAGE, *(tag for tag in choice.languages if tag != SOURCE_LANGUAGE)]
    values = {
        "clinic": choice.clinic,
        "name": _toml(choice.clinic),
        "phone": _toml(choice.phone),
        "address": _toml(PLACEHOLDERS["address"]),
        "website": _toml(PLACEHOLDERS["website"]),
        "languages": _toml(languages),
        "today": choice.today or datetime.date.today().isoformat(),
    }
    return {
        target: string.Template((TEMPLATES / name).read_text(encoding="utf-8")).substitute(values)
        for name, target in FILES.items()
    }


def create_project(root: Path, choice: NewProject) -> list[Path]:
    """Write the new project's files into ``root``, which must not exist or be empty."""
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise PlainspokenError.at(str(root), 0, "already exists and is not empty: name a new folder")
    files = project_files(choice)
    _check_site_toml(files["source/site.toml"])
    written = []
    for target, text in files.items():
        path = root / target
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text.encode("utf-8"))
        written.append(path)
    return written


def _check_site_toml(text: str) -> None:
    """Refuse what site.toml would refuse (a --phone that is no phone number) before writing anything."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "site.toml"
        path.write_text(text, encoding="utf-8")
        load_config(path)


def example_drafts(language: str) -> dict[str, str]:
    """msgid → the maintainers' draft translation of the example article's messages in ``language``."""
    drafts = tomllib.loads(EXAMPLE_DRAFTS.read_text(encoding="utf-8")).get(language, {})
    return {msgid: msgstr for msgid, msgstr in drafts.items() if isinstance(msgstr, str)}


def fill_example_drafts(project: Project, language: str) -> int:
    """Give the new project's example-article catalog in ``language`` the shipped drafts of the
    messages it has untranslated; returns how many. The catalog stays a draft (its header says
    so): only a reviewer's sign-off makes it final."""
    from pipeline.i18n.catalogs import read_catalog
    from pipeline.i18n.po_edit import NewString, set_msgstrs

    path = project.catalog_path(language, Path(FILES["welcome.md"]).stem)
    drafts = example_drafts(language)
    if not path.is_file() or not drafts:
        return 0
    catalog = read_catalog(path, project.display(path), locale=language)
    untranslated = {str(m.id) for m in catalog if m.id and not str(m.string or "").strip()}
    changes = {msgid: NewString(drafts[msgid], fuzzy=False) for msgid in untranslated & drafts.keys()}
    if changes:
        write_atomic(path, set_msgstrs(path.read_text(encoding="utf-8"), changes).encode("utf-8"))
    return len(changes)
