"""One check for every refusal: a one-line message naming the file (and line), a non-zero
exit, no traceback, nothing written, and last week's PDF left byte-identical."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import MINIMAL_SPEC, ROOT, run_cli, write_tree

# Stands for last week's signed PDF: every refused build must leave it byte for byte.
SENTINEL = b"%PDF-1.7\n% last week's signed PDF: must survive every failed build\n%%EOF\n"


def spec_with(old: str, new: str) -> str:
    """MINIMAL_SPEC with one piece replaced (the piece must be there)."""
    assert old in MINIMAL_SPEC, old
    return MINIMAL_SPEC.replace(old, new, 1)


def leftovers(folder: Path) -> list[str]:
    """Temporary files a build left behind."""
    return sorted(path.name for path in folder.rglob("*engage-tmp*"))


def refused(
    spec: Path,
    *,
    where: str | Path | None = None,
    line: int | None = None,
    code: int = 2,
    output: Path | None = None,
) -> str:
    """Build ``spec`` over an existing PDF and check that the build is refused cleanly.

    ``where`` is the file the message must name (the spec by default), ``line`` the line it
    must point at. Returns the message, without the file and line.
    """
    output = output or spec.with_suffix(".pdf")
    if not output.exists() and output.parent.is_dir():
        output.write_bytes(SENTINEL)
    before = output.read_bytes() if output.is_file() else None
    result = run_cli("build", spec, "-o", output)
    message = _clean_refusal(result.code, result.stdout, result.stderr, where or spec, line, code)
    if before is not None:
        assert output.read_bytes() == before, "the existing output was changed"
    if output.parent.is_dir():
        assert leftovers(output.parent) == []
    return message


def refused_check(spec: Path, where: str | Path | None = None, line: int | None = None) -> str:
    """``engage check`` on ``spec`` is refused cleanly (exit 2, one line, file and line)."""
    result = run_cli("check", spec)
    return _clean_refusal(result.code, result.stdout, result.stderr, where or spec, line, 2)


def _clean_refusal(
    code: int,
    stdout: str,
    stderr: str,
    where: str | Path,
    line: int | None,
    expected_code: int,
) -> str:
    assert (code, stdout) == (expected_code, ""), (code, stdout, stderr)
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    message = lines[0]
    prefix = f"{where}:" if line is None else f"{where}:{line}:"
    assert message.startswith(prefix), (prefix, message)
    return re.sub(r"^\d+: ", "", message[len(prefix):].lstrip())


@dataclass(frozen=True)
class Process:
    """A real ``python -m engage`` run: exit code, output, and what it cost."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float


def run_engage(
    *args: str | Path,
    cwd: Path | None = None,
    memory_limit: int = 2 * 2**30,
    timeout: float = 120,
    prelude: str = "",
) -> Process:
    """``python -m engage ARGS`` in a child process with an address-space limit (so that a
    blow-up fails fast instead of swapping), timed, with its own peak memory.

    ``prelude`` is Python run before the CLI (to set a limit or patch a function).
    """
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    command = [sys.executable, "-m", "engage", *map(str, args)]
    if prelude:
        runner = f"{prelude}\nimport sys\nsys.argv[0] = 'engage'\n"
        runner += "from engage.cli import main\nmain()"
        command = [sys.executable, "-c", runner, *map(str, args)]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            command, cwd=cwd or ROOT, stdout=stdout, stderr=stderr, preexec_fn=limit,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                _, status, usage = os.wait4(process.pid, 0)
                raise AssertionError(f"engage {args} ran past the {timeout} s safety bound")
            time.sleep(0.01)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        stdout.seek(0)
        stderr.seek(0)
        return Process(
            process.returncode,
            stdout.read().decode("utf-8", "replace"),
            stderr.read().decode("utf-8", "replace"),
            seconds,
            usage.ru_maxrss / 1024,  # Linux: kilobytes
        )


def minimal_tree(root: Path, files: dict[str, str | bytes] | None = None) -> Path:
    """A folder with MINIMAL_SPEC as ``spec.yaml`` plus ``files``; returns the spec."""
    write_tree(root, {"spec.yaml": MINIMAL_SPEC, **(files or {})})
    return root / "spec.yaml"
