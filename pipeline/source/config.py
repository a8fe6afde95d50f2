"""source/site.toml to a frozen SiteConfig, validated once, with file:line errors."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import PlainspokenError
from pipeline.source.languages import LANGUAGE_TAG as LANGUAGE_TAG  # re-exported: its old home
from pipeline.source.languages import LanguageTagError, language_tag

PAGE_SIZES = ("letter", "a4")
_PHONE = re.compile(r"^[0-9+()\- .]{3,}$")


@dataclass(frozen=True)
class CrisisLine:
    """A crisis or help line shown on every page and handout."""

    id: str
    name: str
    phone: str
    note: str
    line: int


@dataclass(frozen=True)
class Fact:
    """A value an article can insert with a placeholder such as {clinic.phone}."""

    name: str
    value: str
    kind: str  # "phone", "url" or "text"


@dataclass(frozen=True)
class SiteConfig:
    """The clinic's facts and publishing choices."""

    clinic_name: str
    clinic_phone: str
    clinic_address: str
    website: str
    languages: tuple[str, ...]
    page_size: str
    crisis_lines: tuple[CrisisLine, ...]
    path: str = "source/site.toml"
    voices: tuple[tuple[str, str], ...] = ()  # [voices] overrides: language → espeak-ng voice
    target_grade: float = 8.0  # [plain_language] target_grade: above it is a warning
    drafts: tuple[tuple[str, str], ...] = ()  # [publish.drafts] format → "notice" or "skip"
    min_translated: float = 0.0  # [publish] min_translated: percent needed to publish a language

    def withholds(self) -> bool:
        """Whether the policy can keep anything unpublished (else every language of every article is)."""
        return self.min_translated > 0 or any(value == "skip" for _, value in self.drafts)

    def draft_policy(self, output: str) -> str:
        """'notice' (publish drafts marked as such, the default) or 'skip'."""
        return dict(self.drafts).get(output, "notice")

    def facts(self) -> dict[str, Fact]:
        """Every placeholder an article may use, by name."""
        facts = [
            Fact("clinic.name", self.clinic_name, "text"),
            Fact("clinic.phone", self.clinic_phone, "phone"),
            Fact("clinic.address", self.clinic_address, "text"),
            Fact("clinic.website", self.website, "url"),
        ]
        facts += [Fact(f"crisis.{c.id}.phone", c.phone, "phone") for c in self.crisis_lines]
        return {fact.name: fact for fact in facts}


class _Reader:
    """Reads typed values out of parsed TOML, naming the line of a bad key."""

    def __init__(self, text: str, path: str) -> None:
        self.lines = text.splitlines()
        self.path = path

    def line_of(self, key: str, after: int = 0) -> int:
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number, line in enumerate(self.lines[after:], start=after + 1):
            if pattern.match(line):
                return number
        return 0

    def error(self, message: str, key: str = "", after: int = 0) -> PlainspokenError:
        return PlainspokenError.at(self.path, self.line_of(key, after) if key else 0, message)

    def string(self, table: dict[str, Any], key: str, where: str, after: int = 0) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"{where}.{key} must be a non-empty string", key, after)
        return value.strip()


