"""The toolchain an output is made with, as one fingerprint per output and language: the versions of
the libraries that render it and the stats of the system files they read (fonts, espeak-ng's data).

Cheap on purpose (package metadata and file stats, no import of the libraries): every plan computes it.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import os
import sysconfig
from collections.abc import Callable, Iterable
from pathlib import Path

from pipeline.builders.outputs import OutputSpec
from pipeline.distributions import version_of
from pipeline.render.fonts import font_stack
from pipeline.source.glyphs import installed_font_files

#: What every output is made with: the parser, and Babel (its CLDR data formats dates and numbers).
COMMON = ("babel", "markdown-it-py", "mdit-py-plugins")
#: espeak-ng's library and its voice data (phonemes, dictionaries), where Debian and others put them.
_ARCH = sysconfig.get_config_var("MULTIARCH") or "*"
ESPEAK_FILES = (
    *(f"/usr/lib/{arch}libespeak-ng.so.1" for arch in (f"{_ARCH}/", "")),  # the soname loaded
    *(f"/usr/lib/{arch}espeak-ng-data" for arch in (f"{_ARCH}/", "")),
    "/usr/share/espeak-ng-data",
)
#: The distributions of the piper extra, in the audio's toolchain: they make a guide only where a
#: voice it speaks with is Piper's (its keys, and a cluster's workers, leave them out elsewhere).
PIPER = frozenset({"piper-tts", "onnxruntime", "onnx"})
#: liblouis's library and its translation tables (a braille table changes what a BRF holds).
LIBLOUIS_FILES = (
    *(f"/usr/lib/{arch}liblouis.so.20" for arch in (f"{_ARCH}/", "")),
    "/usr/share/liblouis/tables",
)


def fingerprint(output: OutputSpec, language: str, unused: frozenset[str] = frozenset()) -> str:
    """One hash of every part of the toolchain that renders ``output`` in ``language`` (but the
    ``unused`` ones: Piper's, where no voice the output speaks with is Piper's)."""
    parts = [_part(name, language) for name in (*COMMON, *output.toolchain) if name not in unused]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _part(name: str, language: str) -> str:
    return f"{name}={_value(name, language)}"


def _value(name: str, language: str) -> str:
    """A system part by its reader, any other name as an installed distribution's version."""
    reader = _SYSTEM_PARTS.get(name)
    return reader(language) if reader else _version(name)


#: A part of the toolchain: its name, the language it is read for ('' where it is the same for
#: every language), and its version or its files' fingerprint.
Part = tuple[str, str, str]


def parts(made: Iterable[tuple[OutputSpec, str, frozenset[str]]]) -> tuple[Part, ...]:
    """Every part of the toolchain the outputs ``made`` (each in its language, but the parts its key
    leaves out) are rendered with: what a cluster's workers must have the same of, so that their
    outputs are this machine's."""
    wanted = {
        (name, language if name in _BY_LANGUAGE else "")
        for output, language, unused in made
        for name in (*COMMON, *output.toolchain)
        if name not in unused
    }
    return tuple((name, language, _value(name, language)) for name, language in sorted(wanted))


def differences(expected: Iterable[Part]) -> list[str]:
    """A line for each part of ``expected`` (read on the build's machine) that differs here."""
    return [
        _different(name, language, value)
        for name, language, value in expected
        if _value(name, language) != value
    ]


def _different(name: str, language: str, expected: str) -> str:
    if name in _BY_LANGUAGE:
        return f"its {name} for {language} differ from the build machine's: install the same packages on both"
    if name in _SYSTEM_PARTS:
        return f"its {name} (library and data) differs from the build machine's: install the same on both"
    there, here = (("not installed" if v == "absent" else v) for v in (_version(name), expected))
    return f"{name} differs ({there} there, {here} on the build machine): install the same version on both"


def _version(distribution: str) -> str:
    """An installed distribution's version, from its metadata folder's name where it can be."""
    return version_of(distribution) or "absent"


def _fonts(language: str) -> str:
    """The font files of the families the language's handouts use (name, size, time)."""
    return _stats(_font_paths(tuple(family.replace(" ", "") for family in font_stack(language))))


@functools.cache
def _font_paths(families: tuple[str, ...]) -> tuple[str, ...]:
    """The installed font files of ``families`` (a plan asks for each output of each article)."""
    return tuple(path for stem, path in _font_files() if any(f.startswith(stem) for f in families))


def _font_files() -> tuple[tuple[str, str], ...]:
    """(family part of the file name, path) of every installed font: NotoSansCJK-Regular.ttc → NotoSansCJK."""
    return tuple(
        (os.path.basename(path).split("-")[0].split(".")[0], path) for path in installed_font_files()
    )


def _espeak(language: str) -> str:
    """espeak-ng's library and every file of its data (one voice's data is shared by others; an
    upgrade replaces the phonemes and dictionaries)."""
    return _system_files(ESPEAK_FILES)


def _liblouis(language: str) -> str:
    """liblouis's library and every table (a language's table includes others)."""
    return _system_files(LIBLOUIS_FILES)


@functools.cache
def _system_files(patterns: tuple[str, ...]) -> str:
    """The stats of the files ``patterns`` name, and of the files in the folders they name."""
    paths = [path for pattern in patterns for path in glob.glob(pattern)]
    files = [p for path in paths for p in ([path] if os.path.isfile(path) else _files_in(path))]
    return _stats(tuple(sorted(files)))


def _files_in(folder: str) -> list[str]:
    return [entry.path for entry in os.scandir(folder) if entry.is_file()]


def _stats(paths: tuple[str, ...]) -> str:
    """One hash of the paths with their size and modification time (a package upgrade changes them)."""
    lines = []
    for path in paths:
        stat = Path(path).stat()
        lines.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


_SYSTEM_PARTS: dict[str, Callable[[str], str]] = {
    "fonts": _fonts,
    "espeak-ng": _espeak,
    "liblouis": _liblouis,
}
#: The parts read for a language (the others are the same for every language).
_BY_LANGUAGE = frozenset({"fonts"})


#: The shared libraries system parts are loaded from (a soname, or a name for find_library, as the
#: builders load them: the first that loads), and how to install them.
LIBRARIES: dict[str, tuple[tuple[str, ...], str]] = {
    "espeak-ng": (("libespeak-ng.so.1",), "apt-get install espeak-ng"),
    "liblouis": (("louis", "liblouis.so.20"), "apt-get install liblouis20 liblouis-data"),
}


def unloadable(parts: Iterable[str]) -> list[str]:
    """A line for each of the system ``parts`` this machine cannot load, with what to install (asked
    of a cluster's workers before a build: their outputs would fail one by one)."""
    return [problem for part in sorted(set(parts) & LIBRARIES.keys()) if (problem := _unloadable(part))]


def _unloadable(part: str) -> str:
    """Why ``part``'s library cannot be loaded here ('' if it can)."""
    import ctypes.util  # not at the top: every plan imports this module, and no plan loads a library

    names, install = LIBRARIES[part]
    why = "not found"
    for name in names:
        if (path := name if "." in name else ctypes.util.find_library(name)) is None:
            continue
        try:
            ctypes.CDLL(path)
        except OSError as error:
            why = str(error)
        else:
            return ""
    return f"{part} cannot be loaded ({why}): install it (Debian: {install})"
