"""Processes engage starts: none outlives engage, a dead one is one line, never a hang or a
traceback; and every path (CLI, batch, preview) reports a failure the same way."""

from __future__ import annotations

import faulthandler
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import engage.batch
import engage.errors
from engage.errors import Failure
from engage.preview import Preview
from engage.workers import Worker
from tests.conftest import MINIMAL_SPEC, ROOT, pdf_text, run_cli, write_tree

BOUND = 60.0
"""A safety bound for waits: generous, never a measure of speed."""
HINT = "(set ENGAGE_DEBUG=1 for the traceback, and please report it)"


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting for its new parent to reap it does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not condition():
        assert time.monotonic() < deadline, f"still waiting after {BOUND} s for {what}"
        time.sleep(0.05)


# The build stops for good once its renderer is running; the test then kills it.
HANG_AFTER_THE_RENDERER_STARTS = """\
import os, time, engage.build
def hang(*args, **kwargs):
    open(os.environ["ENGAGE_TEST_MARK"], "w").close()
    time.sleep(3600)
engage.build.build = hang
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the renderer forks on Linux")
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP],
                         ids=lambda signum: signal.Signals(signum).name)
def test_the_renderer_dies_with_its_build(tmp_path: Path, signum: int) -> None:
    write_tree(tmp_path, {"a.yaml": MINIMAL_SPEC})
    mark = tmp_path / "renderer-started"
    runner = HANG_AFTER_THE_RENDERER_STARTS + "import sys\nfrom engage.cli import main\nmain()"
    build = subprocess.Popen(
        [sys.executable, "-c", runner, "build", str(tmp_path / "a.yaml")],
        env={**os.environ, "PYTHONPATH": str(ROOT), "ENGAGE_TEST_MARK": str(mark)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(mark.exists, "the build to start its renderer")
        renderers = children(build.pid)
        assert len(renderers) == 1, renderers
        assert alive(renderers[0])
        build.send_signal(signum)
        build.wait(BOUND)
        wait_for(lambda: not alive(renderers[0]), "the orphaned renderer to end")
    finally:
        build.kill()
        build.wait()
    assert not (tmp_path / "a.pdf").exists()


# Each batch worker stops for good in its first spec; the test then kills the batch.
HANG_IN_EVERY_WORKER = """\
import os, time, engage.batch
def hang(*args, **kwargs):
    open(os.path.join(os.environ["ENGAGE_TEST_MARK"], str(os.getpid())), "w").close()
    time.sleep(3600)
engage.batch.build = hang
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM],
                         ids=lambda signum: signal.Signals(signum).name)
def test_batch_workers_die_with_their_build(tmp_path: Path, signum: int) -> None:
    write_tree(tmp_path, {"a.yaml": MINIMAL_SPEC, "b.yaml": MINIMAL_SPEC, "marks/.keep": ""})
    runner = HANG_IN_EVERY_WORKER + "import sys\nfrom engage.cli import main\nmain()"
    build = subprocess.Popen(
        [sys.executable, "-c", runner, "build", str(tmp_path / "a.yaml"),
         str(tmp_path / "b.yaml"), "--jobs", "2"],
        env={**os.environ, "PYTHONPATH": str(ROOT), "ENGAGE_TEST_MARK": str(tmp_path / "marks")},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: len(list((tmp_path / "marks").glob("[0-9]*"))) == 2, "both workers")
        workers = sorted(int(mark.name) for mark in (tmp_path / "marks").glob("[0-9]*"))
        assert sorted(children(build.pid)) == workers
        build.send_signal(signum)
        build.wait(BOUND)
        wait_for(lambda: not any(map(alive, workers)), "the orphaned workers to end")
    finally:
        build.kill()
        build.wait()


def _kill_self(signum: int) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    faulthandler.disable()
    os.kill(os.getpid(), signum)
    time.sleep(BOUND)


def _exit(code: int) -> None:
    os._exit(code)


@pytest.mark.parametrize(
    ("death", "how", "message"),
    [
        (_kill_self, signal.SIGKILL, "was killed by SIGKILL"),
        (_kill_self, signal.SIGSEGV, "was killed by SIGSEGV"),
        (_exit, 3, "exited with code 3 before it finished"),
        (_exit, 0, "exited with code 0 before it finished"),
    ],
    ids=["kill -9", "segfault", "exit 3", "exit 0"],
)
def test_a_dead_worker_is_one_error_and_never_a_hang(
    death: Callable[[int], None], how: int, message: str
) -> None:
    worker = Worker("renderer")
    try:
        worker.submit("a.yaml", death, how)
        answer = worker.outcome(Path("a.yaml"))
    finally:
        worker.close(kill=True)
    assert isinstance(answer, Failure)
    assert (answer.code, answer.message) == (1, f"a.yaml: the renderer process {message}")


