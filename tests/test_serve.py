"""The preview server: rebuilds on every change, survives mistakes, answers ranges, lists no folders."""

from __future__ import annotations

import queue
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import REPO


class Preview:
    """``plainspoken serve`` in the background on a free port; its output read line by line."""

    def __init__(self, root: Path) -> None:
        command = ["-C", str(root), "serve", "--port", "0", "--format", "html"]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", *command],
            cwd=REPO,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        line = self.expect("Serving http://127.0.0.1:")
        self.url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)  # type: ignore[union-attr]
        self.expect("Waiting for changes")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, text: str, timeout: float = 60) -> str:
        """The next line holding ``text`` (the server says what it does: no sleeping, no polling)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError(f"no line with {text!r} in {timeout} s; got {self.seen}") from None
            self.seen.append(line)
            if text in line:
                return line

    def after_change(self) -> list[str]:
        """The lines of the rebuild that a change just made starts."""
        start = len(self.seen)
        self.expect("Changed: ")
        self.expect("Waiting for changes")
        return self.seen[start:]

    def get(self, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.url + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def stop(self) -> None:
        """As ``kill`` does (SIGTERM: a background job may have been started ignoring Ctrl-C)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        self.expect("Stopped.")
        assert self.process.returncode == 0


@pytest.fixture
def preview(make_project: Callable[[str], Path]) -> Iterator[tuple[Preview, Path]]:
    root = make_project("basic")
    server = Preview(root)
    try:
        yield server, root
    finally:
        server.stop()


def test_serve_previews_on_localhost_and_rebuilds_on_change(preview: tuple[Preview, Path]) -> None:
    server, root = preview
    status, _headers, page = server.get("en/every-node.html")
    assert status == 200 and b"An opening paragraph" in page
    article = root / "source/every-node.md"
    article.write_text(article.read_text().replace("An opening paragraph", "A first paragraph"))
    assert "Changed: source/every-node.md; rebuilding…" in server.after_change()
    assert b"A first paragraph" in server.get("en/every-node.html")[2]


def test_mistakes_in_site_toml_keep_the_last_good_site_and_the_server(preview: tuple[Preview, Path]) -> None:
    server, root = preview
    toml = root / "source/site.toml"
    good = toml.read_text()
    toml.write_text(good + "\n[clinic\n")  # bad TOML
    lines = server.after_change()
    assert any(line.startswith("source/site.toml:") for line in lines), lines
    assert lines[-1] == "Waiting for changes; serving the last good site."
    assert server.get("en/every-node.html")[0] == 200
    toml.write_text(good.replace('phone = "(626) 555-0100"\n', ""))  # the clinic's phone deleted
    lines = server.after_change()
    assert any(line.startswith("source/site.toml") and "phone" in line for line in lines), lines
    assert not any("Traceback" in line for line in server.seen)
    toml.write_text(good.replace("Test Clinic", "Fixed Clinic"))
    assert server.after_change()[-1] == "Waiting for changes…"
    assert b"Fixed Clinic" in server.get("en/every-node.html")[2]
    article = root / "source/every-node.md"
    article.write_text(article.read_text().replace("An opening paragraph", "Call {clinic.fax}, a paragraph"))
    lines = server.after_change()  # a broken article: its page fails, the last good one stays
    assert any("source/every-node.md:" in line and "{clinic.fax}" in line for line in lines), lines
    assert lines[-1] == "Waiting for changes; serving the last good site."
    assert b"An opening paragraph" in server.get("en/every-node.html")[2]
    assert not any("Traceback" in line for line in server.seen)
    assert server.process.poll() is None


def test_ranges_are_answered_with_206_or_416(preview: tuple[Preview, Path]) -> None:
    server, root = preview
    data = (root / "build/site/_static/plainspoken.css").read_bytes()
    status, headers, body = server.get("_static/plainspoken.css", Range="bytes=10-19")
    assert (status, body, headers["Content-Range"]) == (206, data[10:20], f"bytes 10-19/{len(data)}")
    assert headers["Content-Length"] == "10"
    status, headers, body = server.get("_static/plainspoken.css", Range="bytes=-5")
    assert (status, body) == (206, data[-5:])
    status, _headers, body = server.get("_static/plainspoken.css", Range="bytes=100-")
    assert (status, body) == (206, data[100:])
    status, headers, _body = server.get("_static/plainspoken.css", Range=f"bytes={len(data)}-")
    assert (status, headers["Content-Range"]) == (416, f"bytes */{len(data)}")
    status, headers, body = server.get("_static/plainspoken.css")
    assert (status, body, headers["Accept-Ranges"]) == (200, data, "bytes")


