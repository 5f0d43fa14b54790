"""The PDF renderer, started in a forked process as soon as a build begins.

WeasyPrint's import takes about half a second. A build forks a renderer process first; it
imports WeasyPrint on the second core while this process loads, validates and assembles the
spec, then renders the HTML it is handed. Where processes cannot be forked, or WeasyPrint is
already imported (batch workers), rendering happens in this process.
"""

from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import Any


class Renderer:
    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._ready: Future[None] | None = None
        if (
            "engage.pdf" not in sys.modules
            and sys.platform.startswith("linux")
            and "fork" in multiprocessing.get_all_start_methods()
        ):
            self._pool = ProcessPoolExecutor(1, multiprocessing.get_context("fork"))
            self._ready = self._pool.submit(_import_renderer)

    def write_pdf(self, *args: Any, **kwargs: Any) -> bytes:
        """``engage.pdf.write_pdf`` in the renderer process."""
        if self._pool is None:
            from engage.pdf import write_pdf

            return write_pdf(*args, **kwargs)
        return self._pool.submit(_write_pdf, args, kwargs).result()

    def __enter__(self) -> Renderer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            # Wait for the idle renderer after a failed build too: exiting while the pool's
            # manager thread closes its pipe races in CPython 3.11 and prints a "Bad file
            # descriptor" traceback after engage's one-line error. Only Ctrl-C does not wait.
            interrupted = kind is not None and issubclass(kind, KeyboardInterrupt)
            self._pool.shutdown(wait=not interrupted, cancel_futures=True)


def _import_renderer() -> None:
    import engage.pdf  # noqa: F401


def _write_pdf(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bytes:
    from engage.pdf import write_pdf

    return write_pdf(*args, **kwargs)
