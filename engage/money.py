"""The figures of an engagement, computed with Decimal to the currency's precision.

Each line, the discount and each tax is rounded half-up to the currency's smallest unit
once, and every later figure is computed from the rounded ones, so the totals printed in the
document always add up exactly. Instalments are rounded one by one and the last absorbs the
rounding, so they always add up to the total to the cent; none is ever more than what is left
of the total, so none is negative.

Everything runs in ``models.EXACT``: any rounding other than those raises instead of
silently changing an amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext

from engage.models import EXACT, Spec, round_money

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Line:
    description: str
    amount: Decimal
    quantity: Decimal | None = None
    unit: str | None = None
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class TaxLine:
    name: str
    percent: Decimal
    base: Decimal
    amount: Decimal


@dataclass(frozen=True)
class InstalmentLine:
    when: str
    percent: Decimal
    amount: Decimal
    is_deposit: bool = False


@dataclass(frozen=True)
class Figures:
    lines: tuple[Line, ...]
    subtotal: Decimal
    discount: Decimal
    fees: Decimal
    taxes: tuple[TaxLine, ...]
    total: Decimal
    instalments: tuple[InstalmentLine, ...]
    free_work_total: Decimal


def quantize(amount: Decimal, digits: int) -> Decimal:
    """Round half-up to ``digits`` decimals."""
    return round_money(amount, digits)


def split(total: Decimal, percents: list[Decimal], digits: int) -> list[Decimal]:
    """Split ``total`` by ``percents`` (summing to 100); the last share absorbs rounding.

    Each share is rounded half-up but never more than what is left of the total, so that with
    tiny totals or tiny last shares no share comes out negative.
    """
    with localcontext(EXACT):
        shares: list[Decimal] = []
        left = total
        for percent in percents[:-1]:
            share = min(quantize(total * percent / HUNDRED, digits), left)
            shares.append(share)
            left -= share
        return [*shares, left]


def compute(spec: Spec, digits: int) -> Figures:
    """Every amount the document shows, from the validated spec."""
    with localcontext(EXACT):
        return _compute(spec, digits)


def _compute(spec: Spec, digits: int) -> Figures:
    lines = tuple(
        Line(item.description, item.amount)
        if item.amount is not None
        else Line(
            item.description,
            item.price(digits),
            item.quantity,
            item.unit,
            item.unit_price,
        )
        for item in spec.pricing.items
    )
    subtotal = sum((line.amount for line in lines), Decimal(0))
    discount = Decimal(0)
    if spec.pricing.discount is not None:
        if spec.pricing.discount.amount is not None:
            discount = spec.pricing.discount.amount
        else:
            assert spec.pricing.discount.percent is not None
            discount = quantize(subtotal * spec.pricing.discount.percent / HUNDRED, digits)
    fees = subtotal - discount
    running = fees
    taxes: list[TaxLine] = []
    for tax in spec.pricing.taxes:
        base = fees if tax.on == "fees" else running
        amount = quantize(base * tax.percent / HUNDRED, digits)
        taxes.append(TaxLine(tax.name, tax.percent, base, amount))
        running += amount
    total = running

    plan = [("", spec.payment.deposit_percent, True)] if spec.payment.deposit_percent else []
    plan += [(step.when, step.percent, False) for step in spec.payment.schedule]
    amounts = split(total, [percent for _, percent, _ in plan], digits) if plan else []
    instalments = tuple(
        InstalmentLine(when, percent, amount, is_deposit)
        for (when, percent, is_deposit), amount in zip(plan, amounts, strict=True)
    )
    free_work_total = sum((work.list_value for work in spec.free_work), Decimal(0))
    return Figures(
        lines, subtotal, discount, fees, tuple(taxes), total, instalments, free_work_total
    )
