"""The command line: parse options, call the library, report errors. Nothing else.

Every ``EngageError`` becomes its message on stderr and its exit code (2 for bad input,
1 for other failures) in ``_report``; nothing else is caught except Ctrl-C.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Optional

import typer

from engage import __version__

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="Turn a YAML engagement spec into clear, numbered, signable terms of engagement.",
)

Specs = Annotated[
    list[Path], typer.Argument(help="Engagement spec files (YAML).", show_default=False)
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"engage {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        Optional[bool],  # noqa: UP045 - Typer reads this annotation at run time
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = None,
) -> None:
    """Turn a YAML engagement spec into clear, numbered, signable terms of engagement."""


@app.command()
def build(
    specs: Specs,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("-o", "--output", help="Output file (default: the spec's path with .pdf)."),
    ] = None,
    html: Annotated[bool, typer.Option("--html", help="Write the assembled HTML instead.")] = False,
) -> None:
    """Build each spec into a PDF next to it (or at --output)."""
    if output is not None and len(specs) > 1:
        _fail("--output takes a single spec")
    from engage.build import build as build_one

    def one(spec: Path) -> str:
        return f"wrote {build_one(spec, output, html=html)}"

    raise typer.Exit(_each(specs, one))


@app.command()
def check(specs: Specs) -> None:
    """Validate each spec and its clauses without rendering a PDF."""
    from engage.build import check as check_one

    def one(spec: Path) -> str:
        check_one(spec)
        return f"{spec}: ok"

    raise typer.Exit(_each(specs, one))


def _each(specs: list[Path], action: Callable[[Path], str]) -> int:
    """Run ``action`` on every spec; the worst exit code wins."""
    code = 0
    for spec in specs:
        code = max(code, _report(functools.partial(_echo_result, action, spec)))
    return code


def _echo_result(action: Callable[[Path], str], spec: Path) -> None:
    typer.echo(action(spec))


def _report(action: Callable[[], None]) -> int:
    from engage.errors import EngageError

    try:
        action()
    except EngageError as exc:
        typer.echo(str(exc), err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        typer.echo("engage: interrupted", err=True)
        return 130
    except Exception as exc:
        if os.environ.get("ENGAGE_DEBUG"):
            raise
        typer.echo(
            f"engage: internal error: {type(exc).__name__}: {exc} "
            "(set ENGAGE_DEBUG=1 for details, and please report it)",
            err=True,
        )
        return 1
    return 0


def _fail(message: str) -> None:
    typer.echo(f"engage: {message}", err=True)
    raise typer.Exit(2)


def main() -> None:
    app(prog_name="engage")

