"""engage preview: the page, its assets, rebuilds on change, errors in the page, loopback only."""

from __future__ import annotations

import html
import http.client
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import engage.preview as preview_module
from engage import sandbox
from engage.errors import InputError
from engage.preview import HOST, Preview, PreviewServer
from tests.conftest import CLEAN_SPEC, clause, run_cli, write_tree

TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def get(port: int, path: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    try:
        connection.request("GET", path, headers={"Host": host or f"{HOST}:{port}"})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def eventually(condition: Callable[[], bool], what: str) -> None:
    """Wait for ``condition``, a bounded number of times."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def page(port: int) -> str:
    try:
        return get(port, "/")[2].decode("utf-8")
    except OSError:
        return ""


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    write_tree(tmp_path, {"spec.yaml": CLEAN_SPEC})
    return tmp_path / "spec.yaml"


@pytest.fixture
def running(spec: Path) -> Iterator[tuple[PreviewServer, int, list[str]]]:
    log: list[str] = []
    server = PreviewServer(spec, port=0, log=log.append)
    try:
        yield server, int(server.url.rsplit(":", 1)[1].strip("/")), log
    finally:
        server.close()


def test_the_command_serves_the_page_and_rebuilds_when_the_spec_changes(spec: Path) -> None:
    port = free_port()
    errors = spec.parent / "stderr.txt"
    with errors.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "engage", "preview", str(spec), "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        eventually(lambda: "Client Co" in page(port), "the first page")
        assert "<title>Terms of engagement: A project</title>" in page(port)
        spec.write_text(CLEAN_SPEC.replace("Client Co", "Renamed Client Ltd"), encoding="utf-8")
        eventually(lambda: "Renamed Client Ltd" in page(port), "the rebuilt page")
        assert process.poll() is None
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert f"previewing {spec} at http://127.0.0.1:{port}/" in errors.read_text()


def test_a_broken_spec_shows_its_errors_and_the_server_carries_on(
    spec: Path, running: tuple[PreviewServer, int, list[str]]
) -> None:
    server, port, log = running
    version = server.preview.version
    spec.write_text(CLEAN_SPEC.replace("currency: EUR", "currency: XXQ"), encoding="utf-8")
    eventually(lambda: "does not build" in page(port), "the error page")
    assert f"{spec}:3:11: currency: &#x27;XXQ&#x27; is not an ISO 4217 currency code" in page(port)
    assert int(get(port, "/__engage/version")[2]) > version
    spec.write_text(CLEAN_SPEC.replace("Client Co", "Mended Ltd"), encoding="utf-8")
    eventually(lambda: "Mended Ltd" in page(port), "the mended page")
    assert any("XXQ" in line for line in log)


def test_the_page_reloads_itself_and_loads_only_its_own_assets(
    running: tuple[PreviewServer, int, list[str]],
) -> None:
    server, port, _ = running
    status, headers, body = get(port, "/")
    text = body.decode("utf-8")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'self';" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"
    assert f'<script src="/__engage/reload.js" data-version="{server.preview.version}">' in text
    assert '<link rel="stylesheet" href="style.css">' in text
    assert get(port, "/__engage/reload.js")[2].startswith(b"(function () {")
    assert get(port, "/__engage/version")[2] == str(server.preview.version).encode()
    status, headers, css = get(port, "/style.css")
    assert (status, headers["Content-Type"]) == (200, "text/css; charset=utf-8")
    assert b'url("fonts/NotoSans-Regular.ttf")' in css
    status, headers, font = get(port, "/fonts/NotoSans-Regular.ttf")
    assert (status, headers["Content-Type"], font[:4]) == (200, "font/ttf", b"\x00\x01\x00\x00")


@pytest.mark.parametrize(
    "path",
    [
        "/../pyproject.toml",
        "/%2e%2e/pyproject.toml",
        "/fonts/../../engage/cli.py",
        "/fonts/..%2f..%2fREADME.md",
        "/document.html.j2",
        "/i18n/en.yaml",
        "/__engage/files/etc/passwd",
        "/__engage/files" + str(Path(__file__).resolve()),
        "/nothing-here.css",
        "/%00style.css",
    ],
)
def test_nothing_outside_the_documents_assets_is_served(
    running: tuple[PreviewServer, int, list[str]], path: str
) -> None:
    assert get(running[1], path)[0] == 404


def test_files_the_renderer_may_read_are_served_by_absolute_path(
    running: tuple[PreviewServer, int, list[str]],
) -> None:
    server, port, _ = running
    style = server.preview.templates / "style.css"
    status, _, body = get(port, f"/__engage/files{style}")
    assert (status, body) == (200, style.read_bytes())


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1", None])
def test_requests_for_another_host_are_refused(
    running: tuple[PreviewServer, int, list[str]], host: str | None
) -> None:
    port = running[1]
    name = host if host is not None else f"localhost:{port + 1}"
    assert get(port, "/", host=name)[0] == 403
    assert get(port, "/", host=f"localhost:{port}")[0] == 200


def test_it_listens_on_the_loopback_address_only(
    running: tuple[PreviewServer, int, list[str]],
) -> None:
    assert running[0].url.startswith("http://127.0.0.1:")


def test_a_busy_port_is_a_clear_error(
    spec: Path, running: tuple[PreviewServer, int, list[str]]
) -> None:
    with pytest.raises(InputError, match=r"cannot listen: .*; choose another --port"):
        PreviewServer(spec, port=running[1], log=lambda line: None)


# A real browser: headless Chromium driven over the DevTools protocol on a pipe ------------------

CHROMIUM = next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
)


class Browser:
    """Chromium with ``--remote-debugging-pipe``: JSON messages ending in NUL on fds 3 and 4."""

    def __init__(self, profile: Path) -> None:
        assert CHROMIUM is not None
        self._to_read, self._to_chrome = os.pipe()
        self._from_chrome, self._to_us = os.pipe()
        command = (
            f'exec "{CHROMIUM}" --headless --no-sandbox --disable-gpu --no-first-run '
            f'--remote-debugging-pipe --user-data-dir="{profile}" about:blank '
            f"3<&{self._to_read} 4>&{self._to_us}"
        )
        self.process = subprocess.Popen(
            ["bash", "-c", command],
            pass_fds=(self._to_read, self._to_us),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(self._to_read)
        os.close(self._to_us)
        self._buffer = b""
        self._next = 0
        self.session = ""

    def call(self, method: str, **params: Any) -> Any:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            while b"\0" not in self._buffer:
                left = deadline - time.monotonic()
                assert left > 0 and select.select([self._from_chrome], [], [], left)[0], method
                chunk = os.read(self._from_chrome, 65536)
                assert chunk, "Chromium closed the pipe"
                self._buffer += chunk
            raw, _, self._buffer = self._buffer.partition(b"\0")
            answer = json.loads(raw)
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise RuntimeError(answer["error"])
                return answer["result"]

    def open(self, url: str) -> None:
        target = self.call("Target.createTarget", url=url)["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]

    def evaluate(self, expression: str) -> Any:
        """The value of ``expression`` in the page; None while the page is (re)loading."""
        try:
            result = self.call(
                "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
            )
        except RuntimeError:
            return None
        return result["result"].get("value")

    def close(self) -> None:
        os.close(self._to_chrome)
        os.close(self._from_chrome)
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")
def test_a_browser_shows_the_document_and_reloads_it_after_a_change(
    spec: Path, running: tuple[PreviewServer, int, list[str]], tmp_path: Path
) -> None:
    server = running[0]
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(server.url)
        text = "document.body ? document.body.innerText : ''"
        eventually(lambda: "Client Co" in (browser.evaluate(text) or ""), "the page")
        fonts = browser.evaluate(
            "document.fonts.ready.then(() => [...document.fonts]"
            ".filter(f => f.status === 'loaded').map(f => f.family))"
        )
        assert {"Engage Sans", "Engage Serif"} <= {font.strip("'\"") for font in fonts}
        spec.write_text(CLEAN_SPEC.replace("Client Co", "Reloaded Client"), encoding="utf-8")
        eventually(lambda: "Reloaded Client" in (browser.evaluate(text) or ""), "a reload")
    finally:
        browser.close()


def test_previewing_never_imports_weasyprint(spec: Path) -> None:
    probe = (
        "import sys\nfrom pathlib import Path\nfrom engage.preview import Preview\n"
        "preview = Preview(Path(sys.argv[1]))\npreview.rebuild()\n"
        "print(preview.version, b'Client Co' in preview.page, 'weasyprint' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(spec)], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["1", "True", "False"]


# Limits, headers and timeouts: the same for every build and every answer --------------------


@pytest.mark.parametrize("port", ["99999", "65536", "-1"])
def test_a_port_out_of_range_is_refused_before_building(spec: Path, port: str) -> None:
    result = run_cli("preview", spec, "--port", port)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == (
        f"engage: --port {port}: not a port; give one from 1 to 65535 (0: any free one)\n"
    )


def answer(port: int, method: str, path: str = "/") -> tuple[int, dict[str, str]]:
    connection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    try:
        connection.request(method, path, headers={"Host": f"{HOST}:{port}"})
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200), ("HEAD", "/", 200), ("HEAD", "/style.css", 200),
        ("GET", "/nothing.css", 404), ("POST", "/", 405), ("PUT", "/", 405),
        ("DELETE", "/", 405), ("OPTIONS", "/", 405), ("BREW", "/", 501),
    ],
)
def test_every_answer_carries_the_security_headers(
    running: tuple[PreviewServer, int, list[str]], method: str, path: str, status: int
) -> None:
    got, headers = answer(running[1], method, path)
    assert got == status
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and policy.startswith("default-src 'none';")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"


def test_a_head_request_has_no_body_but_the_get_length(
    running: tuple[PreviewServer, int, list[str]],
) -> None:
    port = running[1]
    connection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    try:
        connection.request("HEAD", "/", headers={"Host": f"{HOST}:{port}"})
        response = connection.getresponse()
        assert response.read() == b""
        assert int(response.getheader("Content-Length") or 0) == len(get(port, "/")[2])
    finally:
        connection.close()


def test_an_idle_connection_is_dropped(
    running: tuple[PreviewServer, int, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every connection has a time limit; shortened here so the test need not wait for it.
    assert preview_module._Handler.timeout == preview_module.IDLE_SECONDS <= 60
    monkeypatch.setattr(preview_module._Handler, "timeout", 0.2)
    with socket.create_connection((HOST, running[1]), timeout=TIMEOUT) as silent:
        assert silent.recv(1) == b""  # closed by the server, not by our timeout
    assert get(running[1], "/")[0] == 200  # and the server still answers


MEMORY_BOMB = "{% set s = 'x' * 99999 %}{{ ([s] * 3000)|join|length }}\n"
"""About 300 MB, refused under a 64 MB render limit."""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the memory limit is Linux's")
def test_a_clause_refused_for_memory_by_check_is_refused_in_every_preview_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox, "RENDER_MEMORY", 64 * 2**20)  # the builder inherits it
    write_tree(tmp_path, {"spec.yaml": CLEAN_SPEC, "clauses/en/bomb.md": clause("Bomb", "Hi.\n")})
    spec, bomb = tmp_path / "spec.yaml", tmp_path / "clauses/en/bomb.md"
    refusal = f"{bomb.resolve()}:4: needs more than 64 MB of memory to render"
    log: list[str] = []
    preview = Preview(spec, log.append)
    try:
        preview.rebuild()
        assert log == [f"{spec}: built"]
        bomb.write_text(clause("Bomb", MEMORY_BOMB), encoding="utf-8")
        result = run_cli("check", spec)
        assert (result.code, result.stderr) == (2, refusal + "\n")
        for _ in range(2):  # off the main thread, as the watcher rebuilds
            rebuild = threading.Thread(target=preview.rebuild)
            rebuild.start()
            rebuild.join(TIMEOUT)
            assert log[-1] == refusal
    finally:
        preview.stop()
    assert html.escape(refusal).encode() in preview.snapshot()[1]
