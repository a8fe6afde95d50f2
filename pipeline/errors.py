"""Problems found in a project's files, reported as ``path:line: message``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem at a place in a file; ``line`` is 1-based, 0 when unknown."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}: {self.message}"
        return f"{self.path}: {self.message}"


class PlainspokenError(Exception):
    """One or more problems that stop the current step; the CLI prints them, never a traceback."""

    def __init__(self, problems: Problem | Iterable[Problem]) -> None:
        self.problems = (problems,) if isinstance(problems, Problem) else tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, path: str, line: int, message: str) -> PlainspokenError:
        """An error for one place."""
        return cls(Problem(path, line, message))
