"""Font stacks per language: the Noto families Debian's fonts-noto-core and fonts-noto-cjk ship."""

from __future__ import annotations

LATIN = ("Noto Sans",)
_BY_LANGUAGE: dict[str, tuple[str, ...]] = {
    "hy": ("Noto Sans Armenian", "Noto Sans"),
    "hyw": ("Noto Sans Armenian", "Noto Sans"),
    "fa": ("Noto Naskh Arabic", "Noto Sans"),
    "ar": ("Noto Naskh Arabic", "Noto Sans"),
    "ko": ("Noto Sans CJK KR", "Noto Sans"),
    "km": ("Noto Sans Khmer", "Noto Sans"),  # Noto Sans Khmer has no ASCII digits
    "zh-Hant": ("Noto Sans CJK TC", "Noto Sans"),
    "zh-Hans": ("Noto Sans CJK SC", "Noto Sans"),
    "ja": ("Noto Sans CJK JP", "Noto Sans"),
}


def font_stack(language: str) -> tuple[str, ...]:
    """The families to use for ``language``, most specific first."""
    if language in _BY_LANGUAGE:
        return _BY_LANGUAGE[language]
    return _BY_LANGUAGE.get(language.split("-")[0], LATIN)


def css_font_family(language: str) -> str:
    """A CSS font-family value for ``language``."""
    return ", ".join(f'"{family}"' for family in font_stack(language)) + ", sans-serif"


def css_lang_rules(languages: tuple[str, ...]) -> str:
    """One ``:lang()`` rule per language: the lang attribute then picks script and glyph forms."""
    rules = [f":lang({tag}) {{ font-family: {css_font_family(tag)}; }}" for tag in ("en", *languages)]
    return (
        "/* Font stacks per language (generated from pipeline/render/fonts.py). */\n"
        + "\n".join(dict.fromkeys(rules))
        + "\n"
    )
