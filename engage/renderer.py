"""The PDF renderer, started in a forked process as soon as a build begins.

WeasyPrint's import takes about half a second. A build forks a renderer process first; it
imports WeasyPrint on the second core while this process loads, validates and assembles the
spec, then renders the HTML it is handed. Where processes cannot be forked, or WeasyPrint is
already imported (batch workers), rendering happens in this process.

The renderer is a ``workers.Worker``: it dies with the build that started it, however that
build ends (``kill -9``, SIGTERM, SIGHUP, out of memory), and its own death is a one-line
error for the build, not a hang.
"""

from __future__ import annotations

import multiprocessing
import sys
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any

from engage.workers import Worker

SLOW_SUBSETTING = (
    "engage: HarfBuzz font subsetting is missing, so WeasyPrint subsets fonts with fontTools, "
    "0.5-0.8 s slower per build; install it for faster builds (Debian, Ubuntu: apt install "
    "libharfbuzz-subset0)"
)
"""Said once by ``engage build`` when ``harfbuzz_subsetting()`` is false."""


def harfbuzz_subsetting() -> bool:
    """Whether HarfBuzz's subset library can be loaded (WeasyPrint then subsets fonts with
    it; without it, with fontTools, much slower). Asked after a render, never on the
    up-to-date path: it looks the library up (``ldconfig``), it does not load WeasyPrint."""
    import ctypes.util

    return ctypes.util.find_library("harfbuzz-subset") is not None


class Renderer:
    def __init__(self) -> None:
        self._worker: Worker | None = None
        if (
            "engage.pdf" not in sys.modules
            and sys.platform.startswith("linux")
            and "fork" in multiprocessing.get_all_start_methods()
        ):
            self._worker = Worker("renderer", _import_renderer)

    @property
    def pid(self) -> int | None:
        """The renderer process's id (None: rendering happens in this process)."""
        return None if self._worker is None else self._worker.process.pid

    def write_pdf(
        self,
        html: str,
        base: Path,
        allowed: list[Path],
        source: Path,
        *,
        embedded: list[tuple[str, bytes, str]] | None = None,
        dated: date | None = None,
        info: dict[str, str] | None = None,
        identifier: bytes = b"engage",
    ) -> bytes:
        """``engage.pdf.write_pdf``, with its signature, in the renderer process (its failure
        names ``source``)."""
        args = (html, base, allowed, source)
        kwargs = {"embedded": embedded, "dated": dated, "info": info, "identifier": identifier}
        if self._worker is None:
            return _write_pdf(args, kwargs)
        pdf = self._worker.call(source, _write_pdf, args, kwargs)
        assert isinstance(pdf, bytes)
        return pdf

    def __enter__(self) -> Renderer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._worker is not None:
            self._worker.close(kill=kind is not None)
            self._worker = None


def _import_renderer() -> None:
    # Only the import: rendering a small page here as well, to warm WeasyPrint up, made
    # builds slower on a 2-core machine (it competes with the build preparing the spec).
    import engage.pdf  # noqa: F401


def _write_pdf(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bytes:
    from engage.pdf import write_pdf

    return write_pdf(*args, **kwargs)
