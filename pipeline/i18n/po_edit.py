"""Set a few msgstrs in a .po file in place: every other byte of the file stays as it was."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import denormalize, normalize

_KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(".*")\s*$')
_CONTINUATION = re.compile(r'^(".*")\s*$')


@dataclass(frozen=True)
class NewString:
    """What one message's translation becomes."""

    msgstr: str
    fuzzy: bool
    comment: str = ""  # a translator comment (# …) to add, e.g. where a translation came from


def _entries(lines: list[str]) -> list[tuple[int, int]]:
    """(first, end) line ranges of the entries, separated by blank lines."""
    ranges, start = [], None
    for index, line in enumerate([*lines, ""]):
        if line.strip() and start is None:
            start = index
        elif not line.strip() and start is not None:
            ranges.append((start, index))
            start = None
    return ranges


def _fields(lines: list[str]) -> dict[str, tuple[int, int, str]]:
    """keyword → (first line, end line, value) of an entry's live (not #~) fields."""
    fields: dict[str, tuple[int, int, str]] = {}
    current = None
    for index, line in enumerate(lines):
        match = _KEYWORD.match(line)
        if match:
            current = match.group(1)
            fields[current] = (index, index + 1, match.group(2))
        elif current and _CONTINUATION.match(line):
            first, _, value = fields[current]
            fields[current] = (first, index + 1, value + "\n" + line.strip())
        else:
            current = None
    return {key: (a, b, denormalize(value)) for key, (a, b, value) in fields.items()}


def _flags(lines: list[str], fuzzy: bool) -> list[str]:
    """The entry's comment lines with the fuzzy flag set or cleared (and #| dropped once not fuzzy)."""
    out, seen = [], False
    for line in lines:
        if line.startswith("#,"):
            seen = True
            flags = [f.strip() for f in line[2:].split(",") if f.strip() and f.strip() != "fuzzy"]
            flags = ["fuzzy", *flags] if fuzzy else flags
            if flags:
                out.append("#, " + ", ".join(flags))
        elif line.startswith("#|") and not fuzzy:
            continue
        else:
            out.append(line)
    if fuzzy and not seen:
        position = next((i for i, line in enumerate(out) if not line.startswith("#")), len(out))
        out.insert(position, "#, fuzzy")
    return out


def set_msgstrs(text: str, changes: Mapping[str, NewString]) -> str:
    """``text`` with the msgstr (and fuzzy flag) of each msgid in ``changes`` replaced."""
    lines = text.split("\n")
    wanted = sorted(changes)
    formatted = dict(zip(wanted, gnu_msgstr_lines([changes[m].msgstr for m in wanted]), strict=True))
    result: list[str] = []
    previous = 0
    for first, end in _entries(lines):
        entry = lines[first:end]
        fields = _fields(entry)
        msgid = fields.get("msgid", (0, 0, ""))[2]
        if not msgid or "msgctxt" in fields or "msgstr" not in fields or msgid not in changes:
            continue
        change = changes[msgid]
        a, b, _ = fields["msgstr"]
        head = _flags(entry[: fields["msgid"][0]], change.fuzzy) + entry[fields["msgid"][0] : a]
        if change.comment and f"# {change.comment}" not in head:
            head.insert(0, f"# {change.comment}")
        body = formatted[msgid]
        result += [*lines[previous:first], *head, *body, *entry[b:]]
        previous = end
    return "\n".join([*result, *lines[previous:]])


def gnu_msgstr_lines(values: list[str]) -> list[list[str]]:
    """Each value as the ``msgstr`` lines GNU gettext writes (its wrapping), via msgcat.

    Babel's wrapping is close to gettext's but not the same; writing the lines as msgcat does
    keeps a later ``msgmerge`` or Poedit save from re-wrapping what we wrote.
    """
    fallback = [("msgstr " + normalize(v, width=79)).split("\n") for v in values]
    msgcat = shutil.which("msgcat")
    if msgcat is None or not values:
        return fallback
    header = 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n'
    body = "".join(
        f"\nmsgid {normalize(f'm{i}', width=0)}\nmsgstr {normalize(v, width=0)}\n"
        for i, v in enumerate(values)
    )
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.po"
        source.write_text(header + body, encoding="utf-8")
        done = subprocess.run(
            [msgcat, "-o", "-", str(source)],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )
    if done.returncode != 0:
        return fallback
    blocks = done.stdout.split("\n\n")[1:]
    lines = [block.strip("\n").split("\n")[1:] for block in blocks]
    return lines if len(lines) == len(values) else fallback
