"""Values a careless user writes: every one is refused at its own line, by the real CLI,
before anything is rendered or written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adversarial.helpers import refused, refused_check, spec_with

AMOUNT = "      amount: 1000.00"
NOT_AN_AMOUNT = "is not an amount: write digits with an optional decimal point"

CASES = [
    # name, (old, new), line, what the message says
    (
        "three decimals in euros",
        (AMOUNT, "      amount: 1234.565"),
        28,
        "pricing.items[0].amount: 1234.565 has more decimals than the currency allows (2 decimals)",
    ),
    ("nan", (AMOUNT, "      amount: .nan"), 28, f"'.nan' {NOT_AN_AMOUNT}"),
    ("infinity", (AMOUNT, "      amount: .inf"), 28, f"'.inf' {NOT_AN_AMOUNT}"),
    ("minus infinity", (AMOUNT, "      amount: -.inf"), 28, f"'-.inf' {NOT_AN_AMOUNT}"),
    ("exponent", (AMOUNT, "      amount: 1e3"), 28, f"'1e3' {NOT_AN_AMOUNT}"),
    ("minus zero", (AMOUNT, "      amount: -0"), 28, f"'-0' {NOT_AN_AMOUNT}"),
    ("negative", (AMOUNT, "      amount: -1000.00"), 28, f"'-1000.00' {NOT_AN_AMOUNT}"),
    ("thousands separator", (AMOUNT, "      amount: 1,000.00"), 28, f"'1,000.00' {NOT_AN_AMOUNT}"),
    ("quoted separator", (AMOUNT, '      amount: "1,000.00"'), 28, f"'1,000.00' {NOT_AN_AMOUNT}"),
    ("decimal comma", (AMOUNT, "      amount: 1000,00"), 28, f"'1000,00' {NOT_AN_AMOUNT}"),
    ("hexadecimal", (AMOUNT, "      amount: 0x3E8"), 28, f"'0x3E8' {NOT_AN_AMOUNT}"),
    ("underscores", (AMOUNT, "      amount: 1_000"), 28, f"'1_000' {NOT_AN_AMOUNT}"),
    ("currency sign", (AMOUNT, "      amount: €1000"), 28, f"'€1000' {NOT_AN_AMOUNT}"),
    ("arabic-indic digits", (AMOUNT, "      amount: ١٠٠٠"), 28, f"'١٠٠٠' {NOT_AN_AMOUNT}"),
    ("a list", (AMOUNT, "      amount: [1000]"), 28, "expected an amount, like 1200.00"),
    (
        "more digits than Decimal keeps",
        (AMOUNT, "      amount: 12345678901234567890123456789.01"),
        28,
        "has too many digits: write at most 15 before the decimal point and 10 after",
    ),
    (
        "a total too large to compute exactly",
        (AMOUNT, "      quantity: 999999999\n      unit: hour\n      unit_price: 99999999999.99"),
        26,
        "pricing: the prices with taxes come to about 99999999899990000000, more than engage "
        "can compute exactly",
    ),
    ("30 Feb", ("  end: 2027-02-01", "  end: 2027-02-30"), 18, "2027-02-30 is not a real date"),
    ("day zero", ("  end: 2027-02-01", "  end: 2027-03-00"), 18, "2027-03-00 is not a real date"),
    ("month 13", ("  end: 2027-02-01", "  end: 2027-13-01"), 18, "2027-13-01 is not a real date"),
    ("year zero", ("  end: 2027-02-01", "  end: 0000-01-01"), 18, "0000-01-01 is not a real date"),
    (
        "a timestamp",
        ("  end: 2027-02-01", "  end: 2027-02-01T10:00:00"),
        18,
        "'2027-02-01T10:00:00' is not a date; write it as YYYY-MM-DD",
    ),
    (
        "percentages that add up to 90",
        ("      percent: 50", "      percent: 40"),
        30,
        "payment: the deposit and instalments add up to 90 percent, not 100",
    ),
    (
        "percentages that add up to 100.01",
        ("      percent: 50", "      percent: 50.01"),
        30,
        "the deposit and instalments add up to 100.01 percent, not 100",
    ),
    (
        "thirds that do not make a whole",
        (
            "  deposit_percent: 50\n  schedule:\n    - when: Delivery\n      percent: 50",
            "  deposit_percent: 33.3333333333\n  schedule:\n    - when: A\n"
            "      percent: 33.3333333333\n    - when: B\n      percent: 33.3333333333",
        ),
        30,
        "add up to 99.9999999999 percent, not 100",
    ),
    (
        "a percentage over 100",
        ("  deposit_percent: 50", "  deposit_percent: 150"),
        30,
        "150 is more than 100 percent",
    ),
    (
        "a due date after the project's end",
        ("      due: 2027-01-20", "      due: 2027-03-20"),
        23,
        "scope.deliverables[0].due: 2027-03-20 is after the project's end (2027-02-01)",
    ),
    (
        "an end before the start",
        (
            "  end: 2027-02-01\nscope:\n  deliverables:\n    - id: thing\n"
            "      title: The thing\n      due: 2027-01-20\n",
            "  end: 2026-12-31\nscope:\n  deliverables:\n    - id: thing\n"
            "      title: The thing\n",
        ),
        18,
        "project.end: `end` (2026-12-31) is before `start`",
    ),
    (
        "an unknown currency code",
        ("currency: EUR", "currency: EUX"),
        3,
        "currency: 'EUX' is not an ISO 4217 currency code, like EUR or USD",
    ),
    ("a currency in lower case", ("currency: EUR", "currency: eur"), 3, "'eur' is not an ISO"),
    ("a currency symbol", ("currency: EUR", "currency: €"), 3, "'€' is not an ISO 4217"),
    (
        "an unsupported language",
        ("language: en", "language: de"),
        2,
        "language: unsupported language 'de'; use one of: en",
    ),
    ("a language path", ("language: en", "language: ../en"), 2, "unsupported language '../en'"),
    (
        "a whole number with 5000 digits",
        ("  deposit_percent: 50", "  deposit_percent: 50\n  due_days: " + "9" * 5000),
        31,
        "payment.due_days: '9999999999999999999999999999999999999999…' is too large",
    ),
]


@pytest.mark.parametrize(
    ("change", "line", "message"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_bad_values_are_refused_at_their_line(
    tmp_path: Path, change: tuple[str, str], line: int, message: str
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_with(*change), encoding="utf-8")
    assert message in refused(spec, line=line)
    assert message in refused_check(spec, line=line)
