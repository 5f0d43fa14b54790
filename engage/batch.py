"""Building many specs at once, in worker processes.

WeasyPrint's import costs about a second, so it is imported once, in the parent before the
workers fork (or once per worker where processes are spawned); each worker then builds spec
after spec. One failed spec does not stop the others, nor does a worker that dies (killed,
out of memory): its spec is reported as one line, a new worker takes its place, and the
others are built. Workers die with the parent (``workers.Worker``).
"""

from __future__ import annotations

import functools
import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from engage.build import build
from engage.errors import Failure, run
from engage.single import describe
from engage.workers import Worker


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
    """Build one spec; any failure becomes its outcome (``errors.run``), so it crosses
    processes as a message."""
    started = time.perf_counter()
    built = run(functools.partial(build, spec, output, html=html, force=force), spec)
    seconds = time.perf_counter() - started
    if isinstance(built, Failure):
        return Outcome(spec, built.code, built.report(), seconds=seconds)
    return Outcome(spec, 0, describe(built), built.up_to_date, seconds)


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
    waiting = deque(specs)
    results: dict[Path, Outcome] = {}
    held: dict[Connection, tuple[Worker, Path]] = {}

    def hand_out(worker: Worker) -> None:
        spec = waiting.popleft()
        worker.submit(spec, build_one, spec, None, html, force)
        held[worker.results] = (worker, spec)

    workers = [Worker("batch worker", _warm) for _ in range(min(jobs, len(specs)))]
    try:
        for worker in workers:
            hand_out(worker)
        while held:
            for ready in wait(list(held)):
                worker, spec = held.pop(ready)  # type: ignore[call-overload]
                answer = worker.outcome(spec)
                if isinstance(answer, Failure):  # the worker died: a new one goes on
                    outcome = Outcome(spec, answer.code, answer.report())
                    worker.close(kill=True)
                    workers.remove(worker)
                    if waiting:
                        worker = Worker("batch worker", _warm)
                        workers.append(worker)
                else:
                    outcome = answer
                results[spec] = outcome
                on_done(outcome)
                if waiting:
                    hand_out(worker)
    except BaseException:  # Ctrl-C, or on_done failed: stop every worker now
        for worker in workers:
            worker.close(kill=True)
        raise
    for worker in workers:
        worker.close()
    return [results[spec] for spec in specs]


def _warm() -> None:
    """Import the renderer once: forked workers inherit it, spawned ones import it here."""
    import engage.pdf  # noqa: F401
