"""Stage 2: every invalid value is reported, all at once, at its own line."""

from __future__ import annotations

from pathlib import Path

import pytest

from engage.errors import SpecError
from engage.load import load_yaml
from engage.validate import validate
from tests.conftest import MINIMAL_SPEC


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        validate(load_yaml(path), ["en", "it", "ro"])
    return [str(problem).replace(str(path), "spec.yaml") for problem in caught.value.problems]


def replace(old: str, new: str) -> str:
    assert old in MINIMAL_SPEC
    return MINIMAL_SPEC.replace(old, new)


def test_minimal_spec_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(MINIMAL_SPEC, encoding="utf-8")
    spec = validate(load_yaml(path), ["en"])
    assert str(spec.pricing.items[0].amount) == "1000.00"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "      amount: 1000.00",
            "      amount: 1234.565",
            "spec.yaml:28:15: pricing.items[0].amount: "
            "1234.565 has more decimals than the currency allows (2 decimals)",
        ),
        (
            "      amount: 1000.00",
            "      amount: .nan",
            "spec.yaml:28:15: pricing.items[0].amount: '.nan' is not an amount: write digits with "
            "an optional decimal point, like 1200.50 (no sign, exponent, or thousands separator)",
        ),
        ("      amount: 1000.00", "      amount: .inf", "'.inf' is not an amount"),
        ("      amount: 1000.00", "      amount: 1e3", "'1e3' is not an amount"),
        ("      amount: 1000.00", "      amount: -0", "'-0' is not an amount"),
        ("      amount: 1000.00", '      amount: "1,000.00"', "'1,000.00' is not an amount"),
        ("      amount: 1000.00", "      amount: [1]", "expected an amount, like 1200.00"),
        (
            "  end: 2027-02-01",
            "  end: 2027-02-30",
            "spec.yaml:18:8: project.end: 2027-02-30 is not a real date",
        ),
        (
            "  end: 2027-02-01",
            "  end: 2027-03-00",
            "spec.yaml:18:8: project.end: 2027-03-00 is not a real date",
        ),
        (
            "  end: 2027-02-01",
            "  end: 01/02/2027",
            "project.end: '01/02/2027' is not a date; write it as YYYY-MM-DD, like 2027-01-31",
        ),
        (
            "  start: 2027-01-01",
            "  start: 2027-01-21",
            "spec.yaml:23:12: scope.deliverables[0].due: "
            "2027-01-20 is before the project's start (2027-01-21)",
        ),
        (
            "      due: 2027-01-20",
            "      due: 2027-03-20",
            "spec.yaml:23:12: scope.deliverables[0].due: "
            "2027-03-20 is after the project's end (2027-02-01)",
        ),
        (
            "      percent: 50",
            "      percent: 40",
            "spec.yaml:30:3: payment: the deposit and instalments add up to 90 percent, not 100",
        ),
        (
            "  deposit_percent: 50",
            "  deposit_percent: 150",
            "spec.yaml:30:20: payment.deposit_percent: 150 is more than 100 percent",
        ),
        (
            "currency: EUR",
            "currency: EUX",
            "spec.yaml:3:11: currency: 'EUX' is not an ISO 4217 currency code, like EUR or USD",
        ),
        (
            "language: en",
            "language: de",
            "spec.yaml:2:11: language: unsupported language 'de'; use one of: en, it, ro",
        ),
        ("engage: 1", "engage: 2", "spec.yaml:1:9: engage: this engage reads spec format 1, not 2"),
        (
            "reference: T-1",
            "reference: T-1\nclient_dutys: []",
            "spec.yaml:6:1: client_dutys: unknown field 'client_dutys'; "
            "did you mean 'client_duties'?",
        ),
        (
            "  signatory: Bob Client",
            "  signatory: Bob Client\n  emial: b@c.example",
            "spec.yaml:14:3: client.emial: unknown field 'emial'; did you mean 'email'?",
        ),
        (
            "    - id: thing",
            "    - id: The Thing",
            "scope.deliverables[0].id: 'The Thing' is not a valid id",
        ),
        (
            "      amount: 1000.00",
            "      quantity: 3",
            "spec.yaml:27:7: pricing.items[0]: "
            "give either `amount`, or `quantity` and `unit_price`",
        ),
    ],
)
def test_invalid_values(tmp_path: Path, old: str, new: str, message: str) -> None:
    found = problems(tmp_path, replace(old, new))
    assert len(found) == 1, found
    assert found[0] == message or (not message.startswith("spec.yaml") and message in found[0])


def test_missing_field_points_at_its_parent(tmp_path: Path) -> None:
    found = problems(tmp_path, replace("  signatory: Bob Client\n", ""))
    assert found == ["spec.yaml:11:3: client.signatory: this field is required"]


def test_money_precision_follows_the_currency(tmp_path: Path) -> None:
    text = replace("currency: EUR", "currency: JPY")
    assert problems(tmp_path, text)[0].endswith(
        "1000.00 has more decimals than the currency allows (no decimals)"
    )


def test_every_problem_is_reported_at_once_in_file_order(tmp_path: Path) -> None:
    text = replace("currency: EUR", "currency: eur")
    text = text.replace("  end: 2027-02-01", "  end: someday")
    text = text.replace("      amount: 1000.00", "      amount: 1,000")
    found = problems(tmp_path, text)
    assert [line.split(": ")[0] for line in found] == [
        "spec.yaml:3:11",
        "spec.yaml:18:8",
        "spec.yaml:28:15",
    ]
