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

A workspace clause can change only some named parts of a built-in one (a small delta that
keeps receiving the library's fixes to every other part)::

    ---
    extends: payment        # the clause it builds on; its front matter is the default
    based_on: sha256:...    # the checksum of that clause's file, for `engage clauses outdated`
    ---
    {% block late_payment %}**Late payment.** Our own wording.{% endblock %}

The body of such a clause holds only ``{% block name %}`` parts, each replacing the base's
part of that name (``{{ super() }}`` prints the base's); anything else is an error.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from jinja2 import TemplateSyntaxError, nodes
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from engage._resources import data_dir
from engage.errors import ClauseError
from engage.load import Document, load_yaml, merge
from engage.models import Flag, Ident, Text, Whole
from engage.sandbox import Sandbox, did_you_mean, located
from engage.text import read_text
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
    extends: Ident | None = None
    """Id of a clause of an earlier library (the built-in one) that this one builds on: its
    body then only replaces named parts (`{% block name %}`), and the rest of its front
    matter defaults to the base's."""
    based_on: str | None = Field(default=None, pattern=r"^sha256:[0-9a-f]{64}$")
    """Checksum (`sha256:` and 64 hex digits) of the built-in clause file this one was copied
    from or extends, so that `engage clauses outdated` can tell when the base has changed."""


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
    front: Document | None = None
    """The front matter as loaded (merged over the base's, for a clause that extends one)."""
    base: Clause | None = None
    """The clause this one extends."""

    @property
    def full_source(self) -> str:
        """The file, followed by the file of every clause it extends: all that makes it."""
        if self.base is None:
            return self.source
        return f"{self.source}\n<!-- extends {self.base.id} -->\n{self.base.full_source}"

    def part_names(self) -> set[str]:
        """The names of the parts (``{% block %}``) of this clause and of its bases."""
        names = {block.name for block in _parse(self).find_all(nodes.Block)}
        return names | (self.base.part_names() if self.base else set())


def checksum(text: str) -> str:
    """The checksum a clause records in ``based_on``."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


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
        below = dict(library)
        for path in sorted(folder.glob("*.md")):
            clause = read_clause(path, root, below)
            library[clause.id] = clause
    return library


def read_clause(path: Path, root: Path, below: dict[str, Clause] | None = None) -> Clause:
    """Read one clause file, refusing links out of its library.

    ``below``: the clauses of the earlier libraries, which a clause may extend.
    """
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
    base = _base(front, below or {})
    merged = front if base is None or base.front is None else merge(base.front, front)
    meta = parse_model(merged, ClauseMeta, {}, ClauseError)
    when = merged.keys.get(("when",))
    body = "\n".join(lines[end + 1 :])
    clause = Clause(
        clause_id, meta, body, path, end + 2, text, when.line if when else None, merged, base
    )
    if base is not None:
        _check_parts(clause, base)
    return clause


def _base(front: Document, below: dict[str, Clause]) -> Clause | None:
    """The clause that the front matter's ``extends:`` names, if any."""
    if not isinstance(front.data, dict) or "extends" not in front.data:
        return None
    base_id = front.data["extends"]
    if isinstance(base_id, str) and base_id in below:
        return below[base_id]
    mark = front.mark_for(("extends",))
    message = did_you_mean(
        f"extends: there is no clause {base_id!r} in the libraries below this one to extend",
        str(base_id),
        below,
    )
    raise ClauseError.at(front.file, message, mark.line, mark.col)


def _parse(clause: Clause) -> nodes.Template:
    try:
        return Sandbox().parse(clause.body)
    except TemplateSyntaxError as exc:
        raise located(exc, clause.file, clause.body_line - 1) from None


def _check_parts(clause: Clause, base: Clause) -> None:
    """A clause that extends another holds only parts that the base has."""
    names = base.part_names()
    for node in _parse(clause).body:
        line = clause.body_line + node.lineno - 1
        if isinstance(node, nodes.Block):
            if node.name not in names:
                message = f"the clause {base.id!r} has no part named {node.name!r}"
                suggested = did_you_mean(message, node.name, names)
                if suggested != message:
                    message = suggested
                elif names:
                    message += f"; its parts are: {', '.join(sorted(names))}"
                else:
                    message += "; it has no named parts"
                raise ClauseError.at(clause.file, message, line)
        elif not _blank(node):
            raise ClauseError.at(
                clause.file,
                f"a clause that extends {base.id!r} holds only {{% block name %}} parts: "
                "anything outside them would not be printed",
                line,
            )


def _blank(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Output) and all(
        isinstance(part, nodes.TemplateData) and not part.data.strip() for part in node.nodes
    )


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


def clause_here(start: Path, language: str, clause_id: str) -> Clause:
    """Clause ``clause_id`` as it applies at ``start``."""
    library = _library_here(start, language)
    if clause_id not in library:
        message = f"no clause {clause_id!r} in language {language!r}"
        raise ClauseError.at(clause_id, did_you_mean(message, clause_id, library))
    return library[clause_id]


def clause_text(start: Path, language: str, clause_id: str) -> str:
    """The file of clause ``clause_id`` as it applies at ``start``."""
    return clause_here(start, language, clause_id).source


def is_builtin(clause: Clause) -> bool:
    """Whether ``clause`` is one of engage's own."""
    return clause.file.resolve().is_relative_to(data_dir("clauses").resolve())
