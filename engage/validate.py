"""Stage 2: turn loaded YAML into a validated ``Spec``, reporting every problem at once.

Each problem points at the line and column where the value (or, for an unknown field, the
key) was written, so that an editor can jump straight to it.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable
from decimal import Decimal, localcontext
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from engage.errors import InputError, Problem, SpecError
from engage.load import DataPath, Document
from engage.models import EXACT, MAX_INTEGER_DIGITS, Spec
from engage.money import Figures, compute

M = TypeVar("M", bound=BaseModel)


def currency_digits(currency: Any) -> int:
    """Decimals the currency allows (EUR 2, JPY 0); 2 when the code is unknown."""
    from babel.numbers import get_currency_precision, is_currency

    if isinstance(currency, str) and currency.isupper() and is_currency(currency):
        return int(get_currency_precision(currency))
    return 2


def validate(document: Document, languages: Iterable[str]) -> Spec:
    """The validated spec, or a ``SpecError`` listing every problem in it."""
    digits = currency_digits(document.data.get("currency"))
    context = {
        "currency_digits": digits,
        "languages": tuple(languages),
    }
    spec = parse_model(document, Spec, context, SpecError)
    with localcontext(EXACT):
        checks = _cross_checks(spec, digits)
    problems = [problem_at(document, path, message) for path, message in checks]
    if problems:
        raise SpecError(*_in_file_order(problems))
    return spec


def parse_model(
    document: Document, model: type[M], context: dict[str, Any], error: type[InputError]
) -> M:
    """Validate ``document`` as ``model``; every problem at once, located, as ``error``."""
    try:
        return model.model_validate(document.data, context=context)
    except ValidationError as exc:
        problems = [_problem(document, model, details) for details in exc.errors()]
        raise error(*_in_file_order(problems)) from None


def problem_at(document: Document, path: DataPath, message: str, *, key: bool = False) -> Problem:
    """A problem located at ``path`` in the document."""
    mark = document.mark_for(path, key=key)
    return Problem(document.file_of(mark), message, mark.line, mark.col, field_path(path))


def field_path(path: DataPath) -> str:
    """``("scope", "deliverables", 0, "due")`` -> ``scope.deliverables[0].due``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (str(p.file), p.line or 0, p.col or 0))


def _problem(document: Document, model: type[BaseModel], error: Any) -> Problem:
    path: DataPath = tuple(part for part in error["loc"] if not isinstance(part, str) or part)
    kind = error["type"]
    if kind == "extra_forbidden":
        path = tuple(error["loc"])  # as written: the unknown key may be "" itself
        name = str(path[-1])
        message = f"unknown field {name!r}"
        close = difflib.get_close_matches(name, _field_names(model, path[:-1]), n=1, cutoff=0.6)
        if close:
            message += f"; did you mean {close[0]!r}?"
        return problem_at(document, path, message, key=True)
    if kind == "missing":
        return problem_at(document, path, "this field is required")
    messages = {
        "model_type": "expected a group of `field: value` lines",
        "model_attributes_type": "expected a group of `field: value` lines",
        "dict_type": "expected a group of `field: value` lines",
        "list_type": "expected a list of items, each on a line starting with '- '",
        "string_type": "expected text",
        "too_short": "must not be empty",
        "string_too_short": "must not be empty",
        "literal_error": error["msg"].replace("Input should be", "must be"),
    }
    message = messages.get(kind) or str(error["msg"]).removeprefix("Value error, ")
    return problem_at(document, path, message)


def _field_names(root: type[BaseModel], path: DataPath) -> list[str]:
    """Field names allowed at ``path`` in the model, for "did you mean" suggestions."""
    model: type[BaseModel] | None = root
    for part in path:
        if model is None:
            return []
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field else None
    return list(model.model_fields) if model else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (list, typing.Union, types.UnionType):
        for argument in typing.get_args(annotation):
            found = _model_in(argument)
            if found:
                return found
    return None


def _cross_checks(spec: Spec, digits: int) -> list[tuple[DataPath, str]]:
    """Rules that span several fields, each reported at the field to change."""
    problems: list[tuple[DataPath, str]] = []
    project = spec.project
    if project.end < project.start:
        problems.append((("project", "end"), f"`end` ({project.end}) is before `start`"))
    if spec.valid_until is not None and spec.valid_until < spec.issued:
        problems.append((("valid_until",), f"{spec.valid_until} is before `issued`"))
    ids = {deliverable.id for deliverable in spec.scope.deliverables}
    for index, deliverable in enumerate(spec.scope.deliverables):
        if deliverable.due is not None and deliverable.due > project.end:
            problems.append(
                (
                    ("scope", "deliverables", index, "due"),
                    f"{deliverable.due} is after the project's end ({project.end})",
                )
            )
        if deliverable.due is not None and deliverable.due < project.start:
            problems.append(
                (
                    ("scope", "deliverables", index, "due"),
                    f"{deliverable.due} is before the project's start ({project.start})",
                )
            )
    for index, duty in enumerate(spec.client_duties):
        if duty.due is not None and duty.due > project.end:
            problems.append(
                (
                    ("client_duties", index, "due"),
                    f"{duty.due} is after the project's end ({project.end})",
                )
            )
        if duty.needed_for is not None and duty.needed_for not in ids:
            problems.append(
                (
                    ("client_duties", index, "needed_for"),
                    f"no deliverable has the id {duty.needed_for!r}; "
                    f"ids are: {', '.join(sorted(ids))}",
                )
            )
    payment = spec.payment
    for index, step in enumerate(payment.schedule):
        if step.percent == 0:
            problems.append((("payment", "schedule", index, "percent"), "must be more than 0"))
    planned = payment.deposit_percent + sum((s.percent for s in payment.schedule), Decimal(0))
    if planned != 100:
        problems.append(
            (
                ("payment",),
                f"the deposit and instalments add up to {planned} percent, not 100",
            )
        )
    # The figures exactly as the build computes them, so that what is checked is what prints.
    try:
        figures: Figures | None = compute(spec, digits)
    except ArithmeticError:  # a figure with more digits than the exact context holds
        figures = None
    discount = spec.pricing.discount
    if (
        figures is not None
        and discount is not None
        and discount.amount is not None
        and figures.discount > figures.subtotal
    ):
        problems.append(
            (
                ("pricing", "discount", "amount"),
                f"the discount ({discount.amount}) is larger than the fees ({figures.subtotal})",
            )
        )
    largest = None if figures is None else max(figures.subtotal, figures.total)
    if largest is None or largest >= 10**MAX_INTEGER_DIGITS:
        about = "" if largest is None else f" about {largest:.0f},"
        problems.append(
            (
                ("pricing",),
                f"the prices with taxes come to{about} more than engage can compute exactly "
                f"(at most {MAX_INTEGER_DIGITS} digits before the decimal point)",
            )
        )
    return problems
