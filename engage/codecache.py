"""Compiled clause and template code (and answers costly to find), kept in the user's cache.

Compiling clauses and templates is most of what a build does before it renders (about 0.2 s
for a twenty-clause document): Jinja parses each source and Python compiles the code Jinja
generates. The result, a code object, depends only on the source and on things that change
with engage itself, so it is kept under a key that covers all of them (the source, its name
and file, the environment's settings, the Python, Jinja and engage versions and engage's own
code): a process compiles each source once, and a new process compiles only what no earlier
one compiled.

The cache holds code that engage runs, so it is trusted only as far as Python trusts its own
``__pycache__``, and a little less: the folder (``$XDG_CACHE_HOME/engage``, else
``~/.cache/engage``) is made private (0700); it, and every file read from it, must belong to
this user, be writable by nobody else and not be a link; a file must carry the SHA-256 of its
contents. Anything else is ignored and the source is compiled again, as it is when the
folder cannot be made or written. ``ENGAGE_CACHE=off`` keeps everything in memory.

The same folder keeps a few answers that are pure functions of their question but slow to
find (``text``): which commit, back from HEAD, first holds a build's inputs as HEAD holds
them. A stored answer is used only after a cheap check that it is still right.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import stat
import sys
import tempfile
import types
from collections.abc import Callable
from pathlib import Path

from engage import __version__

MAX_IN_MEMORY = 4096
"""Code objects one process keeps (a batch or preview compiles each clause once)."""
MAX_ENTRY_BYTES = 8 * 2**20
MAX_ENTRIES = 4000
"""Files kept on disk; past this, the older half is removed."""
_MAGIC = b"engage-code 1\n"
_OFF = ("off", "0", "no", "false")

_in_memory: dict[str, types.CodeType] = {}


def _engage_digest() -> str:
    """A digest of engage's own modules, taken as engage is imported: an edited checkout
    keeps its version number but may generate other code."""
    digest = hashlib.sha256(f"{sys.version}\nengage {__version__}\n".encode())
    for module in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()


_ENGAGE = _engage_digest()


def code(parts: tuple[object, ...], compile_source: Callable[[], types.CodeType]) -> types.CodeType:
    """The code ``compile_source()`` makes, from memory or disk if ``parts`` (everything the
    code depends on besides engage, Jinja and Python) were compiled before."""
    import jinja2  # already loaded by whoever compiles

    key = _key(("code", jinja2.__version__, *parts))
    found = _in_memory.get(key)
    if found is None:
        folder = _folder()
        stored = _read(folder / key) if folder is not None else None
        found = _unmarshal(stored) if stored is not None else None
        if found is None:
            found = compile_source()
            if folder is not None:
                _write(folder, key, _marshal(found))
        if len(_in_memory) >= MAX_IN_MEMORY:
            _in_memory.clear()
        _in_memory[key] = found
    return found


def text(parts: tuple[object, ...], compute: Callable[[], str | None],
         still_true: Callable[[str], bool]) -> str | None:
    """What ``compute()`` answers for ``parts``, from disk if it answered before and
    ``still_true`` of that answer (a pure function of ``parts`` whose answer is cheap to
    check but costly to find: the commit that holds a build's inputs)."""
    key = _key(("text", *parts))
    folder = _folder()
    stored = _read(folder / key) if folder is not None else None
    if stored is not None:
        try:
            answer = stored.decode("utf-8")
        except UnicodeDecodeError:
            answer = None
        if answer is not None and still_true(answer):
            return answer
    answer = compute()
    if answer is not None and folder is not None:
        _write(folder, key, answer.encode("utf-8"))
    return answer


def _marshal(compiled: types.CodeType) -> bytes | None:
    try:
        return marshal.dumps(compiled)
    except ValueError:
        return None


def _unmarshal(payload: bytes) -> types.CodeType | None:
    try:
        found = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    return found if isinstance(found, types.CodeType) else None


def _key(parts: tuple[object, ...]) -> str:
    digest = hashlib.sha256(_ENGAGE.encode())
    for part in parts:
        digest.update(b"\0" + repr(part).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _folder() -> Path | None:
    """The private cache folder, made if need be; None if there is none that can be trusted."""
    if os.environ.get("ENGAGE_CACHE", "").strip().lower() in _OFF or not hasattr(os, "getuid"):
        return None
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    if not base.is_absolute():
        return None
    folder = base / "engage" / f"code-{sys.implementation.cache_tag}"
    try:
        if not _safe_parent(base):
            return None
        for level in (base / "engage", folder):
            with contextlib.suppress(FileExistsError):
                os.mkdir(level, 0o700)
            if not _private(os.lstat(level)):
                return None
    except OSError:
        return None
    return folder


def _safe_parent(base: Path) -> bool:
    """Nobody else can replace what is in ``base`` or above it: every folder up to the root
    is the user's or root's, and writable by others only with the sticky bit (like /tmp)."""
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        resolved = base.resolve(strict=True)
        for folder in (resolved, *resolved.parents):
            status = os.stat(folder)
            if status.st_uid not in (os.getuid(), 0) or not stat.S_ISDIR(status.st_mode):
                return False
            if status.st_mode & 0o022 and not status.st_mode & stat.S_ISVTX:
                return False
    except (OSError, RuntimeError):
        return False
    return True


def _private(status: os.stat_result) -> bool:
    return (
        stat.S_ISDIR(status.st_mode)
        and status.st_uid == os.getuid()
        and not status.st_mode & 0o022
    )


def _read(path: Path) -> bytes | None:
    """The payload of the entry at ``path``, if it can be trusted and is whole."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return None
    try:
        status = os.fstat(descriptor)
        if (
            not stat.S_ISREG(status.st_mode)
            or status.st_uid != os.getuid()
            or status.st_mode & 0o022
            or status.st_size > MAX_ENTRY_BYTES
        ):
            return None
        with os.fdopen(os.dup(descriptor), "rb") as stream:
            data = stream.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(descriptor)
    header = len(_MAGIC) + 32
    if len(data) > MAX_ENTRY_BYTES or data[: len(_MAGIC)] != _MAGIC:
        return None
    payload = data[header:]
    if hashlib.sha256(payload).digest() != data[len(_MAGIC) : header]:
        return None
    return payload


def _write(folder: Path, key: str, payload: bytes | None) -> None:
    """Write atomically (a concurrent reader sees the old file or the whole new one);
    failing to write only means compiling again next time."""
    if payload is None or len(payload) + 64 > MAX_ENTRY_BYTES:
        return
    temporary = None
    try:
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".new-")
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
        os.replace(temporary, folder / key)
        temporary = None
        _prune(folder)
    except OSError:
        pass
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _prune(folder: Path) -> None:
    """Keep the folder bounded: past ``MAX_ENTRIES`` files, remove the older half."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    if len(entries) <= MAX_ENTRIES:
        return
    by_age = sorted(entries, key=lambda entry: entry.stat(follow_symlinks=False).st_mtime)
    for entry in by_age[: len(entries) // 2]:
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
