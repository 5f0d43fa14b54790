"""The engagement spec (format 1) as Pydantic models.

Every scalar arrives as the text the user wrote (see ``engage.load``), so the parsers below
decide exactly what is accepted: money and percentages are plain decimal numbers, dates are
``YYYY-MM-DD``. The validation context carries ``currency_digits`` (how many decimals the
spec's currency allows) and ``languages`` (the languages the clause library has).
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WHOLE = re.compile(r"[0-9]+")
_IDENT = re.compile(r"[a-z][a-z0-9_-]*")

# Numbers are bounded so that every figure engage computes from them is exact: amounts,
# quantities and percentages have at most 15 digits before the decimal point and 10 after,
# whole numbers at most 9 digits, and the arithmetic runs in EXACT, which has room for every
# sum and product of such numbers and traps any rounding engage did not ask for (the one
# rounding it does ask for is ``round_money``).
MAX_INTEGER_DIGITS = 15
MAX_DECIMALS = 10
MAX_WHOLE_DIGITS = 9
EXACT = Context(
    prec=100,
    rounding=ROUND_HALF_UP,
    traps=[InvalidOperation, DivisionByZero, Overflow, Inexact],
)
_ROUNDING = Context(prec=100, rounding=ROUND_HALF_UP, traps=[InvalidOperation, Overflow])


def round_money(amount: Decimal, digits: int) -> Decimal:
    """``amount`` rounded half-up to ``digits`` decimals."""
    return amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP, context=_ROUNDING)


def _shown(text: str) -> str:
    """``text`` quoted for a message, cut short if it is long."""
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _decimal_text(value: Any, what: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"expected {what}, like 1200.00")
    text = str(value).strip()
    if not _DECIMAL.fullmatch(text):
        raise ValueError(
            f"{_shown(text)} is not {what}: write digits with an optional decimal point, "
            "like 1200.50 (no sign, exponent, or thousands separator)"
        )
    whole, _, fraction = text.partition(".")
    if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS or len(fraction) > MAX_DECIMALS:
        raise ValueError(
            f"{_shown(text)} has too many digits: write at most {MAX_INTEGER_DIGITS} "
            f"before the decimal point and {MAX_DECIMALS} after"
        )
    return Decimal(text)


def _parse_money(value: Any, info: ValidationInfo) -> Decimal:
    amount = _decimal_text(value, "an amount")
    digits = (info.context or {}).get("currency_digits", 2)
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > digits:
        allowed = f"{digits} decimal{'s' if digits != 1 else ''}" if digits else "no decimals"
        raise ValueError(f"{value} has more decimals than the currency allows ({allowed})")
    return amount


def _parse_percent(value: Any) -> Decimal:
    percent = _decimal_text(value, "a percentage")
    if percent > 100:
        raise ValueError(f"{value} is more than 100 percent")
    return percent


def _parse_quantity(value: Any) -> Decimal:
    quantity = _decimal_text(value, "a quantity")
    if quantity == 0:
        raise ValueError("a quantity must be more than 0")
    return quantity


def _parse_whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"{value!r} is not a whole number of 0 or more")
    text = str(value).strip()
    if not _WHOLE.fullmatch(text):
        raise ValueError(f"{_shown(text)} is not a whole number of 0 or more")
    if len(text.lstrip("0")) > MAX_WHOLE_DIGITS:
        raise ValueError(f"{_shown(text)} is too large; the most is {10**MAX_WHOLE_DIGITS - 1:,}")
    return int(text)


def _parse_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DATE.fullmatch(value.strip()):
        raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD, like 2027-01-31")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value} is not a real date") from None


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no"):
        return False
    raise ValueError(f"{value!r} is not true or false")


def _parse_ident(value: Any) -> str:
    if not isinstance(value, str) or not _IDENT.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a valid id: use lower-case letters, digits, '-' and '_', "
            "starting with a letter"
        )
    return value


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return " ".join(value.split()) if "\n" not in value.strip() else value.strip()


# What an editor reading the JSON Schema (``engage schema``) sees: YAML 1.2 types, so a
# number may arrive as a number or as quoted text.
_DECIMAL_TEXT = {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$"}


def _number_schema(**bounds: int) -> WithJsonSchema:
    return WithJsonSchema({"anyOf": [{"type": "number", **bounds}, _DECIMAL_TEXT]})


_FLAG_WORDS = ["true", "false", "yes", "no", "True", "False", "Yes", "No"]

Money = Annotated[Decimal, BeforeValidator(_parse_money), _number_schema(minimum=0)]
Percent = Annotated[
    Decimal, BeforeValidator(_parse_percent), _number_schema(minimum=0, maximum=100)
]
Quantity = Annotated[Decimal, BeforeValidator(_parse_quantity), _number_schema(exclusiveMinimum=0)]
Whole = Annotated[
    int,
    BeforeValidator(_parse_whole),
    WithJsonSchema(
        {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": "^[0-9]+$"}]}
    ),
]
Day = Annotated[
    date,
    BeforeValidator(_parse_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}),
]
Flag = Annotated[
    bool,
    BeforeValidator(_parse_bool),
    WithJsonSchema({"anyOf": [{"type": "boolean"}, {"enum": _FLAG_WORDS}]}),
]
Ident = Annotated[
    str,
    BeforeValidator(_parse_ident),
    WithJsonSchema({"type": "string", "pattern": _IDENT.pattern.join("^$")}),
]
Text = Annotated[
    str,
    Field(min_length=1, max_length=5000),
    AfterValidator(_non_blank),
    WithJsonSchema({"type": ["string", "number"], "minLength": 1, "maxLength": 5000}),
]

# The findings ``engage check`` reports (``engage.review`` holds the rule behind each code).
REVIEW_CODES = (
    "no-exclusions",
    "no-acceptance",
    "revisions-unstated",
    "revisions-unlimited",
    "duty-no-date",
    "duty-no-consequence",
    "duty-after-deliverable",
    "free-work-no-value",
    "free-work-large",
    "discount-no-reason",
    "discount-recurring",
    "no-deposit",
    "no-provider-exit",
    "no-notice",
    "kill-fee-zero",
    "no-feedback",
    "no-complaint-response",
    "no-complaint-remedy",
    "no-call-recap",
    "changes-not-in-writing",
    "vague-word",
    "offer-expired",
    "dates-out-of-order",
    "no-valid-until",
    "first-person",
    "tm-no-cap",
    "tm-no-reporting",
    "retainer-no-notice",
    "retainer-no-extra-rate",
    "expenses-open-ended",
    "expenses-no-items",
    "cross-border-vat",
    "consumer-unfair",
    "no-law-country",
    "no-insurance",
)


PROFESSIONS = ("architect", "engineer", "surveyor", "lawyer", "accountant", "translator", "other")


def _parse_country(value: Any) -> str:
    from babel import Locale as BabelLocale

    text = str(value).strip() if isinstance(value, str) else ""
    if not (len(text) == 2 and text.isupper() and text in BabelLocale("en").territories):
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code, like IT or GB")
    return text


def _parse_locale(value: Any) -> str:
    from babel import Locale as BabelLocale
    from babel.core import UnknownLocaleError

    text = str(value).strip() if isinstance(value, str) else ""
    if re.fullmatch(r"[a-z]{2}-[A-Z]{2}", text):
        try:
            BabelLocale.parse(text, sep="-")
            return text
        except (UnknownLocaleError, ValueError):
            pass
    raise ValueError(f"{value!r} is not a locale; write language-COUNTRY, like en-US or it-IT")


def _parse_profession(value: Any) -> str:
    if value not in PROFESSIONS:
        raise ValueError(f"{value!r} is not a profession engage knows; use one of: "
                         f"{', '.join(PROFESSIONS)}")
    return str(value)


Country = Annotated[
    str,
    BeforeValidator(_parse_country),
    WithJsonSchema({"type": "string", "pattern": "^[A-Z]{2}$"}),
]
Locale = Annotated[
    str,
    BeforeValidator(_parse_locale),
    WithJsonSchema({"type": "string", "pattern": "^[a-z]{2}-[A-Z]{2}$"}),
]
Profession = Annotated[
    str,
    BeforeValidator(_parse_profession),
    WithJsonSchema({"type": "string", "enum": list(PROFESSIONS)}),
]


def _review_code(value: Any) -> str:
    if value in REVIEW_CODES:
        return str(value)
    close = difflib.get_close_matches(str(value), REVIEW_CODES, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else "the codes are listed in the README"
    raise ValueError(f"{value!r} is not a finding code of engage check; {hint}")


ReviewCode = Annotated[
    str,
    BeforeValidator(_review_code),
    WithJsonSchema({"type": "string", "enum": list(REVIEW_CODES)}),
]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, use_attribute_docstrings=True, strict=False
    )


class Party(_Model):
    name: Text
    """Legal name of the person or company."""
    address: Text
    """Postal address, on one line."""
    tax_id: Text | None = None
    """VAT number, fiscal code or other tax identifier."""
    tax_id_label: Text | None = None
    """Label printed before the tax ID instead of the language's "Tax ID", e.g. "Codice
    Fiscale", "CUI", "Scottish charity number"."""
    email: Text | None = None
    """Address for notices under these terms."""
    phone: Text | None = None
    """Telephone number."""
    iban: Text | None = None
    """Bank account for payments (provider only)."""
    signatory: Text
    """Who signs, and in what capacity, e.g. "Maria Rossi, owner"."""
    country: Country | None = None
    """Country of the seat or residence: ISO 3166-1 alpha-2 code, e.g. IT, RO, GB, US."""
    registration: Text | None = None
    """Register entry printed under the name, e.g. "Ordine degli Architetti P.P.C. di Bologna
    n. 1234", "J40/1234/2020, EUID ROONRC.J40/1234/2020", "Companies House 01234567"."""


