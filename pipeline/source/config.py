"""source/site.toml to a frozen SiteConfig, validated once, with file:line errors."""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pipeline.errors import PlainspokenError, Problem
from pipeline.source.glyphs import undrawable, undrawable_message
from pipeline.source.languages import LANGUAGE_TAG as LANGUAGE_TAG  # re-exported: its old home
from pipeline.source.languages import LanguageTagError, language_tag
from pipeline.source.phones import (
    DEFAULT_REGION,
    PhoneError,
    dialled_region,
    example_phone,
    known_region,
    parse_phone,
)
from pipeline.source.unreadable import unreadable_reason

PAGE_SIZES = ("letter", "a4")
#: [publish] min_translated when site.toml does not say: a language in which nothing of an article is
#: translated yet is not published (its page would be the English page under another language's name,
#: with the English one already there); one translated sentence publishes it, with a notice saying how
#: much is still in English. min_translated = 0 publishes every language regardless.
DEFAULT_MIN_TRANSLATED = 1.0
T = TypeVar("T")
#: Each required string's expected form, named when it is missing or empty.
_EXAMPLES = {
    "clinic.name": 'name = "Arroyo Seco Recovery Center"',
    "clinic.phone": 'phone = "(626) 555-0142"',
    "clinic.address": 'address = "100 Example Avenue, Pasadena, CA 91101"',
    "clinic.website": 'website = "https://www.example.org/"',
    "crisis_lines.id": 'id = "lifeline"',
    "crisis_lines.name": 'name = "988 Suicide & Crisis Lifeline"',
    "crisis_lines.phone": 'phone = "988"',
    "crisis_lines.note": 'note = "Call or text 988, any time, day or night."',
}


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
    region: str = DEFAULT_REGION  # where a phone written without + is dialled: the clinic's


@dataclass(frozen=True)
class VoiceChoice:
    """A [voices.<lang>] table: which engine speaks a language, and who narrated its recordings."""

    language: str
    engine: str  # "espeak-ng", "piper", or "" (human narration only)
    voice: str = ""  # the espeak-ng voice
    model: str = ""  # a Piper .onnx model, relative to the project folder
    package: str = ""  # an installed Python package holding one Piper model
    narrator: str = ""  # who recorded the human narration, named on the page
    line: int = 0


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
    min_translated: float = DEFAULT_MIN_TRANSLATED  # [publish] min_translated: percent needed to publish
    voice_choices: tuple[VoiceChoice, ...] = ()  # [voices.<lang>] tables (Piper, narrators)
    region: str = DEFAULT_REGION  # [clinic] region: where its phone numbers are dialled (ISO 3166)
    scheduler: str = ""  # [build] scheduler: a Dask scheduler whose workers build ("": this machine)

    def voice_choice(self, language: str) -> VoiceChoice | None:
        return next((c for c in self.voice_choices if c.language == language), None)

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
            Fact("clinic.phone", self.clinic_phone, "phone", self.region),
            Fact("clinic.address", self.clinic_address, "text"),
            Fact("clinic.website", self.website, "url"),
        ]
        facts += [Fact(f"crisis.{c.id}.phone", c.phone, "phone", self.region) for c in self.crisis_lines]
        return {fact.name: fact for fact in facts}


class _Reader:
    """Reads typed values out of parsed TOML, naming the line of a bad key."""

    def __init__(self, text: str, path: str) -> None:
        self.lines = text.splitlines()
        self.path = path
        self.problems: list[Problem] = []

    def attempt(self, read: Callable[[], T], default: T) -> T:
        """``read()``; on a mistake, ``default`` and the mistake kept, so that all are listed at once."""
        try:
            return read()
        except PlainspokenError as error:
            self.problems.extend(error.problems)
            return default

    def line_of(self, key: str, after: int = 0, *, table: bool = False) -> int:
        """1-based line of ``key = …`` from line index ``after``; with ``table``, only up to the
        next table header (a key missing from [clinic] is not the crisis line's below it)."""
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number, line in enumerate(self.lines[after:], start=after + 1):
            if table and number > after + 1 and line.lstrip().startswith("["):
                return 0
            if pattern.match(line):
                return number
        return 0

    def error(self, message: str, key: str = "", after: int | None = None) -> PlainspokenError:
        """An error at ``key``'s line after line index ``after``; a key not written: at the table
        header on line index ``after``, if given."""
        within = self.header_line(after) > 0
        line = (self.line_of(key, after or 0, table=within) or self.header_line(after)) if key else 0
        return PlainspokenError.at(self.path, line, message)

    def header_line(self, index: int | None) -> int:
        """1-based line of the table header at line ``index``, 0 if there is none there."""
        if index is None or index >= len(self.lines) or not self.lines[index].lstrip().startswith("["):
            return 0
        return index + 1

    def string(self, table: dict[str, Any], key: str, where: str, after: int | None = None) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            example = _EXAMPLES.get(f"{where}.{key}")
            form = f", such as {example}" if example else ""
            raise self.error(f"{where}.{key} must be a non-empty string{form}", key, after)
        missing = undrawable(value)  # these strings are on every page and handout
        if missing:
            raise self.error(f"{where}.{key}: {undrawable_message(missing[0])}", key, after)
        return value.strip()


