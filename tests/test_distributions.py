"""Installed distributions found by their metadata folders' names, against importlib.metadata."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

import pytest

from pipeline.distributions import may_have_entry_points, normal, version_of


def test_every_installed_distribution_has_the_version_importlib_metadata_gives() -> None:
    names = sorted({normal(d.metadata["Name"]) for d in importlib.metadata.distributions()})
    assert len(names) > 20, names
    assert {name: version_of(name) for name in names} == {
        name: importlib.metadata.version(name) for name in names
    }
    assert version_of("plainspoken") == importlib.metadata.version("plainspoken")
    assert version_of("no-such-distribution-here") is None


def test_a_plugin_group_is_looked_for_only_where_an_entry_points_file_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = "plainspoken.test-only-group"
    assert not may_have_entry_points(group)
    info = tmp_path / "some_plugin-2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: some-plugin\nVersion: 2.0\n")
    (info / "entry_points.txt").write_text(f"[{group}]\nthing = some_plugin:register\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert may_have_entry_points(group)
    assert [e.name for e in importlib.metadata.entry_points(group=group)] == ["thing"]
    assert version_of("Some_Plugin") == "2.0" == importlib.metadata.version("some-plugin")
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(tmp_path)])
    assert not may_have_entry_points(group)
