"""``engage init``: a ready workspace, from the starter files in ``templates/workspace``.

All or nothing: every starter file is written to a temporary file in its folder and linked
into place only if nothing (not even a dangling link) stands there; a link where engage would
write or a folder it would write in is refused, never followed. If anything fails, every file
and folder this run made is removed again.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from engage._resources import data_dir
from engage.errors import WorkspaceError
from engage.files import kind_of

# Starter file -> where it goes in the new workspace.
STARTER = {
    "engage.yaml": "engage.yaml",
    "clients/example-client.yaml": "clients/example-client.yaml",
    "clauses/README.md": "clauses/README.md",
    "gitignore": ".gitignore",
    "README.md": "README.md",
}
EMPTY_FOLDERS = ("clauses/en", "sent")


def init_workspace(folder: Path) -> list[Path]:
    """Write a new workspace into ``folder``; refuse if any of its files already exists."""
    if folder.is_symlink():
        raise WorkspaceError.at(folder, "is a symbolic link; give the folder itself")
    if folder.exists() and not folder.is_dir():
        raise WorkspaceError.at(folder, "exists and is not a folder")
    targets = {folder / target: source for source, target in STARTER.items()}
    existing = [str(path) for path in targets if os.path.lexists(path)]
    if existing:
        raise WorkspaceError.at(
            folder, f"would overwrite {', '.join(existing)}; nothing was written"
        )
    starter = data_dir("templates") / "workspace"
    made: list[Path] = []
    try:
        top = next(parent for parent in folder.absolute().parents if parent.is_dir())
        _make_folders(top, folder.absolute(), made)
        for target, source in targets.items():
            _make_folders(folder, target.parent, made)
            _write_new(target, (starter / source).read_bytes(), made)
        for empty in EMPTY_FOLDERS:
            _make_folders(folder, folder / empty, made)
    except BaseException as exc:
        _undo(made)
        if isinstance(exc, OSError):
            where = exc.filename or folder
            raise WorkspaceError.at(
                where, f"cannot write: {exc.strerror or exc}; nothing was written"
            ) from None
        raise
    return sorted(targets)


def _make_folders(root: Path, folder: Path, made: list[Path]) -> None:
    """Create ``folder`` and its missing parents up to ``root``; refuse links and files."""
    chain = [folder, *folder.parents]
    for path in reversed(chain[: chain.index(root)] if root in chain else [folder]):
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            os.mkdir(path)
            made.append(path)
            continue
        if stat.S_ISLNK(mode) and path != root:
            raise WorkspaceError.at(
                path, "is a symbolic link; engage init does not follow it; nothing was written"
            )
        if not stat.S_ISDIR(mode):
            kind = "a file" if stat.S_ISREG(mode) else kind_of(mode)
            raise WorkspaceError.at(path, f"is {kind}, not a folder; nothing was written")


def _write_new(target: Path, data: bytes, made: list[Path]) -> None:
    """Write ``target`` in one step; fail if anything stands at its path by then."""
    temporary = target.with_name(f".{target.name}.engage-tmp-{os.getpid()}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        with open(os.open(temporary, flags, 0o666), "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.link(temporary, target)  # unlike a rename, never replaces what is there
        except FileExistsError:
            raise WorkspaceError.at(
                target, "appeared while the workspace was written; nothing was written"
            ) from None
        made.append(target)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


def _undo(made: list[Path]) -> None:
    for path in reversed(made):
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink()
