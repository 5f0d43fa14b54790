"""What clauses and templates see: the spec and its figures, formatted for the document.

Only plain dicts, lists, strings, numbers and booleans go in, never the models themselves,
so a hostile clause has nothing to reach through, and every amount and date is already
written the local way. This is the contract between engage and every clause library.
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from engage.formats import Formats
from engage.models import Party, Spec, parse_extra
from engage.money import Figures


def build_context(spec: Spec, figures: Figures, formats: Formats) -> dict[str, Any]:
    """The variables every clause body, ``when:`` condition and template can use.

    Groups are namespaces rather than dicts, so that ``pricing.items`` is the list of
    items and not the dict method of the same name.
    """
    return {name: _record(value) for name, value in _plain(spec, figures, formats).items()}


def _record(value: Any) -> Any:
    if isinstance(value, dict):
        return SimpleNamespace(**{key: _record(item) for key, item in value.items()})
    if isinstance(value, list):
        return [_record(item) for item in value]
    return value


def _plain(spec: Spec, figures: Figures, formats: Formats) -> dict[str, Any]:
    money, day, percent = formats.money, formats.date, formats.percent
    titles = {deliverable.id: deliverable.title for deliverable in spec.scope.deliverables}
    discount = spec.pricing.discount
    deposit = next((step for step in figures.instalments if step.is_deposit), None)
    return {
        "language": spec.language,
        "currency": spec.currency,
        "reference": spec.reference,
        "issued": day(spec.issued),
        "valid_until": day(spec.valid_until) if spec.valid_until else None,
        "provider": _party(spec.provider),
        "client": _party(spec.client),
        "project": {
            "title": spec.project.title,
            "summary": spec.project.summary,
            "start": day(spec.project.start),
            "end": day(spec.project.end),
        },
        "scope": {
            "deliverables": [
                {
                    "id": deliverable.id,
                    "title": deliverable.title,
                    "due": day(deliverable.due) if deliverable.due else None,
                    "acceptance": deliverable.acceptance,
                }
                for deliverable in spec.scope.deliverables
            ],
            "included": list(spec.scope.included),
            "excluded": list(spec.scope.excluded),
            "revision_rounds": spec.scope.revision_rounds,
        },
        "client_duties": [
            {
                "duty": duty.duty,
                "due": day(duty.due) if duty.due else None,
                "within_days": duty.within_days,
                "within_working_days": duty.within_working_days,
                "after": duty.after,
                "if_late": duty.if_late,
                "needed_for": titles.get(duty.needed_for) if duty.needed_for else None,
            }
            for duty in spec.client_duties
        ],
        "pricing": {
            "items": [
                {
                    "description": line.description,
                    "quantity": formats.number(line.quantity) if line.quantity else None,
                    "unit": line.unit,
                    "unit_price": money(line.unit_price) if line.unit_price else None,
                    "amount": money(line.amount),
                }
                for line in figures.lines
            ],
            "subtotal": money(figures.subtotal),
            "discount": None
            if discount is None
            else {
                "percent": percent(discount.percent) if discount.percent is not None else None,
                "amount": money(figures.discount),
                "reason": discount.reason,
                "one_off": discount.one_off,
            },
            "fees": money(figures.fees),
            "taxes": [
                {
                    "name": tax.name,
                    "percent": percent(tax.percent),
                    "base": money(tax.base),
                    "amount": money(tax.amount),
                }
                for tax in figures.taxes
            ],
            "total": money(figures.total),
            "tax_note": spec.pricing.tax_note,
            **_pricing_terms(spec, figures, formats),
        },
        "free_work": {
            "items": [
                {"description": work.description, "list_value": money(work.list_value)}
                for work in spec.free_work
            ],
            "total": money(figures.free_work_total),
        },
        "payment": {
            "deposit_percent": percent(spec.payment.deposit_percent),
            "total_percent": percent(Decimal(100)),
            "deposit": money(deposit.amount) if deposit else None,
            "instalments": [
                {
                    "when": step.when,
                    "percent": percent(step.percent) if step.percent is not None else None,
                    "amount": money(step.amount),
                    "is_deposit": step.is_deposit,
                    "number": step.number,
                }
                for step in figures.instalments
            ],
            "equal_instalments": spec.payment.equal_instalments,
            "by_amount": any(step.percent is None for step in figures.instalments),
            "due_days": spec.payment.due_days,
            "late_interest": spec.payment.late_interest,
            "method": spec.payment.method,
        },
        "changes": None
        if spec.changes is None
        else {
            "in_writing": spec.changes.in_writing,
            "quote_before_work": spec.changes.quote_before_work,
            "hourly_rate": money(spec.changes.hourly_rate)
            if spec.changes.hourly_rate is not None
            else None,
        },
        "communication": None if spec.communication is None else spec.communication.model_dump(),
        "feedback": None if spec.feedback is None else spec.feedback.model_dump(),
        "complaints": None if spec.complaints is None else spec.complaints.model_dump(),
        "exit": None
        if spec.exit is None
        else {
            "notice_days": spec.exit.notice_days,
            "kill_fee_percent": percent(spec.exit.kill_fee_percent)
            if spec.exit.kill_fee_percent is not None
            else None,
            "provider_may_end_if": list(spec.exit.provider_may_end_if),
            "client_may_end_if": list(spec.exit.client_may_end_if),
            "handover": spec.exit.handover,
        },
        "non_negotiable": list(spec.non_negotiable),
        "extra": _extra(spec, formats),
        "specific_approval": spec.language in ("it", "ro")
        if spec.specific_approval is None
        else spec.specific_approval,
    }


def _party(party: Party) -> dict[str, Any]:
    return party.model_dump()


def _pricing_terms(spec: Spec, figures: Figures, formats: Formats) -> dict[str, Any]:
    """Withholding and the net to pay, retainer, time and materials, expenses."""
    money, percent, number = formats.money, formats.percent, formats.number
    pricing = spec.pricing
    retainer, hourly, expenses = pricing.retainer, pricing.time_and_materials, pricing.expenses
    return {
        "withholding": [
            {
                "name": held.name,
                "percent": percent(held.percent),
                "base": money(held.base),
                "amount": money(held.amount),
            }
            for held in figures.withholdings
        ],
        "net": money(figures.net),
        "payable": money(figures.payable),
        "is_estimate": hourly is not None,
        "retainer": None
        if retainer is None
        else {
            "description": retainer.description,
            "period": retainer.period,
            "fee": money(retainer.fee),
            "minimum_periods": retainer.minimum_periods,
            "commitment": money(figures.payable),
            "hours_included": number(retainer.hours_included)
            if retainer.hours_included is not None
            else None,
            "includes": list(retainer.includes),
            "extra_hour_rate": money(retainer.extra_hour_rate)
            if retainer.extra_hour_rate is not None
            else None,
            "unused_hours_roll_over": retainer.unused_hours_roll_over,
            "notice_days": retainer.notice_days,
        },
        "time_and_materials": None
        if hourly is None
        else {
            "cap": money(hourly.cap) if hourly.cap is not None else None,
            "reporting": hourly.reporting,
            "invoice_every": hourly.invoice_every,
        },
        "expenses": None
        if expenses is None
        else {
            "flat_percent": percent(expenses.flat_percent)
            if expenses.flat_percent is not None
            else None,
            "amount": money(figures.expenses) if expenses.flat_percent is not None else None,
            "cap": money(expenses.cap) if expenses.cap is not None else None,
            "prior_approval": expenses.prior_approval,
            "items": list(expenses.items),
        },
    }


def _extra(spec: Spec, formats: Formats) -> dict[str, Any]:
    """The declared per-client values, written the local way (money, dates, percentages)."""
    digits = 2
    shown: dict[str, Any] = {}
    for name, value in spec.extra.items():
        kind = spec.extra_fields[name].type
        parsed = parse_extra(kind, value, digits if kind != "money" else 100)
        if kind == "money":
            shown[name] = formats.money(parsed)
        elif kind == "date":
            shown[name] = formats.date(parsed)
        elif kind == "percent":
            shown[name] = formats.percent(parsed)
        elif kind == "number":
            shown[name] = formats.number(parsed)
        else:
            shown[name] = parsed
    return shown
