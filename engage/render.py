"""Stage 4: lay the clauses and the spec's data into the document template, as HTML.

Templates are Jinja files in ``templates/`` run in the same sandbox as clauses; the labels
engage prints (headings, table headers) come from ``templates/i18n/<language>.yaml``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from jinja2 import TemplateError
from markupsafe import Markup

from engage.assemble import TABLE_TAG, TABLES, AssembledClause
from engage.errors import ClauseError
from engage.load import load_yaml
from engage.sandbox import FileLoader, Sandbox, located
from engage.values import Day

DOCUMENT = "document.html.j2"
TABLES_TEMPLATE = "tables.html.j2"


def load_labels(templates: Path, language: str) -> dict[str, str]:
    """The words engage prints in ``language``, checked against the English set."""
    labels = _labels_file(templates, language)
    if language != "en":
        english = _labels_file(templates, "en")
        missing = sorted(set(english) - set(labels))
        if missing:
            raise ClauseError.at(
                templates / "i18n" / f"{language}.yaml", f"missing labels: {', '.join(missing)}"
            )
    return labels


def _labels_file(templates: Path, language: str) -> dict[str, str]:
    path = templates / "i18n" / f"{language}.yaml"
    document = load_yaml(path, error=ClauseError)
    for key, value in document.data.items():
        if not isinstance(value, str):
            mark = document.mark_for((key,))
            raise ClauseError.at(path, f"{key}: a label must be text", mark.line, mark.col)
    return dict(document.data)


def with_tables(
    templates: Path,
    context: dict[str, Any],
    labels: dict[str, str],
    clauses: list[AssembledClause],
) -> list[AssembledClause]:
    """The clauses with every table they asked for filled in."""
    environment = template_environment(templates, (TABLES_TEMPLATE,))
    variables = {**context, "t": labels}
    try:
        tables = {
            name: environment.get_template(TABLES_TEMPLATE).render(variables, table=name)
            for name in TABLES
        }
    except TemplateError as exc:
        raise located(exc, templates / TABLES_TEMPLATE) from None
    pattern = re.compile(rf'<{TABLE_TAG} name="([a-z_]+)"></{TABLE_TAG}>')
    # The sentence that introduces a table stays on the table's page.
    lead_in = re.compile(rf"<p>((?:(?!</p>).)*)</p>\n(?=<{TABLE_TAG} )", re.DOTALL)
    return [
        replace(
            clause,
            html=pattern.sub(
                lambda match: tables[match[1]],
                lead_in.sub(r'<p class="lead-in">\1</p>\n', clause.html),
            ),
        )
        for clause in clauses
    ]


def render_html(
    templates: Path,
    context: dict[str, Any],
    clauses: list[AssembledClause],
    labels: dict[str, str],
    *,
    base_href: str | None = None,
    stylesheets: list[str] | None = None,
) -> str:
    """The whole document as HTML, from clauses whose tables are filled in.

    ``base_href`` makes asset links absolute (``--html``); ``stylesheets`` are URLs of extra
    CSS laid over the built-in style.
    """
    environment = template_environment(templates, (DOCUMENT,))
    variables = {
        **context,
        "t": labels,
        "base_href": base_href,
        "stylesheets": stylesheets or [],
    }
    sections = [
        {
            "id": clause.id,
            "number": clause.number,
            "title": clause.title,
            "onerous": clause.onerous,
            "summary": Markup(clause.summary),
            "html": Markup(clause.html),
        }
        for clause in clauses
    ]
    try:
        return environment.get_template(DOCUMENT).render(variables, clauses=sections)
    except TemplateError as exc:
        raise located(exc, templates / DOCUMENT) from None


def template_environment(
    templates: Path, names: tuple[str, ...] = (DOCUMENT, TABLES_TEMPLATE)
) -> Sandbox:
    """The sandbox that runs engage's own templates ``names``."""
    sources = {}
    for name in names:
        path = templates / name
        sources[name] = (path.read_text(encoding="utf-8"), path)
    environment = Sandbox(FileLoader(sources))
    environment.filters["css_string"] = _css_string
    environment.filters["periods_later"] = _periods_later
    return environment


_MONTHS = {"month": 1, "quarter": 3}


def _periods_later(start: Day, count: int, period: str) -> Day:
    """The day ``count`` retainer periods (week, month, quarter) after ``start``: when a
    minimum term that starts on ``start`` ends. A month from 31 January is 28/29 February."""
    first: date = start._value
    if period == "week":
        return Day(first + timedelta(weeks=count), start._formats)
    months = first.month - 1 + count * _MONTHS[period]
    year, month = first.year + months // 12, months % 12 + 1
    day = min(first.day, calendar.monthrange(year, month)[1])
    return Day(date(year, month, day), start._formats)


def _css_string(value: str) -> Markup:
    """A CSS string literal, safe inside a <style> element."""
    escaped = "".join(
        ch if ch.isalnum() or ch in " .,:;-_/()%€$£" else f"\\{ord(ch):x} " for ch in str(value)
    )
    return Markup(f'"{escaped}"')
