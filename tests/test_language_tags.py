"""Language tags: checked against CLDR, written as BCP-47 writes them, near misses get a suggestion."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.source.languages import EXTRA_LANGUAGES, known_tags, language_tag, plural_forms
from pipeline.source.project import language_info, load_project


def one_line(text: str) -> str:
    """The only line of ``text``; fails if there are more (a traceback has many)."""
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def catalogs(project: Path, tag: str) -> list[str]:
    return sorted(p.name for p in (project / "locales" / tag / "LC_MESSAGES").glob("*.po"))


def test_init_of_an_unknown_tag_is_refused_in_one_line(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("articles")
    result = run(project, "init", "xx")
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        "<command line>: 'xx' is not a language tag CLDR knows (tags look like es, pt-BR or zh-Hant)"
    )
    assert not (project / "locales" / "xx").exists()


@pytest.mark.parametrize("typed", ["pt_BR", "PT-br", "pt-br", "Pt_Br"])
def test_init_writes_the_tag_as_bcp47_does(run, make_project, typed: str) -> None:  # type: ignore[no-untyped-def]
    project = make_project("articles")
    result = run(project, "init", typed)
    assert result.exit_code == 0, result.output
    assert catalogs(project, "pt-BR") == ["after-care.po", "first-visit.po", "ui.po"]
    assert [p.name for p in (project / "locales").iterdir() if p.is_dir()] == ["pt-BR"]
    assert 'add "pt-BR" to publish.languages' in result.output
    header = (project / "locales/pt-BR/LC_MESSAGES/ui.po").read_text(encoding="utf-8")
    assert '"Plural-Forms: nplurals=3;' in header  # CLDR's rule for Brazilian Portuguese


def test_lang_option_is_normalised_too(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("articles")
    assert run(project, "init", "es").exit_code == 0
    result = run(project, "update", "--lang", "ES")
    assert result.exit_code == 0, result.output
    assert "locales/es/LC_MESSAGES/ui.po: unchanged" in result.output
    result = run(project, "build", "--lang", "ES", "--format", "html")
    assert result.exit_code == 0, result.output
    assert (project / "build/site/es/first-visit.html").is_file()
    assert not (project / "build/site/en").exists()


@pytest.mark.parametrize(
    ("command", "typed", "meant"),
    [
        (("init",), "pt-BT", "pt-BR"),
        (("init",), "zh-Hnat", "zh-Hant"),
        (("init",), "kor", "ko"),
        (("init",), "Spanish", "es"),
        (("update", "--lang"), "ptbr", "pt-BR"),
        (("check", "--lang"), "zh_hnas", "zh-Hans"),
        (("build", "--lang"), "ko-US", "ko"),
    ],
)
def test_a_near_miss_gets_a_suggestion(run, make_project, command, typed, meant) -> None:  # type: ignore[no-untyped-def]
    project = make_project("articles")
    result = run(project, *command, typed)
    assert result.exit_code == 1
    line = one_line(result.stderr)
    assert line.startswith(
        f"<command line>: {typed!r} is not a language tag CLDR knows: did you mean {meant}"
    )
    assert not (project / "locales").exists()


@pytest.mark.parametrize("command", [("init", "en"), ("update", "--lang", "en"), ("check", "--lang", "EN")])
def test_the_source_language_has_no_catalogs(run, make_project, command) -> None:  # type: ignore[no-untyped-def]
    project = make_project("articles")
    result = run(project, *command)
    assert result.exit_code == 1
    assert one_line(result.stderr) == (
        "<command line>: en is the articles' own language: it has no catalogs to translate"
    )
    assert not (project / "locales" / "en").exists()


def test_unknown_tag_in_site_toml_is_refused_at_its_line(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("articles")
    toml = project / "source/site.toml"
    text = toml.read_text().replace('languages = ["en", "es"]', 'languages = [\n  "en",\n  "es",\n  "xx",\n]')
    toml.write_text(text)
    line = text.splitlines().index('  "xx",') + 1
    for command in (("build",), ("status",), ("init", "es")):
        result = run(project, *command)
        assert result.exit_code == 1
        assert one_line(result.stderr) == (
            f"source/site.toml:{line}: publish.languages: 'xx' is not a language tag CLDR knows "
            "(tags look like es, pt-BR or zh-Hant)"
        )
    assert not (project / "build").exists() and not (project / "locales").exists()


def test_site_toml_near_miss_and_duplicate(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("articles")
    toml = project / "source/site.toml"
    original = toml.read_text()
    line = original.splitlines().index('languages = ["en", "es"]') + 1
    toml.write_text(original.replace('"es"]', '"zh-hnat"]'))
    result = run(project, "build")
    assert result.exit_code == 1
    assert re.fullmatch(
        rf"source/site.toml:{line}: publish.languages: 'zh-hnat' .* did you mean zh-Hant\b.*\?",
        one_line(result.stderr),
    )
    toml.write_text(original.replace('"es"]', '"es", "ES"]'))
    result = run(project, "status")
    assert one_line(result.stderr) == f"source/site.toml:{line}: publish.languages lists es twice"


def test_site_toml_tags_are_normalised(make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("articles")
    toml = project / "source/site.toml"
    toml.write_text(toml.read_text().replace('"es"]', '"ES", "pt_BR", "zh_hant", "HYW"]'))
    assert load_project(project).config.languages == ("en", "es", "pt-BR", "zh-Hant", "hyw")


def test_western_armenian_is_supported_beyond_cldr(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("articles")
    result = run(project, "init", "hyw")
    assert result.exit_code == 0, result.output
    assert catalogs(project, "hyw") == ["after-care.po", "first-visit.po", "ui.po"]
    info = language_info("hyw")
    assert (info.english_name, info.native_name, info.direction) == (
        "Western Armenian",
        "Արեւմտահայերէն",
        "ltr",
    )
    assert plural_forms("hyw") == plural_forms("hy") == "nplurals=2; plural=(n > 1);"
    for po in (project / "locales/hyw/LC_MESSAGES").glob("*.po"):
        assert '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"' in po.read_text(encoding="utf-8")
        assert subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], check=False).returncode == 0
    assert run(project, "update", "--lang", "hyw").exit_code == 0
    assert "plural=(n > 1)" in (project / "locales/hyw/LC_MESSAGES/ui.po").read_text(encoding="utf-8")


def test_the_project_table_only_holds_what_cldr_lacks() -> None:
    from babel import Locale, UnknownLocaleError

    for tag in EXTRA_LANGUAGES:
        with pytest.raises(UnknownLocaleError):
            Locale.parse(tag, sep="-")


def _variant(tag: str, flips: list[bool], underscores: list[bool]) -> str:
    letters = [c.swapcase() if flip else c for c, flip in zip(tag, flips + [False] * len(tag), strict=False)]
    text = "".join(letters)
    parts = text.split("-")
    out = parts[0]
    for part, underscore in zip(parts[1:], underscores + [False] * len(parts), strict=False):
        out += ("_" if underscore else "-") + part
    return out


@given(
    tag=st.sampled_from(sorted(known_tags())),
    flips=st.lists(st.booleans(), max_size=12),
    underscores=st.lists(st.booleans(), max_size=2),
)
def test_any_casing_or_underscore_variant_normalises_to_the_tag(
    tag: str, flips: list[bool], underscores: list[bool]
) -> None:
    assert language_tag(_variant(tag, flips, underscores)) == tag
