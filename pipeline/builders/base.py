"""The interface every builder shares."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from pipeline.builders.outputs import OutputSpec, spec
from pipeline.errors import Problem
from pipeline.i18n.article import Article
from pipeline.i18n.publishing import Publication
from pipeline.source.project import Project


class OutputSkipped(Exception):
    """This output cannot exist for this language (e.g. no voice): not a failure."""

    def __init__(self, reason: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(reason)
        self.problems = tuple(problems)  # warnings that still hold (e.g. about a narrator's recordings)


class Builder(ABC):
    """Writes one output format; a new format is one new module with one subclass."""

    name: ClassVar[str]  #: value of --format

    def __init__(self, project: Project, publication: Publication | None = None) -> None:
        self.project = project
        self.publication = publication or Publication()  #: what this build publishes, decided once

    def prepare(self, articles: Sequence[Article]) -> None:  # noqa: B027 - optional hook
        """See every article before writing (indexes, navigation); default: nothing."""

    @abstractmethod
    def write(self, article: Article) -> list[Path]:
        """Write one article in one language; return the files written."""

    def write_share(self, article: Article, index: int, count: int) -> None:  # noqa: B027 - optional hook
        """Do the ``index``-th of ``count`` shares of write()'s slowest work ahead, in another job (on
        another core), for write() to use; default: nothing. A problem here is left for write() to
        meet again and report."""

    @property
    def spec(self) -> OutputSpec:
        """This format's entry in the output registry."""
        return spec(self.name)

    def outputs(self, article: Article) -> list[Path]:
        """The files write() makes for this article (to remove them when it is not published)."""
        folder = self.project.output_dir(article.language)
        return [folder / f"{article.doc.slug}{suffix}" for suffix in self.spec.files]

    def entry(self, article: Article) -> dict[str, Any] | None:
        """What the shared pages need of this output (JSON data, kept in the manifest); default: None."""
        return None

    def finish(self) -> list[Path]:
        """Write what spans articles (indexes, assets); default: nothing."""
        return []
