"""The command line: parse options, call the library, report errors. Nothing else.

Every action runs through ``_report``, that is ``engage.errors.run``: any failure becomes one
line on stderr and its exit code (2 for bad input, 1 for other failures, 130 for Ctrl-C).
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn, Optional

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
    force: Annotated[
        bool, typer.Option("--force", help="Render even when the PDF is up to date.")
    ] = False,
    jobs: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--jobs", "-j", min=1, help="Specs built at once (default: the cores)."),
    ] = None,
) -> None:
    """Build each spec into a PDF next to it (or at --output)."""
    if output is not None and len(specs) > 1:
        _refuse("--output takes a single spec")
    from engage.kinds import after_kind

    if len(specs) == 1 and after_kind(specs[0]) is not None:
        raise typer.Exit(_report(functools.partial(_build_after, specs[0], output, html), specs[0]))
    if len(specs) == 1:
        from engage.single import build as build_one
        from engage.single import describe

        def run() -> None:
            built = build_one(specs[0], output, html=html, force=force)
            typer.echo(describe(built))
            _say_if_subsetting_is_slow(rendered=not (html or built.up_to_date))

        raise typer.Exit(_report(run, specs[0]))
    from engage.batch import build_many, default_jobs

    # Change orders, recaps and acceptance records are built one by one, after the terms.
    after = [spec for spec in specs if after_kind(spec) is not None]
    terms = [spec for spec in specs if spec not in after]
    code = _build_batch(terms, jobs or default_jobs(), html, force, build_many) if terms else 0
    for spec in after:
        code = max(code, _report(functools.partial(_build_after, spec, None, html), spec))
    raise typer.Exit(code)


def _say_if_subsetting_is_slow(rendered: bool) -> None:
    """One line on stderr, after a build that rendered PDFs, if fonts were subset slowly."""
    if not rendered:
        return  # nothing more to import on the up-to-date path
    from engage.renderer import SLOW_SUBSETTING, harfbuzz_subsetting

    if not harfbuzz_subsetting():
        typer.echo(SLOW_SUBSETTING, err=True)


def _build_batch(
    specs: list[Path], jobs: int, html: bool, force: bool, build_many: Callable[..., Any]
) -> int:
    """Build many specs with a progress bar on a terminal, plain lines otherwise."""
    started = time.perf_counter()
    done: list[Any] = []
    bar = sys.stderr.isatty()

    def on_done(outcome: Any) -> None:
        done.append(outcome)
        if bar:
            typer.echo("\r\033[K", err=True, nl=False)
        typer.echo(outcome.message, err=outcome.code != 0)
        if bar:
            filled = 30 * len(done) // len(specs)
            typer.echo(f"[{'#' * filled}{'.' * (30 - filled)}] {len(done)}/{len(specs)}",
                       err=True, nl=False)

    try:
        outcomes = build_many(specs, jobs=jobs, html=html, force=force, on_done=on_done)
    except KeyboardInterrupt:
        typer.echo("\nengage: interrupted", err=True)
        return 130
    if bar:
        typer.echo("\r\033[K", err=True, nl=False)
    failed = [outcome for outcome in outcomes if outcome.code]
    _say_if_subsetting_is_slow(
        rendered=not html and any(not (outcome.code or outcome.up_to_date) for outcome in outcomes)
    )
    fresh = sum(1 for outcome in outcomes if outcome.up_to_date)
    typer.echo(
        f"{len(outcomes) - len(failed) - fresh} built, {fresh} up to date, "
        f"{len(failed)} failed, in {time.perf_counter() - started:.1f} s with {jobs} jobs"
    )
    return max((outcome.code for outcome in failed), default=0)


@app.command()
def check(
    specs: Specs,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail (exit 2) on warnings too, not only errors.")
    ] = False,
    today: Annotated[
        Optional[datetime],  # noqa: UP045
        typer.Option(
            formats=["%Y-%m-%d"],
            metavar="YYYY-MM-DD",
            help="Review as of this date (default: today).",
        ),
    ] = None,
) -> None:
    """Validate each spec and its clauses, then review the terms (codes: see the README)."""
    from engage.build import check as check_one
    from engage.review import review

    day = today.date() if today else date.today()

    def one(spec: Path) -> str:
        from engage.kinds import after_kind

        kind = after_kind(spec)
        if kind is not None:
            from engage.aftersign import review_after

            after = review_after(spec, kind)
            for finding in after.findings:
                typer.echo(str(finding))
            return after.verdict(strict=strict)
        prepared = check_one(spec)
        result = review(prepared.spec, prepared.document, today=day)
        for finding in result.findings:
            typer.echo(str(finding))
        return result.verdict(strict=strict)

    raise typer.Exit(_each(specs, one))


@app.command()
def schema(
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("-o", "--output", help="Write the schema to this file, not stdout."),
    ] = None,
) -> None:
    """Print the JSON Schema of the spec, for editors to complete and check specs."""
    from engage.output import check_output_path, write_atomic
    from engage.schema import schema_text

    def run() -> None:
        if output is None:
            typer.echo(schema_text(), nl=False)
            return
        check_output_path(output, [])
        write_atomic(output, schema_text().encode("utf-8"))
        typer.echo(f"wrote {output}")

    raise typer.Exit(_report(run))


@app.command()
def preview(
    spec: Annotated[Path, typer.Argument(help="The engagement spec (YAML).")],
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8765,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the page in the default browser.")
    ] = False,
) -> None:
    """Serve the document on 127.0.0.1, rebuilt and reloaded whenever its files change."""
    from engage.preview import serve

    def run() -> None:
        def log(line: str) -> None:
            typer.echo(line, err=True)

        serve(spec, port=port, open_browser=open_browser, log=log)

    raise typer.Exit(_report(run))


@app.command()
def init(folder: Annotated[Path, typer.Argument(help="Folder for the new workspace.")]) -> None:
    """Create a workspace: profile, clause folder, an example client spec, .gitignore."""
    from engage.init import init_workspace

    def run() -> None:
        for path in init_workspace(folder):
            typer.echo(f"wrote {path}")

    raise typer.Exit(_report(run))


clauses_app = typer.Typer(
    help="The clause library: built-in and workspace clauses.", no_args_is_help=True
)
app.add_typer(clauses_app, name="clauses")
Lang = Annotated[str, typer.Option("--lang", help="Language of the clauses.")]


@clauses_app.command("list")
def clauses_list(lang: Lang = "en") -> None:
    """List the clauses that apply here: id, title, onerous or not, where each comes from."""
    from engage.clauses import clause_rows

    def run() -> None:
        for row in clause_rows(Path.cwd(), lang):
            typer.echo(row)

    raise typer.Exit(_report(run))


@clauses_app.command("context")
def clauses_context() -> None:
    """Print every name a clause can use: its type, what it means, an example."""
    from engage.build import clause_reference

    def run() -> None:
        typer.echo(clause_reference(), nl=False)

    raise typer.Exit(_report(run))


@clauses_app.command("outdated")
def clauses_outdated() -> None:
    """List workspace clauses based on a built-in clause that has changed since, with the
    difference: exit 0 if there are none, else 1."""
    from engage.outdated import outdated

    found: list[Any] = []

    def run() -> None:
        found.extend(outdated(Path.cwd()))
        for item in found:
            typer.echo(f"{item.clause.file}: {item.message}")
            typer.echo(item.difference, nl=False)

    code = _report(run)
    raise typer.Exit(code or (1 if found else 0))


@clauses_app.command("show")
def clauses_show(
    clause_id: Annotated[str, typer.Argument(metavar="ID")],
    lang: Lang = "en",
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("-o", "--output", help="Write the clause to this file (to start a copy)."),
    ] = None,
    extend: Annotated[
        bool,
        typer.Option(
            "--extend", help="Instead of a copy, a clause that replaces only some named parts."
        ),
    ] = False,
) -> None:
    """Print a clause file as it applies here (or copy it with -o)."""
    from engage.clauses import clause_here, is_builtin
    from engage.outdated import extension, with_based_on
    from engage.output import check_output_path, write_atomic

    def run() -> None:
        clause = clause_here(Path.cwd(), lang, clause_id)
        text = clause.source
        if extend:
            text = extension(clause)
        elif output is not None and is_builtin(clause):
            text = with_based_on(clause)
        if output is None:
            typer.echo(text, nl=False)
        elif os.path.lexists(output):
            _fail(f"{output} exists; nothing was written")
        else:
            check_output_path(output, [])
            write_atomic(output, text.encode("utf-8"))
            typer.echo(f"wrote {output}")

    raise typer.Exit(_report(run))


@app.command()
def extract(
    pdf: Annotated[Path, typer.Argument(help="A PDF built by engage.")],
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("-o", "--output", help="Write the spec to this file instead of stdout."),
    ] = None,
) -> None:
    """Print the spec embedded in a PDF built by engage (or write it with -o)."""
    from engage.output import check_output_path, write_atomic
    from engage.source import read_source

    def run() -> None:
        spec = read_source(pdf).spec
        if output is None:
            typer.echo(spec, nl=False)
            return
        check_output_path(output, [pdf])
        write_atomic(output, spec.encode("utf-8"))
        typer.echo(f"wrote {output}")

    raise typer.Exit(_report(run))


@app.command()
def verify(
    pdf: Annotated[Path, typer.Argument(help="A PDF built by engage (signed or not).")],
    trust: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Option("--trust", help="A root certificate (PEM/DER) signers must chain to."),
    ] = None,
) -> None:
    """Check a PDF against today's clauses and templates, and check its signatures.

    Exit 0 if identical and every signature is sound, else 1.
    """
    from engage.errors import printable
    from engage.signatures import signatures_of
    from engage.source import verify as verify_pdf

    outcome = {"code": 0}

    def run() -> None:
        verdict = verify_pdf(pdf)
        if verdict.identical:
            what = "templates" if verdict.kind else "clauses and templates"
            typer.echo(
                f"{pdf}: identical: its pages are those engage wrote, and today's {what} "
                f"build the same (fingerprint {verdict.fingerprint})"
            )
        else:
            typer.echo(f"{pdf}: differs from what engage wrote or would build today:")
            for change in verdict.changes:
                typer.echo(f"  {printable(change)}")
            outcome["code"] = 1
        signatures = signatures_of(pdf, trust or [])
        for signature in signatures:
            typer.echo(f"  {printable(str(signature))}")  # the signer comes from the PDF
        if not all(signature.sound and signature.trusted is not False
                   for signature in signatures):
            outcome["code"] = 1

    code = _report(run)
    raise typer.Exit(code or outcome["code"])


@app.command()
def sign(
    pdf: Annotated[Path, typer.Argument(help="A PDF built by engage.")],
    key: Annotated[
        Path, typer.Option("--key", help="PKCS#12 file (.p12/.pfx), or a PEM/DER private key.")
    ],
    certificate: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--cert", help="The certificate, when --key is a PEM/DER private key."),
    ] = None,
    field: Annotated[
        str, typer.Option("--field", help="The signature field to sign.")
    ] = "provider-signature",
    reason: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--reason", help='Default: the document and its reference.'),
    ] = None,
    timestamp_url: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--tsa", help="An RFC 3161 timestamp server's URL (PAdES B-T)."),
    ] = None,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("-o", "--output", help="Signed copy (default: NAME-signed.pdf)."),
    ] = None,
) -> None:
    """Sign the provider's field with a PAdES signature, as an incremental update.

    The key's password comes from ENGAGE_SIGN_PASSWORD, or is asked for at the terminal.
    """
    from engage.output import check_output_path, write_atomic
    from engage.sign import Key, password_from_environment
    from engage.sign import sign as sign_pdf

    password = password_from_environment()
    if password is None and sys.stdin.isatty():
        password = typer.prompt("Password for the key", hide_input=True, default="",
                                show_default=False).encode("utf-8") or None
    target = output or pdf.with_name(f"{pdf.stem}-signed.pdf")

    def run() -> None:
        check_output_path(target, [pdf, key, *([certificate] if certificate else [])])
        signed = sign_pdf(
            pdf, Key(key, certificate, password), field=field, reason=reason,
            timestamp_url=timestamp_url,
        )
        write_atomic(target, signed)
        typer.echo(f"signed {field!r} into {target}")

    raise typer.Exit(_report(run))


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="The old spec (or the spec, with --against).")],
    new: Annotated[Optional[Path], typer.Argument(help="The new spec.")] = None,  # noqa: UP045
    against: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--against", help="Compare the spec with itself at this git revision."),
    ] = None,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("-o", "--output", help="Redline file (default: NEW.redline.pdf)."),
    ] = None,
    html: Annotated[bool, typer.Option("--html", help="Write the redline as HTML.")] = False,
) -> None:
    """A redline of the terms: key-term changes side by side, clauses marked word by word."""
    if (new is None) == (against is None):
        _refuse("give either NEW or --against REV")
    from engage.redline import write_redline

    def run() -> None:
        written = write_redline(old, new, against, output, html=html)
        typer.echo(f"wrote {written}")

    raise typer.Exit(_report(run))


@app.command()
def calendar(
    spec: Annotated[Path, typer.Argument(help="The engagement spec (YAML).")],
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("-o", "--output", help="Output file (default: the spec's path with .ics)."),
    ] = None,
) -> None:
    """Write the engagement's dates (duties, deliverables, instalments) as an iCalendar file."""
    from engage.calendar import write_calendar

    def run() -> None:
        typer.echo(f"wrote {write_calendar(spec, output)}")

    raise typer.Exit(_report(run, spec))