DEATHS = {
    "killed.yaml": (signal.SIGKILL, "was killed by SIGKILL"),
    "segfault.yaml": (signal.SIGSEGV, "was killed by SIGSEGV"),
    "exits.yaml": (3, "exited with code 3 before it finished"),
    "quits.yaml": (0, "exited with code 0 before it finished"),
}


def test_a_batch_worker_that_dies_is_one_line_and_the_others_are_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = engage.batch.build

    def dying(spec: Path, *args: Any, **kwargs: Any) -> Any:
        if spec.name in DEATHS:
            how = DEATHS[spec.name][0]
            if isinstance(how, signal.Signals):
                _kill_self(how)
            _exit(how)
        return real(spec, *args, **kwargs)

    monkeypatch.setattr(engage.batch, "build", dying)  # forked workers inherit it
    names = ["a.yaml", "killed.yaml", "segfault.yaml", "b.yaml", "exits.yaml", "quits.yaml"]
    write_tree(tmp_path, {name: MINIMAL_SPEC.replace("Client Co", name[0].upper() + " Co")
                          for name in names})
    result = run_cli("build", *(tmp_path / name for name in names), "--jobs", "2")
    assert result.code == 1
    assert sorted(result.stderr.splitlines()) == sorted(
        f"{tmp_path / name}: the batch worker process {message}"
        for name, (_, message) in DEATHS.items()
    )
    assert result.stdout.splitlines()[-1].startswith("2 built, 0 up to date, 4 failed, in ")
    assert "A Co" in pdf_text(tmp_path / "a.pdf") and "B Co" in pdf_text(tmp_path / "b.pdf")
    assert not any((tmp_path / name).with_suffix(".pdf").exists() for name in DEATHS)


# One failure layer: every path reports an unexpected exception in the same one line --------


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("disk\non fire")


def internal(about: Path | str) -> str:
    return f"{about}: internal error: RuntimeError: disk on fire {HINT}"


def test_the_cli_reports_an_internal_error_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = write_tree(tmp_path, {"a.yaml": MINIMAL_SPEC}) / "a.yaml"
    monkeypatch.setattr("engage.build.check", _boom)
    result = run_cli("check", spec)
    assert (result.code, result.stdout, result.stderr) == (1, "", internal(spec) + "\n")
    monkeypatch.setattr("engage.schema.schema_text", _boom)
    result = run_cli("schema")
    assert (result.code, result.stdout, result.stderr) == (1, "", internal("engage") + "\n")


def test_a_batch_reports_an_internal_error_in_the_same_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"a.yaml": MINIMAL_SPEC, "b.yaml": MINIMAL_SPEC})
    monkeypatch.setattr(engage.batch, "build", _boom)
    for jobs in ("1", "2"):
        result = run_cli("build", tmp_path / "a.yaml", tmp_path / "b.yaml", "--jobs", jobs)
        assert result.code == 1
        assert sorted(result.stderr.splitlines()) == [internal(tmp_path / "a.yaml"),
                                                      internal(tmp_path / "b.yaml")]


def test_the_preview_shows_an_internal_error_in_the_same_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = write_tree(tmp_path, {"a.yaml": MINIMAL_SPEC}) / "a.yaml"
    monkeypatch.setattr("engage.preview.prepare", _boom)  # the builder process inherits it
    log: list[str] = []
    preview = Preview(spec, log.append)
    try:
        preview.rebuild()
    finally:
        preview.stop()
    assert log == [internal(spec)]
    assert internal(spec).encode() in preview.snapshot()[1]


def test_engage_debug_prints_the_traceback_after_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = write_tree(tmp_path, {"a.yaml": MINIMAL_SPEC}) / "a.yaml"
    monkeypatch.setattr("engage.build.check", _boom)
    monkeypatch.setenv("ENGAGE_DEBUG", "1")
    result = run_cli("check", spec)
    lines = result.stderr.splitlines()
    assert result.code == 1 and lines[0] == internal(spec)
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-2:] == ["RuntimeError: disk", "on fire"]


