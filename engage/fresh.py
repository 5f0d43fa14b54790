"""Is a PDF up to date? Answered from the input files' bytes, without parsing anything.

The digest covers the engage version, the spec and workspace profile as written, every
clause file of every library that applies (in any language), every template, label,
stylesheet, font and asset file, and the inputs' git state (the commit holding them, dirty or
not). It is a superset of the fingerprint's inputs and metadata, so a PDF whose digest
matches needs no rendering; it is stored as the PDF's file identifier, which
``engage.embed.read_identifier`` reads from the file's last bytes. This module stays light
(no Pydantic, Jinja or WeasyPrint) so that an up-to-date build returns at once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from engage import __version__
from engage._resources import data_dir
from engage.embed import read_identifier
from engage.errors import EngageError, InputError
from engage.files import open_regular
from engage.load import read_text
from engage.workspace import find_workspace, git_state, inside, library_roots


def inputs_digest(spec_file: Path) -> str:
    """SHA-256 over every file a build of ``spec_file`` may read."""
    workspace = find_workspace(spec_file.parent)
    files: list[tuple[str, Path]] = [("spec", spec_file)]
    folders = [("templates", data_dir("templates"))]
    if workspace is not None:
        files.append(("profile", workspace.profile))
        if workspace.stylesheet is not None:
            files.append(("stylesheet", workspace.stylesheet))
        folders.append(("assets", inside(workspace.root / "assets", workspace.root)))
    roots = library_roots(spec_file, workspace.clauses if workspace else None)
    folders += [(f"clauses{index}", root) for index, root in enumerate(roots)]
    for label, folder in folders:
        if folder.is_dir():
            files += [
                (f"{label}/{path.relative_to(folder)}", path)
                for path in sorted(folder.rglob("*"))
                if path.is_file() and "__pycache__" not in path.parts
            ]
    digest = hashlib.sha256(f"engage {__version__}\n".encode())
    for name, path in files:
        digest.update(f"{name}\n".encode())
        if name in ("spec", "profile"):
            # As the build will read them: bounded, regular files only, refused with a SpecError.
            digest.update(hashlib.sha256(read_text(path).encode("utf-8")).digest())
        else:
            with open(open_regular(path, "file", InputError), "rb") as stream:
                digest.update(hashlib.file_digest(stream, "sha256").digest())
    # The git state goes into the PDF's metadata: a commit of the inputs makes it out of date.
    state = git_state(spec_file)
    digest.update(f"git {state.commit} {state.dirty}\n".encode() if state else b"no git\n")
    return digest.hexdigest()


def is_fresh(output: Path, digest: str) -> bool:
    """Whether ``output`` is a PDF engage built from inputs with this digest."""
    return read_identifier(output) == digest


def fresh_pdf(spec_file: Path, output: Path | None) -> Path | None:
    """The PDF for ``spec_file`` at ``output`` (default: next to it) if it is up to date."""
    output = output or spec_file.with_suffix(".pdf")
    try:
        if output.resolve() == spec_file.resolve() or not output.is_file():
            return None
        return output if is_fresh(output, inputs_digest(spec_file)) else None
    except (OSError, EngageError):  # not readable: the build itself reports why
        return None
