"""What clauses and templates see: the contract between engage and every clause library.

Each group of names is a frozen, typed record below, one field per name, with its docstring:
the reference for clause authors (``engage clauses context``, ``engage.reference``) comes from these
records, so it cannot drift. Amounts, percentages, numbers and dates are ``engage.values``
objects, which print themselves the local way and keep their value (zero is false).

A record is filled from the spec model (or the computed figures) of the same shape: a field
whose name matches the source is copied and converted by its type, so adding a name that
the spec already has is one line (and its docstring) in one record. Figures and anything
derived are passed in explicitly by ``build_context``.

Records hold no models and no methods a clause can reach: the sandbox lets a clause read
only a record's fields, and a name that is not one of them is an error with "did you mean".
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, PrivateAttr

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
from engage.models import Spec, parse_extra
from engage.money import Figures
from engage.sandbox import did_you_mean
from engage.values import Day, Money, Number, Percent, Printed


class Record(BaseModel):
    """A group of names clauses can use; only its fields are visible to them."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, arbitrary_types_allowed=True, use_attribute_docstrings=True
    )
    _where: str = PrivateAttr(default="")
    kind: ClassVar[str] = "group"

    @classmethod
    def of(cls, source: Any, formats: Formats, where: str, **given: Any) -> typing.Self:
        """The record for ``source``: each field from ``given``, else from the attribute of
        ``source`` with the same name, converted to the field's type."""
        values = {}
        for name, field in cls.model_fields.items():
            if name in given:
                raw = given[name]
            elif isinstance(source, dict):
                raw = source.get(name)
            else:
                raw = getattr(source, name)
            values[name] = _convert(field.annotation, raw, formats, f"{where}.{name}")
        record = cls(**values)
        record._where = where
        return record

    def unknown_name(self, name: str) -> str | None:
        """Why ``name`` is not a name of this record (for the sandbox); None if it is one."""
        names = list(type(self).model_fields)
        if name in names:
            return None
        where = self._where.lstrip(".")
        return did_you_mean(f"{where} has no name {name!r}", name, names)


def _convert(annotation: Any, raw: Any, formats: Formats, where: str) -> Any:
    if raw is None:
        return None
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        annotation = next(argument for argument in arguments if argument is not type(None))
        return _convert(annotation, raw, formats, where)
    if origin is tuple:
        item = f"a {where.lstrip('.')} item"
        return tuple(_convert(arguments[0], value, formats, item) for value in raw)
    if isinstance(annotation, type) and isinstance(raw, annotation):
        return raw
    if isinstance(annotation, type) and issubclass(annotation, Printed):
        return annotation(raw, formats)
    if isinstance(annotation, type) and issubclass(annotation, Record):
        return annotation.of(raw, formats, where)
    return raw


# The records, from the leaves up. -----------------------------------------------------------


class Party(Record):
    name: str
    """Legal or trading name."""
    address: str
    """Postal address."""
    tax_id: str | None
    """VAT number or tax code."""
    tax_id_label: str | None
    """Label printed before the tax ID instead of the language's own, e.g. CUI."""
    email: str | None
    """Email address."""
    phone: str | None
    """Phone number."""
    iban: str | None
    """Bank account (IBAN) for payments."""
    signatory: str
    """Person who signs, with their role."""
    country: str | None
    """ISO 3166-1 alpha-2 code of the country, e.g. IT."""
    registration: str | None
    """Register entry (trade register, professional order, Companies House)."""


class Insurance(Record):
    insurer: str
    """The insurer."""
    policy: str
    """The policy number."""
    cover: Money
    """The cover (limit of indemnity)."""


class Provider(Party):
    profession: str | None
    """The regulated profession, if any (architect, engineer, ...)."""
    insurance: Insurance | None
    """Professional liability insurance."""


class Client(Party):
    consumer: bool
    """The client is a consumer (a private person, not acting for a business)."""
    sole_trader: bool
    """The client is a person trading on their own account."""


class ConsumerLaw(Record):
    withdrawal: str
    """The statute on the right of withdrawal, cited as the document's language does."""
    unfair: str
    """The statute on unfair terms in consumer contracts."""
    authority: str
    """The data-protection authority a person may complain to."""
    gdpr: str
    """The data-protection law."""


