"""The Jinja sandbox that clause and template files run in.

Clause libraries are shared between firms and pulled from git, so every clause and template
is treated as hostile: no access to Python internals (Jinja's sandbox), no undefined names
(StrictUndefined), HTML autoescaped, no huge numbers or strings, and errors that name the
file and line where they happened.
"""

from __future__ import annotations

import operator
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from engage.errors import ClauseError, InputError, Problem

MAX_POWER_BITS = 4096
MAX_SEQUENCE = 100_000


class Sandbox(ImmutableSandboxedEnvironment):
    """A sandboxed, strict, autoescaping environment with bounded arithmetic."""

    intercepted_binops = frozenset({"**", "*"})

    def __init__(self, loader: BaseLoader | None = None, **options: Any) -> None:
        super().__init__(
            loader=loader,
            undefined=StrictUndefined,
            autoescape=True,
            auto_reload=False,
            cache_size=0,
            **options,
        )

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            if isinstance(left, int) and isinstance(right, int):
                bits = abs(left).bit_length() * max(right, 0)
                if bits > MAX_POWER_BITS:
                    raise SecurityError("the result of ** would be too large")
            return operator.pow(left, right)
        if isinstance(left, str | list | tuple) or isinstance(right, str | list | tuple):
            count = right if isinstance(left, str | list | tuple) else left
            sized = left if isinstance(left, str | list | tuple) else right
            if isinstance(count, int) and len(sized) * count > MAX_SEQUENCE:
                raise SecurityError("the result of * would be too large")
        return operator.mul(left, right)


def located(
    exc: BaseException, file: Path, line_offset: int = 0, error: type[InputError] = ClauseError
) -> InputError:
    """An engage error for an exception raised while compiling or rendering ``file``."""
    line: int | None = None
    if isinstance(exc, TemplateSyntaxError):
        line = exc.lineno
    else:
        traceback: types.TracebackType | None = exc.__traceback__
        while traceback is not None:
            if traceback.tb_frame.f_code.co_filename == str(file):
                line = traceback.tb_lineno
            traceback = traceback.tb_next
    message = exc.message if isinstance(exc, TemplateError) and exc.message else str(exc)
    if isinstance(exc, SecurityError):
        message = f"not allowed: {message}"
    elif not isinstance(exc, TemplateError):
        message = f"{type(exc).__name__}: {message}"
    return error(Problem(file, message, None if line is None else line + line_offset))


class FileLoader(BaseLoader):
    """Loads templates by name from a fixed table, so no template can reach another file."""

    def __init__(self, sources: dict[str, tuple[str, Path]]) -> None:
        self._sources = sources

    def get_source(
        self, environment: Any, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        from jinja2 import TemplateNotFound

        if template not in self._sources:
            raise TemplateNotFound(template)
        source, path = self._sources[template]
        return source, str(path), lambda: True
