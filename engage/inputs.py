"""What a build reads: one answer, from which everything else that needs it is derived.

``Inputs.of(spec_file)`` resolves a spec into every file a build of it may read, without
parsing anything: the spec, the workspace profile, every clause layer (built-in, the
workspace's, the spec folder's; in any language), the templates, labels (``i18n/``) and fonts,
and the workspace's ``style.css`` and ``assets/``. From it come

- the up-to-date digest (``digest``; ``engage.fresh`` adds the git state),
- the fingerprint's template parts (``template_files``),
- the folders and files the PDF renderer may read (``allowed``): nothing outside the inputs,
- what the preview watches (``folders`` and ``watches``).

So a file the renderer may read is always one the digest covers and the preview watches.
This module stays light (no Pydantic, Jinja or WeasyPrint): the up-to-date check uses it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from engage import __version__
from engage._resources import data_dir
from engage.errors import InputError
from engage.files import open_regular
from engage.kinds import TEMPLATES, AfterKind
from engage.text import read_text
from engage.workspace import PROFILE, STYLESHEET, Workspace, find_workspace, inside, library_roots

KINDS = ("spec", "profile", "clause", "template", "label", "font", "style", "asset")
"""Every kind of input, as ``Input.kind`` names it."""


@dataclass(frozen=True)
class Input:
    """One file a build may read."""

    kind: str
    """One of ``KINDS``."""
    name: str
    """Its name in the digest: ``spec``, ``profile``, ``stylesheet``, ``templates/<path>``,
    ``assets/<path>`` or ``clauses<layer>/<path>``."""
    path: Path
    """Where it is (the spec as given; the others resolved)."""


@dataclass(frozen=True)
class Inputs:
    """Every file a build of ``spec_file`` may read, and the folders they are found in."""

    spec_file: Path
    workspace: Workspace | None
    templates: Path
    """engage's templates, labels and fonts (resolved)."""
    clause_roots: tuple[Path, ...]
    """The clause layers, built-in first (resolved)."""
    stylesheet: Path | None
    """The workspace's ``style.css`` (resolved), if it has one."""
    assets: Path | None
    """The workspace's ``assets/`` folder (resolved), if it has a workspace."""
    files: tuple[Input, ...]

    @classmethod
    def of(cls, spec_file: Path) -> Inputs:
        """Resolve ``spec_file``'s inputs; a link taking a folder out of its home is refused
        (``InputError``), as ``workspace.inside`` does for the renderer."""
        workspace = find_workspace(spec_file.parent)
        templates = data_dir("templates").resolve()
        roots = tuple(library_roots(spec_file, workspace.clauses if workspace else None))
        files = [Input("spec", "spec", spec_file)]
        stylesheet = assets = None
        if workspace is not None:
            files.append(Input("profile", "profile", workspace.profile.resolve()))
            if workspace.stylesheet is not None:
                stylesheet = inside(workspace.stylesheet, workspace.root)
                files.append(Input("style", "stylesheet", stylesheet))
            assets = inside(workspace.root / "assets", workspace.root)
        trees: list[tuple[str, Path]] = [("templates", templates)]
        if assets is not None:
            trees.append(("assets", assets))
        trees += [(f"clauses{index}", root) for index, root in enumerate(roots)]
        for label, folder in trees:
            for path in _files_under(folder):
                relative = path.relative_to(folder)
                files.append(Input(_kind(label, relative), f"{label}/{relative}", path))
        return cls(spec_file, workspace, templates, roots, stylesheet, assets, tuple(files))

    def digest(self) -> str:
        """SHA-256 over the engage version and every input's name and bytes."""
        digest = hashlib.sha256(f"engage {__version__}\n".encode())
        for item in self.files:
            digest.update(f"{item.name}\n".encode())
            if item.kind in ("spec", "profile"):
                # As the build will read them: bounded, regular files only, refused with a
                # SpecError.
                digest.update(hashlib.sha256(read_text(item.path).encode("utf-8")).digest())
            else:
                with open(open_regular(item.path, "file", InputError), "rb") as stream:
                    digest.update(hashlib.file_digest(stream, "sha256").digest())
        return digest.hexdigest()

    def template_files(
        self, language: str, *, workspace_style: bool = True, after: AfterKind | None = None
    ) -> dict[str, bytes]:
        """The fingerprint's ``template:`` parts for a document in ``language``: the
        templates, its labels, the fonts, (``workspace_style``) the workspace's stylesheet
        and assets, and for a document written after signing (``after``) its own template,
        stylesheet and labels."""
        names = ["document.html.j2", "tables.html.j2", "style.css", f"i18n/{language}.yaml"]
        if after is not None:
            names += ["after.css", "after-base.html.j2", TEMPLATES[after],
                      f"i18n/after/{language}.yaml"]
        names += sorted(
            item.name.removeprefix("templates/")
            for item in self.files
            if item.kind == "font" and item.path.suffix == ".ttf"
        )
        files = {name: (self.templates / name).read_bytes() for name in names}
        if workspace_style and self.stylesheet is not None:
            files["workspace/style.css"] = self.stylesheet.read_bytes()
            # What the stylesheet may load (a logo, a font) is part of the document too.
            for item in self.files:
                if item.kind == "asset":
                    files[f"workspace/{item.name}"] = item.path.read_bytes()
        return files

    def allowed(self) -> list[Path]:
        """The folders and files the renderer may read: all inputs, nothing else (the
        workspace's assets only with its stylesheet, the one thing that can name them)."""
        allowed = [self.templates, *self.clause_roots]
        if self.stylesheet is not None and self.assets is not None:
            allowed += [self.stylesheet, self.assets]
        return allowed

    @property
    def sources(self) -> list[Path]:
        """The spec and the profile merged under it: the YAML the build loads."""
        return [item.path.resolve() for item in self.files if item.kind in ("spec", "profile")]

    def _trees(self) -> list[Path]:
        """Folders all of whose files are inputs (new ones included)."""
        return [self.templates, *self.clause_roots, *([self.assets] if self.assets else [])]

    def _candidates(self) -> set[Path]:
        """Files and folders that become inputs when they appear."""
        folder = self.spec_file.resolve().parent
        found = {folder / "clauses", folder / PROFILE}
        if self.workspace is not None:
            root = self.workspace.root.resolve()
            found |= {root / PROFILE, root / STYLESHEET, root / "assets", root / "clauses"}
        return found

    def watches(self, path: Path) -> bool:
        """Whether a change at ``path`` (a changed, added or removed file) changes the build."""
        known = {item.path for item in self.files} | {self.spec_file.resolve()}
        if path in known or path in self._candidates():
            return True
        return any(path.is_relative_to(tree) for tree in self._trees())

    def folders(self) -> list[Path]:
        """The folders to watch (each on its own, not recursively) to see every change
        ``watches`` counts."""
        found = {item.path.parent for item in self.files} | {self.spec_file.resolve().parent}
        found |= {candidate.parent for candidate in self._candidates()}
        for tree in self._trees():
            if tree.is_dir():
                found.add(tree)
                found.update(path for path in tree.rglob("*") if path.is_dir())
        return sorted(folder for folder in found if folder.is_dir())


def _files_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    ]


def _kind(tree: str, relative: Path) -> str:
    if tree.startswith("clauses"):
        return "clause"
    if tree == "assets":
        return "asset"
    top = relative.parts[0]
    return {"i18n": "label", "fonts": "font"}.get(top, "template")