class Law(Record):
    country: str | None
    """ISO code of the country whose law governs the terms."""
    region: str | None
    """A US state, Scotland, ..., where the law is a region's."""
    name: str | None
    """The governing law by name, e.g. Italian law, the law of England and Wales."""
    court: str | None
    """The court that decides disputes."""
    eu: bool
    """The governing law is that of an EEA country."""
    consumer: str | None
    """The consumer-protection regime that applies (IT, RO, GB, EU), if the client is a
    consumer."""
    consumer_law: ConsumerLaw | None
    """The consumer statutes cited, for a consumer client."""
    privacy_law: ConsumerLaw | None
    """The data-protection statutes cited in the privacy notice."""
    approval: bool
    """The law asks for specific written approval of onerous clauses (IT, RO)."""
    eu_claims: bool
    """The European payment-order and small-claims procedures are open (both parties in
    different EU countries)."""


class Project(Record):
    title: str
    """The project's title."""
    summary: str
    """The project in a few sentences."""
    start: Day
    """Date work starts."""
    end: Day
    """Date work is planned to end."""


class Deliverable(Record):
    id: str
    """Short id, used by client duties' `needed_for`."""
    title: str
    """What is delivered."""
    due: Day | None
    """Delivery date."""
    acceptance: str | None
    """How the client accepts it."""


class Scope(Record):
    deliverables: tuple[Deliverable, ...]
    """What is delivered, in the spec's order."""
    included: tuple[str, ...]
    """Work included in the price, beyond the deliverables."""
    excluded: tuple[str, ...]
    """Work explicitly not included."""
    revision_rounds: int | None
    """Rounds of revisions included for each deliverable."""


class ClientDuty(Record):
    duty: str
    """What the client must do or provide."""
    due: Day | None
    """By when."""
    if_late: str | None
    """What happens if the client is late."""
    within_days: int | None
    """Days to do it, counted from `after` (a duty with no single date)."""
    within_working_days: int | None
    """Working days to do it, counted from `after`."""
    after: str | None
    """The event the days count from, e.g. each delivery."""
    needed_for: str | None
    """Title of the deliverable that depends on this duty."""


class PriceLine(Record):
    description: str
    """What the line is for."""
    quantity: Number | None
    """Units, for a line priced per unit."""
    unit: str | None
    """The unit, e.g. hour."""
    unit_price: Money | None
    """Price of one unit."""
    amount: Money
    """The line's amount."""


class Discount(Record):
    percent: Percent | None
    """The discount as a percentage of the fees, if it was given as one."""
    amount: Money
    """The discount as an amount."""
    reason: str | None
    """Why it is given."""
    one_off: bool
    """It applies to this engagement only."""


class Tax(Record):
    name: str
    """Name of the tax, e.g. VAT."""
    percent: Percent
    """Its rate."""
    base: Money
    """The amount it is computed on."""
    amount: Money
    """The tax."""


class Retainer(Record):
    description: str
    """What the periodic fee is for."""
    period: str
    """week, month or quarter."""
    fee: Money
    """The fee per period."""
    minimum_periods: int
    """Periods the client commits to at least."""
    commitment: Money
    """The minimum commitment: fee times minimum periods (with taxes, less withholding)."""
    hours_included: Number | None
    """Hours of work included in each period."""
    includes: tuple[str, ...]
    """What else each period includes."""
    extra_hour_rate: Money | None
    """Rate for hours beyond those included."""
    unused_hours_roll_over: bool
    """Unused hours carry over to the next period."""
    notice_days: int | None
    """Days of notice to end the retainer."""


class TimeAndMaterials(Record):
    cap: Money | None
    """Fees not exceeded without the client's written approval."""
    reporting: str | None
    """How time is reported to the client."""
    invoice_every: str
    """week or month."""


class Expenses(Record):
    flat_percent: Percent | None
    """Expenses as a flat percentage of the fees, if so agreed."""
    amount: Money | None
    """The flat-rate expenses, when they are a percentage."""
    cap: Money | None
    """Expenses at cost are reimbursed up to this amount."""
    prior_approval: bool
    """Each expense at cost needs the client's approval first."""
    items: tuple[str, ...]
    """The kinds of cost that may be charged."""


class Extra:
    """The workspace's own per-client values (``extra.NAME``), declared in its profile."""

    kind: ClassVar[str] = "values named in the profile"

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __iter__(self) -> Iterator[Any]:
        """The values (so that the amount guard sees declared money as spec figures)."""
        return iter(self._values.values())

    def __bool__(self) -> bool:
        return bool(self._values)

    def unknown_name(self, name: str) -> str | None:
        """Why ``name`` is not a declared value here (for the sandbox); None if it is one."""
        if name in self._values:
            return None
        return did_you_mean(f"extra has no value {name!r}", name, list(self._values))


