"""A small, read-only reader of git repositories that never runs git.

A workspace may come from anyone (a zip or tarball someone sent, a cloned repository), and
git reads its configuration from the repository itself: ``core.fsmonitor``, hooks, filters,
``diff.external``, textconv, pagers, aliases and ``include.path`` all run or pull in commands.
So engage does not run git at all. It reads what it needs straight from ``.git``: ``HEAD``,
refs (loose and ``packed-refs``), and objects (loose, and in version-2 packs with their
deltas). It never reads the repository's configuration, hooks, attributes, alternates or
``GIT_*`` environment variables, and never starts a process.

Everything read is bounded: only regular files are opened (a FIFO or device is "unreadable"),
each file and each inflated object has a size limit, delta chains and symbolic-ref chains
have a depth limit, and one read may inflate only so many bytes in all. Whatever is missing,
malformed or over a limit raises ``GitReadError``; callers decide whether that is an error
(``diff --against``) or simply "no git state" (the build's metadata).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import zlib
from dataclasses import dataclass
from pathlib import Path

MAX_SMALL_FILE = 64 * 1024
"""HEAD, a loose ref, a ``.git`` file, ``commondir``."""
MAX_PACKED_REFS = 32 * 2**20
MAX_INDEX_FILE = 128 * 2**20
MAX_OBJECT = 64 * 2**20
"""The largest object (inflated) engage reads."""
MAX_INFLATED_PER_READ = 256 * 2**20
"""All the bytes one object read may inflate, delta bases included."""
MAX_DELTA_DEPTH = 1000
MAX_REF_DEPTH = 8
MAX_PACKS = 1000
MAX_DISCOVERY_DEPTH = 64
MAX_HISTORY = 200

_SHA = re.compile(rb"[0-9a-f]{40}")
_SHA_TEXT = re.compile(r"[0-9a-f]{40}")
_REF_NAME = re.compile(r"[A-Za-z0-9._+@-]+(/[A-Za-z0-9._+@-]+)*")
_OBJECT_TYPES = {1: b"commit", 2: b"tree", 3: b"blob", 4: b"tag"}
_OFS_DELTA, _REF_DELTA = 6, 7


class GitReadError(Exception):
    """The repository cannot be read (missing, malformed, over a limit, unsupported)."""


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    Opened non-blocking and checked after opening, so a FIFO, device or socket is never read
    and a file swapped for one between a check and the open is caught too.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise GitReadError(f"cannot read {path.name}: {exc.strerror}") from None
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise GitReadError(f"{path.name} is not a regular file")
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise GitReadError(f"{path.name} is larger than {limit:,} bytes")
    return data


def blob_id(content: bytes) -> str:
    """The id git gives a file with this content (no filters: the bytes as they are)."""
    return hashlib.sha1(b"blob %d\x00" % len(content) + content, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class Commit:
    tree: str
    parents: tuple[str, ...]


@dataclass(frozen=True)
class TreeEntry:
    mode: int
    name: str
    id: str

    @property
    def is_tree(self) -> bool:
        return self.mode == 0o40000

    @property
    def is_symlink(self) -> bool:
        return self.mode == 0o120000

    @property
    def is_file(self) -> bool:
        return self.mode in (0o100644, 0o100755, 0o100664)


class Repository:
    """A git repository's work tree, its git folder and the folder shared by its worktrees."""

    def __init__(self, worktree: Path, gitdir: Path, commondir: Path) -> None:
        self.worktree, self.gitdir, self.commondir = worktree, gitdir, commondir
        self._packs: list[_Pack] | None = None

    # References

    def head(self) -> str:
        """The commit checked out (``HEAD``)."""
        return self._resolve_ref("HEAD")

    def resolve(self, revision: str) -> str:
        """The commit a revision names: a ref, a (short) commit id, then ``~N``/``^N``."""
        found = re.fullmatch(r"([^~^]+)((?:[~^][0-9]*)*)", revision)
        if found is None or len(revision) > 256:
            raise GitReadError(f"unsupported revision {revision!r}")
        commit = self._peel(self._name(found[1]))
        for suffix, count in re.findall(r"([~^])([0-9]*)", found[2]):
            number = int(count) if count else 1
            if number > MAX_HISTORY * 50:
                raise GitReadError(f"revision {revision!r} goes too far back")
            if suffix == "^":
                if number == 0:
                    continue
                parents = self.commit(commit).parents
                if number > len(parents):
                    raise GitReadError(f"revision {revision!r} does not exist")
                commit = parents[number - 1]
            else:
                for _ in range(number):
                    parents = self.commit(commit).parents
                    if not parents:
                        raise GitReadError(f"revision {revision!r} does not exist")
                    commit = parents[0]
        return commit

    def _name(self, name: str) -> str:
        if name == "HEAD":
            return self.head()
        if _SHA_TEXT.fullmatch(name):
            return name
        if _REF_NAME.fullmatch(name) and ".." not in name and not name.endswith(".lock"):
            candidates = [name] if name.startswith("refs/") else [
                f"refs/{name}", f"refs/tags/{name}", f"refs/heads/{name}",
                f"refs/remotes/{name}", f"refs/remotes/{name}/HEAD",
            ]
            for candidate in candidates:
                try:
                    return self._resolve_ref(candidate)
                except GitReadError:
                    continue
        if re.fullmatch(r"[0-9a-f]{4,39}", name):
            return self._expand(name)
        raise GitReadError(f"unknown revision {name!r}")

    def _resolve_ref(self, name: str) -> str:
        for _ in range(MAX_REF_DEPTH):
            value = self._read_ref(name)
            if value.startswith("ref: "):
                name = value[5:].strip()
                if not name.startswith("refs/") or not _REF_NAME.fullmatch(name) or ".." in name:
                    raise GitReadError("HEAD points at a malformed ref")
                continue
            if not _SHA_TEXT.fullmatch(value):
                raise GitReadError(f"{name} is not a commit id")
            return value
        raise GitReadError(f"{name}: too many levels of symbolic refs")

    def _read_ref(self, name: str) -> str:
        # Per-worktree refs (HEAD) live in the git folder, shared ones in the common folder.
        for folder in dict.fromkeys((self.gitdir, self.commondir)):
            path = folder / name
            if path.is_file():
                return read_regular(path, MAX_SMALL_FILE).decode("ascii", "replace").strip()
        packed = self.commondir / "packed-refs"
        if packed.exists():
            for line in read_regular(packed, MAX_PACKED_REFS).splitlines():
                parts = line.split(b" ", 1)
                if len(parts) == 2 and _SHA.fullmatch(parts[0]) and parts[1] == name.encode():
                    return parts[0].decode()
        raise GitReadError(f"no ref {name}")

    def _peel(self, object_id: str) -> str:
        """The commit an id names, through annotated tags."""
        for _ in range(MAX_REF_DEPTH):
            kind, data = self.read_object(object_id)
            if kind == b"commit":
                return object_id
            if kind != b"tag" or not data.startswith(b"object "):
                raise GitReadError(f"{object_id} is not a commit")
            object_id = data[7:47].decode("ascii", "replace")
        raise GitReadError("too many levels of tags")

    def _expand(self, prefix: str) -> str:
        found: set[str] = set()
        folder = self.commondir / "objects" / prefix[:2]
        if folder.is_dir():
            for count, path in enumerate(folder.iterdir()):
                if count > 100_000:
                    break
                name = prefix[:2] + path.name
                if name.startswith(prefix) and _SHA_TEXT.fullmatch(name):
                    found.add(name)
        for pack in self._all_packs():
            found.update(pack.ids_with_prefix(prefix))
        if len(found) != 1:
            raise GitReadError(f"{'ambiguous' if found else 'unknown'} revision {prefix!r}")
        return found.pop()

    # Objects

    def commit(self, commit_id: str) -> Commit:
        kind, data = self.read_object(commit_id)
        if kind != b"commit" or not data.startswith(b"tree "):
            raise GitReadError(f"{commit_id} is not a commit")
        tree, parents = "", []
        for line in data.split(b"\n\n", 1)[0].split(b"\n"):
            if line.startswith(b"tree ") and _SHA.fullmatch(line[5:]):
                tree = line[5:].decode()
            elif line.startswith(b"parent ") and _SHA.fullmatch(line[7:]):
                parents.append(line[7:].decode())
        if not tree:
            raise GitReadError(f"commit {commit_id} names no tree")
        return Commit(tree, tuple(parents))

    def tree(self, tree_id: str) -> list[TreeEntry]:
        kind, data = self.read_object(tree_id)
        if kind != b"tree":
            raise GitReadError(f"{tree_id} is not a tree")
        entries, position = [], 0
        while position < len(data):
            space = data.find(b" ", position)
            nul = data.find(b"\x00", space + 1)
            if space < 0 or nul < 0 or nul + 21 > len(data):
                raise GitReadError(f"tree {tree_id} is malformed")
            try:
                mode = int(data[position:space], 8)
                name = data[space + 1:nul].decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                raise GitReadError(f"tree {tree_id} is malformed") from None
            if name in ("", ".", "..") or "/" in name or "\x00" in name:
                raise GitReadError(f"tree {tree_id} holds the name {name!r}")
            entries.append(TreeEntry(mode, name, data[nul + 1:nul + 21].hex()))
            position = nul + 21
        return entries

    def blob(self, blob_id: str) -> bytes:
        kind, data = self.read_object(blob_id)
        if kind != b"blob":
            raise GitReadError(f"{blob_id} is not a file")
        return data

    def read_object(self, object_id: str) -> tuple[bytes, bytes]:
        """(type, content) of an object, loose or packed, with every limit applied."""
        if not _SHA_TEXT.fullmatch(object_id):
            raise GitReadError(f"malformed object id {object_id!r}")
        budget = _Budget(MAX_INFLATED_PER_READ)
        loose = self.commondir / "objects" / object_id[:2] / object_id[2:]
        if loose.exists():
            return _read_loose(loose, budget)
        for pack in self._all_packs():
            offset = pack.offset_of(object_id)
            if offset is not None:
                return pack.read(offset, budget, self)
        raise GitReadError(f"object {object_id[:12]} is missing")

    def _all_packs(self) -> list[_Pack]:
        if self._packs is None:
            folder = self.commondir / "objects" / "pack"
            names = sorted(folder.glob("pack-*.idx")) if folder.is_dir() else []
            if len(names) > MAX_PACKS:
                raise GitReadError(f"more than {MAX_PACKS} packs")
            self._packs = [_Pack(index) for index in names]
        return self._packs


