"""Stage 6: write the output atomically, so an existing PDF is never left half-written.

The bytes go to a temporary file next to the target, are flushed to disk, and replace the
target in one rename. A failed or interrupted build removes its temporary file; temporary
files left by a killed build are removed by the next build of the same target. The temporary
file is created afresh, never through a link someone left in its place.
"""

from __future__ import annotations

import contextlib
import glob
import os
from pathlib import Path

from engage.errors import OutputPathError, WriteError
from engage.files import check_replaceable

_TEMP_MARK = ".engage-tmp-"


def check_output_path(output: Path, inputs: list[Path]) -> None:
    """Refuse an output path that is an input, a folder, a FIFO or a device, or in a missing
    folder."""
    resolved = output.resolve()
    for source in inputs:
        if resolved == source.resolve() or _same_file(output, source):
            raise OutputPathError.at(output, "the output would overwrite an input file")
    if output.is_dir():
        raise OutputPathError.at(output, "the output path is a folder; give a file name")
    check_replaceable(output)
    if not output.parent.is_dir():
        raise OutputPathError.at(output, f"the folder {output.parent} does not exist")


def write_atomic(output: Path, data: bytes) -> None:
    """Replace ``output`` with ``data`` in one step (only a regular file, a link or nothing
    is ever replaced: see ``check_replaceable``)."""
    _remove_stale_temporaries(output)
    temporary = output.with_name(f".{output.name}{_TEMP_MARK}{os.getpid()}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    created = False
    try:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        with open(os.open(temporary, flags, 0o666), "wb") as stream:
            created = True
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        check_replaceable(output)  # again: something may have taken its place meanwhile
        os.replace(temporary, output)
        created = False
    except OSError as exc:
        raise WriteError.at(output, f"cannot write: {exc.strerror or exc}") from None
    finally:
        # A failed cleanup must not hide why the write failed (a read-only folder fails both).
        if created:
            with contextlib.suppress(OSError):
                temporary.unlink()


def _remove_stale_temporaries(output: Path) -> None:
    for stale in output.parent.glob(f".{glob.escape(output.name)}{_TEMP_MARK}*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not _is_running(int(pid)):
            with contextlib.suppress(OSError):
                stale.unlink()


def _same_file(output: Path, source: Path) -> bool:
    """Whether both paths name one file (a hard link, or another case on a case-insensitive
    file system)."""
    try:
        return os.path.samefile(output, source)
    except OSError:
        return False


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
