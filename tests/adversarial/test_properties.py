"""Properties, with Hypothesis: whatever bytes or YAML ``engage check`` is given, it gives a
valid model or a clean ``EngageError`` (never another exception); and the figures never lose
or invent a cent, whatever the amounts and percentages."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.numbers import parse_decimal
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engage.build import check
from engage.errors import EngageError, Problem
from engage.formats import Formats
from engage.load import load_yaml
from engage.money import Figures, compute, split
from engage.validate import validate
from tests.conftest import MINIMAL_SPEC

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Each valid spec is assembled and rendered in full (about 0.2 s), so fewer of these.
FULL = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def check_cleanly(path: Path) -> None:
    """``engage check``: a model, or an EngageError whose every problem is one line."""
    try:
        prepared = check(path)
    except EngageError as exc:
        assert exc.problems and all(isinstance(p, Problem) for p in exc.problems)
        assert all("\n" not in str(problem) for problem in exc.problems), str(exc)
        assert all(str(problem).startswith(str(problem.file)) for problem in exc.problems)
    else:
        assert prepared.spec.engage == 1


# Text made of YAML's own punctuation and engage's words, to reach deeper than random bytes.
YAML_SOUP = st.lists(
    st.sampled_from(
        [
            *":-[]{},&*!|>'\"#%@`?~ \n\t.0123456789eE+_",
            *("engage", "language", "en", "currency", "EUR", "pricing", "amount", "\u202e"),
            *("\x00", "!!python/object:os.system", "<<", "\ufeff", "\r", "\x85", "é", "€"),
        ]
    ),
    max_size=150,
).map("".join)


@FAST
@given(data=st.one_of(st.binary(max_size=1000), YAML_SOUP.map(str.encode)))
@example(data=b"\xef\xbb\xbf")
@example(data=b"\xff\xfe\x00\x00")
@example(data=b"a: !!python/object/apply:os.system ['touch pwned']")
@example(data=b"\x00")
@example(data=b"- a\n- b")
@example(data=b"a: &x [*x]")
@example(data=b'a: "\\ud800"')
def test_any_bytes_give_a_model_or_a_clean_error(folder: Path, data: bytes) -> None:
    path = folder / "spec.yaml"
    path.write_bytes(data)
    check_cleanly(path)
    assert not (folder / "pwned").exists()


NASTY = [
    "", " ", "~", "null", "NO", "yes", "1e3", "-0", ".nan", ".inf", "1,000.00", "0x10",
    "2027-02-30", "2027-03-00", "0000-01-01", "9" * 40, "0." + "0" * 30 + "1", "1_000",
    "{{ 7 * 7 }}", "{% for %}", "<style>*{display:none}</style>", "[x](file:///etc/passwd)",
    "\u202eCo", "a\x00b", "*ACME*", "€1.00", "100.001", "33.3333333333", "100", "0",
    "en", "it", "ro", "de", "EUR", "JPY", "eur", "\n\n", "x" * 6000,
]
SCALARS = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=20),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.dates(),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["id", "amount", "percent", "due", "x", "name"]), inner,
                        max_size=3),
    ),
    max_leaves=6,
)
BASE = yaml.safe_load(MINIMAL_SPEC)


def _paths(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, (*path, index))


ALL_PATHS = [path for path in _paths(BASE) if path]


@st.composite
def mutated_specs(draw: st.DrawFn) -> Any:
    """MINIMAL_SPEC with a few values replaced, removed, or added."""
    data = yaml.safe_load(MINIMAL_SPEC)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
            if action == "replace":
                parent[path[-1]] = draw(VALUES)
            elif action == "delete":
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[draw(st.sampled_from(["extra", "clauses", "exit", "free_work"]))] = draw(
                    VALUES
                )
        except (KeyError, IndexError, TypeError):
            continue
    return data


@FULL
@given(data=mutated_specs())
def test_structurally_random_yaml_gives_a_model_or_a_clean_error(folder: Path, data: Any) -> None:
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    check_cleanly(path)


# Money ---------------------------------------------------------------------------------------

CURRENCIES = {"JPY": 0, "EUR": 2, "KWD": 3}


def _half_up(amount: Decimal, digits: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _amounts(digits: int, most: int) -> st.SearchStrategy[Decimal]:
    return st.integers(min_value=0, max_value=most * 10**digits).map(
        lambda units: Decimal(units).scaleb(-digits)
    )


PERCENTS = st.integers(min_value=0, max_value=100_0000).map(lambda n: Decimal(n).scaleb(-4))


@st.composite
def engagements(draw: st.DrawFn) -> tuple[str, int, str, dict[str, Any]]:
    currency = draw(st.sampled_from(sorted(CURRENCIES)))
    digits = CURRENCIES[currency]
    items = draw(
        st.lists(
            st.one_of(
                # Tiny totals too: that is where rounding each share up can overshoot.
                st.one_of(_amounts(digits, 1), _amounts(digits, 10**9)).map(
                    lambda amount: {"amount": amount}
                ),
                st.tuples(
                    st.integers(min_value=1, max_value=10**8).map(lambda n: Decimal(n) / 10**4),
                    _amounts(digits, 10**6),
                ).map(lambda pair: {"quantity": pair[0], "unit_price": pair[1]}),
            ),
            min_size=1,
            max_size=5,
        )
    )
    subtotal = sum(
        (item["amount"] if "amount" in item else _half_up(item["quantity"] * item["unit_price"],
                                                          digits) for item in items),
        Decimal(0),
    )
    discount = draw(
        st.one_of(
            st.none(),
            PERCENTS.map(lambda percent: {"percent": percent}),
            st.fractions(min_value=0, max_value=1).map(
                lambda share: {"amount": _floor(subtotal * Decimal(share.numerator)
                                                / Decimal(share.denominator), digits)}
            ),
        )
    )
    taxes = draw(
        st.lists(st.tuples(PERCENTS, st.sampled_from(["total", "fees"])), max_size=3)
    )
    weights = draw(
        st.one_of(
            st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=7),
            st.integers(min_value=2, max_value=8).map(lambda parts: [1] * parts),  # equal shares
        )
    )
    percents = [_floor(Decimal(100 * weight) / sum(weights), 2) for weight in weights]
    percents[-1] = Decimal(100) - sum(percents[:-1])
    if percents[-1] <= 0:
        percents = [Decimal(100)]
    deposit = draw(st.booleans())
    lines = []
    for index, item in enumerate(items):
        lines.append(f"    - description: Item {index}")
        if "amount" in item:
            lines.append(f"      amount: {item['amount']:f}")
        else:
            lines += [f"      quantity: {item['quantity']:f}", "      unit: hour",
                      f"      unit_price: {item['unit_price']:f}"]
    if discount is not None:
        key, value = next(iter(discount.items()))
        lines += ["  discount:", f"    {key}: {value:f}"]
    if taxes:
        lines.append("  taxes:")
        for index, (percent, on) in enumerate(taxes):
            lines += [f"    - name: Tax {index}", f"      percent: {percent:f}", f"      on: {on}"]
    plan = ["payment:"]
    steps = percents[1:] if deposit else percents
    if deposit:
        plan.append(f"  deposit_percent: {percents[0]:f}")
    if steps:
        plan.append("  schedule:")
        for index, percent in enumerate(steps):
            plan += [f"    - when: Step {index}", f"      percent: {percent:f}"]
    head = MINIMAL_SPEC.split("pricing:")[0].replace("currency: EUR", f"currency: {currency}")
    text = head + "pricing:\n  items:\n" + "\n".join(lines) + "\n" + "\n".join(plan) + "\n"
    expected = {"items": items, "discount": discount, "taxes": taxes, "percents": percents,
                "deposit": deposit}
    return currency, digits, text, expected


def _floor(amount: Decimal, digits: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-digits), rounding="ROUND_DOWN")


def _figures(folder: Path, text: str) -> Figures:
    path = folder / "money.yaml"
    path.write_text(text, encoding="utf-8")
    spec = validate(load_yaml(path), ["en"])
    return compute(spec, CURRENCIES[spec.currency])


@FAST
@given(case=engagements())
def test_money_never_loses_or_invents_a_cent(
    folder: Path, case: tuple[str, int, str, dict[str, Any]]
) -> None:
    currency, digits, text, expected = case
    figures = _figures(folder, text)
    with localcontext() as exact:
        exact.prec = 200
        every = [
            *(line.amount for line in figures.lines), figures.subtotal, figures.discount,
            figures.fees, *(tax.amount for tax in figures.taxes), figures.total,
            *(step.amount for step in figures.instalments),
        ]
        assert all(amount >= 0 for amount in every), every
        assert all(-amount.as_tuple().exponent <= digits for amount in every)  # type: ignore[operator]

        # Each line is its amount, or quantity × unit price rounded half-up once.
        for line, item in zip(figures.lines, expected["items"], strict=True):
            wanted = item.get("amount")
            if wanted is None:
                wanted = _half_up(item["quantity"] * item["unit_price"], digits)
            assert line.amount == wanted
        assert figures.subtotal == sum((line.amount for line in figures.lines), Decimal(0))

        # The discount is given once, rounded once, and never more than the fees.
        discount = expected["discount"] or {}
        if "percent" in discount:
            assert figures.discount == _half_up(figures.subtotal * discount["percent"] / 100,
                                                digits)
        else:
            assert figures.discount == discount.get("amount", Decimal(0))
        assert figures.fees == figures.subtotal - figures.discount >= 0

        # Each tax on its base, rounded once; the total is the fees plus the taxes, exactly.
        running = figures.fees
        for tax, (percent, on) in zip(figures.taxes, expected["taxes"], strict=True):
            assert tax.base == (figures.fees if on == "fees" else running)
            assert tax.amount == _half_up(tax.base * percent / 100, digits)
            running += tax.amount
        assert figures.total == running == figures.fees + sum(
            (tax.amount for tax in figures.taxes), Decimal(0)
        )

        # The instalments add up to the total; none is negative; each is its share rounded
        # half-up, never more than what is left, and the last takes the rest.
        steps = figures.instalments
        assert [step.percent for step in steps] == expected["percents"]
        assert sum((step.amount for step in steps), Decimal(0)) == figures.total
        left = figures.total
        for step in steps[:-1]:
            assert step.amount == min(_half_up(figures.total * step.percent / 100, digits), left)
            left -= step.amount
        assert steps[-1].amount == left

    # What the client reads is the figure computed: the printed amount parses back to it.
    formats = Formats("en", currency)
    for amount in (figures.total, *(step.amount for step in steps)):
        printed = formats.money(amount)
        number = re.sub(r"[^\d.,]", "", printed)
        assert parse_decimal(number, locale=formats.locale, strict=True) == amount, printed


def _plan(weights: list[int]) -> list[Decimal]:
    """Percentages with two decimals, in proportion to ``weights``, adding up to 100."""
    percents = [_floor(Decimal(100 * weight) / sum(weights), 2) for weight in weights]
    percents[-1] = Decimal(100) - sum(percents[:-1])
    return percents


@FAST
@given(
    digits=st.sampled_from([0, 2, 3]),
    units=st.one_of(st.integers(min_value=0, max_value=200), st.integers(min_value=0,
                                                                           max_value=10**12)),
    weights=st.one_of(
        st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=8),
        st.integers(min_value=2, max_value=8).map(lambda parts: [1] * parts),
    ),
)
def test_any_total_splits_into_instalments_that_add_up_and_are_never_negative(
    digits: int, units: int, weights: list[int]
) -> None:
    total = Decimal(units).scaleb(-digits)
    percents = _plan(weights)
    amounts = split(total, percents, digits)
    assert sum(amounts, Decimal(0)) == total
    assert all(amount >= 0 for amount in amounts), amounts
    left = total
    for amount, percent in zip(amounts[:-1], percents[:-1], strict=True):
        assert amount == min(_half_up(total * percent / 100, digits), left)
        left -= amount


def test_a_tiny_total_split_in_many_instalments_has_no_negative_one(folder: Path) -> None:
    """Found by the property above: each instalment was rounded up, so the last went below
    zero (€0.10 in 15% steps gave six times €0.02, then -€0.02)."""
    text = MINIMAL_SPEC.replace("amount: 1000.00", "amount: 0.10").replace(
        "  deposit_percent: 50\n  schedule:\n    - when: Delivery\n      percent: 50\n",
        "  deposit_percent: 15\n  schedule:\n"
        + "".join(f"    - when: Step {n}\n      percent: 15\n" for n in range(5))
        + "    - when: Last\n      percent: 10\n",
    )
    figures = _figures(folder, text)
    amounts = [step.amount for step in figures.instalments]
    assert sum(amounts) == figures.total == Decimal("0.10")
    assert min(amounts) >= 0
    assert amounts == [Decimal("0.02")] * 5 + [Decimal("0.00")] * 2
