"""``engage send``: build the terms you are about to send into ``sent/``, from committed terms.

The PDF records the git commit that holds its terms (see ``engage.workspace.git_state``), so
what was sent can always be found again in the history. ``send`` makes that hold by
construction: it refuses terms that are not committed yet, and never replaces a PDF that is
already in ``sent/`` (a sent document is a record, not a build product).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from engage.build import Built, Prepared, build, plan
from engage.errors import OutputPathError, WorkspaceError
from engage.workspace import GitState, find_workspace, git_state

SENT = "sent"
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


@dataclass(frozen=True)
class Sent:
    built: Built[Prepared]
    state: GitState


def send(spec_file: Path, output: Path | None = None) -> Sent:
    """Build ``spec_file`` into ``output`` (default ``sent/REFERENCE.pdf`` in the workspace)."""
    state = git_state(spec_file)
    if state is None:
        raise WorkspaceError.at(
            spec_file, "not in a git repository engage can read; send records the commit that "
            "holds the terms (engage build makes a draft anywhere)"
        )
    if state.dirty:
        shown = ", ".join(state.changed[:3]) + (" ..." if len(state.changed) > 3 else "")
        raise WorkspaceError.at(
            spec_file, f"commit the terms before sending them; not committed: {shown}"
        )
    output = output or _default_output(spec_file)
    if output.exists() or output.is_symlink():
        raise OutputPathError.at(output, "already exists; a sent PDF is never replaced")
    built = build(spec_file, output, force=True)
    return Sent(built, state)


def _default_output(spec_file: Path) -> Path:
    """``sent/REFERENCE.pdf`` in the workspace (made if git left it out, being empty)."""
    workspace = find_workspace(spec_file.parent)
    folder = (workspace.root if workspace else spec_file.resolve().parent) / SENT
    reference = plan(spec_file).spec.reference
    name = reference if _FILE_NAME.fullmatch(reference) else spec_file.stem
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        # A received repository could point sent/ anywhere on this machine.
        raise OutputPathError.at(folder, "is not a folder of the workspace; give -o")
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise OutputPathError.at(folder, f"cannot make the folder: {exc.strerror}") from None
    return folder / f"{name}.pdf"
