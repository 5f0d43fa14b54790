"""Figures: exact Decimal arithmetic; instalments always add up to the total."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from engage.load import load_yaml
from engage.models import Spec
from engage.money import compute, split
from engage.validate import validate
from tests.conftest import EXAMPLES, MINIMAL_SPEC


def spec_from(tmp_path: Path, text: str) -> Spec:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return validate(load_yaml(path), ["en"])


def test_website_example_figures() -> None:
    spec = validate(load_yaml(EXAMPLES / "website-en.yaml"), ["en"])
    figures = compute(spec, 2)
    assert figures.subtotal == Decimal("4800.00")
    assert figures.discount == Decimal("480.00")
    assert [tax.amount for tax in figures.taxes] == [Decimal("950.40")]
    assert figures.total == Decimal("5270.40")
    assert [step.amount for step in figures.instalments] == [
        Decimal("1581.12"),
        Decimal("2108.16"),
        Decimal("1581.12"),
    ]
    assert figures.free_work_total == Decimal("950.00")


def test_awkward_percentages_add_up_to_the_total(tmp_path: Path) -> None:
    text = MINIMAL_SPEC.replace("amount: 1000.00", "amount: 1000.01").replace(
        "  deposit_percent: 50\n  schedule:\n    - when: Delivery\n      percent: 50\n",
        "  deposit_percent: 33.33\n  schedule:\n    - when: A\n      percent: 33.33\n"
        "    - when: B\n      percent: 33.34\n",
    )
    figures = compute(spec_from(tmp_path, text), 2)
    amounts = [step.amount for step in figures.instalments]
    assert amounts == [Decimal("333.30"), Decimal("333.30"), Decimal("333.41")]
    assert sum(amounts) == figures.total == Decimal("1000.01")


def test_taxes_chain_on_the_running_total_or_on_fees(tmp_path: Path) -> None:
    text = MINIMAL_SPEC.replace(
        "      amount: 1000.00\n",
        "      amount: 1000.00\n  taxes:\n    - name: Contributo integrativo\n      percent: 4\n"
        "    - name: IVA\n      percent: 22\n    - name: Stamp\n      percent: 1\n      on: fees\n",
    )
    figures = compute(spec_from(tmp_path, text), 2)
    assert [(tax.base, tax.amount) for tax in figures.taxes] == [
        (Decimal("1000.00"), Decimal("40.00")),
        (Decimal("1040.00"), Decimal("228.80")),
        (Decimal("1000.00"), Decimal("10.00")),
    ]
    assert figures.total == Decimal("1278.80")


def test_no_taxes(tmp_path: Path) -> None:
    text = MINIMAL_SPEC.replace("      amount: 1000.00\n", "      amount: 1000.00\n  taxes: []\n")
    assert compute(spec_from(tmp_path, text), 2).total == Decimal("1000.00")


@given(
    total=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
    parts=st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=12),
)
def test_split_always_adds_up(total: Decimal, parts: list[int]) -> None:
    # Percentages with two decimals that add up to exactly 100.
    weights = [Decimal(part) for part in parts]
    percents = [(w * 100 / sum(weights)).quantize(Decimal("0.01")) for w in weights]
    percents[-1] = Decimal(100) - sum(percents[:-1])
    if percents[-1] <= 0:
        return
    amounts = split(total, percents, 2)
    assert sum(amounts) == total
    assert all(amount.as_tuple().exponent >= -2 for amount in amounts)