class Insurance(_Model):
    insurer: Text
    """Who insures the provider's professional liability."""
    policy: Text
    """Policy number."""
    cover: Money
    """Cover (maximum sum insured) per claim, in the spec's currency."""


class Provider(Party):
    profession: Profession | None = None
    """Regulated profession, if any: architect, engineer, surveyor, lawyer, accountant,
    translator, other. Italian architects and engineers must state their insurance."""
    insurance: Insurance | None = None
    """Professional liability insurance: insurer, policy and cover."""


class Client(Party):
    consumer: Flag = False
    """The client is a consumer (a private person acting outside any trade or profession):
    consumer protection rules apply (withdrawal right, no unfair terms, own court)."""
    sole_trader: Flag = False
    """The client is a person trading in their own name (sole trader, freelancer, PFA)."""


class Law(_Model):
    country: Country | None = None
    """Country whose law governs the terms (default: the provider's country)."""
    region: Text | None = None
    """Part of the country whose law applies: a US state, "Scotland", ..."""
    court: Text | None = None
    """Court that decides disputes, e.g. "Tribunale di Bologna" (a consumer client keeps
    their own court whatever this says)."""


class Project(_Model):
    title: Text
    """Short name of the project, used as the document title."""
    summary: Text
    """A few sentences on what the project is for."""
    start: Day
    """Date work starts (YYYY-MM-DD)."""
    end: Day
    """Date work is planned to end (YYYY-MM-DD)."""


