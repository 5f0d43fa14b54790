"""``engage preview``: the document in a browser, rebuilt and reloaded while the spec is edited.

A small HTTP server, on the loopback address only, serves the assembled HTML with the
document's own CSS and fonts, and the number of the current build. A short script in the page
asks for that number and reloads the page when a rebuild changes it. A watcher thread
(watchfiles) rebuilds when an input changes. A build that fails shows
its errors as the page, and the server keeps running until the spec is fixed.

What is watched and what may be served both come from the spec's ``Inputs``, resolved again
after every build: a change to any input (spec, profile, clause, template, label, font,
style, asset) rebuilds, and only files the PDF renderer may read (``Inputs.allowed``: the
templates, the clause libraries, a workspace's style and assets) are served, and only assets
(CSS, fonts, images).

Every build, the first and each rebuild, runs in a worker process of its own (forked before
the server's threads start, and dying with the preview), on that process's main thread: so
each render runs under the same time and memory limits as ``engage build`` (``sandbox.limited``
can only enforce the memory limit on a main thread). Every answer carries the security
headers, whatever its method or status, and an idle connection is dropped after
``IDLE_SECONDS``.
"""

from __future__ import annotations

import html
import re
import threading
import urllib.parse
import webbrowser
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import watchfiles

from engage._resources import data_dir
from engage.build import prepare
from engage.errors import EngageError, Failure, InputError
from engage.inputs import Inputs
from engage.workers import Worker, WorkerDied

HOST = "127.0.0.1"
IDLE_SECONDS = 20.0
"""How long a connection may stay silent before the server drops it (and its thread)."""
_OWN = "/__engage/"
_FILES = _OWN + "files"
ASSET_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
}
# The page may load its own assets and this server's script, and nothing else.
_POLICY = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; font-src 'self'; img-src 'self' "
    "data:; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
