"""Workspaces: a folder with ``engage.yaml`` (the firm's profile and defaults) and its own
``clauses/``, found by walking up from a spec.

A client spec then carries only what is specific to that client: values merge spec over
profile over the models' defaults, and every value keeps the file and line it came from.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engage import codecache
from engage._resources import data_dir
from engage.errors import InputError
from engage.gitread import (
    MAX_HISTORY,
    MAX_OBJECT,
    GitReadError,
    Repository,
    TreeEntry,
    blob_id,
    find_repository,
    read_regular,
)

if TYPE_CHECKING:
    from engage.load import Document

PROFILE = "engage.yaml"
STYLESHEET = "style.css"
MAX_INPUT_FILES = 20_000
MAX_INPUT_DEPTH = 32


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def profile(self) -> Path:
        return self.root / PROFILE

    @property
    def clauses(self) -> Path:
        return self.root / "clauses"

    @property
    def stylesheet(self) -> Path | None:
        """The firm's extra CSS, laid over the built-in style."""
        path = self.root / STYLESHEET
        return path if path.is_file() else None


def find_workspace(start: Path) -> Workspace | None:
    """The nearest folder at or above ``start`` holding ``engage.yaml``."""
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        if (candidate / PROFILE).is_file():
            return Workspace(candidate)
    return None


def load_spec(spec_file: Path, workspace: Workspace | None) -> Document:
    """The spec laid over the workspace profile, if there is one."""
    from engage.load import load_yaml, merge  # here: the up-to-date check needs no YAML parser

    spec = load_yaml(spec_file)
    if workspace is None or workspace.profile.resolve() == spec_file.resolve():
        return spec
    return merge(load_yaml(workspace.profile), spec)


def library_roots(spec_file: Path | None, workspace_clauses: Path | None = None) -> list[Path]:
    """The clause libraries that apply: built-in, the workspace's, the spec's folder's."""
    roots = [data_dir("clauses").resolve()]
    candidates = [workspace_clauses]
    if spec_file is not None:
        candidates.append(spec_file.resolve().parent / "clauses")
    for folder in candidates:
        if folder is not None and folder.is_dir() and folder.resolve() not in roots:
            roots.append(inside(folder, folder.parent))
    return roots


def inside(path: Path, home: Path) -> Path:
    """``path`` resolved, refused if a link takes it out of ``home`` (the folder holding it):
    what the renderer and preview may read must not be widened by a link."""
    resolved = path.resolve()
    if not resolved.is_relative_to(home.resolve()):
        raise InputError.at(
            path, f"links to {resolved}, outside {home}; engage does not follow it there"
        )
    return resolved


@dataclass(frozen=True)
class GitState:
    """Where the build's inputs stand in git."""

    commit: str
    """The oldest commit, going back from HEAD, that holds the inputs as HEAD holds them."""
    dirty: bool
    """Whether an input in the work tree differs from HEAD (changed, added or removed)."""
    changed: tuple[str, ...] = ()
    """The inputs that differ from HEAD, as paths in the repository."""


def git_state(spec_file: Path) -> GitState | None:
    """The commit that holds ``spec_file``'s build inputs, read without running git.

    Only the inputs count (the spec, the profile, ``style.css``, the clause folders and
    ``assets/``), so copying the PDF into ``sent/`` and committing it changes nothing: the
    commit recorded is the first one, back from HEAD, whose inputs are those of HEAD. Files
    are compared as bytes (no filters, no index), so a file git would see as unchanged after
    a clean filter counts as changed. ``None`` when the spec is not in a readable repository.
    """
    try:
        repository = find_repository(spec_file.parent)
        if repository is None:
            return None
        paths = _input_paths(spec_file, repository.worktree.resolve())
        head = repository.head()
        working = _working_ids(repository.worktree, paths)
        committed = _committed_ids(repository, head, paths)
        changed = tuple(sorted(
            name for name in {*working, *committed} if working.get(name) != committed.get(name)
        ))
        dirty, commit = bool(changed), head
        if not dirty:
            inputs = _input_entries(repository, head, paths)

            def oldest() -> str:
                commit = head
                for _ in range(MAX_HISTORY):
                    parents = repository.commit(commit).parents
                    if not parents or _input_entries(repository, parents[0], paths) != inputs:
                        break
                    commit = parents[0]
                return commit

            # Walking the history is most of an up-to-date check in a long-lived repository;
            # the answer depends on nothing but HEAD (which fixes all its history) and paths.
            def holds_them(found: str) -> bool:
                if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", found):
                    return False
                try:
                    return _input_entries(repository, found, paths) == inputs
                except GitReadError:
                    return False

            commit = codecache.text(
                ("oldest commit holding the inputs", head, *paths), oldest, holds_them
            ) or head
        return GitState(commit, dirty, changed)
    except (GitReadError, OSError, UnicodeError, RuntimeError):  # RuntimeError: a link loop
        return None


