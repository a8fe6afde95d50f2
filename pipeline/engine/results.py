"""The result of one build task (kept light: the engine imports it before knowing if work is needed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.errors import Problem


@dataclass(frozen=True)
class TaskResult:
    """What happened to one article in one language in one format."""

    slug: str
    language: str
    output: str
    status: str  # "built", "up to date", "skipped" or "failed"
    reason: str = ""
    seconds: float = 0.0  # its job's own time
    shared_seconds: float = 0.0  # what shares of its work took in other jobs (a Piper guide's speech)
    fallbacks: int = 0  # the article's messages shown in English
    crisis_line_fallbacks: int = 0  # site.toml's crisis lines (in ui.po), on every page, shown in English
    outputs: tuple[str, ...] = ()  # paths relative to build/site
    problems: tuple[Problem, ...] = ()  # errors (failed) or warnings (rejected translations)
    entry: dict[str, Any] | None = None  # what the shared pages need of a built output (JSON data)
    produced: str = ""  # a hash of the files it wrote, for the outputs that need them (the page: the cues)
    depends: dict[str, str] = field(default_factory=dict)  # what else its parse read: path → hash

    @property
    def total_seconds(self) -> float:
        """All the time it took, wherever its work was done."""
        return self.seconds + self.shared_seconds

    @property
    def id(self) -> str:
        return f"{self.language}/{self.slug}/{self.output}"
