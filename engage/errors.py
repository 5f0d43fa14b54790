"""Every failure engage reports to a user.

One hierarchy, so that the CLI maps errors to a message and an exit code in one place::

    EngageError                 anything engage reports; carries the file and line
    ├── InputError              the user's input is wrong (exit code 2)
    │   ├── SpecError           the spec cannot be read or is invalid (may hold many problems)
    │   ├── ReviewError         the review of the terms failed (engage check; see review.py)
    │   ├── ClauseError         a clause or template is malformed, fails, or refers to nothing
    │   ├── OutputPathError     the output path cannot be used (same as the spec, a folder, ...)
    │   ├── SourceError         a PDF holds no engage source, or a damaged one
    │   ├── WorkspaceError      a workspace cannot be created, or a git revision not read
    │   └── SigningError        a key cannot be used, or a PDF cannot be signed as asked
    └── BuildError              the build failed for another reason (exit code 1)
        ├── RenderError         WeasyPrint failed, or the document asked for a forbidden file
        └── WriteError          the PDF could not be written

Every message is one line per problem, shaped ``file:line:col: field.path: message``
(line, column and field path left out where they do not apply).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Line breaks, control and bidirectional characters: escaped, so that a problem is always one
# line and a terminal shows it as written, whatever a file name or an exception holds.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input file, at one place."""

    file: Path | str
    message: str
    line: int | None = None
    col: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = str(self.file)
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        parts = [where]
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return _UNPRINTABLE.sub(lambda found: repr(found[0])[1:-1], ": ".join(parts))


class EngageError(Exception):
    """Base of every error engage reports to its user."""

    exit_code = 1

    def __init__(self, *problems: Problem) -> None:
        if not problems:
            raise ValueError("an EngageError needs at least one problem")
        self.problems: tuple[Problem, ...] = problems
        super().__init__("\n".join(str(problem) for problem in problems))

    def __reduce__(self) -> tuple[type[EngageError], tuple[Problem, ...]]:
        # Errors cross from the renderer and batch processes intact.
        return (type(self), self.problems)

    @classmethod
    def at(
        cls,
        file: Path | str,
        message: str,
        line: int | None = None,
        col: int | None = None,
        field: str | None = None,
    ) -> EngageError:
        """Build the error for a single problem."""
        return cls(Problem(file, message, line, col, field))

    @property
    def file(self) -> Path | str:
        return self.problems[0].file

    @property
    def line(self) -> int | None:
        return self.problems[0].line


class InputError(EngageError):
    """The user's input is wrong; fixing the input fixes the build."""

    exit_code = 2


class SpecError(InputError):
    """The spec cannot be read, or does not validate."""


class ReviewError(InputError):
    """``engage check`` found errors in the terms (or warnings, with ``--strict``)."""


class ClauseError(InputError):
    """A clause file is malformed, fails to render, or refers to a clause that is not there."""


class OutputPathError(InputError):
    """The output path cannot be used."""


class SourceError(InputError):
    """A PDF holds no engage source, or a damaged one."""


class WorkspaceError(InputError):
    """A workspace cannot be created, or a git revision cannot be read."""


class SigningError(InputError):
    """A signing key or certificate cannot be used, or the PDF cannot be signed as asked."""


class BuildError(EngageError):
    """The build failed for a reason other than the user's input."""

    exit_code = 1


class RenderError(BuildError):
    """WeasyPrint failed, or the document tried to load a resource that is not allowed."""


class WriteError(BuildError):
    """The output file could not be written."""
