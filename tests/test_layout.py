"""The folders read as the pipeline: a module never imports a later stage, not even lazily inside a
function or for type checking only."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "pipeline"
#: Stages in the order data flows; a module may import its own stage and earlier ones.
STAGES = (
    ("pipeline", "pipeline.model", "pipeline.markup", "pipeline.errors"),
    ("pipeline.source",),
    ("pipeline.i18n",),
    ("pipeline.quality",),
    ("pipeline.render",),
    ("pipeline.speech",),
    ("pipeline.audio",),
    ("pipeline.builders",),
    ("pipeline.site",),
    ("pipeline.engine",),
    ("pipeline.cli", "pipeline.serve", "pipeline.summary"),
)


def stage(module: str) -> int:
    """The index of the stage ``module`` belongs to (its longest matching prefix)."""
    best, found = -1, -1
    for index, prefixes in enumerate(STAGES):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), index
    assert found >= 0, module
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(tree: ast.AST) -> list[tuple[str, int]]:
    """Every pipeline module imported anywhere in ``tree``, with its line."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
    return [(name, line) for name, line in found if name.split(".")[0] == "pipeline"]


def test_no_module_imports_a_later_stage() -> None:
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = module_name(path)
        for name, line in imported(ast.parse(path.read_text(encoding="utf-8"))):
            if stage(name) > stage(here):
                violations.append(f"{path.relative_to(REPO)}:{line}: {here} imports {name}")
    assert violations == []


def test_every_module_is_in_a_stage_and_there_is_no_utils() -> None:
    modules = [module_name(path) for path in PACKAGE.rglob("*.py")]
    assert all(stage(module) >= 0 for module in modules)
    assert not [m for m in modules if m.rsplit(".", 1)[-1] in ("utils", "util", "helpers", "misc")]
