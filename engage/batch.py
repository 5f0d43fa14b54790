"""Building many specs at once, in a pool of worker processes.

WeasyPrint's import costs about a second, so it is imported once, in the parent before the
workers fork (or once per worker where processes are spawned); each worker then builds spec
after spec. One failed spec does not stop the others.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from engage.build import Built, build
from engage.errors import EngageError


@dataclass(frozen=True)
class Outcome:
    """What became of one spec: exit code 0 for success, and a one-line message (or lines)."""

    spec: Path
    code: int
    message: str
    up_to_date: bool = False
    seconds: float = 0.0


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def build_one(spec: Path, output: Path | None, html: bool, force: bool) -> Outcome:
    """Build one spec, turning an ``EngageError`` into an outcome (it crosses processes)."""
    started = time.perf_counter()
    try:
        built = build(spec, output, html=html, force=force)
    except EngageError as exc:
        return Outcome(spec, exc.exit_code, str(exc), seconds=time.perf_counter() - started)
    except Exception as exc:  # a bug must not stop the other specs
        return Outcome(spec, 1, f"{spec}: internal error: {type(exc).__name__}: {exc}")
    return Outcome(spec, 0, describe(built), built.up_to_date, time.perf_counter() - started)


def describe(built: Built) -> str:
    """The line the CLI prints for a finished build."""
    if built.prepared is None:
        return f"{built.output}: up to date"
    return f"wrote {built.output} (fingerprint {built.prepared.fingerprint.value})"


def build_many(
    specs: list[Path],
    *,
    jobs: int,
    html: bool = False,
    force: bool = False,
    on_done: Callable[[Outcome], None] = lambda outcome: None,
) -> list[Outcome]:
    """Build every spec, ``jobs`` at a time; ``on_done`` hears of each as it finishes."""
    if jobs <= 1 or len(specs) <= 1:
        if len(specs) > 1 and not html:
            _warm()  # once here, rather than once per spec in a renderer process
        outcomes = []
        for spec in specs:
            outcomes.append(build_one(spec, None, html, force))
            on_done(outcomes[-1])
        return outcomes
    _warm()
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    results: dict[Path, Outcome] = {}
    with ProcessPoolExecutor(min(jobs, len(specs)), context, initializer=_warm) as pool:
        futures = {pool.submit(build_one, spec, None, html, force): spec for spec in specs}
        try:
            for future in as_completed(futures):
                outcome = future.result()
                results[outcome.spec] = outcome
                on_done(outcome)
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return [results[spec] for spec in specs]


def _warm() -> None:
    """Import the renderer once: forked workers inherit it, spawned ones import it here."""
    import engage.pdf  # noqa: F401
