"""Language tags: CLDR's (Babel's locale data) plus the few the project supports beyond it."""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError, localedata
from babel.core import get_global
from babel.messages.plurals import get_plural

#: The articles' language: it has no catalogs (translations go from it into the others).
SOURCE_LANGUAGE = "en"
#: BCP-47 tags we accept: language, optional script, optional region. Safe as a path part.
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-(?:[A-Z]{2}|[0-9]{3}))?$")


@dataclass(frozen=True)
class ExtraLanguage:
    """A language the project supports that CLDR (so Babel) has no locale data for yet."""

    english_name: str
    native_name: str
    plural_forms: str  # the gettext Plural-Forms value its catalogs get


#: The one table of tags beyond CLDR: add a row here to support another such language.
EXTRA_LANGUAGES: dict[str, ExtraLanguage] = {
    "hyw": ExtraLanguage("Western Armenian", "Արեւմտահայերէն", "nplurals=2; plural=(n > 1);"),  # as hy
    # CLDR's pseudo-locale (accented English) for testing translations; Babel ships no data for it.
    "en-XA": ExtraLanguage("Pseudo-English", "Pseudo-English", "nplurals=2; plural=(n != 1);"),
}
#: Tags CLDR knows but names differently from the community: (native name, English name).
#: Babel maps tl to Filipino; plain "Armenian" (hy) must say Eastern beside Western Armenian (hyw).
NAME_OVERRIDES: dict[str, tuple[str, str]] = {
    "tl": ("Tagalog", "Tagalog"),
    "hy": ("Հայերեն (արևելահայերեն)", "Armenian (Eastern)"),
}


class LanguageTagError(ValueError):
    """A tag no one knows; the message says so in one line, with a suggestion when there is one."""


def canonical_case(text: str) -> str:
    """``text`` written as BCP-47 writes it: ``pt_br`` → ``pt-BR``, ``ZH_hant`` → ``zh-Hant``."""
    parts = re.split(r"[-_]", text.strip())
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


@functools.cache
def known_tags() -> frozenset[str]:
    """Every tag CLDR has locale data for (in our shape), the project's extras and Babel's aliases."""
    tags = {canonical_case(identifier) for identifier in localedata.locale_identifiers()}
    tags |= {alias for alias in _language_aliases() if len(alias) == 2}  # tl (Tagalog) is one
    return frozenset(tag for tag in tags if LANGUAGE_TAG.match(tag)) | EXTRA_LANGUAGES.keys()


@functools.cache
def _language_aliases() -> dict[str, str]:
    return dict(get_global("language_aliases"))


@functools.cache
def language_tag(text: str) -> str:
    """The canonical tag for ``text`` if CLDR or the project knows it; LanguageTagError if not."""
    tag = canonical_case(text)
    if LANGUAGE_TAG.match(tag) and (_is_known(tag) or _babel_knows(tag)):
        return tag
    suggestions = suggest(text)
    if suggestions:
        raise LanguageTagError(f"{text!r} is not a language tag CLDR knows: did you mean {_or(suggestions)}?")
    raise LanguageTagError(f"{text!r} is not a language tag CLDR knows (tags look like es, pt-BR or zh-Hant)")


def _is_known(tag: str) -> bool:
    """``tag in known_tags()``, without listing CLDR's 1,100 locales (a build starts faster)."""
    if tag in EXTRA_LANGUAGES or localedata.exists(tag.replace("-", "_")):
        return LANGUAGE_TAG.match(tag) is not None
    return len(tag) == 2 and tag in _language_aliases()


def _babel_knows(tag: str) -> bool:
    """Tags such as zh-TW that Babel reads without replacing the script or region we wrote."""
    language, *rest = tag.split("-")
    try:
        locale = Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError):
        return False
    if locale.language != language:
        return False
    script = next((part for part in rest if len(part) == 4), None)
    region = next((part for part in rest if len(part) != 4), None)
    return script in (None, locale.script) and region in (None, locale.territory)


def suggest(text: str) -> list[str]:
    """Up to three known tags ``text`` may have meant, best first."""
    tag = canonical_case(text)
    language = tag.split("-")[0]
    named = _tags_by_name().get(text.strip().lower())
    alias = _language_aliases().get(language) if len(language) == 3 else None  # kor: CLDR writes ko
    if named or alias:
        return [named or canonical_case(alias or "")]
    close = _close_tags(tag)
    if "-" in tag and language in known_tags():  # ko-US: keep to ko's own tags, then ko itself
        close = [*[known for known in close if known.startswith(f"{language}-")][:2], language]
    names = difflib.get_close_matches(text.strip().lower(), _tags_by_name(), n=2, cutoff=0.8)
    found = [_tags_by_name()[name] for name in names] + close if len(tag) > 3 else close
    return list(dict.fromkeys(found))[:3]


def _close_tags(tag: str) -> list[str]:
    """Known tags spelled like ``tag``, closest first; among equals, a language's usual region first."""
    matcher = difflib.SequenceMatcher(b=tag.lower())
    scored = []
    for known in known_tags():
        matcher.set_seq1(known.lower())
        if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6 and matcher.ratio() >= 0.6:
            scored.append((-matcher.ratio(), known not in _usual_tags(), known))
    return [known for *_, known in sorted(scored)[:3]]


@functools.cache
def _usual_tags() -> frozenset[str]:
    """Each language with its most likely region (pt-BR, en-US), from CLDR's likely subtags."""
    likely = dict(get_global("likely_subtags"))
    usual = set()
    for language, full in likely.items():
        parts = full.split("_")
        if "_" not in language and len(parts) == 3:
            usual.add(f"{language}-{parts[2]}")
    return frozenset(usual)


