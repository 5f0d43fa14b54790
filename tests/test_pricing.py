"""Pricing as professionals charge: withholding and the net to pay, instalments by amount or
equal, retainers, time and materials, expenses, per-client values and relative duties."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from engage.build import build, prepare
from engage.errors import ClauseError, SpecError
from engage.load import load_yaml
from engage.money import split_equally
from engage.validate import validate
from tests.conftest import EXAMPLES, MINIMAL_SPEC, clause, pdf_text, write_tree


def flat(text: str) -> str:
    """``text`` on one line, with no-break spaces as plain ones."""
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def spec_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    path = spec_file(tmp_path, text)
    with pytest.raises(SpecError) as caught:
        validate(load_yaml(path), ["en", "it", "ro"])
    return [str(problem).replace(str(path), "spec.yaml") for problem in caught.value.problems]


def with_payment(payment: str, pricing: str | None = None) -> str:
    """MINIMAL_SPEC with another payment section (and pricing section)."""
    head, _, _ = MINIMAL_SPEC.partition("pricing:\n")
    pricing = pricing or "pricing:\n  items:\n    - description: Work\n      amount: 1000.00\n"
    return head + pricing + payment


# Withholding: the Italian architect's reference figures, read back from the PDF ---------------


@pytest.fixture(scope="module")
def architect(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("architect") / "architect.pdf"
    return flat(pdf_text(build(EXAMPLES / "architect-it.yaml", out).output))


def test_withholding_gives_the_reference_figures_exactly(architect: str) -> None:
    figures = prepare(EXAMPLES / "architect-it.yaml").figures
    assert figures.subtotal == Decimal("10000.00")
    assert [tax.amount for tax in figures.taxes] == [Decimal("400.00"), Decimal("2288.00")]
    assert figures.taxes[1].base == Decimal("10400.00")
    assert figures.total == Decimal("12688.00")
    assert [(held.base, held.amount) for held in figures.withholdings] == [
        (Decimal("10000.00"), Decimal("2000.00"))
    ]
    assert figures.net == figures.payable == Decimal("10688.00")
    assert [step.amount for step in figures.instalments] == [
        Decimal("3206.40"), Decimal("4275.20"), Decimal("3206.40")
    ]
    for figure in [
        "10.000,00 €", "400,00 €", "su 10.400,00 €", "2.288,00 €", "12.688,00 €",
        "–2.000,00 €", "10.688,00 €", "3.206,40 €", "4.275,20 €",
    ]:
        assert figure in architect, figure


def test_the_key_terms_and_the_plan_are_on_the_net(architect: str) -> None:
    first_page = architect.split("Pagina 1 di")[0]
    assert "Netto a pagare" in first_page and "10.688,00 €" in first_page
    assert "Totale da pagare" not in first_page
    assert "Il netto a pagare di 10.688,00 € è pagato come segue" in architect
    assert "L’importo totale dovuto" not in architect


# Instalments as amounts, or equal -----------------------------------------------------------


def test_instalments_given_as_amounts_must_add_up_to_the_cent(tmp_path: Path) -> None:
    payment = (
        "payment:\n  schedule:\n    - when: Start\n      amount: 400.00\n"
        "    - when: End\n      amount: 599.99\n"
    )
    assert problems(tmp_path, with_payment(payment)) == [
        "spec.yaml:34:15: payment.schedule[1].amount: "
        "the instalments add up to 999.99, not the total (1000.00): short by 0.01"
    ]
    good = spec_file(tmp_path, with_payment(payment.replace("599.99", "600.00")))
    figures = prepare(good).figures
    assert [(s.amount, s.percent) for s in figures.instalments] == [
        (Decimal("400.00"), None), (Decimal("600.00"), None)
    ]


def test_amounts_and_percentages_do_not_mix(tmp_path: Path) -> None:
    payment = (
        "payment:\n  schedule:\n    - when: Start\n      amount: 400.00\n"
        "    - when: End\n      percent: 60\n"
    )
    assert problems(tmp_path, with_payment(payment)) == [
        "spec.yaml:34:16: payment.schedule[1].percent: "
        "give every instalment as an `amount` when one of them is"
    ]


def test_equal_instalments_split_evenly_and_the_last_absorbs_rounding(tmp_path: Path) -> None:
    assert split_equally(Decimal("100.00"), 3, 2) == [
        Decimal("33.33"), Decimal("33.33"), Decimal("33.34")
    ]
    assert split_equally(Decimal("0.01"), 3, 2) == [
        Decimal("0.00"), Decimal("0.00"), Decimal("0.01")
    ]
    assert split_equally(Decimal("9450.00"), 3, 2) == [Decimal("3150.00")] * 3
    both = "payment:\n  deposit_percent: 10\n  equal_instalments: 3\n"
    assert problems(tmp_path, with_payment(both)) == [
        "spec.yaml:31:22: payment.equal_instalments: "
        "give `equal_instalments` or a `deposit_percent` and `schedule`, not both"
    ]


# Retainer ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def retainer(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("retainer") / "retainer.pdf"
    return flat(pdf_text(build(EXAMPLES / "retainer-en.yaml", out).output))


def test_a_retainer_is_a_fee_per_period_not_a_project_total(retainer: str) -> None:
    figures = prepare(EXAMPLES / "retainer-en.yaml").figures
    assert [step.amount for step in figures.instalments] == [Decimal("3150.00")] * 3
    assert figures.payable == Decimal("9450.00")
    first_page = retainer.split("Page 1 of")[0]
    for words in ["Fee per month", "$3,150.00", "Minimum commitment", "$9,450.00",
                  "Notice to end", "30 days", "Month 1, at its start"]:
        assert words in first_page, words
    assert "Total to pay" not in first_page
    text = retainer
    assert "not a price for the project" in text
    assert "The total payable is" not in text
    assert "Unused hours lapse at the end of each month" in text


def test_a_retainer_takes_no_items(tmp_path: Path) -> None:
    pricing = (
        "pricing:\n  items:\n    - description: Work\n      amount: 1000.00\n"
        "  retainer:\n    description: Support\n    period: month\n    fee: 500.00\n"
    )
    assert problems(tmp_path, with_payment("payment:\n  equal_instalments: 1\n", pricing)) == [
        "spec.yaml:26:3: pricing: a retainer is priced by its `fee`: leave `items` out"
    ]


# Time and materials -----------------------------------------------------------------------------


def test_time_and_materials_speaks_of_an_estimate_and_a_cap(tmp_path: Path) -> None:
    built = build(EXAMPLES / "migration-hourly-en.yaml", tmp_path / "tm.pdf")
    text = flat(pdf_text(built.output))
    assert "Estimated total" in text and "$32,000.00" in text
    assert "the estimate is $32,000.00" in text
    assert (
        "The fees for time worked will not exceed $36,000.00 without the Client’s written approval"
    ) in text
    assert "before taxes" not in text  # no tax is charged
    assert "total payable" not in text and "Total to pay" not in text
    assert built.prepared.figures.instalments == ()


def test_time_and_materials_is_priced_by_rate_and_has_no_plan(tmp_path: Path) -> None:
    pricing = (
        "pricing:\n  time_and_materials:\n    cap: 2000.00\n"
        "  items:\n    - description: Work\n      amount: 1000.00\n"
    )
    assert problems(tmp_path, with_payment("payment:\n  deposit_percent: 10\n", pricing)) == [
        "spec.yaml:30:15: pricing.items[0].amount: time and materials is priced by rate: give "
        "`quantity` (the estimate), `unit` and `unit_price` instead of `amount`",
        "spec.yaml:32:3: payment: time and materials is invoiced as the time is worked: leave "
        "out `deposit_percent`, `schedule` and `equal_instalments`",
    ]


# Expenses ---------------------------------------------------------------------------------------


def test_flat_rate_expenses_are_part_of_the_fees_and_taxed(tmp_path: Path) -> None:
    pricing = (
        "pricing:\n  items:\n    - description: Work\n      amount: 1000.00\n"
        "  expenses:\n    flat_percent: 10\n"
        "  taxes:\n    - name: VAT\n      percent: 20\n"
    )
    path = spec_file(tmp_path, with_payment("payment:\n  equal_instalments: 2\n", pricing))
    built = build(path, tmp_path / "flat.pdf")
    figures = built.prepared.figures
    assert (figures.expenses, figures.fees, figures.total) == (
        Decimal("100.00"), Decimal("1100.00"), Decimal("1320.00")
    )
    text = flat(pdf_text(built.output))
    assert "Flat-rate expenses 10% €100.00" in text
    assert "Expenses are charged as a flat 10% of the fees (€100.00)" in text


# Per-client values --------------------------------------------------------------------------------

PROFILE = """\
extra_fields:
  hosting: {type: text, required: true}
  maintenance_fee: {type: money}
  go_live: {type: date}
  browsers: {type: list}
