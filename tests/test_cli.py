"""The command line: help texts, errors without tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main

COMMANDS = ["new", "build", "parse", "extract", "init", "update", "status", "check", "review", "serve"]


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_says_what_it_does_with_an_example(command: str | None) -> None:
    args = [command, "--help"] if command else ["--help"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0
    summary = result.output.split("\n\n")[1]
    assert summary.strip() and summary.strip()[-1] == "."
    assert "Example:" in result.output
    example = result.output.split("Example:")[1].strip().splitlines()[0].strip()
    assert example.startswith("plainspoken" + (f" {command}" if command else ""))


def test_top_level_help_lists_every_command() -> None:
    output = CliRunner().invoke(main, ["--help"]).output
    for command in COMMANDS:
        assert f"  {command} " in output


def test_missing_project_is_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "source/site.toml: file not found: every project needs source/site.toml (plainspoken new DIR makes one)"


def test_unknown_language_on_the_command_line(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    result = run(project, "build", "--lang", "../x")
    assert result.exit_code == 1
    assert "'../x' is not a language tag" in result.stderr
    assert "Traceback" not in result.output
    result = run(project, "init", "../../x")
    assert result.exit_code == 1 and not (project / "x").exists()


def test_version_names_the_installed_release() -> None:
    from importlib.metadata import version

    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"plainspoken, version {version('plainspoken')}"