def find_repository(folder: Path) -> Repository | None:
    """The repository whose work tree holds ``folder``, found the way git finds it.

    ``.git`` may be a folder or a file ``gitdir: PATH`` (a linked worktree or submodule); a
    git folder with ``commondir`` shares its objects and refs with another. No configuration
    or environment variable is read. Raises ``GitReadError`` for a malformed ``.git``.
    """
    folder = folder.resolve()
    for depth, candidate in enumerate((folder, *folder.parents)):
        if depth > MAX_DISCOVERY_DEPTH:
            return None
        dot_git = candidate / ".git"
        if dot_git.is_dir():
            gitdir = dot_git
        elif dot_git.is_file():
            text = read_regular(dot_git, MAX_SMALL_FILE).decode("utf-8", "replace").strip()
            if not text.startswith("gitdir:"):
                raise GitReadError(".git is a file that names no git folder")
            gitdir = Path(os.path.abspath(candidate / text[7:].strip()))
        elif dot_git.exists() or dot_git.is_symlink():
            raise GitReadError(".git is neither a folder nor a file")
        else:
            continue
        commondir = gitdir
        if (gitdir / "commondir").exists():
            shared = read_regular(gitdir / "commondir", MAX_SMALL_FILE)
            commondir = Path(os.path.abspath(gitdir / shared.decode("utf-8", "replace").strip()))
        if not (gitdir / "HEAD").is_file() or not (commondir / "objects").is_dir():
            raise GitReadError(f"{gitdir} is not a git folder")
        return Repository(candidate, gitdir, commondir)
    return None


