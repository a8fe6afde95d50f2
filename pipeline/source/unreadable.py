"""Input files that are there but cannot be read: a link to nothing, a folder in a file's place."""

from __future__ import annotations

import os
from pathlib import Path


def absent(path: Path) -> bool:
    """Nothing at ``path``: no file, no folder, no link (a link to nothing is there, and broken)."""
    return not path.exists() and not path.is_symlink()


def unreadable_reason(path: Path) -> str:
    """Why ``path``, where an input file belongs, is none that can be read: a link to nothing, a
    folder; '' if it is a file, or nothing at all."""
    if path.is_symlink() and not path.exists():
        return f"a link to {os.readlink(path)}, which does not exist: put the file back, or remove the link"
    if path.is_dir():
        return "a folder where a file belongs: move what is in it, then remove the folder"
    return ""
