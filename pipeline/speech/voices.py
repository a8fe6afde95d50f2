"""Which espeak-ng voice speaks each language (BCP-47 tag), and which languages have none."""

from __future__ import annotations

import functools
from collections.abc import Mapping

#: BCP-47 tag → espeak-ng voice. Measured on Debian 12's espeak-ng 1.51 (see the README).
#: Languages left out have no voice that speaks them well: no audio is made for them.
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
#: Why a language has no audio yet, for the build summary.
NO_VOICE: dict[str, str] = {
    "tl": "espeak-ng has no Tagalog voice",
    "km": "espeak-ng has no Khmer voice",
    "ja": "espeak-ng's Japanese voice reads kanji in English",
}
#: Languages that ISO 639-3 names apart but ISO 639-2 does not, so ID3 (which asks for ISO 639-2)
#: gets the ISO 639-2 code that covers them. Western Armenian has had its own ISO 639-3 code, hyw,
#: only since 2018; ISO 639-2 has one code for Armenian, hye (bibliographic arm), that includes it.
ISO_639_2_COVERS: dict[str, str] = {"hyw": "hye"}


def voice_for(language: str, overrides: Mapping[str, str] | None = None) -> str | None:
    """The espeak-ng voice for ``language``: site.toml's [voices] first, then the table."""
    if overrides and language in overrides:
        return overrides[language] or None
    return VOICES.get(language)


def no_voice_reason(language: str) -> str:
    return NO_VOICE.get(language, f"no espeak-ng voice is configured for {language}")


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