# Sent with every answer, errors included: the page is never framed, sniffed, cached or
# referred to another site.
_SECURITY_HEADERS = {
    "Content-Security-Policy": _POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
RELOAD_JS = b"""(function () {
  var shown = document.currentScript.dataset.version;
  function poll() {
    fetch("/__engage/version", {cache: "no-store"})
      .then(function (answer) { return answer.text(); })
      .then(function (version) {
        if (version.trim() !== shown) { location.reload(); } else { setTimeout(poll, 300); }
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  setTimeout(poll, 300);
})();
"""
SCREEN_CSS = b"""@media screen {
  html { background: #e6e8ec; }
  body { box-sizing: border-box; max-width: 210mm; margin: 8mm auto; padding: 20mm 20mm 24mm 22mm;
         background: #fff; box-shadow: 0 1px 8px rgba(0, 0, 0, 0.18); }
}
.engage-error h1 { font: 700 14pt sans-serif; color: #a4262c; margin: 0 0 4mm; }
.engage-error pre { font: 10pt/1.5 monospace; white-space: pre-wrap; }
.engage-error p { font: 10pt sans-serif; color: #5b6475; }
"""


class Preview:
    """The latest build of one spec as a page, and the watcher that keeps it current."""

    def __init__(self, spec_file: Path, log: Callable[[str], None] = lambda line: None) -> None:
        self.spec_file = spec_file
        self.log = log
        self.version = 0
        self.page = b""
        self.templates = data_dir("templates").resolve()
        """Served at the root, for the document's relative links (style.css, fonts/)."""
        self.inputs = self._inputs() or Inputs(
            spec_file, None, self.templates, (data_dir("clauses").resolve(),), None, None, ()
        )
        """What a build of the spec reads: what is watched, and what may be served."""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._rewatch = threading.Event()
        self._built_from: dict[Path, tuple[int, int] | None] = {}
        self._builder: Worker | None = Worker("preview builder")
        self._builder_lock = threading.Lock()

    def rebuild(self) -> None:
        """Build the spec again; the page becomes the document, or the errors."""
        self._built_from = self._stamps(self.inputs.sources)
        built = self._build()
        if self._stop.is_set():
            return  # stopped while building: nothing to show or say
        if isinstance(built, Failure):  # a half-written spec must never stop the server
            page, outcome = _error_page(built.report()), built.report()
        else:
            page, outcome = _rewrite_files(built), f"{self.spec_file}: built"
        self._follow()
        with self._lock:
            self.version += 1
            self.page = _with_reload(page, self.version).encode("utf-8")
        self.log(outcome)

    def snapshot(self) -> tuple[int, bytes]:
        with self._lock:
            return self.version, self.page

    def asset(self, url_path: str) -> Path | None:
        """The file a URL path names, if it is an asset the renderer may read."""
        relative = urllib.parse.unquote(url_path)
        if "\x00" in relative or "\\" in relative:
            return None
        if relative.startswith(_FILES + "/"):
            target = Path(relative.removeprefix(_FILES))
        else:
            target = self.templates / relative.lstrip("/")
        try:
            target = target.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        allowed = self.inputs.allowed()
        inside = any(target == root or target.is_relative_to(root) for root in allowed)
        if not (inside and target.is_file() and target.suffix.lower() in ASSET_TYPES):
            return None
        return target

    def _build(self) -> str | Failure:
        """The page, built in the builder process (a new one if the last died)."""
        with self._builder_lock:
            if self._stop.is_set():
                return Failure.of(InputError.at(self.spec_file, "the preview has stopped"))
            if self._builder is None:
                self._builder = Worker("preview builder")
            builder = self._builder
            builder.submit(self.spec_file, _build_page, self.spec_file)
        built = builder.outcome(self.spec_file)
        with self._builder_lock:
            died = isinstance(built, Failure) and isinstance(built.error, WorkerDied)
            if died and self._builder is builder:
                self._builder = None
            orphaned = self._builder is not builder  # it died, or ``stop`` let it go
        if orphaned:
            builder.close(kill=True)
        return built  # type: ignore[no-any-return]

    def stop(self) -> None:
        self._stop.set()
        self._rewatch.set()
        with self._builder_lock:
            builder, self._builder = self._builder, None
            if builder is not None and builder.busy:
                builder.process.kill()  # the build under way ends, and closes it
                builder = None
        if builder is not None:
            builder.close(kill=True)

    def watch(self) -> None:
        """Rebuild on every change to the spec, a clause or a template, until ``stop``."""
        while not self._stop.is_set():
            self._rewatch.clear()
            try:
                for changes in watchfiles.watch(
                    *self._folders(),
                    watch_filter=_only(self.inputs),
                    recursive=False,
                    stop_event=self._rewatch,
                    debounce=400,
                    rust_timeout=1000,
                    yield_on_timeout=True,
                    raise_interrupt=False,
                ):
                    # Also look at the spec itself: it may change before watching starts.
                    if changes or self._stamps(list(self._built_from)) != self._built_from:
                        self.rebuild()
            except Exception as exc:  # a folder went away: look again in a moment
                self.log(f"{Failure.of(exc, self.spec_file).message} (watching again)")
                self._stop.wait(1)

    @staticmethod
    def _stamps(files: list[Path]) -> dict[Path, tuple[int, int] | None]:
        """Modification time and size of each file (None: missing)."""
        stamps: dict[Path, tuple[int, int] | None] = {}
        for file in files:
            try:
                status = file.stat()
            except OSError:
                stamps[file] = None
            else:
                stamps[file] = (status.st_mtime_ns, status.st_size)
        return stamps

    def _inputs(self) -> Inputs | None:
        """The spec's inputs now (None: they cannot be resolved; the build says why)."""
        try:
            return Inputs.of(self.spec_file)
        except (OSError, RuntimeError, EngageError):
            return None

    def _follow(self) -> None:
        """Watch what the spec's build reads now; restart the watcher when that changed."""
        inputs = self._inputs()
        if inputs is not None and inputs != self.inputs:
            self.inputs = inputs
            self._rewatch.set()

    def _folders(self) -> list[Path]:
        """The folders watched: where every input is, or would be if it appeared."""
        return self.inputs.folders()


def _only(inputs: Inputs) -> Callable[[watchfiles.Change, str], bool]:
    """A watch filter: only a change to an input counts (in the spec's own folder, the spec
    and not the PDF beside it)."""

    def relevant(change: watchfiles.Change, path: str) -> bool:
        return inputs.watches(Path(path))

    return relevant


def _build_page(spec_file: Path) -> str:
    """Build the page in the builder process: what the preview needs of ``prepare``."""
    return prepare(spec_file).html


def _rewrite_files(page: str) -> str:
    """``file://`` links (a workspace's stylesheet) become links to this server."""
    return re.sub(r'(href|src)="file://(/[^"]*)"', rf'\1="{_FILES}\2"', page)


def _with_reload(page: str, version: int) -> str:
    head = f'<link rel="stylesheet" href="{_OWN}screen.css">\n</head>'
    script = f'<script src="{_OWN}reload.js" data-version="{version}"></script>\n</body>'
    page = page.replace("</head>", head, 1)
    return page.replace("</body>", script, 1) if "</body>" in page else page + script


def _error_page(message: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>engage preview: the spec does not build</title>\n</head>\n"
        '<body class="engage-error">\n<h1>The spec does not build</h1>\n'
        f"<pre>{html.escape(message)}</pre>\n"
        "<p>Fix it and save: this page reloads by itself.</p>\n</body>\n</html>\n"
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    preview: Preview


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = IDLE_SECONDS  # a silent connection is closed rather than holding a thread

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_POST(self) -> None:
        self._refuse_method()

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_POST

    def _refuse_method(self) -> None:
        self.send_response(405)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()

    def end_headers(self) -> None:
        for name, value in _SECURITY_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def _answer(self, head: bool) -> None:
        self._head = head
        port = self.server.server_address[1]
        if self.headers.get("Host") not in (f"{HOST}:{port}", f"localhost:{port}"):
            self._send(403, b"forbidden\n", "text/plain")  # a rebound DNS name, not the user
            return
        path = urllib.parse.urlsplit(self.path).path
        preview = self.server.preview
        if path == "/":
            self._send(200, preview.snapshot()[1], "text/html; charset=utf-8")
        elif path == _OWN + "version":
            self._send(200, str(preview.snapshot()[0]).encode(), "text/plain")
        elif path == _OWN + "reload.js":
            self._send(200, RELOAD_JS, "text/javascript")
        elif path == _OWN + "screen.css":
            self._send(200, SCREEN_CSS, ASSET_TYPES[".css"])
        elif (asset := preview.asset(path)) is not None:
            self._send(200, asset.read_bytes(), ASSET_TYPES[asset.suffix.lower()])
        else:
            self._send(404, b"not found\n", "text/plain")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not getattr(self, "_head", False):
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Requests are not logged: the terminal shows rebuilds and errors only."""


class PreviewServer:
    """A running preview: the HTTP server and the watcher, each in a thread of its own."""

    def __init__(self, spec_file: Path, *, port: int, log: Callable[[str], None]) -> None:
        if not 0 <= port <= 65535:
            raise InputError.at(
                "engage", f"--port {port}: not a port; give one from 1 to 65535 (0: any free one)"
            )
        if not spec_file.parent.is_dir():
            raise InputError.at(spec_file, f"the folder {spec_file.parent} does not exist")
        self.preview = Preview(spec_file, log)
        try:
            self.preview.rebuild()
            self._server = _Server((HOST, port), _Handler)
        except OSError as exc:
            self.preview.stop()
            raise InputError.at(
                f"{HOST}:{port}", f"cannot listen: {exc.strerror or exc}; choose another --port"
            ) from None
        except BaseException:
            self.preview.stop()
            raise
        self._server.preview = self.preview
        self.url = f"http://{HOST}:{self._server.server_address[1]}/"
        self._threads = [
            threading.Thread(target=self._server.serve_forever, args=(0.2,), daemon=True),
            threading.Thread(target=self.preview.watch, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C raises ``KeyboardInterrupt`` here)."""
        while any(thread.is_alive() for thread in self._threads):
            self._threads[0].join(0.5)

    def close(self) -> None:
        self._server.shutdown()
        self.preview.stop()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=10)


def serve(
    spec_file: Path,
    *,
    port: int,
    open_browser: bool = False,
    log: Callable[[str], None] = lambda line: None,
) -> None:
    """Serve the preview of ``spec_file`` on ``127.0.0.1:port`` until Ctrl-C."""
    server = PreviewServer(spec_file, port=port, log=log)
    log(f"previewing {spec_file} at {server.url} (Ctrl-C to stop)")
    if open_browser:
        webbrowser.open(server.url)
    try:
        server.wait()
    except KeyboardInterrupt:
        log("stopped")
    finally:
        server.close()
