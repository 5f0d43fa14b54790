"""Stage 3: choose the clauses a spec needs, number them, and render each to HTML.

A clause body is Jinja (sandboxed) that yields Markdown, which becomes HTML with raw HTML,
images and non-web links refused. Values from the spec are escaped for Markdown and HTML,
so a client called ``*ACME*`` stays ``*ACME*``. Tables are asked for with
``{{ table("prices") }}`` on a line of their own and filled in by the render stage.

Each clause renders within the sandbox's time and memory limits (``limited``), to at most
``MAX_RENDERED`` characters. What the reader sees of it (``engage.seen``: after Markdown and
character references, normalised), title included, holds no invisible or bidirectional
control character and no amount of money, in any currency, that is not one of the spec's
figures (or in its text).
"""

from __future__ import annotations

import functools
import hashlib
import html as html_text
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.entities import html5
from typing import Any

from jinja2 import TemplateError
from markdown_it import MarkdownIt
from markupsafe import Markup

from engage.clauses import Clause
from engage.context import Extra, Record
from engage.errors import ClauseError, SpecError
from engage.load import Document
from engage.models import Spec
from engage.sandbox import FileLoader, Sandbox, limited, located
from engage.seen import NUMBER, amounts_in, normalised, reader_text
from engage.text import hidden_character, hidden_message
from engage.validate import problem_at

MAX_RENDERED = 1_000_000
"""The most characters one clause may render to (or print in one expression)."""

TABLES = ("deliverables", "client_duties", "prices", "free_work", "payment_plan")
TABLE_TAG = "engage-table"
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")
# Runs of ASCII whitespace only: the no-break spaces Babel puts in amounts and
# percentages ("5.270,40\xa0€", "30\xa0%") keep a figure and its unit on one line.
_BLANKS = re.compile(r"[ \t\n\r\f\v]+")
_QUOTES = {"en": "“”‘’", "it": "«»“”", "ro": "„”«»"}


@dataclass(frozen=True)
class AssembledClause:
    id: str
    number: int
    title: str
    html: str
    onerous: bool
    summary: str = ""
    """What makes the clause onerous, as inline HTML (empty: onerous as a whole, or not)."""


def assemble(
    chosen: list[Clause],
    library: dict[str, Clause],
    context: dict[str, Any],
    labels: dict[str, str],
    language: str,
) -> list[AssembledClause]:
    """The ``chosen`` clauses (see ``choose``), numbered and rendered to HTML."""
    numbers = {clause.id: number for number, clause in enumerate(chosen, 1)}
    token = "engage" + hashlib.sha256(repr(sorted(numbers)).encode()).hexdigest()[:16]
    environment = _environment(library)

    def number(clause_id: str) -> str:
        if clause_id not in numbers:
            state = "omitted or not used" if clause_id in library else "not in the library"
            raise ClauseError.at("", f"ref({clause_id!r}): that clause is {state}")
        return str(numbers[clause_id])

    def ref(clause_id: str) -> Markup:
        return Markup(labels["clause_ref"].format(number=number(clause_id)))

    def capital_ref(clause_id: str) -> Markup:
        text = ref(clause_id)
        return Markup(text[:1].upper() + text[1:])

    def used(clause_id: str) -> bool:
        if clause_id not in library:
            raise ClauseError.at("", f"used({clause_id!r}): there is no such clause in the library")
        return clause_id in numbers

    def table(name: str) -> Markup:
        if name not in TABLES:
            raise ClauseError.at("", f"table({name!r}): no such table; use one of {TABLES}")
        return Markup(f"\n\n{token}{name}\n\n")

    markdown = (
        MarkdownIt(
            "commonmark", {"html": False, "typographer": True, "quotes": _QUOTES[language]}
        )
        # Smart quotes only: the "replacements" rule would turn the (c) of "Article 6(1)(c)"
        # into ©, and (r), (p), (tm) of any legal citation likewise.
        .enable(["smartquotes"])
        .disable(["image", "html_inline", "html_block"])
    )
    markdown.validateLink = _is_web_link  # type: ignore[method-assign]
    variables = {
        **context, "ref": ref, "Ref": capital_ref, "number": number, "table": table, "used": used
    }
    amounts = _Amounts(context)
    assembled = []
    for clause in chosen:

        def render(clause: Clause = clause) -> str:
            source = _render_body(environment, clause, variables)
            _check_rendered(clause, source)
            return str(markdown.render(source))

        html = limited(clause.file, render, clause.body_line - 1)
        html = re.sub(
            rf"<p>{token}([a-z_]+)</p>\n?", rf'<{TABLE_TAG} name="\1"></{TABLE_TAG}>\n', html
        )
        if token in html:
            raise ClauseError.at(clause.file, "table(...) must stand on a line of its own")
        # What the reader sees, not what the clause wrote: Markdown and character references
        # (``&#x202e;``, ``&shy;``) make characters the source never held.
        _check_seen(clause, html)
        amounts.check(clause, html, _title_line(clause))
        onerous, summary = bool(clause.meta.onerous), ""
        if isinstance(clause.meta.onerous, str):

            def render_summary(clause: Clause = clause) -> str:
                text = _render_summary(environment, clause, variables)
                _check_seen(clause, text)
                return str(markdown.renderInline(" ".join(text.split())))

            summary = limited(clause.file, render_summary)
            amounts.check(clause, summary, None)
            onerous = bool(summary)
        assembled.append(
            AssembledClause(
                clause.id, numbers[clause.id], clause.meta.title, html, onerous, summary
            )
        )
    return assembled


