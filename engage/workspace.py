"""Workspaces: a folder with ``engage.yaml`` (the firm's profile and defaults) and its own
``clauses/``, found by walking up from a spec.

A client spec then carries only what is specific to that client: values merge spec over
profile over the models' defaults, and every value keeps the file and line it came from.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from engage._resources import data_dir
from engage.errors import InputError
from engage.load import Document, load_yaml, merge

PROFILE = "engage.yaml"
STYLESHEET = "style.css"


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
    commit: str
    dirty: bool


def git_state(folder: Path) -> GitState | None:
    """The commit checked out in ``folder`` and whether the work tree has changes."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(folder), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return GitState(commit, bool(status.strip())) if commit else None