def load_config(path: Path, *, display_path: str = "source/site.toml") -> SiteConfig:
    """Read and validate site.toml: every problem it has is listed at once, each at its line."""
    return config_from_text(_read_text(path, display_path), display_path)


@functools.lru_cache(maxsize=8)
def config_from_text(text: str, display_path: str) -> SiteConfig:
    """site.toml's text, validated (once for the same text: a build loads its project once per
    job, 15 times for 13 languages' pages, each read taking 4 ms)."""
    data = _parse_toml(text, display_path)
    reader = _Reader(text, display_path)
    config = _site_config(data, reader)
    if reader.problems:  # in the file's order; those of the whole file last
        raise PlainspokenError(sorted(reader.problems, key=lambda p: (p.line == 0, p.line)))
    return config


def _read_text(path: Path, display_path: str) -> str:
    why = unreadable_reason(path)
    if why:
        raise PlainspokenError.at(display_path, 0, why)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        message = "file not found: every project needs source/site.toml (plainspoken new DIR makes one)"
        raise PlainspokenError.at(display_path, 0, message) from None
    except OSError as error:
        raise PlainspokenError.at(display_path, 0, f"cannot read: {error.strerror}") from None


def _parse_toml(text: str, display_path: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"\(at line (\d+)", str(error))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        line = int(match.group(1)) if match else 0
        written = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
        bare = re.match(r"^\s*([\w.-]+)\s*=\s*([^\s\"'\[{#][^#]*?)\s*$", written)
        if bare and not re.fullmatch(r"[\d.+-]+|true|false", bare.group(2)):  # text without its quotes
            message += f': write text in quotes: {bare.group(1)} = "{bare.group(2)}"'
        raise PlainspokenError.at(display_path, line, f"not valid TOML: {message}") from None


#: The keys each table has, to name a misspelt one (a key unlike all of them may be a newer setting).
_KNOWN_KEYS = {
    "": ("clinic", "publish", "crisis_lines", "voices", "plain_language", "build"),
    "clinic": ("name", "phone", "address", "website", "region"),
    "publish": ("languages", "page_size", "drafts", "min_translated"),
    "crisis_lines": ("id", "name", "phone", "note"),  # each [[crisis_lines]] table
}


def _misspelt_keys(data: dict[str, Any], reader: _Reader) -> None:
    """Keep an error for each key that looks like a misspelling of a key its table lacks."""
    for table, known in _KNOWN_KEYS.items():
        tables = data.get(table) if table else data
        header = f"[[{table}]]" if isinstance(tables, list) else f"[{table}]"
        for index, values in enumerate(tables if isinstance(tables, list) else [tables]):
            if isinstance(values, dict):
                _misspelt_in(values, (table, header, index), known, reader)


def _misspelt_in(
    values: dict[str, Any], where: tuple[str, str, int], known: tuple[str, ...], reader: _Reader
) -> None:
    """The misspelt keys of one table: ``where`` is its name, header and which of the tables with
    that header it is (the n-th [[crisis_lines]])."""
    table, header, index = where
    for key in values:
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
        if key in known or not close or close[0] in values:
            continue
        if table:
            at = _nth_table_line(reader, header, index)
            line = reader.line_of(key, at, table=reader.header_line(at) > 0)
            message = f"{table}.{key} is not a setting: did you mean {close[0]}?"
        else:
            line = _header_line(reader, f"[{key}]") or _header_line(reader, f"[[{key}]]")
            message = f"[{key}] is not a table of site.toml: did you mean [{close[0]}]?"
        reader.problems.append(Problem(reader.path, line, message))


