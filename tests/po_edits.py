"""What translators and authors do to a project's files, as tests need it: edit a msgstr, mark one
fuzzy (then save as Poedit does), and what GNU gettext says about a catalog."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import escape, read_po


def live_messages(path: Path) -> list[tuple[str, str, bool, int]]:
    """(msgid, msgstr, fuzzy, msgid line) of every live message, read leniently by Babel."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return [(str(m.id), str(m.string or ""), bool(m.fuzzy), m.lineno or 0) for m in catalog if m.id]


def every_msgstr(path: Path) -> set[str]:
    """Every msgstr in a catalog: live, fuzzy and obsolete (#~)."""
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {str(m.string) for m in [*catalog, *catalog.obsolete.values()] if m.id and m.string}


def poedit_save(path: Path) -> None:
    """Save as a translator's tool does: gettext's layout (msgcat), so only edits show in a diff."""
    subprocess.run(["msgcat", "-o", str(path), str(path)], check=True)


def set_msgstr(path: Path, line: int, msgstr: str) -> None:
    """Replace the msgstr of the message whose msgid is at ``line`` (1-based), then save."""
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i in range(line - 1, len(lines)) if lines[i].startswith("msgstr"))
    end = start + 1
    while end < len(lines) and lines[end].startswith('"'):
        end += 1
    lines[start:end] = [f"msgstr {escape(msgstr)}"]
    path.write_text("\n".join(lines), encoding="utf-8")
    poedit_save(path)


def mark_fuzzy(path: Path, line: int) -> None:
    """Flag the message whose msgid is at ``line`` as fuzzy, then save."""
    lines = path.read_text(encoding="utf-8").split("\n")
    at = line - 1
    while at > 0 and lines[at - 1].startswith("#|"):
        at -= 1
    if lines[at - 1].startswith("#,"):
        if "fuzzy" not in lines[at - 1]:
            lines[at - 1] += ", fuzzy"
    else:
        lines.insert(at, "#, fuzzy")
    path.write_text("\n".join(lines), encoding="utf-8")
    poedit_save(path)


def msgfmt_check(path: Path) -> str:
    """msgfmt --check's complaints about a file ('' when it passes)."""
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True, check=False
    )
    return result.stderr if result.returncode else ""


@dataclass(frozen=True)
class Statistics:
    translated: int
    fuzzy: int
    untranslated: int


def msgfmt_statistics(path: Path) -> Statistics:
    """GNU msgfmt --statistics for one catalog."""
    text = subprocess.run(
        ["msgfmt", "--statistics", "-o", "/dev/null", str(path)],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C"},
        check=False,
    ).stderr
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (translated|fuzzy|untranslated)", text)}
    return Statistics(counts.get("translated", 0), counts.get("fuzzy", 0), counts.get("untranslated", 0))


def reconciled(path: Path) -> Statistics:
    """msgfmt's statistics with a msgstr of only spaces moved to untranslated.

    msgfmt counts ``msgstr " "`` as translated (or fuzzy, when flagged); Plainspoken counts it
    untranslated, since the build shows the English. Reconciled, the two must agree:
    status translated + rejected = msgfmt translated - blank; status fuzzy = msgfmt fuzzy -
    blank fuzzy; status untranslated = msgfmt untranslated + both kinds of blank.
    """
    stats = msgfmt_statistics(path)
    blank = [fuzzy for _, msgstr, fuzzy, _ in live_messages(path) if msgstr and not msgstr.strip()]
    fuzzy_blank = sum(blank)
    plain_blank = len(blank) - fuzzy_blank
    return Statistics(
        stats.translated - plain_blank, stats.fuzzy - fuzzy_blank, stats.untranslated + len(blank)
    )