class _Budget:
    """How many more bytes one read may inflate."""

    def __init__(self, left: int) -> None:
        self.left = left

    def inflate(self, compressed: bytes, size: int, what: str) -> bytes:
        """Exactly ``size`` bytes inflated from ``compressed`` (a zlib stream)."""
        if size > MAX_OBJECT:
            raise GitReadError(f"{what} is {size:,} bytes; the limit is {MAX_OBJECT:,}")
        self.left -= size
        if self.left < 0:
            raise GitReadError(f"{what}: reading it would inflate too many bytes")
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(compressed, size + 1)
        except zlib.error:
            raise GitReadError(f"{what} is not a valid zlib stream") from None
        if len(data) != size:
            raise GitReadError(f"{what} does not hold the size it announces")
        return data


def _read_loose(path: Path, budget: _Budget) -> tuple[bytes, bytes]:
    compressed = read_regular(path, MAX_OBJECT + 4096)
    inflater = zlib.decompressobj()
    try:
        header = inflater.decompress(compressed, 64)
    except zlib.error:
        raise GitReadError(f"object {path.parent.name}{path.name} is damaged") from None
    nul = header.find(b"\x00")
    parts = header[:nul].split(b" ") if nul > 0 else []
    if len(parts) != 2 or parts[0] not in _OBJECT_TYPES.values() or not parts[1].isdigit():
        raise GitReadError(f"object {path.parent.name}{path.name} is damaged")
    size = int(parts[1])
    if size > MAX_OBJECT:
        raise GitReadError(f"an object is {size:,} bytes; the limit is {MAX_OBJECT:,}")
    budget.left -= size
    if budget.left < 0:
        raise GitReadError("reading an object would inflate too many bytes")
    try:
        rest = header[nul + 1:] + inflater.decompress(inflater.unconsumed_tail, size + 1)
    except zlib.error:
        raise GitReadError(f"object {path.parent.name}{path.name} is damaged") from None
    if len(rest) != size:
        raise GitReadError(f"object {path.parent.name}{path.name} is damaged")
    return parts[0], rest