def _site_config(data: dict[str, Any], reader: _Reader) -> SiteConfig:
    """The SiteConfig, each value read on its own (a mistake is kept in ``reader``, and the rest read)."""
    _misspelt_keys(data, reader)
    empty: dict[str, Any] = {}
    clinic = reader.attempt(lambda: _table(data, "clinic", reader), empty)
    publish = reader.attempt(lambda: _table(data, "publish", reader), empty)
    at = _nth_table_line(reader, "[clinic]", 0)
    region = reader.attempt(lambda: _region(clinic, reader), DEFAULT_REGION) if clinic else DEFAULT_REGION

    def text(key: str) -> str:
        return reader.attempt(lambda: reader.string(clinic, key, "clinic", at), "") if clinic else ""

    website = reader.attempt(lambda: _website(clinic, reader, at), "") if clinic else ""
    return SiteConfig(
        clinic_name=text("name"),
        clinic_phone=reader.attempt(lambda: _phone(clinic, reader, "clinic", region, at), "")
        if clinic
        else "",
        clinic_address=text("address"),
        website=website,
        languages=reader.attempt(lambda: _languages(publish, reader), ("en",)) if publish else ("en",),
        page_size=reader.attempt(lambda: _page_size(publish, reader), "letter"),
        crisis_lines=reader.attempt(lambda: _crisis_lines(data, reader, region), ()),
        path=reader.path,
        voices=reader.attempt(lambda: _voices(data, reader), ()),
        voice_choices=reader.attempt(lambda: _voice_choices(data, reader), ()),
        target_grade=reader.attempt(
            lambda: _number(data.get("plain_language", {}), "target_grade", 8.0, reader, (1, 20)), 8.0
        ),
        drafts=reader.attempt(lambda: _drafts(publish, reader), ()),
        min_translated=reader.attempt(
            lambda: _number(publish, "min_translated", DEFAULT_MIN_TRANSLATED, reader, (0, 100)),
            DEFAULT_MIN_TRANSLATED,
        ),
        region=region,
        scheduler=reader.attempt(lambda: _scheduler(data, reader), ""),
    )


def _scheduler(data: dict[str, Any], reader: _Reader) -> str:
    """[build] scheduler: the address of a Dask scheduler (tcp://host:8786), or none."""
    build = data.get("build", {})
    if not isinstance(build, dict):
        raise reader.error('build must be a table: [build] with scheduler = "tcp://host:8786"', "build")
    if unknown := sorted(set(build) - {"scheduler"}):
        raise reader.error(f"[build] {unknown[0]}: unknown key (the only one is scheduler)", unknown[0])
    if "scheduler" not in build:
        return ""
    address = build["scheduler"]
    if not isinstance(address, str) or not re.match(r"^(tcp|tls|ws|wss|ucx)://[^\s/]+$", address.strip()):
        raise reader.error(
            f'build.scheduler {address!r}: write a Dask scheduler\'s address, e.g. "tcp://build-1.lan:8786"',
            "scheduler",
        )
    return address.strip()


def _website(clinic: dict[str, Any], reader: _Reader, at: int) -> str:
    website = reader.string(clinic, "website", "clinic", at)
    if not re.match(r"^https?://[^/\s]+", website):
        raise reader.error(
            "clinic.website must start with https:// (the published site's address)", "website", at
        )
    return website if website.endswith("/") else website + "/"


_TABLE_KEYS = {"clinic": "name, phone, address and website", "publish": 'languages = ["en", "es"]'}


def _table(data: dict[str, Any], name: str, reader: _Reader) -> dict[str, Any]:
    table = data.get(name)
    if not isinstance(table, dict):
        raise reader.error(f"missing [{name}] table: add it with {_TABLE_KEYS[name]} (see plainspoken new)")
    return table


def _region(clinic: dict[str, Any], reader: _Reader) -> str:
    """[clinic] region: the country its phone numbers are dialled in, US when not given."""
    region = clinic.get("region", DEFAULT_REGION)
    if not isinstance(region, str) or not known_region(region.upper()):
        raise reader.error(f'clinic.region {region!r}: write a country code such as "US" or "MX"', "region")
    return region.upper()


def _phone(table: dict[str, Any], reader: _Reader, where: str, region: str, after: int = 0) -> str:
    """A phone number as written, once libphonenumber has read it as dialled in ``region``."""
    phone = reader.string(table, "phone", where, after)
    try:
        parse_phone(phone, region)
    except PhoneError as why:
        example = example_phone(region)
        raise reader.error(
            f"{where}.phone {phone!r} is not a {dialled_region(phone, region)} phone number: {why};"
            f' write it as "{example}", "{example} ext. 204" or "+44 20 7946 0958"',
            "phone",
            after,
        ) from None
    return phone


def _languages(publish: dict[str, Any], reader: _Reader) -> tuple[str, ...]:
    languages = publish.get("languages")
    if not isinstance(languages, list) or not languages:
        at = _nth_table_line(reader, "[publish]", 0)
        raise reader.error('publish.languages must be a list such as ["en", "es"]', "languages", at)
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


def _crisis_lines(data: dict[str, Any], reader: _Reader, region: str) -> tuple[CrisisLine, ...]:
    """Every [[crisis_lines]] table; none at all is a mistake unless ``crisis_lines = []`` says so."""
    if "crisis_lines" not in data:
        raise reader.error(
            "no [[crisis_lines]] table: every page and handout shows crisis lines; add one with id, name, "
            "phone and note (plainspoken new writes two), or write crisis_lines = [] at the top to show none"
        )
    entries = data["crisis_lines"]
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise reader.error("crisis_lines must be written as [[crisis_lines]] tables", "crisis_lines")
    lines = [_crisis_line(entry, index, reader, region) for index, entry in enumerate(entries)]
    return tuple(line for line in lines if line is not None)


