"""Files engage reads and replaces: regular files only, never more than a bound.

A FIFO never ends and ``/dev/zero`` never stops, whatever ``st_size`` says; a device or FIFO
at an output path is not a file to replace (``/dev/null`` must stay a device). Every input is
opened without blocking and checked on the opened descriptor (so it cannot be swapped between
the check and the read), then read in chunks up to its limit. This module stays light: the
up-to-date check uses it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from engage.errors import EngageError, OutputPathError

_CHUNK = 1 << 16


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    kinds = (
        (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def open_regular(path: Path, what: str, error: type[EngageError], *, follow: bool = True) -> int:
    """A read-only descriptor of ``path``, which must be a regular file.

    The path is looked at before it is opened (opening a device may do something) and the
    opened descriptor is checked again; ``follow=False`` refuses a symbolic link.
    """
    try:
        status = os.stat(path) if follow else os.lstat(path)
    except FileNotFoundError:
        raise error.at(path, f"no such {what} file") from None
    except OSError as exc:
        raise error.at(path, f"cannot read the {what}: {exc.strerror or exc}") from None
    _refuse_special(path, status.st_mode, what, error)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as exc:
        raise error.at(path, f"cannot read the {what}: {exc.strerror or exc}") from None
    try:
        _refuse_special(path, os.fstat(descriptor).st_mode, what, error)
        os.set_blocking(descriptor, True)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def _refuse_special(path: Path, mode: int, what: str, error: type[EngageError]) -> None:
    if stat.S_ISDIR(mode):
        raise error.at(path, f"the {what} is a folder, not a file")
    if not stat.S_ISREG(mode):
        raise error.at(path, f"the {what} is {kind_of(mode)}, not a regular file")


def read_regular(
    path: Path, what: str, limit: int, error: type[EngageError], *, follow: bool = True
) -> bytes:
    """The bytes of the regular file ``path``; more than ``limit`` bytes is refused.

    The bound holds whatever the file's recorded size is, and if it grows while read.
    """
    descriptor = open_regular(path, what, error, follow=follow)
    chunks: list[bytes] = []
    size = 0
    try:
        with open(descriptor, "rb", buffering=0) as stream:
            recorded = os.fstat(stream.fileno()).st_size
            if recorded > limit:
                raise error.at(path, _too_large(what, f"{recorded:,}", limit))
            while size <= limit:
                chunk = stream.read(min(_CHUNK, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
    except OSError as exc:
        raise error.at(path, f"cannot read the {what}: {exc.strerror or exc}") from None
    if size > limit:
        raise error.at(path, _too_large(what, f"more than {limit:,}", limit))
    return b"".join(chunks)


def _too_large(what: str, size: str, limit: int) -> str:
    return f"the {what} is {size} bytes; the limit is {limit:,} bytes"


def check_replaceable(output: Path) -> None:
    """Refuse an output path that holds something other than a regular file or a link.

    A link is replaced by the new file, never written through; nothing else but a regular
    file is ever replaced.
    """
    with contextlib.suppress(FileNotFoundError):
        mode = os.lstat(output).st_mode
        if stat.S_ISDIR(mode):
            raise OutputPathError.at(output, "the output path is a folder; give a file name")
        if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            raise OutputPathError.at(
                output,
                f"the output path is {kind_of(mode)}; engage replaces only regular files",
            )
