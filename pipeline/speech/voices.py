"""Which espeak-ng voice speaks each language (BCP-47 tag), and which languages have none."""

from __future__ import annotations

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
#: ISO 639-2 codes for the MP3's language tag (ID3 TLAN).
ISO_639_2: dict[str, str] = {
    "en": "eng",
    "es": "spa",
    "hy": "hye",
    "hyw": "hye",
    "fa": "fas",
    "ar": "ara",
    "ko": "kor",
    "vi": "vie",
    "ru": "rus",
    "zh": "zho",
    "tl": "tgl",
    "km": "khm",
    "ja": "jpn",
}


def voice_for(language: str, overrides: Mapping[str, str] | None = None) -> str | None:
    """The espeak-ng voice for ``language``: site.toml's [voices] first, then the table."""
    if overrides and language in overrides:
        return overrides[language] or None
    return VOICES.get(language)


def no_voice_reason(language: str) -> str:
    return NO_VOICE.get(language, f"no espeak-ng voice is configured for {language}")


def iso_639_2(language: str) -> str:
    return ISO_639_2.get(language, ISO_639_2.get(language.split("-")[0], "und"))
