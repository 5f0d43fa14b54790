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
from engage.models import EXACT, MAX_INTEGER_DIGITS, Spec, parse_extra
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
    problems += _duty_checks(spec)
    problems += _pricing_checks(spec)
    plan_problems = _plan_checks(spec)
    problems += plan_problems
    problems += _extra_checks(spec, digits)
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
    largest = None if figures is None else max(figures.subtotal, figures.total, figures.payable)
    if largest is None or largest >= 10**MAX_INTEGER_DIGITS:
        about = "" if largest is None else f" about {largest:.0f},"
        problems.append(
            (
                ("pricing",),
                f"the prices with taxes come to{about} more than engage can compute exactly "
                f"(at most {MAX_INTEGER_DIGITS} digits before the decimal point)",
            )
        )
    elif figures is not None and not plan_problems:
        problems += _amounts_add_up(spec, figures)
    return problems


def _duty_checks(spec: Spec) -> list[tuple[DataPath, str]]:
    problems: list[tuple[DataPath, str]] = []
    for index, duty in enumerate(spec.client_duties):
        for name in ("within_days", "within_working_days"):
            if getattr(duty, name) == 0:
                problems.append((("client_duties", index, name), "must be more than 0"))
    return problems


def _pricing_checks(spec: Spec) -> list[tuple[DataPath, str]]:
    problems: list[tuple[DataPath, str]] = []
    pricing = spec.pricing
    if pricing.retainer is not None and pricing.retainer.minimum_periods == 0:
        problems.append(
            (("pricing", "retainer", "minimum_periods"), "must be at least 1 period")
        )
    if pricing.time_and_materials is not None:
        for index, item in enumerate(pricing.items):
            if item.amount is not None:
                problems.append(
                    (
                        ("pricing", "items", index, "amount"),
                        "time and materials is priced by rate: give `quantity` (the estimate), "
                        "`unit` and `unit_price` instead of `amount`",
                    )
                )
    return problems


def _plan_checks(spec: Spec) -> list[tuple[DataPath, str]]:
    """The payment plan's shape: one way to split, shares that add up to 100 percent."""
    problems: list[tuple[DataPath, str]] = []
    payment = spec.payment
    if spec.pricing.time_and_materials is not None:
        if payment.deposit_percent or payment.schedule or payment.equal_instalments:
            problems.append(
                (
                    ("payment",),
                    "time and materials is invoiced as the time is worked: leave out "
                    "`deposit_percent`, `schedule` and `equal_instalments`",
                )
            )
        return problems
    if payment.equal_instalments is not None:
        if payment.equal_instalments == 0:
            problems.append((("payment", "equal_instalments"), "must be at least 1"))
        if payment.schedule or payment.deposit_percent:
            problems.append(
                (
                    ("payment", "equal_instalments"),
                    "give `equal_instalments` or a `deposit_percent` and `schedule`, not both",
                )
            )
        return problems
    by_amount = [index for index, s in enumerate(payment.schedule) if s.amount is not None]
    if by_amount:
        for index, step in enumerate(payment.schedule):
            if step.amount is None:
                problems.append(
                    (
                        ("payment", "schedule", index, "percent"),
                        "give every instalment as an `amount` when one of them is",
                    )
                )
            elif step.amount == 0:
                problems.append((("payment", "schedule", index, "amount"), "must be more than 0"))
        if payment.deposit_percent:
            problems.append(
                (
                    ("payment", "deposit_percent"),
                    "with instalments given as amounts, give the deposit as the first "
                    "instalment's `amount` (when: On signature)",
                )
            )
        return problems
    for index, step in enumerate(payment.schedule):
        if step.percent == 0:
            problems.append((("payment", "schedule", index, "percent"), "must be more than 0"))
    planned = payment.deposit_percent + sum(
        (s.percent or Decimal(0) for s in payment.schedule), Decimal(0)
    )
    if planned != 100:
        problems.append(
            (
                ("payment",),
                f"the deposit and instalments add up to {planned} percent, not 100",
            )
        )
    return problems


def _amounts_add_up(spec: Spec, figures: Figures) -> list[tuple[DataPath, str]]:
    """Instalments given as amounts add up to the amount to pay, to the cent."""
    schedule = spec.payment.schedule
    if spec.pricing.time_and_materials is not None or not any(
        step.amount is not None for step in schedule
    ):
        return []
    payable = figures.payable
    planned = sum((step.amount or Decimal(0) for step in schedule), Decimal(0))
    if planned == payable:
        return []
    what = "the net to pay" if spec.pricing.withholding else "the total"
    if spec.pricing.retainer is not None:
        what = "the minimum commitment"
    return [
        (
            ("payment", "schedule", len(schedule) - 1, "amount"),
            f"the instalments add up to {planned}, not {what} ({payable}): "
            f"{'short' if planned < payable else 'over'} by {abs(payable - planned)}",
        )
    ]


def _extra_checks(spec: Spec, digits: int) -> list[tuple[DataPath, str]]:
    """Each `extra` value is declared in `extra_fields` and has the declared type."""
    problems: list[tuple[DataPath, str]] = []
    declared = spec.extra_fields
    for name, value in spec.extra.items():
        field = declared.get(name)
        if field is None:
            close = difflib.get_close_matches(name, list(declared), n=1, cutoff=0.6)
            hint = (
                f"did you mean {close[0]!r}?"
                if close
                else "declare it under `extra_fields` in the workspace profile (engage.yaml)"
            )
            problems.append((("extra", name), f"{name!r} is not a declared extra field; {hint}"))
            continue
        try:
            parse_extra(field.type, value, digits)
        except ValueError as exc:
            problems.append((("extra", name), str(exc)))
    for name, field in declared.items():
        if field.required and name not in spec.extra:
            problems.append((("extra",), f"{name!r} is required ({field.type}): give it here"))
    return problems