def test_a_command_line_refusal_inside_an_action_is_not_an_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    existing = write_tree(tmp_path, {"taken.md": "mine\n"}) / "taken.md"
    result = run_cli("clauses", "show", "fees", "-o", existing)
    assert (result.code, result.stderr) == (2, f"engage: {existing} exists; nothing was written\n")
    assert existing.read_text() == "mine\n"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_preview_builder_dies_with_the_preview(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": MINIMAL_SPEC})
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as stderr:
        preview = subprocess.Popen(
            [sys.executable, "-m", "engage", "preview", str(tmp_path / "a.yaml"), "--port", "0"],
            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL, stderr=stderr,
        )
    try:
        wait_for(lambda: "previewing" in errors.read_text(), "the preview to start")
        builders = children(preview.pid)
        assert len(builders) == 1 and alive(builders[0]), builders
        preview.kill()
        preview.wait(BOUND)
        wait_for(lambda: not alive(builders[0]), "the orphaned builder to end")
    finally:
        preview.kill()
        preview.wait()
    assert errors.read_text().startswith(f"{tmp_path / 'a.yaml'}: built\n")


def test_a_renderer_killed_mid_build_is_one_line_and_nothing_is_written(tmp_path: Path) -> None:
    spec = write_tree(tmp_path, {"a.yaml": MINIMAL_SPEC}) / "a.yaml"
    killed_in_render = (
        "import os, signal, engage.renderer\n"
        "def killed(args, kwargs):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "engage.renderer._write_pdf = killed\n"  # the forked renderer inherits it
        "import sys\nfrom engage.cli import main\nmain()"
    )
    result = subprocess.run(
        [sys.executable, "-c", killed_in_render, "build", str(spec)],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=BOUND * 2, check=False,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"{spec}: the renderer process was killed by SIGKILL\n"
    assert list(tmp_path.iterdir()) == [spec]


def test_a_dead_preview_builder_is_one_line_and_the_next_build_has_a_new_one(
    tmp_path: Path,
) -> None:
    spec = write_tree(tmp_path, {"a.yaml": MINIMAL_SPEC}) / "a.yaml"
    log: list[str] = []
    preview = Preview(spec, log.append)
    try:
        preview.rebuild()
        builder = preview._builder
        assert builder is not None
        os.kill(builder.process.pid or 0, signal.SIGKILL)
        preview.rebuild()
        preview.rebuild()
    finally:
        preview.stop()
    assert log == [f"{spec}: built",
                   f"{spec}: the preview builder process was killed by SIGKILL",
                   f"{spec}: built"]
    assert b"A project" in preview.snapshot()[1]


def test_engage_debug_shows_the_renderer_s_traceback(tmp_path: Path) -> None:
    spec = write_tree(tmp_path, {"a.yaml": MINIMAL_SPEC}) / "a.yaml"
    broken_renderer = (
        "import engage.renderer\n"
        "def broken_renderer_function(args, kwargs):\n"
        "    raise RuntimeError('disk on fire')\n"
        "engage.renderer._write_pdf = broken_renderer_function\n"
        "import sys\nfrom engage.cli import main\nmain()"
    )
    command = [sys.executable, "-c", broken_renderer, "build", str(spec)]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    quiet = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    assert (quiet.returncode, quiet.stderr) == (1, internal(spec) + "\n")
    loud = subprocess.run(command, env={**environment, "ENGAGE_DEBUG": "1"},
                          capture_output=True, text=True, check=False)
    lines = loud.stderr.splitlines()
    assert loud.returncode == 1 and lines[0] == internal(spec)
    assert "Traceback (most recent call last):" in lines
    assert any("broken_renderer_function" in line for line in lines), loud.stderr
    assert list(tmp_path.iterdir()) == [spec]


@pytest.mark.parametrize(
    ("exception", "code", "message"),
    [
        (PermissionError(13, "Permission denied", "/srv/x.pdf"), 1,
         "/srv/x.pdf: Permission denied"),
        (OSError(28, "No space left on device"), 1, "a.yaml: No space left on device"),
        (MemoryError(), 1, "a.yaml: ran out of memory"),
        (KeyboardInterrupt(), 130, "a.yaml: interrupted"),
        (ValueError("bad\x1b[31m\nthing"), 1,
         "a.yaml: internal error: ValueError: bad\\x1b[31m thing " + HINT),
    ],
    ids=["permission", "disk full", "memory", "ctrl-c", "bug"],
)
def test_every_foreign_exception_becomes_one_line(
    exception: BaseException, code: int, message: str
) -> None:
    def fails() -> None:
        raise exception

    failure = engage.errors.run(fails, "a.yaml")
    assert isinstance(failure, Failure)
    assert (failure.code, failure.message, failure.traceback) == (code, message, "")
