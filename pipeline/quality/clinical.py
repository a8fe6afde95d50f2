"""Review due dates of the English articles (their sign-off is pipeline.i18n.clinical's)."""

from __future__ import annotations

import calendar
import datetime as dt
import tomllib
from pathlib import Path

from pipeline.model import Document
from pipeline.quality.checks import Finding

REVIEW_MONTHS = 12  #: a review is due this long after last_reviewed ([review] months in plain-language.toml)
WARN_DAYS = 30  #: check warns this many days before a review is due, and fails once it is past


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