def _input_paths(spec_file: Path, worktree: Path) -> list[str]:
    """The build's inputs (files and folders) inside the work tree, as paths relative to it."""
    workspace = find_workspace(spec_file.parent)
    candidates = [spec_file.resolve(), spec_file.resolve().parent / "clauses"]
    if workspace is not None:
        candidates += [workspace.profile, workspace.clauses, workspace.root / STYLESHEET,
                       workspace.root / "assets"]
    paths = []
    for path in candidates:
        try:
            paths.append(path.resolve().relative_to(worktree).as_posix())
        except ValueError:  # outside the repository
            continue
    return sorted(set(paths))


def _working_ids(worktree: Path, paths: list[str]) -> dict[str, str]:
    """Path -> blob id of every file at or under ``paths`` in the work tree."""
    found: dict[str, str] = {}
    visited = [0]

    def visit(path: Path, name: str, depth: int = 0) -> None:
        _count(visited, depth)
        if path.is_symlink():
            found[name] = blob_id(os.fsencode(os.readlink(path)))
        elif path.is_dir():
            for child in sorted(path.iterdir()):
                if child.name != "__pycache__":
                    visit(child, f"{name}/{child.name}", depth + 1)
        elif path.exists():
            found[name] = blob_id(read_regular(path, MAX_OBJECT))

    for name in paths:
        visit(worktree / name, name)
    return found


def _committed_ids(repository: Repository, commit: str, paths: list[str]) -> dict[str, str]:
    """Path -> blob id of every file at or under ``paths`` in ``commit``."""
    found: dict[str, str] = {}
    visited = [0]

    def visit(entry: TreeEntry, name: str, depth: int = 0) -> None:
        _count(visited, depth)
        if entry.is_tree:
            for child in repository.tree(entry.id):
                if child.name != "__pycache__":
                    visit(child, f"{name}/{child.name}", depth + 1)
        else:
            found[name] = entry.id if entry.is_file or entry.is_symlink else "other"

    for name, entry in _input_entries(repository, commit, paths).items():
        if entry is not None:
            visit(entry, name)
    return found


def _count(visited: list[int], depth: int) -> None:
    """Bound a walk through input folders: entries seen (a tree may repeat one subtree many
    times) and depth."""
    visited[0] += 1
    if visited[0] > MAX_INPUT_FILES or depth > MAX_INPUT_DEPTH:
        raise GitReadError("the input folders hold too many files or are nested too deep")


def _input_entries(
    repository: Repository, commit: str, paths: list[str]
) -> dict[str, TreeEntry | None]:
    """Path -> its tree entry in ``commit`` (a folder stands for all it holds)."""
    root = repository.commit(commit).tree
    entries: dict[str, TreeEntry | None] = {}
    for path in paths:
        entry: TreeEntry | None = TreeEntry(0o40000, "", root)
        for part in path.split("/"):
            if entry is None or not entry.is_tree:
                entry = None
                break
            entry = next((e for e in repository.tree(entry.id) if e.name == part), None)
        entries[path] = entry
    return entries
