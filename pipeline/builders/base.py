"""The interface every builder shares, and the translated article it is given."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from pipeline.model import Document
from pipeline.project import Project
from pipeline.review import ReviewState
from pipeline.translate import TranslationReport
from pipeline.ui import UiText


@dataclass(frozen=True)
class Article:
    """One article in one language, ready to be written in any format."""

    doc: Document
    report: TranslationReport
    ui: UiText
    review: ReviewState  # state "source" for the articles' own language

    @property
    def language(self) -> str:
        return self.doc.language

    @property
    def is_draft(self) -> bool:
        """Not signed off by a reviewer, or changed since: outputs must say so."""
        return self.review.state in ("draft", "voided")


class OutputSkipped(Exception):
    """This output cannot exist for this language (e.g. no voice): not a failure."""


class Builder(ABC):
    """Writes one output format; a new format is one new module with one subclass."""

    name: ClassVar[str]  #: value of --format

    def __init__(self, project: Project) -> None:
        self.project = project

    def prepare(self, articles: Sequence[Article]) -> None:  # noqa: B027 - optional hook
        """See every article before writing (indexes, navigation); default: nothing."""

    @abstractmethod
    def write(self, article: Article) -> list[Path]:
        """Write one article in one language; return the files written."""

    @abstractmethod
    def outputs(self, article: Article) -> list[Path]:
        """The files write() makes for this article (to remove them when it is not published)."""

    def finish(self) -> list[Path]:
        """Write what spans articles (indexes, assets); default: nothing."""
        return []
