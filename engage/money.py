"""The figures of an engagement, computed with Decimal to the currency's precision.

Each line, the discount and each tax is rounded half-up to the currency's smallest unit
once, and every later figure is computed from the rounded ones, so the totals printed in the
document always add up exactly. Instalments are rounded one by one and the last absorbs the
rounding, so they always add up to the total to the cent; none is ever more than what is left
of the total, so none is negative.

The amount to pay is the total less any withholding (the Italian ritenuta d'acconto, on the
fees only); for a retainer the figures are per period, and the plan splits the net of the
minimum term. The plan gives percentages, fixed amounts (which validation makes add up to the
amount to pay) or equal instalments.

Everything runs in ``models.EXACT``: any rounding other than those raises instead of
silently changing an amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, Overflow, localcontext

from engage.models import EXACT, Spec, round_money

HUNDRED = Decimal(100)
# Equal shares divide, which is the one inexact operation: it runs here, and is then rounded.
_DIVIDING = Context(prec=100, rounding=ROUND_HALF_UP, traps=[InvalidOperation, Overflow])


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
    percent: Decimal | None
    """Share of the amount to pay; None when the plan gives amounts."""
    amount: Decimal
    is_deposit: bool = False
    number: int = 0
    """Position among equal instalments (1, 2, ...); 0 in a schedule."""


@dataclass(frozen=True)
class Figures:
    lines: tuple[Line, ...]
    subtotal: Decimal
    discount: Decimal
    expenses: Decimal
    """Flat-rate expenses, a percentage of the fees after discount (0 when none)."""
    fees: Decimal
    """Fees after discount, with flat-rate expenses: the base of `on: fees` taxes."""
    taxes: tuple[TaxLine, ...]
    total: Decimal
    withholdings: tuple[TaxLine, ...]
    net: Decimal
    """The total less what the client withholds: what the client actually pays."""
    payable: Decimal
    """What the payment plan splits: the net, or for a retainer the net of the minimum term."""
    instalments: tuple[InstalmentLine, ...]
    free_work_total: Decimal
    periods: int = 0
    """For a retainer, the minimum term in periods (the figures above are per period)."""


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


def split_equally(total: Decimal, count: int, digits: int) -> list[Decimal]:
    """``count`` equal shares of ``total``, each rounded half-up and never more than what is
    left; the last absorbs the rounding."""
    with localcontext(_DIVIDING):
        share = quantize(total / count, digits)
    with localcontext(EXACT):
        shares: list[Decimal] = []
        left = total
        for _ in range(count - 1):
            part = min(share, left)
            shares.append(part)
            left -= part
        return [*shares, left]


def compute(spec: Spec, digits: int) -> Figures:
    """Every amount the document shows, from the validated spec."""
    with localcontext(EXACT):
        return _compute(spec, digits)


def _compute(spec: Spec, digits: int) -> Figures:
    pricing = spec.pricing
    retainer = pricing.retainer
    if retainer is not None:
        lines: tuple[Line, ...] = (Line(retainer.description, retainer.fee),)
    else:
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
            for item in pricing.items
        )
    subtotal = sum((line.amount for line in lines), Decimal(0))
    discount = Decimal(0)
    if pricing.discount is not None:
        if pricing.discount.amount is not None:
            discount = pricing.discount.amount
        else:
            assert pricing.discount.percent is not None
            discount = quantize(subtotal * pricing.discount.percent / HUNDRED, digits)
    expenses = Decimal(0)
    if pricing.expenses is not None and pricing.expenses.flat_percent is not None:
        flat = pricing.expenses.flat_percent
        expenses = quantize((subtotal - discount) * flat / HUNDRED, digits)
    fees = subtotal - discount + expenses
    running = fees
    taxes: list[TaxLine] = []
    for tax in pricing.taxes:
        base = fees if tax.on == "fees" else running
        amount = quantize(base * tax.percent / HUNDRED, digits)
        taxes.append(TaxLine(tax.name, tax.percent, base, amount))
        running += amount
    total = running
    withholdings = tuple(
        TaxLine(held.name, held.percent, fees, quantize(fees * held.percent / HUNDRED, digits))
        for held in pricing.withholding
    )
    net = total - sum((held.amount for held in withholdings), Decimal(0))
    periods = retainer.minimum_periods if retainer is not None else 0
    payable = net * periods if retainer is not None else net
    free_work_total = sum((work.list_value for work in spec.free_work), Decimal(0))
    return Figures(
        lines,
        subtotal,
        discount,
        expenses,
        fees,
        tuple(taxes),
        total,
        withholdings,
        net,
        payable,
        _plan(spec, payable, digits),
        free_work_total,
        periods,
    )


def _plan(spec: Spec, payable: Decimal, digits: int) -> tuple[InstalmentLine, ...]:
    """The instalments: percentages of ``payable``, fixed amounts, or equal shares."""
    payment = spec.payment
    if payment.equal_instalments:
        shares = split_equally(payable, payment.equal_instalments, digits)
        return tuple(
            InstalmentLine("", None, share, number=index)
            for index, share in enumerate(shares, 1)
        )
    deposit = (
        [InstalmentLine("", payment.deposit_percent, Decimal(0), True)]
        if payment.deposit_percent
        else []
    )
    steps = deposit + [
        InstalmentLine(step.when, step.percent, step.amount or Decimal(0))
        for step in payment.schedule
    ]
    if any(step.amount is not None for step in payment.schedule):
        # Fixed amounts: validation made sure they add up to ``payable`` to the cent.
        return tuple(steps)
    percents = [step.percent or Decimal(0) for step in steps]
    amounts = split(payable, percents, digits) if steps else []
    return tuple(
        InstalmentLine(step.when, step.percent, amount, step.is_deposit)
        for step, amount in zip(steps, amounts, strict=True)
    )