class Deliverable(_Model):
    id: Ident
    """Short id, used to refer to this deliverable (e.g. from a client duty)."""
    title: Text
    """What is delivered."""
    due: Day | None = None
    """Date it is delivered (YYYY-MM-DD)."""
    acceptance: Text | None = None
    """How the client accepts it: the test it must pass."""


class Scope(_Model):
    deliverables: list[Deliverable] = Field(min_length=1)
    """What the provider delivers, each with its acceptance criterion."""
    included: list[Text] = []
    """What the price includes besides the deliverables."""
    excluded: list[Text] = []
    """What is explicitly NOT part of the work."""
    revision_rounds: Whole | None = None
    """Rounds of revisions included for each deliverable."""

    @field_validator("deliverables")
    @classmethod
    def _unique_ids(cls, deliverables: list[Deliverable]) -> list[Deliverable]:
        seen: set[str] = set()
        for deliverable in deliverables:
            if deliverable.id in seen:
                raise ValueError(f"deliverable id {deliverable.id!r} is used twice")
            seen.add(deliverable.id)
        return deliverables


class ClientDuty(_Model):
    duty: Text
    """What the client must do or provide."""
    due: Day | None = None
    """By when (YYYY-MM-DD); or give `within_days` or `within_working_days` and `after`."""
    within_days: Whole | None = None
    """Calendar days the client has after each `after` event, e.g. 10."""
    within_working_days: Whole | None = None
    """Working days the client has after each `after` event, e.g. 5."""
    after: Text | None = None
    """The recurring event the days count from, e.g. "each delivery"."""
    if_late: Text | None = None
    """What happens if the client is late."""
    needed_for: Ident | None = None
    """Id of the deliverable that depends on this duty."""

    @property
    def relative(self) -> bool:
        """The duty is due some days after a recurring event rather than on a date."""
        return self.within_days is not None or self.within_working_days is not None

    @model_validator(mode="after")
    def _one_deadline(self) -> ClientDuty:
        if self.within_days is not None and self.within_working_days is not None:
            raise ValueError("give `within_days` or `within_working_days`, not both")
        if self.relative and self.due is not None:
            raise ValueError("give either a `due` date or `within_days`/`within_working_days`")
        if self.relative and self.after is None:
            raise ValueError("say after which event the days count, e.g. `after: each delivery`")
        if self.after is not None and not self.relative:
            raise ValueError("`after` needs `within_days` or `within_working_days`")
        return self