class _Pack:
    """One ``.idx``/``.pack`` pair (index version 2), read on demand."""

    def __init__(self, index_path: Path) -> None:
        self.index_path = index_path
        self.pack_path = index_path.with_suffix(".pack")
        self._index: bytes | None = None

    def _load(self) -> bytes:
        if self._index is None:
            index = read_regular(self.index_path, MAX_INDEX_FILE)
            if len(index) < 8 + 1024 or index[:8] != b"\xfftOc\x00\x00\x00\x02":
                raise GitReadError(f"{self.index_path.name} is not a version-2 pack index")
            count = int.from_bytes(index[8 + 255 * 4:8 + 256 * 4], "big")
            if len(index) < 8 + 1024 + count * 28 + 40:
                raise GitReadError(f"{self.index_path.name} is truncated")
            self.count = count
            self._index = index
        return self._index

    def _id_at(self, index: bytes, position: int) -> bytes:
        start = 8 + 1024 + position * 20
        return index[start:start + 20]

    def _range(self, index: bytes, first_byte: int) -> tuple[int, int]:
        low = int.from_bytes(index[8 + (first_byte - 1) * 4:8 + first_byte * 4], "big") \
            if first_byte else 0
        high = int.from_bytes(index[8 + first_byte * 4:8 + (first_byte + 1) * 4], "big")
        return low, min(high, self.count)

    def offset_of(self, object_id: str) -> int | None:
        index, wanted = self._load(), bytes.fromhex(object_id)
        low, high = self._range(index, wanted[0])
        while low < high:
            middle = (low + high) // 2
            found = self._id_at(index, middle)
            if found == wanted:
                return self._offset(index, middle)
            if found < wanted:
                low = middle + 1
            else:
                high = middle
        return None

    def ids_with_prefix(self, prefix: str) -> set[str]:
        index = self._load()
        low, high = self._range(index, int(prefix[:2], 16))
        found = set()
        for position in range(low, min(high, low + 100_000)):
            name = self._id_at(index, position).hex()
            if name.startswith(prefix):
                found.add(name)
        return found

    def _offset(self, index: bytes, position: int) -> int:
        table = 8 + 1024 + self.count * 24
        value = int.from_bytes(index[table + position * 4:table + position * 4 + 4], "big")
        if value & 0x80000000:
            large = table + self.count * 4 + (value & 0x7FFFFFFF) * 8
            if large + 8 > len(index):
                raise GitReadError(f"{self.index_path.name} is damaged")
            value = int.from_bytes(index[large:large + 8], "big")
        return value

    def read(self, offset: int, budget: _Budget, repository: Repository) -> tuple[bytes, bytes]:
        """The object at ``offset``, its delta chain applied (iteratively, depth-bounded)."""
        deltas: list[bytes] = []
        for _ in range(MAX_DELTA_DEPTH):
            kind, size, data_offset, base = self._header(offset)
            if kind in _OBJECT_TYPES:
                data = self._inflate(data_offset, size, budget)
                for delta in reversed(deltas):
                    data = _apply_delta(data, delta)
                return _OBJECT_TYPES[kind], data
            deltas.append(self._inflate(data_offset, size, budget))
            if kind == _OFS_DELTA:
                assert isinstance(base, int)
                offset = base
            else:
                assert isinstance(base, str)
                found = self.offset_of(base)
                if found is None:  # a base outside this pack may only be a loose object
                    loose = repository.commondir / "objects" / base[:2] / base[2:]
                    if not loose.exists():
                        raise GitReadError(f"object {base[:12]} is missing")
                    kind_name, data = _read_loose(loose, budget)
                    for delta in reversed(deltas):
                        data = _apply_delta(data, delta)
                    return kind_name, data
                offset = found
        raise GitReadError(f"{self.pack_path.name}: a delta chain is deeper than "
                           f"{MAX_DELTA_DEPTH}")

    def _header(self, offset: int) -> tuple[int, int, int, int | str | None]:
        head = self._bytes(offset, 64)
        if not head:
            raise GitReadError(f"{self.pack_path.name} is truncated")
        kind, size, shift, position = (head[0] >> 4) & 7, head[0] & 15, 4, 0
        while head[position] & 0x80:
            position += 1
            if position >= len(head) or shift > 60:
                raise GitReadError(f"{self.pack_path.name} is damaged")
            size |= (head[position] & 0x7F) << shift
            shift += 7
        position += 1
        base: int | str | None = None
        if kind == _OFS_DELTA:
            if position >= len(head):
                raise GitReadError(f"{self.pack_path.name} is damaged")
            byte = head[position]
            distance = byte & 0x7F
            while byte & 0x80:
                position += 1
                if position >= len(head) or distance > 2**60:
                    raise GitReadError(f"{self.pack_path.name} is damaged")
                byte = head[position]
                distance = ((distance + 1) << 7) | (byte & 0x7F)
            position += 1
            if distance <= 0 or distance > offset:
                raise GitReadError(f"{self.pack_path.name} is damaged")
            base = offset - distance
        elif kind == _REF_DELTA:
            if position + 20 > len(head):
                raise GitReadError(f"{self.pack_path.name} is damaged")
            base = head[position:position + 20].hex()
            position += 20
        elif kind not in _OBJECT_TYPES:
            raise GitReadError(f"{self.pack_path.name} holds an unknown object type")
        return kind, size, offset + position, base

    def _bytes(self, offset: int, count: int) -> bytes:
        try:
            descriptor = os.open(self.pack_path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            raise GitReadError(f"cannot read {self.pack_path.name}: {exc.strerror}") from None
        with os.fdopen(descriptor, "rb") as stream:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                raise GitReadError(f"{self.pack_path.name} is not a regular file")
            stream.seek(offset)
            return stream.read(count)

    def _inflate(self, offset: int, size: int, budget: _Budget) -> bytes:
        if size > MAX_OBJECT:
            raise GitReadError(f"an object is {size:,} bytes; the limit is {MAX_OBJECT:,}")
        # zlib never grows data by more than a little: the stream is at most this long.
        compressed = self._bytes(offset, size + size // 100 + 1024)
        return budget.inflate(compressed, size, f"an object in {self.pack_path.name}")


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if position >= len(data) or shift > 63:
            raise GitReadError("a delta is damaged")
        byte = data[position]
        value |= (byte & 0x7F) << shift
        position += 1
        shift += 7
        if not byte & 0x80:
            return value, position


def _apply_delta(base: bytes, delta: bytes) -> bytes:
    try:
        return _apply_delta_unchecked(base, delta)
    except IndexError:
        raise GitReadError("a delta is damaged") from None


def _apply_delta_unchecked(base: bytes, delta: bytes) -> bytes:
    source_size, position = _varint(delta, 0)
    target_size, position = _varint(delta, position)
    if source_size != len(base) or target_size > MAX_OBJECT:
        raise GitReadError("a delta does not fit its base or is too large")
    out = bytearray()
    while position < len(delta):
        command = delta[position]
        position += 1
        if command & 0x80:
            offset = size = 0
            for bit in range(4):
                if command & (1 << bit):
                    offset |= delta[position] << (8 * bit)
                    position += 1
            for bit in range(3):
                if command & (1 << (4 + bit)):
                    size |= delta[position] << (8 * bit)
                    position += 1
            size = size or 0x10000
            if offset + size > len(base):
                raise GitReadError("a delta copies beyond its base")
            out += base[offset:offset + size]
        elif command:
            out += delta[position:position + command]
            position += command
        else:
            raise GitReadError("a delta is damaged")
        if len(out) > target_size:
            raise GitReadError("a delta makes more than it announces")
    if len(out) != target_size:
        raise GitReadError("a delta makes less than it announces")
    return bytes(out)
