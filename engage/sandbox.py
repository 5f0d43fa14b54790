"""The Jinja sandbox that clause and template files run in.

Clause libraries are shared between firms and pulled from git, so every clause and template
is treated as hostile: no access to Python internals (Jinja's sandbox), no undefined names
(StrictUndefined), HTML autoescaped, no huge numbers or strings, a time and a memory limit on
every render (``limited``), and errors that name the file and line where they happened.
"""

from __future__ import annotations

import difflib
import operator
import os
import signal
import sys
import threading
import time
import types
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import (
    BaseLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    nodes,
)
from jinja2.compiler import CodeGenerator
from jinja2.environment import TemplateExpression
from jinja2.exceptions import SecurityError
from jinja2.parser import Parser
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing

from engage import codecache
from engage.errors import ClauseError, InputError, Problem

try:
    import resource
except ImportError:  # pragma: no cover - not on Windows
    resource = None  # type: ignore[assignment]

T = TypeVar("T")

MAX_POWER_BITS = 4096
MAX_PRODUCT_BITS = 100_000
MAX_SEQUENCE = 100_000

RENDER_SECONDS = 5.0
"""How long one clause (or template) may take to render."""
RENDER_MEMORY = 512 * 2**20
"""How much memory one render may take on top of what the process holds (Linux)."""


class _OutOfTime(BaseException):
    """Raised inside a render that ran past its deadline.

    A ``BaseException``, like ``KeyboardInterrupt``, so that nothing between the timer and
    ``limited`` (Jinja, Markdown, a template's own code) can catch it.
    """


_render = threading.local()


def limited(file: Path, action: Callable[[], T], line_offset: int = 0) -> T:
    """``action()``, one render of ``file``, within ``RENDER_SECONDS`` and ``RENDER_MEMORY``.

    Going past either is a ``ClauseError`` naming the file (and the line the render was at,
    plus ``line_offset``). On the main thread a timer interrupts any Python code, even a loop
    that calls nothing; elsewhere the deadline is checked at each call, attribute and operator
    in the sandbox. The memory limit is the process's address-space limit (Linux, main thread
    only), lowered for the duration of the render. Nested renders share the outer limits.

    A function rather than a ``with`` block: the timer may go off at any moment, even as the
    render ends, and only handlers in this very frame are sure to catch it then.
    """
    if getattr(_render, "deadline", None) is not None:
        return action()
    seconds = RENDER_SECONDS
    try:
        try:
            _render.deadline = time.monotonic() + seconds
            if threading.current_thread() is threading.main_thread():
                _limit_memory()
                _start_timer(seconds)
            return action()
        finally:
            _disarm()
    except (_OutOfTime, MemoryError) as exc:
        # Also what the timer raised if it went off while the limits were being lifted.
        _disarm()
        line = _template_line(exc, file)
        message = (
            f"took longer than {seconds:g} s to render; a loop or a computation is too large"
            if isinstance(exc, _OutOfTime)
            else f"needs more than {RENDER_MEMORY // 2**20} MB of memory to render"
        )
        raise ClauseError(
            Problem(file, message, None if line is None else line + line_offset)
        ) from None


def _disarm() -> None:
    """Lift the limits; idempotent. The deadline goes first, so the timer cannot go off after
    it."""
    _render.deadline = None
    timer = getattr(_render, "timer", None)
    if timer is not None:
        _render.timer = None
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, timer[0] if timer[0] is not None else signal.SIG_DFL)
    memory = getattr(_render, "memory", None)
    if memory is not None:
        _render.memory = None
        resource.setrlimit(resource.RLIMIT_AS, memory)