class PriceItem(_Model):
    description: Text
    """What is charged for."""
    amount: Money | None = None
    """Fixed price for this item; or give quantity, unit and unit_price."""
    quantity: Quantity | None = None
    """How many units, e.g. 40 (hours)."""
    unit: Text | None = None
    """The unit, e.g. hour or day."""
    unit_price: Money | None = None
    """Price of one unit."""

    def price(self, digits: int) -> Decimal:
        """The line's amount: ``amount``, or quantity × unit price rounded half-up once."""
        if self.amount is not None:
            return self.amount
        assert self.quantity is not None and self.unit_price is not None
        with localcontext(EXACT):
            return round_money(self.quantity * self.unit_price, digits)

    @model_validator(mode="after")
    def _one_way_to_price(self) -> PriceItem:
        by_unit = (self.quantity, self.unit_price)
        if self.amount is not None and any(part is not None for part in by_unit):
            raise ValueError("give either `amount` or `quantity` with `unit_price`, not both")
        if self.amount is None and not all(part is not None for part in by_unit):
            raise ValueError("give either `amount`, or `quantity` and `unit_price`")
        return self


class Discount(_Model):
    percent: Percent | None = None
    """Discount as a percentage of the fees."""
    amount: Money | None = None
    """Discount as a fixed amount."""
    reason: Text | None = None
    """Why the discount is given (it is shown in the document)."""
    one_off: Flag = True
    """The discount applies to this engagement only, not to future work."""

    @model_validator(mode="after")
    def _one_way(self) -> Discount:
        if (self.percent is None) == (self.amount is None):
            raise ValueError("give the discount as either `percent` or `amount`")
        return self


