"""The command line: help texts, errors without tracebacks."""

from __future__ import annotations

import sys
from collections.abc import Callable
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


def _plain_with(make_project: Callable[[str], Path], table: str) -> tuple[Path, Path]:
    """tests/roots/plain with ``table`` added to its site.toml: the project and its site.toml."""
    project = make_project("plain")
    site = project / "source/site.toml"
    site.write_text(f"{site.read_text()}\n{table}\n")
    return project, site


def test_a_build_scheduler_that_is_no_address_is_one_line_at_its_key(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project, site = _plain_with(make_project, '[build]\nscheduler = "build-1:8786"')
    result = run(project, "build", "--format", "html")
    assert result.exit_code == 1 and "Traceback" not in result.output
    line = len(site.read_text().splitlines())
    assert result.stderr.strip() == (
        f"source/site.toml:{line}: build.scheduler 'build-1:8786': write a Dask scheduler's address, "
        'e.g. "tcp://build-1.lan:8786"'
    )
    site.write_text(site.read_text().replace('"build-1:8786"', '"tcp://build-1:8786"'))
    from pipeline.source.project import load_project

    assert load_project(project).config.scheduler == "tcp://build-1:8786"


def test_a_scheduler_named_in_site_toml_without_dask_installed_names_the_address(
    run, make_project, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    """The line began "--scheduler:", an option the clinic had not typed: the address came from site.toml."""
    project, _ = _plain_with(make_project, '[build]\nscheduler = "tcp://build-1:8786"')
    monkeypatch.setitem(sys.modules, "distributed", None)  # as where plainspoken[dask] is not installed
    result = run(project, "build", "--format", "html")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.splitlines() == ["tcp://build-1:8786: Dask is not installed: pip install 'plainspoken[dask]'"]


def test_a_misspelt_build_table_is_named_not_built_on_this_machine(run, make_project) -> None:  # type: ignore[no-untyped-def]
    """[biuld] was read as nothing: the build ran here, silently, instead of on the cluster."""
    project, site = _plain_with(make_project, '[biuld]\nscheduler = "tcp://build-1:8786"')
    result = run(project, "build", "--format", "html")
    assert result.exit_code == 1 and "Traceback" not in result.output
    line = site.read_text().splitlines().index("[biuld]") + 1
    assert result.stderr.strip() == f"source/site.toml:{line}: [biuld] is not a table of site.toml: did you mean [build]?"
    assert not (project / "build/site").exists()
