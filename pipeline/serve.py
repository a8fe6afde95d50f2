"""A preview server on localhost that rebuilds the site whenever a project or template file changes."""

from __future__ import annotations

import email.utils
import errno
import functools
import os
import re
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO

import click
import watchfiles

from pipeline.errors import PlainspokenError

PACKAGE_DIR = Path(__file__).parent
PACKAGE_FOLDERS = ("templates", "static", "data")  # a designer editing a template sees it too
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The first and last byte a one-range ``Range`` header asks for, or None if it asks for none of
    the file's bytes (answered 416). A header we do not read (several ranges, another unit, a last
    byte before the first) raises ValueError: the whole file is sent, as RFC 9110 allows."""
    match = _RANGE.fullmatch(header.strip())
    if not match or match.groups() == ("", ""):
        raise ValueError(header)
    first, last = match.groups()
    if not first:  # "bytes=-500": the last 500 bytes
        wanted = int(last)
        return (max(size - wanted, 0), size - 1) if wanted and size else None
    start = int(first)
    if last and int(last) < start:
        raise ValueError(header)
    end = min(int(last), size - 1) if last else size - 1
    return (start, end) if start < size else None


class PreviewHandler(SimpleHTTPRequestHandler):
    """The site's files, with byte ranges (to seek in the audio guides); no folder listings; no log."""

    remaining: int | None = None  # bytes left to send of a range

    def log_message(self, format: str, *args: object) -> None:
        return

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", "no-cache")  # a reloaded page shows the last build
        super().end_headers()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        """A folder without index.html is not found: the preview never lists files."""
        self.send_error(HTTPStatus.NOT_FOUND, "File not found")

    def send_head(self) -> BinaryIO | None:
        path = self.translate_path(self.path)
        header = self.headers.get("Range")
        if header is None or not os.path.isfile(path) or self.path.endswith("/"):
            return super().send_head()
        source = open(path, "rb")  # noqa: SIM115  (closed by do_GET, or below)
        size = os.fstat(source.fileno()).st_size
        try:
            span = byte_range(header, size)
        except ValueError:
            source.close()
            return super().send_head()
        if span is None:
            source.close()
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return self._send_range(source, path, span, size)

    def _send_range(self, source: BinaryIO, path: str, span: tuple[int, int], size: int) -> BinaryIO:
        start, end = span
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        modified = os.fstat(source.fileno()).st_mtime
        self.send_header("Last-Modified", email.utils.formatdate(modified, usegmt=True))
        self.end_headers()
        source.seek(start)
        self.remaining = end - start + 1
        return source

    def copyfile(self, source: BinaryIO, outputfile: BinaryIO) -> None:  # type: ignore[override]
        if self.remaining is None:
            shutil.copyfileobj(source, outputfile)
            return
        while self.remaining > 0 and (chunk := source.read(min(self.remaining, 1 << 16))):
            outputfile.write(chunk)
            self.remaining -= len(chunk)


class PreviewServer(ThreadingHTTPServer):
    """A browser that stops a download half-way (seeking in audio does) is not an error to print."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def start_server(site: Path, port: int) -> ThreadingHTTPServer:
    """Serve ``site`` on 127.0.0.1 only (never on the network), in a background thread."""
    handler = functools.partial(PreviewHandler, directory=str(site))
    try:
        server = PreviewServer(("127.0.0.1", port), handler)
    except OSError as error:
        reason = "is in use" if error.errno == errno.EADDRINUSE else f"cannot be used ({error.strerror})"
        message = f"port {port} {reason}; choose another, e.g. plainspoken serve --port {port + 1}"
        raise PlainspokenError.at("--port", 0, message) from None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop_on_sigterm() -> None:
    """``kill`` (SIGTERM) stops the preview as Ctrl-C does, a build in progress included."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def watched_folders(root: Path) -> list[Path]:
    """The folders a rebuild reads: the project's source/ and locales/, the package's templates."""
    folders = [root / "source", root / "locales", *(PACKAGE_DIR / name for name in PACKAGE_FOLDERS)]
    return [folder for folder in folders if folder.is_dir()]


def changes(root: Path, stop: threading.Event | None = None) -> Iterator[set[str]]:
    """Sets of changed files as inotify reports them (watchfiles), once an editor's burst of writes
    has been quiet for 0.2 s.

    The first set is empty and comes once the watch is set up, so that the first build starts after
    it: a file saved during the first build is then seen, and rebuilt.
    """
    ready = False
    for found in watchfiles.watch(
        *watched_folders(root), stop_event=stop, yield_on_timeout=True, rust_timeout=250, step=200
    ):
        if found or not ready:
            ready = True
            yield {path for _change, path in found}


def preview(
    root: Path,
    rebuild: Callable[[], bool | None],
    *,
    on_ready: Callable[[], None],
    stop: threading.Event | None = None,
) -> None:
    """Build, call ``on_ready``, then build again after every change until ``stop`` (or Ctrl-C).
    After each build it says that it is waiting, and whether an output failed (whose last good
    version, if any, stays served)."""
    first = True
    for found in changes(root, stop):
        if found:
            click.echo(f"Changed: {_names(root, found)}; rebuilding…")
        good = rebuild_safely(rebuild)
        if first:
            on_ready()
            first = False
        click.echo("Waiting for changes…" if good else "Waiting for changes; serving the last good site.")


def rebuild_safely(rebuild: Callable[[], bool | None]) -> bool:
    """Run one build (False from it: some outputs failed); a mistake is printed in one line and never
    ends the preview."""
    try:
        succeeded = rebuild()
    except PlainspokenError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
    except Exception as error:  # any failure of one build: the preview goes on with the last good site
        message = " ".join(str(error).split())  # one line, whatever the exception holds
        click.echo(f"The build stopped: {type(error).__name__}: {message}"[:300], err=True)
    else:
        return succeeded is not False
    return False


def _names(root: Path, paths: set[str]) -> str:
    shown = []
    for name in sorted(paths)[:3]:
        path = Path(name)
        shown.append(path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name)
    return ", ".join(shown) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
