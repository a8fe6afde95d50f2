"""Clinical sign-off of the English articles (voided by any change to what they say) and review due dates."""

from __future__ import annotations

import calendar
import datetime as dt
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
from pipeline.quality.checks import Finding

RECORD = "clinical-review.toml"  #: in source/: who signed each article off, when, and what they read
REVIEW_MONTHS = 12  #: a review is due this long after last_reviewed ([review] months in plain-language.toml)
WARN_DAYS = 30  #: check warns this many days before a review is due, and fails once it is past


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


def review_months(path: Path) -> int:
    """``[review] months`` of source/plain-language.toml, else 12."""
    if not path.exists():
        return REVIEW_MONTHS
    try:
        months = (
            tomllib.loads(path.read_text(encoding="utf-8")).get("review", {}).get("months", REVIEW_MONTHS)
        )
    except tomllib.TOMLDecodeError:
        return REVIEW_MONTHS  # check --source reports the broken file
    return months if isinstance(months, int) and months > 0 else REVIEW_MONTHS


def review_due(doc: Document, months: int) -> dt.date:
    """``months`` after the article's last_reviewed date (the last day of a shorter month)."""
    last = dt.date.fromisoformat(doc.metadata.last_reviewed)
    index = last.month - 1 + months
    year, month = last.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(last.day, calendar.monthrange(year, month)[1]))


def future_review_findings(doc: Document, today: dt.date) -> list[Finding]:
    """An error when last_reviewed is after ``today`` (the real one: a build's fixed date may be older)."""
    if dt.date.fromisoformat(doc.metadata.last_reviewed) <= today:
        return []
    message = (
        f"last_reviewed {doc.metadata.last_reviewed} is after today ({today}), and pages and handouts"
        " print it: write the date a clinician last reviewed the article"
    )
    return [Finding(doc.source_path, doc.metadata.title.line, "error", "review-due", message)]


def due_findings(doc: Document, months: int, today: dt.date) -> list[Finding]:
    """A warning from 30 days before the review is due, an error once it is past."""
    due = review_due(doc, months)
    line = doc.metadata.title.line
    if today > due:
        message = (
            f"the clinical review was due on {due} (last_reviewed + {months} months):"
            " have a clinician review it, then update last_reviewed"
        )
        return [Finding(doc.source_path, line, "error", "review-due", message)]
    if (due - today).days <= WARN_DAYS:
        message = f"the clinical review is due on {due}, in {(due - today).days} days"
        return [Finding(doc.source_path, line, "warning", "review-due", message)]
    return []