class Tax(_Model):
    name: Text
    """Name printed in the totals, e.g. VAT."""
    percent: Percent
    """Rate in percent."""
    on: Literal["total", "fees"] = "total"
    """`total`: on the running total (default); `fees`: on the fees after discount."""


class Withholding(_Model):
    name: Text
    """Name printed in the totals, e.g. Ritenuta d'acconto."""
    percent: Percent
    """Rate in percent."""
    on: Literal["fees"] = "fees"
    """What it is computed on: `fees` (after discount), never the fund contribution or VAT."""


Period = Literal["week", "month", "quarter"]


class Retainer(_Model):
    description: Text
    """What the retainer is for, printed in the price table, e.g. Analytics retainer."""
    period: Period
    """How often the fee is due: week, month or quarter."""
    fee: Money
    """The fee for each period, before taxes."""
    minimum_periods: Whole = 1
    """Minimum term, in periods: the client pays at least this many fees."""
    hours_included: Quantity | None = None
    """Hours of work each period's fee includes."""
    includes: list[Text] = []
    """What else each period's fee includes, e.g. a monthly report."""
    extra_hour_rate: Money | None = None
    """Rate for each hour worked beyond `hours_included` in a period."""
    unused_hours_roll_over: Flag = False
    """Unused hours move to the next period (default: they lapse)."""
    notice_days: Whole | None = None
    """Days of written notice either side gives to end the retainer after the minimum term."""


class TimeAndMaterials(_Model):
    cap: Money | None = None
    """Most the fees may reach before taxes; exceeding it needs the client's written approval."""
    reporting: Text | None = None
    """How time is reported to the client, e.g. a weekly timesheet by email."""
    invoice_every: Literal["week", "month"] = "month"
    """How often the time worked is invoiced: week or month."""


class Expenses(_Model):
    flat_percent: Percent | None = None
    """Expenses charged as a flat percentage of the fees instead of at cost."""
    cap: Money | None = None
    """Most the expenses reimbursed at cost may reach."""
    prior_approval: Flag = True
    """Each expense is approved by the client in writing before it is incurred."""
    items: list[Text] = []
    """The cost items that may be charged, e.g. travel, printing."""

    @model_validator(mode="after")
    def _one_basis(self) -> Expenses:
        if self.flat_percent is not None and self.cap is not None:
            raise ValueError("give `flat_percent` or a `cap` for expenses at cost, not both")
        return self


class Pricing(_Model):
    items: list[PriceItem] = []
    """The priced items; with `time_and_materials`, their quantities are estimates."""
    retainer: Retainer | None = None
    """A periodic fee instead of items: fee per period, minimum term and notice."""
    time_and_materials: TimeAndMaterials | None = None
    """The items are rates with estimated quantities, billed on the time actually worked."""
    discount: Discount | None = None
    """A discount on the fees, given once and with a reason."""
    taxes: list[Tax] = []
    """Taxes applied in order, each on the running total unless `on: fees`."""
    withholding: list[Withholding] = []
    """Taxes the client withholds from the fees and pays to the tax office, e.g. the Italian
    ritenuta d'acconto: the document shows total, withholding and the net to pay."""
    expenses: Expenses | None = None
    """How expenses are charged: at cost (within a cap) or as a flat percentage."""
    tax_note: Text | None = None
    """Legal note printed under the totals, e.g. for a VAT-exempt regime."""

    @model_validator(mode="after")
    def _one_way_to_charge(self) -> Pricing:
        if self.retainer is not None and self.time_and_materials is not None:
            raise ValueError("give `retainer` or `time_and_materials`, not both")
        if self.retainer is not None and self.items:
            raise ValueError("a retainer is priced by its `fee`: leave `items` out")
        if self.retainer is None and not self.items:
            raise ValueError("give the priced `items`, or a `retainer`")
        return self


class FreeWork(_Model):
    description: Text
    """Work given free of charge."""
    list_value: Money
    """What it would cost at list price: shown in the document, not billed."""