class Pricing(Record):
    items: tuple[PriceLine, ...]
    """The price lines."""
    subtotal: Money
    """Sum of the lines."""
    discount: Discount | None
    """The discount, if any."""
    fees: Money
    """Subtotal less the discount: the fees before tax."""
    taxes: tuple[Tax, ...]
    """Taxes, in the order they are added."""
    total: Money
    """Fees plus taxes: the total payable (before any withholding)."""
    withholding: tuple[Tax, ...]
    """Taxes the client withholds from the fees and pays to the tax office (ritenuta)."""
    net: Money
    """Total less withholding."""
    payable: Money
    """What the client pays: the net, or for a retainer its minimum commitment."""
    is_estimate: bool
    """The prices are an estimate (time and materials), not a fixed total."""
    retainer: Retainer | None
    """A periodic fee, if the engagement is a retainer."""
    time_and_materials: TimeAndMaterials | None
    """Rates, cap and time reports, if the work is charged by time."""
    expenses: Expenses | None
    """How expenses are charged."""
    tax_note: str | None
    """Note printed under the prices, e.g. a VAT exemption."""


class FreeItem(Record):
    description: str
    """Work given free of charge."""
    list_value: Money
    """What it would cost at list price (not billed)."""


class FreeWork(Record):
    items: tuple[FreeItem, ...]
    """The work given free."""
    total: Money
    """Sum of the list values."""


class Instalment(Record):
    when: str
    """The event that makes it due (empty for the deposit)."""
    percent: Percent | None
    """Share of the total (none when the instalment was given as an amount)."""
    amount: Money
    """Amount due."""
    is_deposit: bool
    """This is the deposit, due on signature."""
    number: int
    """Its number in the plan, from 1."""


class Payment(Record):
    deposit_percent: Percent
    """Share of the total due on signature (0% when there is no deposit)."""
    total_percent: Percent
    """100%, for the total line of the payment plan."""
    deposit: Money | None
    """The deposit, if there is one."""
    instalments: tuple[Instalment, ...]
    """The deposit (first) and the other instalments."""
    equal_instalments: int | None
    """The plan is this many equal instalments."""
    by_amount: bool
    """Some instalments were given as amounts rather than percentages."""
    due_days: int
    """Days from an invoice's date to pay it."""
    late_interest: str | None
    """Interest charged on late payment."""
    method: str | None
    """How to pay."""


class Changes(Record):
    in_writing: bool
    """Changes are agreed in writing."""
    quote_before_work: bool
    """Every change is quoted before work on it starts."""
    hourly_rate: Money | None
    """Rate for work outside the scope."""


class Communication(Record):
    channel: str
    """Where decisions are recorded, e.g. email."""
    recap_within_days: int | None
    """Working days to send a written recap after a call."""


class Feedback(Record):
    every_weeks: int | None
    """How often the provider asks for feedback, in weeks."""


class Complaints(Record):
    respond_within_days: int | None
    """Working days to respond to a complaint."""
    remedy: str | None
    """What the provider does when something is wrong."""


class Exit(Record):
    notice_days: int | None
    """Days of written notice to end the engagement."""
    kill_fee_percent: Percent | None
    """Share of the fees not yet invoiced due if the client ends early without cause."""
    provider_may_end_if: tuple[str, ...]
    """When the provider may end the engagement at once."""
    client_may_end_if: tuple[str, ...]
    """When the client may end the engagement at once."""
    handover: str | None
    """What the client receives when the engagement ends."""


