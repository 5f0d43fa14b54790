"""Worker processes that die with the process that started them.

The renderer, batch builds and preview rebuilds run in forked worker processes. A worker must
never outlive its parent: ``kill -9``, SIGTERM, SIGHUP or an out-of-memory kill of ``engage``
would otherwise leave it waiting for work forever. Three things see to it:

- the worker closes every parent-side pipe end it inherited (its own and other workers'), so
  when the parent dies its request pipe has no writer left and reading it ends at once;
- on Linux the kernel kills it when its parent dies (``PR_SET_PDEATHSIG``, through ``prctl``);
- while idle it checks every second that its parent is still the process that started it.

A worker that dies itself (killed, out of memory, a crash in a C library) is a ``BuildError``
for the one task it held, never a hang or a traceback.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from engage.errors import BuildError, Failure, run

PARENT_WATCH_SECONDS = 1.0
"""How often an idle worker checks that its parent is alive."""
_PR_SET_PDEATHSIG = 1

_parent_ends: set[Connection] = set()
"""The pipe ends this process holds to talk to its workers: closed in every new worker."""


class WorkerDied(BuildError):
    """A worker process ended while it held a task."""


class Worker:
    """One worker process that runs ``function(*args)`` for its parent, one task at a time.

    ``name`` says what it is in the message if it dies; ``initializer`` runs once in the
    worker as it starts. Where processes cannot be forked, they are
    spawned (the function and arguments must then be importable and picklable).
    """

    def __init__(
        self, name: str = "worker", initializer: Callable[[], None] | None = None
    ) -> None:
        self.name = name
        methods = multiprocessing.get_all_start_methods()
        context: Any = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        task_reader, self._tasks = multiprocessing.Pipe(duplex=False)
        self._results, result_writer = multiprocessing.Pipe(duplex=False)
        _parent_ends.update((self._tasks, self._results))
        self.process = context.Process(
            target=_serve,
            args=(task_reader, result_writer, os.getpid(), initializer),
            daemon=True,
            name="engage-worker",
        )
        self.process.start()
        # Only the worker may hold these: when it dies, reading its results ends at once.
        task_reader.close()
        result_writer.close()
        self.busy = False

    @property
    def results(self) -> Connection:
        """Readable when the task's outcome is in, or when the worker died."""
        return self._results

    def submit(self, about: Path | str, function: Callable[..., Any], *args: Any) -> None:
        """Hand the worker a task about the file ``about``; ``outcome`` waits for it."""
        self.busy = True
        # A dead worker cannot take it: ``outcome`` then reads the end of its results.
        with contextlib.suppress(OSError):
            self._tasks.send((function, args, about))

    def outcome(self, about: Path | str) -> Any:
        """The task's value, or its ``Failure``: the error it raised, or the worker's death."""
        try:
            answer = self._results.recv()
        except (EOFError, OSError):
            self.process.join(5)
            died = WorkerDied.at(about, f"the {self.name} process {_death(self.process)}")
            answer = Failure.of(died)
        finally:
            self.busy = False
        return answer

    def call(self, about: Path | str, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` in the worker; a failure in it is raised here as an error."""
        self.submit(about, function, *args)
        answer = self.outcome(about)
        if isinstance(answer, Failure):
            # With ENGAGE_DEBUG, the worker's traceback comes along as the cause.
            cause = _WorkerTraceback(answer.traceback) if answer.traceback else None
            raise answer.error from cause
        return answer

    def close(self, *, kill: bool = False) -> None:
        """Let the worker finish and end (or ``kill`` it at once)."""
        for end in (self._tasks, self._results):
            _parent_ends.discard(end)
            end.close()
        if kill and self.process.is_alive():
            self.process.kill()
        self.process.join()


class _WorkerTraceback(Exception):
    """The traceback of an error in a worker, shown as the cause of the error it raised."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return "\n" + self.text.rstrip("\n")


def _death(process: multiprocessing.process.BaseProcess) -> str:
    code = process.exitcode
    if code is None:
        return "stopped answering"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code} before it finished"


def _serve(
    tasks: Connection,
    results: Connection,
    parent: int,
    initializer: Callable[[], None] | None,
) -> None:
    """The worker's loop: run each task, send back its value or its ``Failure``."""
    _die_with(parent)
    # Ctrl-C reaches the whole process group: the parent handles it and closes the pipes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A failed start (WeasyPrint cannot load) is the answer to every task, not a traceback.
    started = run(initializer) if initializer is not None else None
    while True:
        while not tasks.poll(PARENT_WATCH_SECONDS):
            if os.getppid() != parent:
                os._exit(1)
        try:
            function, args, about = tasks.recv()
        except (EOFError, OSError):  # the parent closed the pipe, or died
            return
        answer = started if isinstance(started, Failure) else run(
            functools.partial(function, *args), about
        )
        try:
            results.send(answer)
        except (OSError, ValueError):
            return
        except Exception as exc:  # a value that cannot be pickled: say so, one line
            results.send(Failure.of(exc, about))


def _die_with(parent: int) -> None:
    """Close inherited parent-side pipe ends; ask the kernel to kill this process with its
    parent (Linux); and end at once if the parent is already gone."""
    for end in list(_parent_ends):
        with contextlib.suppress(OSError):
            end.close()
    _parent_ends.clear()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the parent watch still ends the worker
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
