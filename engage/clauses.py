"""The clause library: Markdown files with YAML front matter, one per clause, per language.

A library is a folder holding ``<language>/<id>.md`` files. Libraries are layered: the
built-in one first, then a ``clauses/`` folder next to the spec; a later layer's clause
replaces an earlier one with the same id, or adds a new one.

A clause file::

    ---
    title: Payment          # required
    order: 60               # sort key (default 500); clauses are numbered in this order
    when: payment.deposit   # a Jinja expression; the clause is used only when it is true
    optional: true          # used only when the spec lists it under `clauses.add`
    onerous: "no set-off"   # what makes it onerous: listed for specific approval (IT, RO law)
    ---
    Markdown body with {{ jinja }} expressions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from engage._resources import data_dir
from engage.errors import ClauseError
from engage.load import load_yaml, read_text
from engage.models import Flag, Text, Whole
from engage.validate import parse_model
from engage.workspace import find_workspace, library_roots

MAX_CLAUSE_BYTES = 100_000
_CLAUSE_ID = re.compile(r"[a-z][a-z0-9-]*")


def _onerous(value: Any) -> bool | str:
    """``true``/``false`` (any spelling Flag accepts), or the summary of the onerous content."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "false", "no"):
        return value.strip().lower() in ("true", "yes")
    if not isinstance(value, str) or not value.strip() or len(value) > 1000:
        raise ValueError("write true, false, or what makes the clause onerous (at most 1000 "
                         "characters)")
    return " ".join(value.split())


class ClauseMeta(BaseModel):
    """A clause's front matter."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    title: Text
    """Title printed after the clause number."""
    order: Whole = 500
    """Sort key; clauses are numbered in this order, then by id."""
    when: str | None = Field(default=None, max_length=500)
    """Jinja expression: the clause is used only when it is true for the spec."""
    optional: Flag = False
    """Used only when the spec lists the clause under `clauses.add`."""
    onerous: Annotated[bool | str, BeforeValidator(_onerous)] = False
    """What makes the clause onerous, in a few words (a Jinja template, like the body; an
    empty result means not onerous for this spec), or just true. Onerous clauses need the
    client's specific written approval under Italian and Romanian law."""


@dataclass(frozen=True)
class Clause:
    id: str
    meta: ClauseMeta
    body: str
    file: Path
    body_line: int
    """1-based line of the file on which the body starts."""
    source: str
    """The whole file, as written."""
    when_line: int | None = None
    """Line of the `when:` condition, for its errors."""


def languages(roots: list[Path]) -> set[str]:
    """Languages the built-in library (the first root) is written in."""
    return {path.name for path in roots[0].iterdir() if path.is_dir() and any(path.glob("*.md"))}


def load_library(roots: list[Path], language: str) -> dict[str, Clause]:
    """Every clause for ``language``, later roots replacing earlier ones by id."""
    library: dict[str, Clause] = {}
    for root in roots:
        folder = root / language
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.md")):
            clause = read_clause(path, root)
            library[clause.id] = clause
    return library


def read_clause(path: Path, root: Path) -> Clause:
    """Read one clause file, refusing links out of its library."""
    if not path.resolve().is_relative_to(root.resolve()):
        raise ClauseError.at(path, "the clause file links to a place outside its library")
    clause_id = path.stem
    if not _CLAUSE_ID.fullmatch(clause_id):
        raise ClauseError.at(
            path, "a clause file name must be lower-case letters, digits and '-', then .md"
        )
    text = read_text(path, "clause", MAX_CLAUSE_BYTES, ClauseError)
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise ClauseError.at(path, "a clause starts with a '---' line, then its front matter", 1, 1)
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.rstrip() == "---")
    except StopIteration:
        raise ClauseError.at(path, "the front matter has no closing '---' line", 1, 1) from None
    # Blank first line keeps the YAML's line numbers equal to the file's.
    front = load_yaml(path, "\n" + "\n".join(lines[1:end]), ClauseError)
    meta = parse_model(front, ClauseMeta, {}, ClauseError)
    when = front.keys.get(("when",))
    body = "\n".join(lines[end + 1 :])
    return Clause(clause_id, meta, body, path, end + 2, text, when.line if when else None)


def _library_here(start: Path, language: str) -> dict[str, Clause]:
    workspace = find_workspace(start)
    roots = library_roots(None, workspace.clauses if workspace else None)
    if language not in languages(roots):
        raise ClauseError.at(
            roots[0], f"no clauses in language {language!r}; use one of: "
            f"{', '.join(sorted(languages(roots)))}"
        )
    return load_library(roots, language)


def clause_rows(start: Path, language: str) -> list[str]:
    """One line per clause that applies at ``start``: id, title, onerous, and origin."""
    builtin = data_dir("clauses").resolve()
    rows = []
    for clause in sorted(_library_here(start, language).values(),
                         key=lambda clause: (clause.meta.order, clause.id)):
        origin = "built-in" if clause.file.resolve().is_relative_to(builtin) else str(clause.file)
        flags = ", ".join(
            flag for flag, on in (("onerous", bool(clause.meta.onerous)),
                                  ("optional", clause.meta.optional)) if on
        )
        rows.append(f"{clause.id:<24} {clause.meta.title:<44} {flags:<18} {origin}".rstrip())
    return rows


def clause_text(start: Path, language: str, clause_id: str) -> str:
    """The file of clause ``clause_id`` as it applies at ``start``."""
    library = _library_here(start, language)
    if clause_id not in library:
        raise ClauseError.at(clause_id, f"no clause {clause_id!r} in language {language!r}")
    return library[clause_id].source