def _crisis_line(entry: dict[str, Any], index: int, reader: _Reader, region: str) -> CrisisLine | None:
    """One [[crisis_lines]] table, each of its mistakes kept (None if it has any)."""
    start = _nth_table_line(reader, "[[crisis_lines]]", index)
    before = len(reader.problems)

    def text(key: str) -> str:
        return reader.attempt(lambda: reader.string(entry, key, "crisis_lines", start), "")

    line_id, name, note = text("id"), text("name"), text("note")
    if line_id and not re.fullmatch(r"[a-z][a-z0-9_]*", line_id):
        message = f"crisis line id {line_id!r} must be lower-case letters, digits or _"
        reader.problems.extend(reader.error(message, "id", start).problems)
    phone = reader.attempt(lambda: _phone(entry, reader, "crisis_lines", region, start), "")
    if len(reader.problems) > before:
        return None
    return CrisisLine(line_id, name, phone, note, start + 1)


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
    voices = {}
    for tag, voice in table.items():
        if isinstance(voice, dict) and LANGUAGE_TAG.match(tag):
            voices[tag] = _voice_marker(voice)
        elif not LANGUAGE_TAG.match(tag) or not isinstance(voice, str):
            raise reader.error(f'[voices] {tag} = {voice!r}: write es = "es-419" ("" for no audio)', tag)
        else:
            voices[tag] = voice
    return tuple(sorted(voices.items()))


#: What voice_for() sees for a [voices.<lang>] table that names no espeak-ng voice.
PIPER_MARKER, NARRATION_MARKER = "piper", "recordings"
_VOICE_KEYS = {"engine", "voice", "model", "package", "narrator"}


def _voice_marker(table: dict[str, Any]) -> str:
    if table.get("engine") == "piper":
        return PIPER_MARKER
    voice = table.get("voice")
    return voice if isinstance(voice, str) and voice else NARRATION_MARKER


def _voice_choices(data: dict[str, Any], reader: _Reader) -> tuple[VoiceChoice, ...]:
    table = data.get("voices", {})
    tables = {tag: value for tag, value in table.items() if isinstance(value, dict)}
    return tuple(_voice_choice(tag, value, reader) for tag, value in sorted(tables.items()))


def _voice_choice(tag: str, table: dict[str, Any], reader: _Reader) -> VoiceChoice:
    """One [voices.<lang>] table, checked: every mistake reported at its line."""
    start = max(0, _header_line(reader, f"[voices.{tag}]") - 1)
    where = f"voices.{tag}"
    unknown = sorted(set(table) - _VOICE_KEYS)
    if unknown or not all(isinstance(v, str) for v in table.values()):
        key = unknown[0] if unknown else next(k for k, v in table.items() if not isinstance(v, str))
        keys = ", ".join(sorted(_VOICE_KEYS))
        raise reader.error(f"[{where}] {key}: not a voice setting (write strings for {keys})", key, start)
    engine = table.get("engine", "espeak-ng" if table.get("voice") else "")
    if engine not in ("espeak-ng", "piper", ""):
        raise reader.error(f'[{where}] engine = {engine!r}: write "espeak-ng" or "piper"', "engine", start)
    model, package = table.get("model", "").strip(), table.get("package", "").strip()
    if engine == "piper" and bool(model) == bool(package):
        raise reader.error(
            f'[{where}] a Piper voice needs model = "voices/<name>.onnx" or package = "<voice package>"',
            "engine",
            start,
        )
    if model and (not model.endswith(".onnx") or model.startswith("/") or ".." in Path(model).parts):
        raise reader.error(f"[{where}] model {model!r}: name a .onnx file in the project", "model", start)
    if package and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", package):
        raise reader.error(f"[{where}] package {package!r} is not a Python package name", "package", start)
    narrator = table.get("narrator", "").strip()
    if not engine and not narrator:
        raise reader.error(f'[{where}] needs engine = "piper" (with model), voice = "…" or narrator = "…"')
    return VoiceChoice(tag, engine, table.get("voice", ""), model, package, narrator, start + 1)


def _header_line(reader: _Reader, header: str) -> int:
    """1-based line of a [table] header, 0 when absent."""
    return next((n for n, line in enumerate(reader.lines, start=1) if line.strip() == header), 0)


def _nth_table_line(reader: _Reader, header: str, index: int) -> int:
    """0-based index of the line holding the index-th ``header``."""
    found = [n for n, line in enumerate(reader.lines) if line.strip() == header]
    return found[index] if index < len(found) else 0