def _check_rendered(clause: Clause, source: str) -> None:
    if len(source) > MAX_RENDERED:
        raise ClauseError.at(
            clause.file, f"renders to more than {MAX_RENDERED:,} characters; the limit is there "
            "to stop runaway loops"
        )
    found = hidden_character(source)
    if found:
        message = f"prints a forbidden character: {hidden_message(found[0])}"
        raise ClauseError.at(clause.file, message)


def _check_seen(clause: Clause, html: str) -> None:
    """Refuse an invisible or bidirectional control character in the clause as rendered
    (text and attributes, character references decoded) or in its title."""
    for text, title in ((clause.meta.title, True), (html_text.unescape(html), False)):
        found = hidden_character(text)
        if found:
            char = found[0]
            line = _title_line(clause) if title else _line_of_char(clause, char)
            prefix = "title: " if title else ""
            message = f"{prefix}prints a forbidden character: {hidden_message(char)}"
            raise ClauseError.at(clause.file, message, line)


def _line_of_char(clause: Clause, char: str) -> int | None:
    """The body line that writes ``char``, as itself or as a character reference."""
    names = [name for name, value in html5.items() if value == char]
    written = re.compile(
        "|".join(
            [re.escape(char), rf"&#0*{ord(char)};", rf"&#[xX]0*{ord(char):x};"]
            + [re.escape(f"&{name}") for name in names if name.endswith(";")]
        ),
        re.IGNORECASE,
    )
    found = written.search(clause.body)
    return None if found is None else clause.body_line + clause.body.count("\n", 0, found.start())


def _title_line(clause: Clause) -> int | None:
    """The line of the clause file that holds its ``title:``."""
    for number, line in enumerate(clause.source.split("\n")[1 : clause.body_line - 1], 2):
        if line.startswith("title:"):
            return number
    return None


class _Amounts:
    """Amounts of money in the text the reader sees: a number next to a currency sign, code
    or word, in any currency (``€1,200.50``, ``1.200,50 €``, ``RON 1.200,50``, ``1 200 lei``).
    A clause may print those the spec holds (every figure, and any amount in the spec's own
    text), and no other.

    Amounts are looked for in ``reader_text``: the Markdown rendered, character references
    decoded, and the text normalised, so that nothing a reader cannot see (a zero-width
    space, a soft hyphen, a tag) and no look-alike (fullwidth or Arabic-Indic digits, a thin
    space, a line break, emphasis around a digit) can hide an amount from the check."""

    def __init__(self, context: dict[str, Any]) -> None:
        self.allowed = {
            reading.key
            for text in _strings(context)
            for readings in amounts_in(normalised(text))
            for reading in readings
        }

    def check(self, clause: Clause, html: str, title_line: int | None) -> None:
        title = normalised(clause.meta.title)
        text = f"{title} {reader_text(html)}"
        numbers = list(amounts_in(text))
        # A currency sign between two numbers ("€1,000.00 in 2 €500.00 instalments") belongs
        # to the one it makes a figure with; the other is then a plain number.
        claimed = {
            reading.marker
            for readings in numbers
            for reading in readings
            if reading.key in self.allowed
        }
        for readings in numbers:
            if any(reading.key in self.allowed for reading in readings):
                continue
            forged = [reading for reading in readings if reading.marker not in claimed]
            if not forged:
                continue
            in_title = forged[0].start < len(title)
            shown = text[forged[0].start : forged[0].end]
            raise ClauseError.at(
                clause.file,
                f"{'title: ' if in_title else ''}prints the amount {shown!r}, which is not a "
                "figure of the spec: amounts must come from the spec, like {{ pricing.total }}",
                title_line if in_title else _line_of(clause, shown),
            )


def _line_of(clause: Clause, shown: str) -> int | None:
    """The body line that seems to write ``shown`` (or its number), when one does: the first
    whose own text, read as the reader would, holds it."""
    numbers = NUMBER.findall(shown)
    lines = clause.body.split("\n")
    seen = [_seen(line) for line in lines]
    for needle in ("".join(shown.split()), *("".join(number.split()) for number in numbers)):
        for offset, text in enumerate(seen):
            if needle and needle in text:
                return clause.body_line + offset
    return None


