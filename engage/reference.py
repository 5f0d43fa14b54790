"""The reference for clause authors: every name clauses can use, its type, what it means and
an example, generated from the records of ``engage.context`` so that it cannot drift.
``engage clauses context`` prints it; README.md holds a copy that a test keeps in step."""

from __future__ import annotations

import types
import typing
from typing import Any

from engage.context import Context, Extra, Record
from engage.values import Printed

FUNCTIONS = {
    'ref("id")': 'The reference to a clause in the document, e.g. "clause 4"; an error if '
    "that clause is not in it.",
    'Ref("id")': 'The same, capitalised to start a sentence, e.g. "Clause 4".',
    'number("id")': 'The number of a clause in the document, e.g. "4".',
    'used("id")': "Whether a clause is in the document: mention an optional clause only "
    'with `{% if used("id") %}`.',
    'table("name")': "On a line of its own: one of the tables deliverables, client_duties, "
    "prices, free_work, payment_plan.",
}
"""What clause bodies can call besides the names (not in `when:` conditions)."""


def reference(example: dict[str, Any]) -> str:
    """Every name clauses can use, its type, meaning and an example, as a Markdown table.

    ``example``: a context (``build_context``) whose values are shown as examples.
    """
    rows = [
        "Money, percent, number and date values print the document's way "
        "(`{{ pricing.total }}`), are false when zero, and compare with numbers "
        "(`{% if pricing.total > 5000 %}`). A name that is not listed here is an error.",
        "",
        "| Name | Type | Meaning | Example |",
        "| --- | --- | --- | --- |",
    ]
    for name, field in Context.model_fields.items():
        rows += _rows(name, field.annotation, field.description or "", example.get(name))
    rows += ["", "| Function | Meaning |", "| --- | --- |"]
    rows += [f"| `{call}` | {meaning} |" for call, meaning in FUNCTIONS.items()]
    return "\n".join(rows) + "\n"


def _rows(name: str, annotation: Any, meaning: str, example: Any) -> list[str]:
    inner, optional, listed = _unwrap(annotation)
    kind = _kind(inner)
    kind = f"list of {kind}s" if listed else kind
    kind = f"{kind} or none" if optional else kind
    if listed:
        example = example[0] if example else None
    grouped = isinstance(example, Record | Extra)
    shown = "" if example is None or grouped else _example(example, listed)
    rows = [f"| `{name}` | {kind} | {meaning} | {shown} |"]
    if isinstance(inner, type) and issubclass(inner, Record):
        prefix = f"{name}[]" if listed else name
        for field_name, field in inner.model_fields.items():
            value = getattr(example, field_name) if isinstance(example, Record) else None
            rows += _rows(f"{prefix}.{field_name}", field.annotation, field.description or "",
                          value)
    return rows


def _unwrap(annotation: Any) -> tuple[Any, bool, bool]:
    optional = listed = False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        optional = True
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is tuple:
        listed = True
        annotation = typing.get_args(annotation)[0]
    return annotation, optional, listed


def _kind(annotation: Any) -> str:
    if isinstance(annotation, type) and issubclass(annotation, Printed | Record | Extra):
        return annotation.kind
    return {str: "text", int: "whole number", bool: "yes/no"}.get(annotation, str(annotation))


def _example(value: Any, listed: bool) -> str:
    text = "yes" if value is True else "no" if value is False else str(value)
    text = " ".join(text.split()).replace("|", "\\|")
    if not text:
        return ""
    if len(text) > 40:
        text = text[:39].rstrip() + "…"
    return f"`{text}`" + (" …" if listed else "")