def test_folders_are_never_listed(preview: tuple[Preview, Path]) -> None:
    server, root = preview
    status, _headers, body = server.get("_static/")
    assert status == 404 and b"plainspoken.css" not in body
    assert server.get("en/") == (200, server.get("en/")[1], (root / "build/site/en/index.html").read_bytes())


def test_a_port_in_use_is_one_line_suggesting_another(tmp_path: Path, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project("basic")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "-C", str(root), "serve", "--port", str(port)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"--port: port {port} is in use; choose another, e.g. plainspoken serve --port {port + 1}"
    ]
    assert not (root / "build").exists()  # said before building anything


def test_a_file_saved_during_the_first_build_is_rebuilt(make_project) -> None:  # type: ignore[no-untyped-def]
    """A translator who saves while the preview starts must still see the change: the watch is
    set up before the first build starts."""
    from pipeline.serve import preview

    root = make_project("basic")
    stop = threading.Event()
    builds: list[str] = []
    article = root / "source/every-node.md"

    def rebuild() -> None:
        builds.append(article.read_text())
        if len(builds) == 1:
            article.write_text(builds[0] + "\nSaved while building.\n")
        else:
            stop.set()

    preview(root, rebuild, on_ready=lambda: None, stop=stop)
    assert len(builds) == 2 and "Saved while building." in builds[1]


def test_a_failing_build_is_one_line_and_the_preview_goes_on(make_project, capsys) -> None:  # type: ignore[no-untyped-def]
    from pipeline.serve import preview

    root = make_project("basic")
    stop = threading.Event()
    calls: list[int] = []
    article = root / "source/every-node.md"

    def rebuild() -> None:
        calls.append(1)
        if len(calls) == 1:
            article.write_text("changed")
            raise KeyError("a bug\nover two lines")
        stop.set()

    preview(root, rebuild, on_ready=lambda: None, stop=stop)
    err = capsys.readouterr().err
    assert err == "The build stopped: KeyError: 'a bug\\nover two lines'\n"
    assert len(calls) == 2


def test_an_edited_template_changes_the_pipeline_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long-running preview sees template edits: the hash is not kept for the process's life."""
    from pipeline.engine import plan

    (tmp_path / "templates").mkdir()
    template = tmp_path / "templates/article.html"
    template.write_text("<p>one</p>")
    monkeypatch.setattr(plan, "PACKAGE_DIR", tmp_path)
    first = plan.pipeline_hash()
    assert plan.pipeline_hash() == first
    template.write_text("<p>two, longer</p>")
    assert plan.pipeline_hash() != first


def test_the_server_listens_on_localhost_only(tmp_path: Path) -> None:
    from pipeline.serve import start_server

    server = start_server(tmp_path, 0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-0", 10, (0, 0)),
        ("bytes=2-", 10, (2, 9)),
        ("bytes=5-100", 10, (5, 9)),
        ("bytes=-3", 10, (7, 9)),
        ("bytes=-30", 10, (0, 9)),
        ("bytes=10-", 10, None),
        ("bytes=-0", 10, None),
        ("bytes=0-", 0, None),
    ],
)
def test_byte_ranges(header: str, size: int, expected: tuple[int, int] | None) -> None:
    from pipeline.serve import byte_range

    assert byte_range(header, size) == expected


@pytest.mark.parametrize("header", ["bytes=0-1,4-5", "items=0-1", "bytes=5-2", "bytes=-", "bytes=x-"])
def test_ranges_we_do_not_read_are_ignored(header: str) -> None:
    from pipeline.serve import byte_range

    with pytest.raises(ValueError):
        byte_range(header, 10)


def test_serve_outside_a_project_says_so_in_one_line(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    result = run(tmp_path, "serve", "--port", "0")
    assert result.exit_code == 1
    assert result.stderr == f"{tmp_path}: no source/ folder: run it in a project folder, or use -C\n"
