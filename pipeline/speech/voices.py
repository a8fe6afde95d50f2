"""Which espeak-ng voice speaks each language (BCP-47 tag), and which languages have none."""

from __future__ import annotations

import functools
import os
import sysconfig
from collections.abc import Mapping
from pathlib import Path

#: BCP-47 tag → espeak-ng voice, where the voice espeak-ng would pick is not the best one. Measured
#: on Debian 12's espeak-ng 1.51 (see the README). Any other language espeak-ng lists a voice for
#: gets that voice (pt-BR → pt-br), unless WRONG_VOICE says espeak-ng speaks it wrongly.
VOICES: dict[str, str] = {
    "en": "en-us",
    "es": "es-419",  # Latin American Spanish; plain "es" is the Spain voice
    "hy": "hy",
    "hyw": "hyw",
    "fa": "fa",
    "ar": "ar",
    "ko": "ko",
    "vi": "vi-vn-x-south",  # most Vietnamese speakers in California are Southern
    "ru": "ru",
    "zh-Hant": "yue",  # Cantonese
    "zh-Hans": "cmn-latn-pinyin",  # Mandarin; "cmn" reads some tone numbers in English
}
#: Languages espeak-ng has a voice for that speaks them wrongly: no audio, and why.
WRONG_VOICE: dict[str, str] = {
    "ja": "espeak-ng's Japanese voice reads kanji in English",
}
#: Why a language has no audio yet, for the build summary.
NO_VOICE: dict[str, str] = {
    "tl": "espeak-ng has no Tagalog voice",
    "km": "espeak-ng has no Khmer voice",
    **WRONG_VOICE,
}
#: Where espeak-ng keeps its voices (lang/<family>/<voice>): $ESPEAK_DATA_PATH, then where Debian
#: and others install it.
_ARCH = sysconfig.get_config_var("MULTIARCH") or ""
ESPEAK_DATA = (
    *([f"{os.environ['ESPEAK_DATA_PATH']}/espeak-ng-data"] if os.environ.get("ESPEAK_DATA_PATH") else []),
    *([f"/usr/lib/{_ARCH}/espeak-ng-data"] if _ARCH else []),
    "/usr/lib/espeak-ng-data",
    "/usr/share/espeak-ng-data",
)
#: Languages that ISO 639-3 names apart but ISO 639-2 does not, so ID3 (which asks for ISO 639-2)
#: gets the ISO 639-2 code that covers them. Western Armenian has had its own ISO 639-3 code, hyw,
#: only since 2018; ISO 639-2 has one code for Armenian, hye (bibliographic arm), that includes it.
ISO_639_2_COVERS: dict[str, str] = {"hyw": "hye"}


def voice_for(language: str, overrides: Mapping[str, str] | None = None) -> str | None:
    """The espeak-ng voice for ``language``: site.toml's [voices] first, then the table, then the
    voice espeak-ng itself lists for the tag or, failing that, for its language ('de-AT' → 'de')."""
    if overrides and language in overrides:
        return overrides[language] or None
    if language in VOICES or language in WRONG_VOICE:
        return VOICES.get(language)
    found = espeak_voices()
    tag = language.lower()
    return found.get(tag) or found.get(tag.split("-")[0])


def no_voice_reason(language: str) -> str:
    return NO_VOICE.get(
        language,
        f"espeak-ng has no voice for {language}: to choose one, add {language} = \"<voice>\" under"
        " [voices] in source/site.toml (espeak-ng --voices lists them)",
    )


@functools.cache
def espeak_voices(folders: tuple[str, ...] = ESPEAK_DATA) -> dict[str, str]:
    """Language code → the voice espeak-ng speaks it with, from its own voice files (in the first
    data folder that has them): each file's 'language <code> [priority]' lines, lowest priority
    first. Small text files read once a process: no library loaded, no process started."""
    folder = next((Path(f) / "lang" for f in folders if (Path(f) / "lang").is_dir()), None)
    ranked: dict[str, tuple[int, str]] = {}
    for path in sorted(folder.rglob("*")) if folder else []:
        if not path.is_file():
            continue
        voice = path.name.lower()  # what the engine opens: the last part of its identifier (roa/pt-BR)
        for code, priority in _voice_languages(path.read_text(encoding="utf-8", errors="replace")):
            if code not in ranked or priority < ranked[code][0]:
                ranked[code] = (priority, voice)
    return {code: voice for code, (_, voice) in ranked.items()}


def _voice_languages(text: str) -> list[tuple[str, int]]:
    """A voice file's 'language pt-br' and 'language pt 6' lines: (code, priority; 5 when unsaid)."""
    found = []
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == "language":
            priority = int(words[2]) if len(words) > 2 and words[2].isdigit() else 5
            found.append((words[1].lower(), priority))
    return found


def iso_639_2(language: str) -> str:
    """The ISO 639-2/T code of a BCP-47 tag for ID3's TLAN ('zh-Hant' → 'zho', 'hi' → 'hin'), through
    langcodes. A tag is read as written ('tl' stays Tagalog, 'tgl', not CLDR's 'fil'); a language
    that ISO 639-2 has no code for gets its macrolanguage's ('yue' → 'zho'); 'und' only for a tag
    with no language code at all."""
    import langcodes  # only the audio task needs it: a no-op build never imports it

    try:
        code = langcodes.Language.get(language, normalize=False).to_alpha3()
    except (LookupError, ValueError):
        try:
            code = langcodes.Language.get(language).to_alpha3()
        except (LookupError, ValueError):
            return "und"
    if code in ISO_639_2_COVERS:
        return ISO_639_2_COVERS[code]
    macrolanguage = _macrolanguages().get(code) if len(code) == 3 else None
    return langcodes.Language.get(macrolanguage).to_alpha3() if macrolanguage else code


@functools.cache
def _macrolanguages() -> dict[str, str]:
    """Individual language → its macrolanguage, from the IANA registry that langcodes ships."""
    from langcodes.registry_parser import parse_registry

    return {
        item["Subtag"]: item["Macrolanguage"]
        for item in parse_registry()  # type: ignore[no-untyped-call]
        if item.get("Type") == "language" and "Macrolanguage" in item
    }