class Instalment(_Model):
    when: Text
    """The event that makes this instalment due, e.g. "Approval of the designs"."""
    percent: Percent | None = None
    """Share of the amount to pay, in percent."""
    amount: Money | None = None
    """Fixed amount instead of `percent`; the amounts add up to the amount to pay."""

    @model_validator(mode="after")
    def _one_way(self) -> Instalment:
        if (self.percent is None) == (self.amount is None):
            raise ValueError("give the instalment as either `percent` or `amount`")
        return self


class Payment(_Model):
    deposit_percent: Percent = Decimal(0)
    """Share of the amount to pay due on signature, in percent."""
    schedule: list[Instalment] = []
    """Further instalments; with the deposit they add up to 100 percent (or, given as
    amounts, to the amount to pay)."""
    equal_instalments: Whole | None = None
    """Split the amount to pay into this many equal instalments instead of a `schedule`."""
    due_days: Whole = 30
    """Days from the invoice date to pay."""
    late_interest: Text | None = None
    """Interest charged on late payment."""
    method: Text | None = None
    """How to pay."""


class Changes(_Model):
    in_writing: Flag = True
    """Changes to the scope are agreed in writing."""
    quote_before_work: Flag = True
    """Every change is quoted before work on it starts."""
    hourly_rate: Money | None = None
    """Rate for work outside the scope."""


class Communication(_Model):
    channel: Text = "email"
    """Where decisions are recorded, e.g. email."""
    recap_within_days: Whole | None = None
    """Working days to send a written recap after every call or meeting."""


class Feedback(_Model):
    every_weeks: Whole | None = None
    """How often the provider asks for feedback, in weeks."""


class Complaints(_Model):
    respond_within_days: Whole | None = None
    """Working days to respond to a complaint."""
    remedy: Text | None = None
    """What the provider does when something is wrong."""


class Exit(_Model):
    notice_days: Whole | None = None
    """Days of written notice to end the engagement."""
    kill_fee_percent: Percent | None = None
    """Share of the unpaid fees due if the client ends the engagement early."""
    provider_may_end_if: list[Text] = []
    """Conditions under which the provider may end the engagement."""
    client_may_end_if: list[Text] = []
    """Conditions under which the client may end the engagement at once."""
    handover: Text | None = None
    """What the client receives on termination."""


_EXTRA_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _parse_extra_name(value: Any) -> str:
    if not isinstance(value, str) or not _EXTRA_NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a valid name: use lower-case letters, digits and '_', starting "
            "with a letter (clauses write it as extra.NAME)"
        )
    return value


ExtraName = Annotated[
    str,
    BeforeValidator(_parse_extra_name),
    WithJsonSchema({"type": "string", "pattern": _EXTRA_NAME.pattern.join("^$")}),
]
ExtraType = Literal["text", "money", "date", "percent", "number", "list"]


class ExtraField(_Model):
    type: ExtraType
    """What the value is: text, money, date, percent, number or list (of texts)."""
    description: Text | None = None
    """What the value means, for whoever writes the spec."""
    required: Flag = False
    """Every spec must give this value."""


ExtraValue = Annotated[
    str | list[Text],
    WithJsonSchema(
        {
            "anyOf": [
                {"type": ["string", "number"]},
                {"type": "array", "items": {"type": ["string", "number"]}},
            ]
        }
    ),
]


def parse_extra(kind: str, value: str | list[str], digits: int) -> Any:
    """``value`` as the declared ``kind``: Decimal, date, text or list; ``ValueError`` if not."""
    if kind == "list":
        if not isinstance(value, list):
            raise ValueError("expected a list of items, each on a line starting with '- '")
        return list(value)
    if isinstance(value, list):
        raise ValueError(f"expected a single {kind}, not a list")
    if kind == "money":
        amount = _decimal_text(value, "an amount")
        exponent = amount.as_tuple().exponent
        assert isinstance(exponent, int)
        if -exponent > digits:
            raise ValueError(f"{value} has more decimals than the currency allows ({digits})")
        return amount
    if kind == "percent":
        return _parse_percent(value)
    if kind == "number":
        return _decimal_text(value, "a number")
    if kind == "date":
        return _parse_date(value)
    return _non_blank(value)


