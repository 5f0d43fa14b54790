"""Stage 3: choose the clauses a spec needs, number them, and render each to HTML.

A clause body is Jinja (sandboxed) that yields Markdown, which becomes HTML with raw HTML,
images and non-web links refused. Values from the spec are escaped for Markdown and HTML,
so a client called ``*ACME*`` stays ``*ACME*``. Tables are asked for with
``{{ table("prices") }}`` on a line of their own and filled in by the render stage.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateError
from markdown_it import MarkdownIt
from markupsafe import Markup

from engage.clauses import Clause
from engage.errors import ClauseError, SpecError
from engage.load import Document
from engage.models import Spec
from engage.sandbox import FileLoader, Sandbox, located
from engage.validate import problem_at

TABLES = ("deliverables", "client_duties", "prices", "free_work", "payment_plan")
TABLE_TAG = "engage-table"
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")
_QUOTES = {"en": "“”‘’", "it": "«»“”", "ro": "„”«»"}


@dataclass(frozen=True)
class AssembledClause:
    id: str
    number: int
    title: str
    html: str
    onerous: bool


def assemble(
    spec: Spec,
    document: Document,
    library: dict[str, Clause],
    context: dict[str, Any],
    labels: dict[str, str],
) -> list[AssembledClause]:
    """The document's clauses, numbered and rendered to HTML."""
    chosen = _choose(spec, document, library, context)
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

    def table(name: str) -> Markup:
        if name not in TABLES:
            raise ClauseError.at("", f"table({name!r}): no such table; use one of {TABLES}")
        return Markup(f"\n\n{token}{name}\n\n")

    markdown = (
        MarkdownIt(
            "commonmark", {"html": False, "typographer": True, "quotes": _QUOTES[spec.language]}
        )
        .enable(["replacements", "smartquotes"])
        .disable(["image", "html_inline", "html_block"])
    )
    markdown.validateLink = _is_web_link  # type: ignore[method-assign]
    variables = {**context, "ref": ref, "number": number, "table": table}
    assembled = []
    for clause in chosen:
        source = _render_body(environment, clause, variables)
        html = markdown.render(source)
        html = re.sub(
            rf"<p>{token}([a-z_]+)</p>\n?", rf'<{TABLE_TAG} name="\1"></{TABLE_TAG}>\n', html
        )
        if token in html:
            raise ClauseError.at(clause.file, "table(...) must stand on a line of its own")
        assembled.append(
            AssembledClause(
                clause.id, numbers[clause.id], clause.meta.title, html, clause.meta.onerous
            )
        )
    return assembled


def _environment(library: dict[str, Clause]) -> Sandbox:
    sources = {clause_id: (clause.body, clause.file) for clause_id, clause in library.items()}
    return Sandbox(FileLoader(sources), finalize=_finalize)


def _finalize(value: Any) -> Any:
    if value is None:
        raise TemplateError("this prints a value the spec does not set; guard it with {% if ... %}")
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return _MARKDOWN_SPECIALS.sub(r"\\\1", " ".join(value.split()))


def _is_web_link(url: str) -> bool:
    return url.lower().startswith(("https://", "http://", "mailto:"))


def _choose(
    spec: Spec, document: Document, library: dict[str, Clause], context: dict[str, Any]
) -> list[Clause]:
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
                if not condition(**context):
                    continue
            except TemplateError as exc:
                raise ClauseError.at(
                    clause.file, f"when: {exc.message or exc}", clause.when_line
                ) from None
        chosen.append(clause)
    return sorted(chosen, key=lambda clause: (clause.meta.order, clause.id))


def _render_body(environment: Sandbox, clause: Clause, variables: dict[str, Any]) -> str:
    try:
        return environment.get_template(clause.id).render(variables)
    except ClauseError as exc:
        # ref() and table() do not know which clause called them.
        problem = exc.problems[0]
        raise ClauseError.at(clause.file, problem.message, _line_in(exc, clause)) from None
    except (
        TemplateError,
        ArithmeticError,
        TypeError,
        ValueError,
        RecursionError,
        MemoryError,
        AttributeError,
        LookupError,
    ) as exc:
        raise located(exc, clause.file, clause.body_line - 1) from None


def _line_in(exc: BaseException, clause: Clause) -> int | None:
    error = located(exc, clause.file, clause.body_line - 1)
    return error.line
