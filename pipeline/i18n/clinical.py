"""The clinician's sign-off of the English articles, voided by any change to what they say."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PlainspokenError, Problem
from pipeline.i18n.catalogs import extract_document
from pipeline.model import Document

RECORD = "clinical-review.toml"  #: in source/: who signed each article off, when, and what they read


@dataclass(frozen=True)
class Clinical:
    """An article's clinical sign-off: 'reviewed', 'voided' (changed since) or 'unreviewed'."""

    state: str
    reviewer: str = ""
    date: str = ""


def article_hash(doc: Document) -> str:
    """A hash of every message of the article (title, key points, every unit): what the clinician read."""
    digest = hashlib.sha256()
    for message in extract_document(doc):
        if message.id:
            digest.update(f"{message.id}\0".encode())
    return "sha256:" + digest.hexdigest()


def read_record(path: Path, display: str) -> dict[str, dict[str, str]]:
    """slug → {reviewer, date, hash}; empty when nobody signed anything off yet."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        raise PlainspokenError.at(display, 0, f"not valid TOML: {message}") from None
    return {
        slug: {k: str(v) for k, v in entry.items()} for slug, entry in data.items() if isinstance(entry, dict)
    }


def clinical_state(doc: Document, record: Mapping[str, Mapping[str, str]]) -> Clinical:
    """Reviewed only while the article says exactly what was signed."""
    entry = record.get(doc.slug)
    if not entry:
        return Clinical("unreviewed")
    state = "reviewed" if entry.get("hash") == article_hash(doc) else "voided"
    return Clinical(state, entry.get("reviewer", ""), entry.get("date", ""))


def medical_review(path: Path, display: str, doc: Document) -> tuple[Clinical, list[Problem]]:
    """The sign-off of ``doc`` (its English source) that pages and handouts show; unreviewed, with
    the problem, when the record is broken (``check --source`` names it too)."""
    try:
        return clinical_state(doc, read_record(path, display)), []
    except PlainspokenError as error:
        return Clinical("unreviewed"), list(error.problems)


def signed_record(
    record: Mapping[str, Mapping[str, str]], docs: list[Document], reviewer: str, date: str
) -> str:
    """The record file's text with ``docs`` signed off by ``reviewer`` on ``date``; others kept."""
    entries = {slug: dict(entry) for slug, entry in record.items()}
    for doc in docs:
        entries[doc.slug] = {"reviewer": reviewer, "date": date, "hash": article_hash(doc)}
    lines = ["# Clinical sign-off of each English article (plainspoken review en --by NAME).", ""]
    for slug, entry in sorted(entries.items()):
        lines += [
            f"[{json.dumps(slug)}]",
            *(f"{key} = {json.dumps(value)}" for key, value in entry.items()),
            "",
        ]
    return "\n".join(lines)


