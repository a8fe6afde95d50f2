"""The tested set: constraints.txt pins what make build, make test and CI install, and nothing else."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from conftest import REPO
from packaging.requirements import Requirement

LOCK = REPO / "constraints.txt"


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _locked() -> dict[str, str]:
    pins = [line.split("==") for line in LOCK.read_text().splitlines() if line and not line.startswith("#")]
    assert all(len(pin) == 2 for pin in pins), "every line of constraints.txt is name==version"
    return {_normal(name): pinned for name, pinned in pins}


def _declared() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return [Requirement(text) for text in [*project["dependencies"], *project["optional-dependencies"]["test"]]]


def test_every_declared_dependency_is_locked_within_its_range() -> None:
    locked = _locked()
    assert "plainspoken" not in locked  # the project itself is never pinned
    for requirement in _declared():
        pinned = locked.get(_normal(requirement.name))
        assert pinned is not None, f"{requirement.name} is not in constraints.txt: make lock"
        assert requirement.specifier.contains(pinned, prereleases=True), f"{requirement} excludes {pinned}"


def test_pyproject_stays_unpinned_for_pip_install_plainspoken() -> None:
    """PyPI users get ranges: a clinic's other packages must still be installable beside ours."""
    pinned = [str(r) for r in _declared() if str(r.specifier).startswith("==") and r.name not in ("mypy", "ruff", "textstat")]
    assert not pinned


def test_make_installs_every_package_through_the_lock() -> None:
    dry = subprocess.run(
        ["make", "-n", "-B", ".venv/.installed-test", ".venv/.installed-bench"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    installs = [line for line in dry.splitlines() if "pip install" in line]
    assert len(installs) == 5, dry  # pip itself, the build backend, the package, its tests, the benchmarks
    assert all("-c constraints.txt" in line for line in installs), dry
    # Build isolation would build Plainspoken with the newest setuptools on PyPI, whatever the lock says.
    builds = [line for line in installs if " -e " in line]
    assert len(builds) == 3 and all("--no-build-isolation" in line for line in builds), dry


def test_the_build_backend_is_locked_within_its_range() -> None:
    """make builds Plainspoken with the venv's setuptools: the locked version must be one that can."""
    locked = _locked()
    backend = tomllib.loads((REPO / "pyproject.toml").read_text())["build-system"]["requires"]
    for requirement in map(Requirement, backend):
        pinned = locked.get(_normal(requirement.name))
        assert pinned is not None, f"the build backend {requirement.name} is not in constraints.txt"
        assert requirement.specifier.contains(pinned), f"{requirement} (build-system) excludes {pinned}"


def test_the_venv_under_test_is_the_locked_set() -> None:
    """make test reinstalls when constraints.txt changes, so what runs these tests is what is locked."""
    drift = {}
    for name, pinned in _locked().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "absent"
        if installed != pinned:
            drift[name] = (installed, pinned)
    assert not drift, f"installed vs locked (make lock after a tested upgrade): {drift}"


@pytest.mark.slow  # pip resolves the whole set (~20 s)
def test_a_fresh_install_resolves_to_exactly_the_locked_versions(tmp_path: Path) -> None:
    """What make test would install on a machine with nothing installed: pip's own resolver, asked
    with the lock and nothing installed to lean on, picks every locked version and nothing else."""
    report = tmp_path / "report.json"
    pip = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet"]
    subprocess.run(
        [*pip, "-c", str(LOCK), "-e", f"{REPO}[test]", "--report", str(report)],
        check=True,
        capture_output=True,
    )
    chosen = {_normal(i["metadata"]["name"]): i["metadata"]["version"] for i in json.loads(report.read_text())["install"]}
    chosen.pop("plainspoken")
    locked = _locked()
    locked.pop("pip")  # pip is installed first, by itself
    assert chosen == locked
