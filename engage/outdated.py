"""``engage clauses outdated``: workspace clauses built on a built-in one that has changed.

A workspace clause copied from a built-in one (same id) or extending one (``extends:``)
records the checksum of the built-in file it was based on (``based_on: sha256:…``, written
by ``engage clauses show ID -o FILE``). When the built-in file no longer has that checksum, the
library has changed under the firm's clause (perhaps a legal fix), and the firm should look.

The texts of earlier built-in clauses are kept in ``clauses/history/<sha256>.txt``, so that the
difference shown is what the library changed; for a base not found there, it is the
difference between the firm's clause and today's built-in one.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from engage._resources import data_dir
from engage.clauses import Clause, checksum, languages, load_library
from engage.workspace import find_workspace, library_roots

HISTORY = "history"
"""Folder of the built-in library holding the earlier texts of its clauses."""


@dataclass(frozen=True)
class Outdated:
    clause: Clause
    base: Clause
    """Today's built-in clause it is based on."""
    message: str
    difference: str
    """A unified diff, or "" when there is nothing to compare."""


def outdated(start: Path) -> list[Outdated]:
    """The workspace clauses that apply at ``start`` whose built-in base has changed."""
    workspace = find_workspace(start)
    # The libraries a spec in ``start`` would use.
    roots = library_roots(start / "spec.yaml", workspace.clauses if workspace else None)
    builtin_root = data_dir("clauses")
    found = []
    for language in sorted(languages(roots)):
        builtin = load_library([builtin_root], language)
        for clause in load_library(roots, language).values():
            if clause.file.resolve().is_relative_to(builtin_root.resolve()):
                continue
            base = _builtin_base(clause, builtin)
            if base is not None:
                found += _check(clause, base, builtin_root)
    return found


def _builtin_base(clause: Clause, builtin: dict[str, Clause]) -> Clause | None:
    layer = clause
    while layer.base is not None:
        layer = layer.base
    if layer is not clause:
        return builtin.get(layer.id)
    return builtin.get(clause.id)


def _check(clause: Clause, base: Clause, builtin_root: Path) -> list[Outdated]:
    now = checksum(base.source)
    recorded = clause.meta.based_on
    how = "extends" if clause.meta.extends else "replaces"
    if recorded == now:
        return []
    if recorded is None:
        message = (
            f"{how} the built-in {base.id!r} but does not record which version (add "
            f"`based_on: {now}` once it is up to date)"
        )
        if clause.meta.extends:
            return [Outdated(clause, base, message, "")]
        return [Outdated(clause, base, message, _diff(clause.source, base.source,
                                                      str(clause.file), f"built-in {base.id}"))]
    earlier = builtin_root / HISTORY / f"{recorded.removeprefix('sha256:')}.txt"
    if earlier.is_file():
        message = (
            f"{how} the built-in {base.id!r}, which has changed since (based on {recorded[:19]}…, "
            f"now {now[:19]}…); what changed in it:"
        )
        old = earlier.read_text(encoding="utf-8")
        difference = _diff(old, base.source, f"built-in {base.id} then", f"built-in {base.id} now")
        return [Outdated(clause, base, message, difference)]
    message = (
        f"{how} the built-in {base.id!r}, which has changed since (based on {recorded[:19]}…, "
        f"a version this engage does not know); the difference from today's:"
    )
    difference = _diff(clause.source, base.source, str(clause.file), f"built-in {base.id}")
    return [Outdated(clause, base, message, difference)]


def _diff(old: str, new: str, old_name: str, new_name: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), old_name, new_name
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def with_based_on(clause: Clause) -> str:
    """The text of a built-in ``clause``, recording its checksum, to start a workspace copy."""
    first, rest = clause.source.split("\n", 1)
    return f"{first}\nbased_on: {checksum(clause.source)}\n{rest}"


def extension(clause: Clause) -> str:
    """The start of a workspace clause that extends the built-in ``clause``: each of its
    parts, as it is today, ready to be edited or deleted."""
    lines = ["---", f"extends: {clause.id}", f"based_on: {checksum(clause.source)}", "---"]
    names = sorted(clause.part_names())
    lines.append(
        "{# Keep only the parts you change; the others follow the built-in clause. "
        f"Its parts: {', '.join(names)}. #}}"
    )
    return "\n".join(lines) + "\n" + "".join(_part_sources(clause))


def _part_sources(clause: Clause) -> list[str]:
    """The source of each ``{% block %}`` part of the clause, as written."""
    pattern = re.compile(r"\{%-?\s*block\s+(\w+)\s*-?%\}.*?\{%-?\s*endblock\s*-?%\}", re.DOTALL)
    return [match[0] + "\n" for match in pattern.finditer(clause.body)]