@functools.cache
def _tags_by_name() -> dict[str, str]:
    """Lower-case English language names → tag (spanish → es), for suggestions."""
    english = Locale("en")
    names = {name.lower(): tag for tag, name in english.languages.items() if tag in known_tags()}
    names.update({extra.english_name.lower(): tag for tag, extra in EXTRA_LANGUAGES.items()})
    return names


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def plural_forms(tag: str) -> str:
    """The gettext Plural-Forms value for ``tag``'s catalogs (CLDR's rule, or the project's table)."""
    if tag in EXTRA_LANGUAGES:
        return EXTRA_LANGUAGES[tag].plural_forms
    try:
        return str(get_plural(Locale.parse(tag, sep="-")))
    except (UnknownLocaleError, ValueError):
        return "nplurals=2; plural=(n != 1);"


@dataclass(frozen=True)
class BrailleTable:
    """The liblouis table a language's braille-ready files are written with, and why that one."""

    table: str  #: liblouis table (list), e.g. "en-ueb-g2.ctb"
    contracted: bool
    source: str  #: the braille authority or practice it follows
    latin: str = ""  #: a table for runs of Latin letters, where this one writes them in 8 dots


#: The one table of braille per language: a table, or why there is none (shown where a BRF would be).
#: Contracted where the language's braille authority publishes contracted braille, uncontracted where
#: its readers' general texts are; "back" below: the share of the sample article's words liblouis
#: gives back from each table (docs/clinic-staff.md, "Braille").
BRAILLE_TABLES: dict[str, BrailleTable | str] = {
    "en": BrailleTable(
        "en-ueb-g2.ctb", True, "UEB grade 2: BANA's code for the US since 2016 (Rules of UEB 2013)"
    ),
    # es-g2 (estenografía) is marked forward-only by liblouis and gives back 77% (es.tbl 96%); its own
    # header says no publisher offers grade 2. Spain's ONCE stopped contracted publications in 1986
    # (F. García Soria, "Estenografía y braille abreviado", Montevideo 2010); the CBE's estenografía
    # (technical document B 16) is a reader's shorthand it promotes, not what it prints; the
    # Australian Braille Authority's "Spanish and UEB" (2019) transcribes Spanish uncontracted.
    "es": BrailleTable(
        "es.tbl", False, "Spanish braille, uncontracted (braille integral), as ONCE and the CBE publish it"
    ),
    # Contracted Arabic (ar-ar-g2, 96% back) exists; Mada's Unified Arabic Braille project calls
    # grade 1 the one easy to read and used commonly: readers from any Arab country know it.
    "ar": BrailleTable(
        "ar-ar-g1.utb", False, "Arabic braille grade 1 (Unified Arabic Braille, as Mada teaches)"
    ),
    # fa-ir-g1 writes Latin letters (IOP, the clinic's address) in 8 dots: UEB grade 1 writes them.
    "fa": BrailleTable(
        "fa-ir-g1.utb",
        False,
        "Persian braille, uncontracted (liblouis's one Persian table)",
        latin="en-ueb-g1.ctb",
    ),
    # liblouis's only Armenian table (hy.ctb) is 8-dot computer braille: its digits and capitals need
    # dots 7 and 8, which a BRF cannot hold (the sample article lost 521 of 4,500 cells).
    "hy": "no braille table: liblouis's Armenian table is 8-dot computer braille, which a BRF cannot hold",
    "hyw": "no braille table: liblouis's Armenian table is 8-dot computer braille, which a BRF cannot hold",
    "km": BrailleTable("km-g1.utb", False, "Khmer braille grade 1 (liblouis's one Khmer table)"),
    # Korean braille's abbreviations (약자, 약어) are part of the national rules (한국 점자 규정,
    # National Institute of Korean Language), not a second grade: every reader learns them.
    # ko-g2 is forward-only in liblouis (34% back): measured, not held to a threshold.
    "ko": BrailleTable("ko-g2.ctb", True, "Korean braille (한국 점자 규정) with its standard abbreviations"),
    # ru-ru-g1's partial contractions give back 38% (forward-only): the literary code, uncontracted.
    "ru": BrailleTable("ru-litbrl.ctb", False, "Russian literary braille, uncontracted"),
    # Sao Mai Center's tables; its contracted grades (vi-vn-g1, g2) give back 21% and 14%.
    "vi": BrailleTable("vi-vn-g0.utb", False, "Vietnamese braille, uncontracted (Sao Mai Center)"),
    "zh-Hans": BrailleTable("zhcn-cbs.ctb", False, "Chinese common braille (national standard GF 0019-2018)"),
    "zh-Hant": BrailleTable(
        "zh-hk.ctb", False, "Cantonese braille (Hong Kong), like its voice", latin="en-ueb-g1.ctb"
    ),
    "ja": "no braille table: Japanese braille needs each kanji's kana reading, which liblouis does not make",
    # Philippine braille is the uncontracted English braille alphabet, ng as n g, with English
    # braille's numbers and punctuation (UNESCO, World Braille Usage, 3rd ed., 2013); liblouis has no
    # Filipino table, and UEB grade 1 is that code as US readers learn it (ñ as UEB writes it).
    "tl": BrailleTable(
        "en-ueb-g1.ctb", False, "Philippine braille: uncontracted English braille (UNESCO 2013), in UEB"
    ),
}


def braille_table(tag: str) -> BrailleTable | str:
    """The language's braille table, or the one-line reason it has none."""
    return BRAILLE_TABLES.get(tag, f"no braille table: none chosen for {tag} yet")


def no_braille_reason(tag: str) -> str:
    """Why ``tag`` has no braille-ready files ('no braille table: …'), or '' if it has them."""
    table = braille_table(tag)
    return table if isinstance(table, str) else ""