def load_config(path: Path, *, display_path: str = "source/site.toml") -> SiteConfig:
    """Read and validate site.toml."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlainspokenError.at(
            display_path, 0, "file not found: every project needs source/site.toml"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"\(at line (\d+)", str(error))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        raise PlainspokenError.at(
            display_path, int(match.group(1)) if match else 0, f"not valid TOML: {message}"
        ) from None
    reader = _Reader(text, display_path)
    clinic = _table(data, "clinic", reader)
    publish = _table(data, "publish", reader)
    website = reader.string(clinic, "website", "clinic")
    if not re.match(r"^https?://[^/\s]+", website):
        raise reader.error(
            "clinic.website must start with https:// (the published site's address)", "website"
        )
    return SiteConfig(
        clinic_name=reader.string(clinic, "name", "clinic"),
        clinic_phone=_phone(clinic, reader, "clinic"),
        clinic_address=reader.string(clinic, "address", "clinic"),
        website=website if website.endswith("/") else website + "/",
        languages=_languages(publish, reader),
        page_size=_page_size(publish, reader),
        crisis_lines=_crisis_lines(data, reader),
        path=display_path,
        voices=_voices(data, reader),
        target_grade=_number(data.get("plain_language", {}), "target_grade", 8.0, reader, (1, 20)),
        drafts=_drafts(publish, reader),
        min_translated=_number(publish, "min_translated", 0.0, reader, (0, 100)),
    )


def _table(data: dict[str, Any], name: str, reader: _Reader) -> dict[str, Any]:
    table = data.get(name)
    if not isinstance(table, dict):
        raise reader.error(f"missing [{name}] table")
    return table


def _phone(table: dict[str, Any], reader: _Reader, where: str, after: int = 0) -> str:
    phone = reader.string(table, "phone", where, after)
    if not _PHONE.match(phone):
        raise reader.error(f"{where}.phone {phone!r} is not a phone number", "phone", after)
    return phone


def _languages(publish: dict[str, Any], reader: _Reader) -> tuple[str, ...]:
    languages = publish.get("languages")
    if not isinstance(languages, list) or not languages:
        raise reader.error('publish.languages must be a list such as ["en", "es"]', "languages")
    tags = [_language(tag, reader) for tag in languages]
    twice = [tag for index, tag in enumerate(tags) if tag in tags[:index]]
    if twice:
        raise reader.error(f"publish.languages lists {twice[0]} twice", "languages")
    return tuple(tags)


def _language(tag: Any, reader: _Reader) -> str:
    """``tag`` in its canonical form (pt_BR → pt-BR); an unknown one is an error at its line."""
    if not isinstance(tag, str):
        raise reader.error(f"{tag!r} is not a BCP-47 language tag such as es or zh-Hant", "languages")
    try:
        return language_tag(tag)
    except LanguageTagError as error:
        start = reader.line_of("languages")
        quoted = re.compile(rf"""["']{re.escape(tag)}["']""")
        line = next(
            (n for n in range(max(start, 1), len(reader.lines) + 1) if quoted.search(reader.lines[n - 1])), 0
        )
        raise PlainspokenError.at(reader.path, line or start, f"publish.languages: {error}") from None


def _page_size(publish: dict[str, Any], reader: _Reader) -> str:
    size = str(publish.get("page_size", "letter")).lower()
    if size not in PAGE_SIZES:
        raise reader.error(f"publish.page_size must be one of {', '.join(PAGE_SIZES)}", "page_size")
    return size


def _crisis_lines(data: dict[str, Any], reader: _Reader) -> tuple[CrisisLine, ...]:
    entries = data.get("crisis_lines", [])
    if not isinstance(entries, list):
        raise reader.error("crisis_lines must be written as [[crisis_lines]] tables")
    lines: list[CrisisLine] = []
    for index, entry in enumerate(entries):
        start = _nth_table_line(reader, "[[crisis_lines]]", index)
        line_id = reader.string(entry, "id", "crisis_lines", start)
        if not re.fullmatch(r"[a-z][a-z0-9_]*", line_id):
            raise reader.error(
                f"crisis line id {line_id!r} must be lower-case letters, digits or _", "id", start
            )
        name = reader.string(entry, "name", "crisis_lines", start)
        note = reader.string(entry, "note", "crisis_lines", start)
        lines.append(CrisisLine(line_id, name, _phone(entry, reader, "crisis_lines", start), note, start + 1))
    return tuple(lines)


def _number(table: Any, key: str, default: float, reader: _Reader, bounds: tuple[float, float]) -> float:
    value = table.get(key, default) if isinstance(table, dict) else default
    if isinstance(value, bool) or not isinstance(value, int | float) or not bounds[0] <= value <= bounds[1]:
        raise reader.error(f"{key} must be a number from {bounds[0]:g} to {bounds[1]:g}", key)
    return float(value)


def _drafts(publish: dict[str, Any], reader: _Reader) -> tuple[tuple[str, str], ...]:
    drafts = publish.get("drafts", {})
    if not isinstance(drafts, dict) or not all(v in ("notice", "skip") for v in drafts.values()):
        raise reader.error(
            'publish.drafts: write e.g. drafts = { pdf = "skip" } ("notice" or "skip")', "drafts"
        )
    return tuple(sorted(drafts.items()))


def _voices(data: dict[str, Any], reader: _Reader) -> tuple[tuple[str, str], ...]:
    table = data.get("voices", {})
    if not isinstance(table, dict):
        raise reader.error("[voices] must map language tags to espeak-ng voices")
    for tag, voice in table.items():
        if not LANGUAGE_TAG.match(tag) or not isinstance(voice, str):
            raise reader.error(f'[voices] {tag} = {voice!r}: write es = "es-419" ("" for no audio)', tag)
    return tuple(sorted(table.items()))


def _nth_table_line(reader: _Reader, header: str, index: int) -> int:
    """0-based index of the line holding the index-th ``header``."""
    found = [n for n, line in enumerate(reader.lines) if line.strip() == header]
    return found[index] if index < len(found) else 0
