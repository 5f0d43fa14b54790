"""``engage init``: a ready workspace, from the starter files in ``templates/workspace``."""

from __future__ import annotations

from pathlib import Path

from engage._resources import data_dir
from engage.errors import WorkspaceError

# Starter file -> where it goes in the new workspace.
STARTER = {
    "engage.yaml": "engage.yaml",
    "clients/example-client.yaml": "clients/example-client.yaml",
    "clauses/README.md": "clauses/README.md",
    "gitignore": ".gitignore",
    "README.md": "README.md",
}


def init_workspace(folder: Path) -> list[Path]:
    """Write a new workspace into ``folder``; refuse if any of its files already exists."""
    if folder.exists() and not folder.is_dir():
        raise WorkspaceError.at(folder, "exists and is not a folder")
    targets = {folder / target: source for source, target in STARTER.items()}
    existing = [str(path) for path in targets if path.exists()]
    if existing:
        raise WorkspaceError.at(
            folder, f"would overwrite {', '.join(existing)}; nothing was written"
        )
    starter = data_dir("templates") / "workspace"
    for target, source in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((starter / source).read_bytes())
    for empty in ("clauses/en", "sent"):
        (folder / empty).mkdir(exist_ok=True)
    return sorted(targets)
