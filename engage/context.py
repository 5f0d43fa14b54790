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
from engage.law import (
    APPROVAL_LAWS,
    EEA,
    EU,
    consumer_law,
    consumer_regime,
    default_court,
    law_country,
    law_name,
    needs_specific_approval,
    privacy_notice,
)
from engage.models import Party, Spec
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
                    "percent": percent(step.percent),
                    "amount": money(step.amount),
                    "is_deposit": step.is_deposit,
                }
                for step in figures.instalments
            ],
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
        **legal_context(spec, formats),
    }


def _party(party: Party) -> dict[str, Any]:
    return party.model_dump()


# Governing law, consumers, the professional's statutory details (issue 11) ----------------
# Everything the law adds to the context is built here, in one place, from engage.law.


def legal_context(spec: Spec, formats: Formats) -> dict[str, Any]:
    """``law``, ``locale``, ``specific_approval``, ``privacy_notice`` and the parties with
    their country, registration, profession, insurance (cover formatted) and consumer flag."""
    country = law_country(spec)
    regime = consumer_regime(spec)
    european = EEA | {"GB"}
    privacy_place = country if country in european else spec.provider.country
    privacy_regime = privacy_place if privacy_place in ("IT", "RO", "GB") else "EU"
    insurance = spec.provider.insurance
    provider = _party(spec.provider)
    provider["insurance"] = None if insurance is None else {
        "insurer": insurance.insurer,
        "policy": insurance.policy,
        "cover": formats.money(insurance.cover),
    }
    return {
        "locale": formats.tag or formats.locale.replace("_", "-"),
        "provider": provider,
        "client": _party(spec.client),
        "law": {
            "country": country,
            "region": spec.law.region,
            "name": law_name(spec.language, country, spec.law.region),
            "court": spec.law.court or default_court(spec.language, country, spec.law.region),
            "eu": country in EEA,
            "consumer": regime,
            "consumer_law": consumer_law(spec.language, regime),
            "privacy_law": consumer_law(spec.language, privacy_regime),
            "approval": country in APPROVAL_LAWS,
            # European order for payment / small claims: both parties in the EU, not Denmark.
            "eu_claims": bool(
                country in EU and spec.client.country in EU
                and spec.client.country != spec.provider.country
                and "DK" not in (country, spec.client.country)
            ),
        },
        "specific_approval": needs_specific_approval(spec),
        "privacy_notice": privacy_notice(spec),
    }