class Context(Record):
    """Every name a clause, a `when:` condition or a template can use."""

    language: str
    """Language of the document: en, it or ro."""
    currency: str
    """ISO 4217 code of the currency, e.g. EUR."""
    reference: str
    """The document's reference."""
    issued: Day
    """Date the terms are issued."""
    valid_until: Day | None
    """Last day the offer can be accepted."""
    locale: str
    """How money and dates are written, e.g. en-US."""
    provider: Provider
    """Who does the work."""
    client: Client
    """Who the work is for."""
    law: Law
    """The governing law and court."""
    project: Project
    """The project in brief."""
    scope: Scope
    """What is delivered, included and excluded."""
    client_duties: tuple[ClientDuty, ...]
    """What the client must do, by when."""
    pricing: Pricing
    """Prices, discount, taxes and total."""
    free_work: FreeWork
    """Work given free of charge."""
    payment: Payment
    """Deposit, instalments and payment terms."""
    changes: Changes | None
    """How changes to the scope are handled."""
    communication: Communication | None
    """How decisions are recorded."""
    feedback: Feedback | None
    """When feedback is asked for."""
    complaints: Complaints | None
    """How complaints are handled."""
    exit: Exit | None
    """How either side can end the engagement."""
    non_negotiable: tuple[str, ...]
    """Terms that are not open to negotiation."""
    extra: Extra
    """The workspace's own per-client values, as declared in its profile (`extra_fields`)."""
    specific_approval: bool
    """The document ends with the client's specific approval of onerous clauses."""
    privacy_notice: bool
    """The terms carry a privacy notice (the client is a person, the law or provider in the
    EU or UK)."""


def build_context(spec: Spec, figures: Figures, formats: Formats) -> dict[str, Any]:
    """The names every clause body, ``when:`` condition and template can use."""
    context = typed_context(spec, figures, formats)
    return {name: getattr(context, name) for name in Context.model_fields}


def typed_context(spec: Spec, figures: Figures, formats: Formats) -> Context:
    """What clauses see, as one typed record."""
    titles = {deliverable.id: deliverable.title for deliverable in spec.scope.deliverables}
    discount = spec.pricing.discount
    deposit = next((step for step in figures.instalments if step.is_deposit), None)
    duties = [
        ClientDuty.of(
            duty,
            formats,
            "a client_duties item",
            needed_for=titles.get(duty.needed_for) if duty.needed_for else None,
        )
        for duty in spec.client_duties
    ]
    return Context.of(
        spec,
        formats,
        "",
        client_duties=tuple(duties),
        pricing=Pricing.of(
            spec.pricing,
            formats,
            ".pricing",
            items=figures.lines,
            subtotal=figures.subtotal,
            discount=None
            if discount is None
            else Discount.of(discount, formats, ".pricing.discount", amount=figures.discount),
            fees=figures.fees,
            taxes=figures.taxes,
            total=figures.total,
            withholding=figures.withholdings,
            net=figures.net,
            payable=figures.payable,
            is_estimate=spec.pricing.time_and_materials is not None,
            retainer=None
            if spec.pricing.retainer is None
            else Retainer.of(
                spec.pricing.retainer, formats, ".pricing.retainer", commitment=figures.payable
            ),
            expenses=None
            if spec.pricing.expenses is None
            else Expenses.of(
                spec.pricing.expenses,
                formats,
                ".pricing.expenses",
                amount=figures.expenses if spec.pricing.expenses.flat_percent is not None
                else None,
            ),
        ),
        free_work=FreeWork.of(
            None, formats, ".free_work", items=spec.free_work, total=figures.free_work_total
        ),
        payment=Payment.of(
            spec.payment,
            formats,
            ".payment",
            total_percent=Decimal(100),
            deposit=deposit.amount if deposit else None,
            instalments=figures.instalments,
            by_amount=any(step.percent is None for step in figures.instalments),
        ),
        extra=_extra(spec, formats),
        locale=formats.tag or formats.locale.replace("_", "-"),
        law=_law(spec),
        specific_approval=needs_specific_approval(spec),
        privacy_notice=privacy_notice(spec),
    )



def _extra(spec: Spec, formats: Formats) -> Extra:
    """The declared per-client values as values clauses print the local way."""
    kinds: dict[str, Any] = {"money": Money, "date": Day, "percent": Percent, "number": Number}
    shown: dict[str, Any] = {}
    for name, value in spec.extra.items():
        kind = spec.extra_fields[name].type
        # Validation has checked the currency's decimals; here any precision parses.
        parsed = parse_extra(kind, value, 100)
        shown[name] = kinds[kind](parsed, formats) if kind in kinds else (
            tuple(parsed) if isinstance(parsed, list) else parsed
        )
    return Extra(shown)


def _law(spec: Spec) -> dict[str, Any]:
    """The governing law, its court and the statutes cited (see engage.law)."""
    country = law_country(spec)
    regime = consumer_regime(spec)
    privacy_place = country if country in EEA | {"GB"} else spec.provider.country
    privacy_regime = privacy_place if privacy_place in ("IT", "RO", "GB") else "EU"
    return {
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
    }