"""
HOSTING = clause(
    "Hosting",
    """\
    The site is hosted by {{ extra.hosting }}, maintained for {{ extra.maintenance_fee }} a
    month from {{ extra.go_live }}, and tested in {{ extra.browsers | join(", ") }}.
    """,
    order="85",
)


def test_extra_values_are_typed_declared_and_visible_to_clauses(tmp_path: Path) -> None:
    extra = (
        "extra:\n  hosting: Hetzner, Falkenstein\n  maintenance_fee: 120.00\n"
        "  go_live: 2027-02-01\n  browsers: [Firefox, Safari]\n"
    )
    root = write_tree(
        tmp_path,
        {
            "engage.yaml": PROFILE,
            "clauses/en/hosting.md": HOSTING,
            "spec.yaml": MINIMAL_SPEC + extra,
        },
    )
    text = flat(pdf_text(build(root / "spec.yaml", tmp_path / "x.pdf").output))
    # The declared amount is a figure of the spec, so the amount check lets it through.
    assert (
        "hosted by Hetzner, Falkenstein, maintained for €120.00 a month from 1 February 2027, "
        "and tested in Firefox, Safari" in text
    )


def test_extra_values_are_checked_at_their_line(tmp_path: Path) -> None:
    extra = "extra:\n  maintenance_fee: 12O.00\n  go_live: soon\n  hostnig: x\n"
    write_tree(tmp_path, {"engage.yaml": PROFILE})
    path = spec_file(tmp_path, MINIMAL_SPEC + extra)
    with pytest.raises(SpecError) as caught:
        prepare(path)
    assert [str(problem).replace(str(tmp_path) + "/", "") for problem in caught.value.problems] == [
        "spec.yaml:35:3: extra: 'hosting' is required (text): give it here",
        "spec.yaml:35:20: extra.maintenance_fee: '12O.00' is not an amount: write digits with an "
        "optional decimal point, like 1200.50 (no sign, exponent, or thousands separator)",
        "spec.yaml:36:12: extra.go_live: 'soon' is not a date; write it as YYYY-MM-DD, like "
        "2027-01-31",
        "spec.yaml:37:12: extra.hostnig: 'hostnig' is not a declared extra field; did you mean "
        "'hosting'?",
    ]


def test_an_amount_not_declared_in_extra_is_still_refused(tmp_path: Path) -> None:
    extra = "extra:\n  hosting: Hetzner\n"
    sneaky = clause("Hosting", "Hosting costs €99.00 a month at {{ extra.hosting }}.\n")
    root = write_tree(
        tmp_path,
        {
            "engage.yaml": PROFILE,
            "clauses/en/hosting.md": sneaky,
            "spec.yaml": MINIMAL_SPEC + extra,
        },
    )
    with pytest.raises(ClauseError, match=r"prints the amount '€99\.00'"):
        build(root / "spec.yaml", tmp_path / "x.pdf")


# Relative client duties ------------------------------------------------------------------------


def test_a_duty_is_due_on_a_date_or_some_days_after_an_event(tmp_path: Path) -> None:
    duties = (
        "client_duties:\n"
        "  - duty: Review each delivery\n    within_working_days: 5\n    after: each delivery\n"
        "  - duty: Both\n    due: 2027-01-10\n    within_days: 3\n    after: x\n"
        "  - duty: No event\n    within_days: 3\n"
    )
    assert problems(tmp_path, MINIMAL_SPEC + duties) == [
        "spec.yaml:38:5: client_duties[1]: "
        "give either a `due` date or `within_days`/`within_working_days`",
        "spec.yaml:42:5: client_duties[2]: "
        "say after which event the days count, e.g. `after: each delivery`",
    ]
    path = spec_file(tmp_path, MINIMAL_SPEC + duties.split("  - duty: Both")[0])
    text = flat(pdf_text(build(path, tmp_path / "d.pdf").output))
    assert "within 5 working days of each delivery" in text
    assert "by the deadline shown" in text
