"""The build folder's state on disk: the manifest, the lock, and the staging copy swapped in at the end.

A build never writes into build/site directly. It hard-links the previous site into
build/.staging/site, writes there, then swaps the two folders; a build killed at any point
leaves the previous site whole (and the next build finishes or undoes a half-done swap).
The build's input files, named by their hash, are in build/.staging/inputs (local workers read
them there, and copy them beside it), dropped with the staging copy.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pipeline.errors import PlainspokenError

MANIFEST_VERSION = 3  # 2: tasks keep what they handed the shared pages (entry); 3: and what they
# produced, used of their needs, read besides their keys (depends), and their files' stamps


class BuildFolder:
    """build/: site/, manifest.json, .lock, .staging/, .previous/."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.site = root / "site"
        self.manifest = root / "manifest.json"
        self.staging = root / ".staging"
        self.previous = root / ".previous"

    # --- manifest ------------------------------------------------------------

    def read_manifest(self) -> dict[str, Any]:
        """Task id → {"key", "status", "outputs"}, from the last build; {} if none or unreadable."""
        try:
            data = json.loads(self.manifest.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}
        return data if data.get("version") == MANIFEST_VERSION else {}

    # --- lock ------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, on_wait: Callable[[str], None]) -> Iterator[None]:
        """Hold build/.lock; if another build holds it, say so and wait for it."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            message = "a file where the build folder belongs: rename it or move it away"
            raise PlainspokenError.at(self.root.name, 0, message) from None
        with open(self.root / ".lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                on_wait(handle.read().strip() or "another build")
                fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}")
            handle.flush()
            try:
                yield
            finally:
                handle.truncate(0)
                # Unlocked here, not at close: a speech engine process forked during the build
                # shares this open file (and so its lock) for as long as it is kept for reuse.
                fcntl.flock(handle, fcntl.LOCK_UN)

    # --- staging -------------------------------------------------------------------

    def recover(self) -> None:
        """Finish or undo what a killed build left: the site is restored, staging is dropped."""
        if not self.site.exists() and self.previous.exists():
            os.rename(self.previous, self.site)
        for leftover in (self.staging, self.previous):
            if leftover.exists():
                shutil.rmtree(leftover)

    def stage(self) -> Path:
        """A copy of the site to build into: hard links, so unchanged files cost nothing. An atomic
        write's temporary file (``.name.XXXX.tmp``) an older release left behind is not copied."""
        staged = self.staging / "site"
        staged.mkdir(parents=True)
        if self.site.exists():
            for path in sorted(self.site.rglob("*")):
                target = staged / path.relative_to(self.site)
                if path.name.startswith(".") and path.name.endswith(".tmp") and path.is_file():
                    continue
                if path.is_dir():
                    target.mkdir(exist_ok=True)
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.link(path, target)
        return staged

    def publish(self, manifest: dict[str, Any]) -> None:
        """Swap the staged site in, then record the manifest (both by rename)."""
        staged = self.staging / "site"
        if self.site.exists():
            os.rename(self.site, self.previous)
        os.rename(staged, self.site)
        temporary = self.staging / "manifest.json"
        temporary.write_text(
            json.dumps({"version": MANIFEST_VERSION, **manifest}, indent=1, sort_keys=True), encoding="utf-8"
        )
        os.replace(temporary, self.manifest)
        shutil.rmtree(self.staging)
        if self.previous.exists():
            shutil.rmtree(self.previous)

    def discard(self) -> None:
        if self.staging.exists():
            shutil.rmtree(self.staging)