@app.command()
def send(
    spec: Annotated[Path, typer.Argument(help="The spec of the terms to send.")],
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("-o", "--output", help="Output file (default: sent/REFERENCE.pdf)."),
    ] = None,
) -> None:
    """Build committed terms into sent/, recording the git commit that holds them."""
    from engage.send import send as send_terms

    def run() -> None:
        sent = send_terms(spec, output)
        typer.echo(f"wrote {sent.built.output}: the terms of commit {sent.state.commit[:12]}; "
                   "commit the PDF to keep it with them")

    raise typer.Exit(_report(run, spec))


@app.command()
def consolidate(
    change: Annotated[Path, typer.Argument(help="A change order (YAML).")],
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("-o", "--output", help="Output file (default: CHANGE.consolidated.pdf)."),
    ] = None,
) -> None:
    """Build the terms as changed by this change order and every one before it."""
    from engage.aftersign import consolidate as consolidate_terms

    def run() -> None:
        typer.echo(f"wrote {consolidate_terms(change, output)}")

    raise typer.Exit(_report(run, change))


def _build_after(spec: Path, output: Path | None, html: bool) -> None:
    """Build a change order, call recap or acceptance record (see engage.aftersign)."""
    from engage.aftersign import build_after
    from engage.kinds import after_kind

    kind = after_kind(spec)
    assert kind is not None
    typer.echo(f"wrote {build_after(spec, kind, output, html=html)}")


def _each(specs: list[Path], action: Callable[[Path], str]) -> int:
    """Run ``action`` on every spec; the worst exit code wins."""
    code = 0
    for spec in specs:
        code = max(code, _report(functools.partial(_echo_result, action, spec), spec))
    return code


def _echo_result(action: Callable[[Path], str], spec: Path) -> None:
    typer.echo(action(spec))


def _report(action: Callable[[], None], about: Path | None = None) -> int:
    """Run ``action``; report any failure in one line (naming ``about``, the spec, if given)
    and return its exit code. The failure layer is ``engage.errors.run``, shared with batch
    builds and the preview."""
    from engage.errors import Failure, run

    outcome = run(action, about)
    if isinstance(outcome, Failure):
        typer.echo(outcome.report(), err=True)
        return outcome.code
    return 0


def _fail(message: str) -> None:
    """Refuse a command line: one line, exit code 2 (also inside a ``_report``ed action)."""
    from engage.errors import InputError

    raise InputError.at("engage", message)


def _refuse(message: str) -> NoReturn:
    """``_fail`` outside an action: report it the same way, and exit."""
    raise typer.Exit(_report(functools.partial(_fail, message)))


def main() -> None:
    app(prog_name="engage")

