"""A preview server on localhost that rebuilds the site when sources, catalogs or templates change."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pipeline.source.project import Project

PACKAGE_DIR = Path(__file__).parent


def watched_state(project: Project) -> dict[str, tuple[int, int]]:
    """Path → (mtime, size) of every file a rebuild depends on."""
    folders = [project.source_dir, project.locales_dir, PACKAGE_DIR / "templates", PACKAGE_DIR / "static"]
    state = {}
    for folder in folders:
        for path in folder.rglob("*") if folder.is_dir() else ():
            if path.is_file():
                stat = path.stat()
                state[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return state


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without logging every request."""

    def log_message(self, format: str, *args: object) -> None:
        return


def start_server(site: Path, port: int) -> ThreadingHTTPServer:
    """Serve ``site`` on 127.0.0.1 only (never on the network), in a background thread."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def watch(
    project: Project,
    rebuild: Callable[[], None],
    *,
    since: dict[str, tuple[int, int]],
    interval: float = 1.0,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Call ``rebuild`` whenever a watched file differs from ``since`` (polling: no extra dependency)."""
    state = since
    while not stop():
        time.sleep(interval)
        current = watched_state(project)
        if current != state:
            time.sleep(0.2)  # let an editor finish saving
            state = watched_state(project)
            rebuild()
