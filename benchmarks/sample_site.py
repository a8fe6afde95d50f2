"""A copy of a project's source and catalogs built in one format, for the conformance scripts."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import main as cli

REPO = Path(__file__).resolve().parent.parent


def built_copy(tmp: Path, output: str, project_dir: Path = REPO) -> Path | None:
    """``project_dir``'s source/ and locales/ copied under ``tmp`` and built in ``output``: the
    copy's root, or None (what the build printed is shown) if the build failed."""
    root = tmp / "site"
    for part in ("source", "locales"):
        shutil.copytree(project_dir / part, root / part)
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "--format", output, "-q"])
    if result.exit_code != 0:
        print(result.output)
        return None
    return root
