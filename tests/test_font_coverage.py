"""Which characters the installed fonts draw: fontconfig's answer kept for the next command, and a
character refused only on fontconfig's answer of now."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.source import glyphs

UNASSIGNED = "\u0378"  # no character at all: no font has it


@pytest.fixture
def kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Coverage kept in a folder of the test's own, and this process's answers forgotten."""
    monkeypatch.setattr(glyphs, "KEPT_COVERAGE", tmp_path / "font-coverage.{key}.json")
    for cache in (glyphs._coverage, glyphs._listed, glyphs.installed_font_files):
        cache.cache_clear()
    monkeypatch.setattr(glyphs, "_DRAWABLE", set())
    yield tmp_path
    for cache in (glyphs._coverage, glyphs._listed, glyphs.installed_font_files):
        cache.cache_clear()


def _fontconfig_asked(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The fc-list commands run from now on (they still run)."""
    asked: list[list[str]] = []
    real = subprocess.run

    def run(command: list[str], **kwargs: Any) -> Any:
        asked.append(command)
        return real(command, **kwargs)

    monkeypatch.setattr(subprocess, "run", run)
    return asked


def test_the_next_command_reads_the_kept_answer_instead_of_asking_fontconfig(
    kept: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = _fontconfig_asked(monkeypatch)
    assert glyphs.undrawable(f"Café {UNASSIGNED}") == [UNASSIGNED]
    assert len(asked) == 1 and len(list(kept.glob("font-coverage.*.json"))) == 1
    for cache in (glyphs._coverage, glyphs._listed):  # as a new process
        cache.cache_clear()
    monkeypatch.setattr(glyphs, "_DRAWABLE", set())
    assert glyphs.undrawable("Café, 電話") == []
    assert len(asked) == 1  # fontconfig was not asked again


def test_a_kept_answer_never_refuses_a_character_fontconfig_draws_now(
    kept: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As if a font for é was installed where the key does not see it: the kept answer lacks é."""
    path = Path(str(glyphs.KEPT_COVERAGE).format(key=glyphs._fonts_key()))
    path.write_text(json.dumps({"starts": [0x20], "ends": [0x7E]}), encoding="utf-8")
    asked = _fontconfig_asked(monkeypatch)
    assert glyphs.undrawable(f"Café {UNASSIGNED}") == [UNASSIGNED]
    assert len(asked) == 1  # asked, because the kept answer said no
    now = json.loads(path.read_text(encoding="utf-8"))  # and kept its answer
    assert any(start <= 0xE9 <= end for start, end in zip(now["starts"], now["ends"], strict=True))


def test_a_font_installed_or_replaced_is_a_new_key(
    kept: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    monkeypatch.setattr(glyphs, "FONT_FOLDERS", (str(fonts),))
    keys = [glyphs._fonts_key()]
    (fonts / "NotoSansKhmer-Regular.ttf").write_bytes(b"font")
    glyphs.installed_font_files.cache_clear()
    keys.append(glyphs._fonts_key())
    (fonts / "NotoSansKhmer-Regular.ttf").write_bytes(b"a newer font")
    keys.append(glyphs._fonts_key())
    assert len(set(keys)) == 3