def _seen(line: str) -> str:
    return "".join(normalised(html_text.unescape(_MARKUP.sub("", line))).split())


_MARKUP = re.compile(r"[*_`~\\]")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Record):
        yield from _strings(dict(value))
    elif isinstance(value, Extra):
        yield from _strings(list(value))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _environment(library: dict[str, Clause]) -> Sandbox:
    sources = {clause_id: (clause.body, clause.file) for clause_id, clause in library.items()}
    for clause_id, clause in library.items():
        # A clause that extends another is the base with some parts replaced: Jinja's own
        # inheritance, with the base under a name no clause id can have. On the body's first
        # line, so that line numbers stay those of the file.
        while clause.base is not None:
            name = f"{clause.base.id}:" + hashlib.sha256(bytes(clause.base.file)).hexdigest()[:16]
            sources[clause_id] = (f'{{% extends "{name}" %}}' + clause.body, clause.file)
            clause_id, clause = name, clause.base
            sources[clause_id] = (clause.body, clause.file)
    return Sandbox(FileLoader(sources), finalize=_finalize)


def _finalize(value: Any) -> Any:
    if value is None:
        raise TemplateError("this prints a value the spec does not set; guard it with {% if ... %}")
    if isinstance(value, str) and len(value) > MAX_RENDERED:
        raise TemplateError(f"this prints a value of more than {MAX_RENDERED:,} characters")
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return _MARKDOWN_SPECIALS.sub(r"\\\1", _BLANKS.sub(" ", value).strip())


def _is_web_link(url: str) -> bool:
    return url.lower().startswith(("https://", "http://", "mailto:"))


def choose(
    spec: Spec, document: Document, library: dict[str, Clause], context: dict[str, Any]
) -> list[Clause]:
    """The clauses the spec needs, in document order."""
    problems = [
        problem_at(document, ("clauses", kind, index), f"no clause {clause_id!r} in the library")
        for kind in ("add", "omit")
        for index, clause_id in enumerate(getattr(spec.clauses, kind))
        if clause_id not in library
    ]
    if problems:
        raise SpecError(*problems)
    environment = Sandbox()
    chosen = []
    for clause in library.values():
        if clause.id in spec.clauses.omit:
            continue
        if clause.meta.optional and clause.id not in spec.clauses.add:
            continue
        if clause.meta.when is not None:
            try:
                condition = environment.compile_expression(
                    clause.meta.when, undefined_to_none=False
                )
                check = functools.partial(condition, **context, used=_used_in_when)
                if not limited(clause.file, check):
                    continue
            except (ClauseError, *_CLAUSE_FAILURES) as exc:
                message = exc.problems[0].message if isinstance(exc, ClauseError) else None
                message = message or located(exc, clause.file).problems[0].message
                raise ClauseError.at(clause.file, f"when: {message}", clause.when_line) from None
        chosen.append(clause)
    return sorted(chosen, key=lambda clause: (clause.meta.order, clause.id))


def _used_in_when(clause_id: str) -> bool:
    raise TemplateError(
        f"used({clause_id!r}) cannot decide whether a clause is used, since the clauses are "
        "being chosen; test the spec instead"
    )


def _render_summary(environment: Sandbox, clause: Clause, variables: dict[str, Any]) -> str:
    """The clause's ``onerous:`` summary, rendered like its body."""
    assert isinstance(clause.meta.onerous, str)
    try:
        return environment.from_string(clause.meta.onerous).render(variables)
    except ClauseError as exc:
        raise ClauseError.at(clause.file, f"onerous: {exc.problems[0].message}") from None
    except _CLAUSE_FAILURES as exc:
        message = located(exc, clause.file).problems[0].message
        raise ClauseError.at(clause.file, f"onerous: {message}") from None


def _render_body(environment: Sandbox, clause: Clause, variables: dict[str, Any]) -> str:
    try:
        return environment.get_template(clause.id).render(variables)
    except ClauseError as exc:
        # ref() and table() do not know which clause called them.
        problem = exc.problems[0]
        raise ClauseError.at(clause.file, problem.message, _line_in(exc, clause)) from None
    except _CLAUSE_FAILURES as exc:
        # In the clause's own lines, or else in those of a clause it extends.
        layer: Clause | None = clause
        while layer is not None:
            error = located(exc, layer.file, layer.body_line - 1)
            if error.line is not None:
                raise error from None
            layer = layer.base
        raise located(exc, clause.file, clause.body_line - 1) from None


# What a clause's Jinja can raise (MemoryError is left to ``limited``, which explains it).
_CLAUSE_FAILURES = (
    TemplateError,
    ArithmeticError,
    TypeError,
    ValueError,
    RecursionError,
    AttributeError,
    LookupError,
)


def _line_in(exc: BaseException, clause: Clause) -> int | None:
    error = located(exc, clause.file, clause.body_line - 1)
    return error.line