def _check_deadline() -> None:
    deadline = getattr(_render, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise _OutOfTime


def _out_of_time(signum: int, frame: types.FrameType | None) -> None:
    if getattr(_render, "deadline", None) is not None:
        raise _OutOfTime


def _start_timer(seconds: float) -> None:
    """Interrupt the main thread after ``seconds`` (``_disarm`` stops the timer)."""
    if not hasattr(signal, "setitimer") or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        return  # no timers here, or someone else's timer is running: leave it be
    _render.timer = (signal.signal(signal.SIGALRM, _out_of_time),)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def _limit_memory() -> None:
    """Lower the address-space limit to what is in use plus ``RENDER_MEMORY`` (``_disarm``
    restores it)."""
    if resource is None or not sys.platform.startswith("linux"):
        return
    try:
        with open("/proc/self/statm", encoding="ascii") as stream:
            in_use = int(stream.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = in_use + RENDER_MEMORY
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft != resource.RLIM_INFINITY and soft <= limit:
            return
        _render.memory = (soft, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError, IndexError):
        return


def _template_line(exc: BaseException, file: Path) -> int | None:
    """The line of ``file`` the template was at when ``exc`` was raised."""
    line: int | None = None
    traceback: types.TracebackType | None = exc.__traceback__
    while traceback is not None:
        frame = traceback.tb_frame
        template = frame.f_globals.get("__jinja_template__")
        if isinstance(template, Template) and template.filename == str(file):
            line = template.get_corresponding_lineno(traceback.tb_lineno)
        elif frame.f_code.co_filename == str(file):  # a frame Jinja rewrote to the template's
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


class LimitedTemplate(Template):
    """A template whose every render runs ``limited``."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        file = Path(self.filename or self.name or "<template>")
        return limited(file, lambda: Template.render(self, *args, **kwargs))


class _RunTimeOnly(CodeGenerator):
    """Computes nothing while compiling. Jinja would otherwise work out a constant expression
    such as ``{{ "%0999999999d" % 1 }}`` or ``{{ "x"|center(10**9) }}`` at compile time, in
    one call that no time limit can interrupt; now it runs when rendered, ``limited``."""

    def _output_child_to_const(self, node: nodes.Expr, frame: Any, finalize: Any) -> str:
        if not isinstance(node, nodes.TemplateData | nodes.Const):
            raise nodes.Impossible()
        return super()._output_child_to_const(node, frame, finalize)


def did_you_mean(message: str, name: str, names: Iterable[str]) -> str:
    """``message``, with the closest of ``names`` to ``name`` suggested, if one is close."""
    close = difflib.get_close_matches(name, sorted(set(names)), n=1, cutoff=0.6)
    return f"{message}; did you mean {close[0]!r}?" if close else message


class _NamesContext(Context):
    """A render's names: one that does not exist is an undefined value that says which
    existing name was probably meant."""

    def resolve_or_missing(self, key: str) -> Any:
        value = super().resolve_or_missing(key)
        if value is missing:
            names = [name for name in [*self.vars, *self.parent] if not name.startswith("_")]
            hint = did_you_mean(f"there is no name {key!r}", key, names)
            return self.environment.undefined(name=key, hint=hint)
        return value


def _callables(table: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Names and calling conventions (``pass_context`` and the like) of filters or tests."""
    return tuple(sorted(
        (name, str(getattr(value, "jinja_pass_arg", None))) for name, value in table.items()
    ))


class Sandbox(ImmutableSandboxedEnvironment):
    """A sandboxed, strict, autoescaping environment with bounded arithmetic and renders.

    Objects that declare the names a template may read (``unknown_name(name)``, which says
    why a name is not one of them, or returns None) show those names and nothing else.
    """

    intercepted_binops = frozenset({"**", "*", "+"})
    template_class = LimitedTemplate
    code_generator_class = _RunTimeOnly
    context_class = _NamesContext

    def compile(  # type: ignore[override]
        self,
        source: str | nodes.Template,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> str | types.CodeType:
        """Jinja's compile, once per source (``engage.codecache``): a batch, the preview and
        every later build reuse what was compiled before; a changed clause is compiled
        again."""
        if raw:
            return super().compile(source, name, filename, raw=True, defer_init=defer_init)
        if not isinstance(source, str):
            return super().compile(source, name, filename, defer_init=defer_init)
        parts = ("template", *self._settings(name), name, filename, defer_init, source)
        compile_source = super().compile
        return codecache.code(
            parts, lambda: compile_source(source, name, filename, defer_init=defer_init)
        )

    def compile_expression(
        self, source: str, undefined_to_none: bool = True
    ) -> TemplateExpression:
        """Jinja's ``compile_expression`` (a clause's ``when:``), compiled once per source."""
        parts = ("expression", *self._settings(None), source)
        code = codecache.code(parts, lambda: self._compile_expression(source))
        template = self.template_class.from_code(self, code, self.make_globals(None), None)
        return TemplateExpression(template, undefined_to_none)

    def _compile_expression(self, source: str) -> types.CodeType:
        # As Jinja's own compile_expression does it, keeping the code rather than a template.
        parser = Parser(self, source, state="variable")
        try:
            expression = parser.parse_expression()
            if not parser.stream.eos:
                raise TemplateSyntaxError(
                    "chunk after expression", parser.stream.current.lineno, None, None
                )
            expression.set_environment(self)
        except TemplateSyntaxError:
            self.handle_exception(source=source)
        body = [nodes.Assign(nodes.Name("result", "store"), expression, lineno=1)]
        code = super().compile(nodes.Template(body, lineno=1))
        assert isinstance(code, types.CodeType)
        return code

    def _settings(self, name: str | None) -> tuple[object, ...]:
        """Everything about this environment that the generated code depends on."""
        finalize = self.finalize
        autoescape = self.autoescape(name) if callable(self.autoescape) else self.autoescape
        return (
            type(self).__module__, type(self).__qualname__,
            None if finalize is None else f"{finalize.__module__}.{finalize.__qualname__}",
            # The compiler checks each filter and test exists and how it is called.
            _callables(self.filters), _callables(self.tests),
            tuple(sorted(self.intercepted_binops)), tuple(sorted(self.intercepted_unops)),
            autoescape, self.optimized, self.is_async, tuple(sorted(self.extensions)),
            self.block_start_string, self.block_end_string, self.variable_start_string,
            self.variable_end_string, self.comment_start_string, self.comment_end_string,
            self.line_statement_prefix, self.line_comment_prefix, self.trim_blocks,
            self.lstrip_blocks, self.newline_sequence, self.keep_trailing_newline,
        )

    def _compile(self, source: str, filename: str) -> types.CodeType:
        try:
            return super()._compile(source, filename)
        except (SyntaxError, RecursionError):  # Python's limits, e.g. 20 nested blocks
            raise TemplateError("the template is nested too deeply to compile") from None

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _check_deadline()
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        _check_deadline()
        unknown = self._unknown(obj, attribute)
        return unknown if unknown is not None else super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _check_deadline()
        unknown = self._unknown(obj, argument) if isinstance(argument, str) else None
        return unknown if unknown is not None else super().getitem(obj, argument)

    def _unknown(self, obj: Any, name: str) -> Any:
        """An undefined value saying why, if ``obj`` declares its names and ``name`` is not
        one of them."""
        explain = getattr(type(obj), "unknown_name", None)
        message = explain(obj, name) if callable(explain) else None
        return None if message is None else self.undefined(obj=obj, name=name, hint=message)

    def __init__(self, loader: BaseLoader | None = None, **options: Any) -> None:
        super().__init__(
            loader=loader,
            undefined=StrictUndefined,
            autoescape=True,
            auto_reload=False,
            optimized=False,
            **options,
        )

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        _check_deadline()
        sequences = (str, list, tuple, bytes)
        if operator_name == "+":
            both = isinstance(left, sequences) and isinstance(right, sequences)
            if both and len(left) + len(right) > MAX_SEQUENCE:
                raise SecurityError("the result of + would be too large")
            return operator.add(left, right)
        if operator_name == "**":
            if isinstance(left, int) and isinstance(right, int):
                bits = abs(left).bit_length() * max(right, 0)
                if bits > MAX_POWER_BITS:
                    raise SecurityError("the result of ** would be too large")
            return operator.pow(left, right)
        if isinstance(left, sequences) or isinstance(right, sequences):
            count = right if isinstance(left, sequences) else left
            sized = left if isinstance(left, sequences) else right
            if isinstance(count, int) and len(sized) * count > MAX_SEQUENCE:
                raise SecurityError("the result of * would be too large")
        elif (
            isinstance(left, int)
            and isinstance(right, int)
            and abs(left).bit_length() + abs(right).bit_length() > MAX_PRODUCT_BITS
        ):
            raise SecurityError("the result of * would be too large")
        return operator.mul(left, right)


def located(
    exc: BaseException, file: Path, line_offset: int = 0, error: type[InputError] = ClauseError
) -> InputError:
    """An engage error for an exception raised while compiling or rendering ``file``."""
    line = exc.lineno if isinstance(exc, TemplateSyntaxError) else _template_line(exc, file)
    message = exc.message if isinstance(exc, TemplateError) and exc.message else str(exc)
    if isinstance(exc, TemplateNotFound):
        message = (
            f"there is no clause {exc.name!r} to include, import or extend: these take the id "
            "of a clause in the library, never a path"
        )
    elif isinstance(exc, SecurityError):
        message = f"not allowed: {message}"
    elif not isinstance(exc, TemplateError):
        message = f"{type(exc).__name__}: {message}"
    message = " ".join(message.split())  # one line, whatever the exception said
    return error(Problem(file, message, None if line is None else line + line_offset))


class FileLoader(BaseLoader):
    """Loads templates by name from a fixed table, so no template can reach another file."""

    def __init__(self, sources: dict[str, tuple[str, Path]]) -> None:
        self._sources = sources

    def get_source(
        self, environment: Any, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        if template not in self._sources:
            raise TemplateNotFound(template)
        source, path = self._sources[template]
        return source, str(path), lambda: True