class Silence(_Model):
    code: ReviewCode
    """Code of the finding to silence, as `engage check` prints it, e.g. no-deposit."""
    reason: Text
    """Why the finding does not apply to this engagement."""


class ReviewSettings(_Model):
    ignore: list[Silence] = []
    """Findings of `engage check` that do not apply here, each with the reason."""


class ClauseChoice(_Model):
    add: list[Ident] = []
    """Optional clauses of the library to include."""
    omit: list[Ident] = []
    """Clauses to leave out."""


class Spec(_Model):
    """An engagement spec, format 1."""

    engage: Whole
    """Spec format version: 1."""
    language: str
    """Language of the document: en, it or ro."""
    currency: str
    """ISO 4217 currency code, e.g. EUR."""
    issued: Day
    """Date the terms are issued."""
    valid_until: Day | None = None
    """Last day the offer can be accepted."""
    reference: Text
    """Your reference for this document, printed on every page."""
    provider: Provider
    """Who does the work."""
    client: Client
    """Who the work is for."""
    project: Project
    """The project in brief."""
    scope: Scope
    """What is delivered, included and excluded."""
    client_duties: list[ClientDuty] = []
    """What the client must do, by when, and what happens if late."""
    pricing: Pricing
    """Prices, discount and taxes."""
    free_work: list[FreeWork] = []
    """Work given free, each with the value it would have."""
    payment: Payment
    """Deposit, instalments and payment terms."""
    changes: Changes | None = None
    """How changes to the scope are handled."""
    communication: Communication | None = None
    """How decisions are recorded."""
    feedback: Feedback | None = None
    """When feedback is asked for."""
    complaints: Complaints | None = None
    """How complaints are handled and remedied."""
    exit: Exit | None = None
    """How either side can end the engagement."""
    non_negotiable: list[Text] = []
    """Terms that are not open to negotiation."""
    extra_fields: dict[ExtraName, ExtraField] = {}
    """Per-client values the firm's clauses use, each with its type (declare them in the
    workspace profile, engage.yaml)."""
    extra: dict[str, ExtraValue] = {}
    """Values of the declared `extra_fields` for this client; clauses see them as `extra`."""
    clauses: ClauseChoice = ClauseChoice()
    """Optional clauses to add and clauses to omit."""
    law: Law = Law()
    """Governing law and court."""
    locale: Locale | None = None
    """How money and dates are written, e.g. en-US, en-GB, it-IT, ro-RO (default: from the
    language and the provider's country)."""
    specific_approval: Flag | None = None
    """Print the block where the client approves onerous clauses specifically (default: yes
    when the governing law is Italian or Romanian, whatever the language)."""
    review: ReviewSettings | None = None
    """How `engage check` reviews these terms: the findings to silence, with reasons."""

    @field_validator("engage")
    @classmethod
    def _format_one(cls, version: int) -> int:
        if version != 1:
            raise ValueError(f"this engage reads spec format 1, not {version}")
        return version

    @field_validator("language")
    @classmethod
    def _known_language(cls, language: str, info: ValidationInfo) -> str:
        languages = sorted((info.context or {}).get("languages", ("en",)))
        if language not in languages:
            raise ValueError(
                f"unsupported language {language!r}; use one of: {', '.join(languages)}"
            )
        return language

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, currency: str) -> str:
        from babel.numbers import is_currency

        if not (len(currency) == 3 and currency.isupper() and is_currency(currency)):
            raise ValueError(f"{currency!r} is not an ISO 4217 currency code, like EUR or USD")
        return currency
