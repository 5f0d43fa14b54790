"""The typed contract between engage and clause authors: what clauses see, and how."""

from __future__ import annotations

import pickle
from datetime import date
from decimal import Decimal
from pathlib import Path

from engage.build import clause_reference
from engage.formats import Formats
from engage.values import Day, Money, Percent
from tests.conftest import CLEAN_SPEC, MINIMAL_SPEC, ROOT, clause, pdf_text, run_cli
from tests.test_assemble import assemble_tiny, clause_error

ENGLISH = Formats("en", "EUR")
ITALIAN = Formats("it", "EUR")


def test_values_print_the_local_way_and_keep_their_value() -> None:
    zero, thousand = Money(Decimal(0), ENGLISH), Money(Decimal("1000"), ITALIAN)
    assert (str(zero), str(thousand)) == ("€0.00", "1.000,00\xa0€")
    assert not zero and thousand
    assert not Percent(Decimal(0), ENGLISH) and str(Percent(Decimal(0), ENGLISH)) == "0%"
    assert zero < thousand and thousand == 1000 and thousand > 999.99
    assert sorted([thousand, zero, Money(Decimal("5"), ENGLISH)]) == [0, 5, 1000]
    day = Day(date(2027, 2, 1), ENGLISH)
    assert day and str(day) == "1 February 2027"
    copied = pickle.loads(pickle.dumps(thousand))
    assert (type(copied), str(copied), copied) == (Money, "1.000,00\xa0€", 1000)


def test_a_kill_fee_of_zero_is_not_printed(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(CLEAN_SPEC + "  kill_fee_percent: 0\n", encoding="utf-8")
    out = tmp_path / "out.pdf"
    result = run_cli("build", spec, "-o", out)
    assert result.code == 0, result.stderr
    text = " ".join(pdf_text(out).split())
    assert "Ending the engagement" in text
    assert "kill fee" not in text.lower()


def test_a_kill_fee_is_printed_when_there_is_one(tmp_path: Path) -> None:
    spec = MINIMAL_SPEC + "exit:\n  kill_fee_percent: 12.5\n"
    body = "{% if exit.kill_fee_percent %}Kill fee {{ exit.kill_fee_percent }}.{% endif %}\n"
    result = assemble_tiny(tmp_path, {"a": clause("A", body)}, spec)
    assert result[0].html == "<p>Kill fee 12.5%.</p>\n"


def test_a_mistyped_field_names_the_clause_line_and_the_likely_name(tmp_path: Path) -> None:
    message = clause_error(
        tmp_path, {"a": clause("A", "One.\n\nAbout: {{ project.sumary }}.\n")}
    )
    assert message == "lib/en/a.md:6: project has no name 'sumary'; did you mean 'summary'?"


def test_a_mistyped_field_in_a_list_item_or_a_filter_is_an_error(tmp_path: Path) -> None:
    loop = "{% for d in scope.deliverables %}\n{{ d.titel }}\n{% endfor %}\n"
    assert clause_error(tmp_path / "loop", {"a": clause("A", loop)}) == (
        "lib/en/a.md:5: a scope.deliverables item has no name 'titel'; did you mean 'title'?"
    )
    selected = '{{ scope.deliverables | selectattr("acceptence") | list | length }}\n'
    assert clause_error(tmp_path / "filter", {"a": clause("A", selected)}) == (
        "lib/en/a.md:4: a scope.deliverables item has no name 'acceptence'; "
        "did you mean 'acceptance'?"
    )


def test_a_mistyped_name_in_a_condition_says_the_likely_name(tmp_path: Path) -> None:
    message = clause_error(tmp_path, {"a": clause("A", "x\n", when="pricing.discont")})
    assert message == "lib/en/a.md:3: when: pricing has no name 'discont'; did you mean 'discount'?"


def test_context_records_show_only_their_names(tmp_path: Path) -> None:
    message = clause_error(tmp_path, {"a": clause("A", "{{ project.model_dump() }}\n")})
    assert message == "lib/en/a.md:4: project has no name 'model_dump'"
    message = clause_error(tmp_path / "b", {"a": clause("A", "{{ pricing.total.amount }}\n")})
    assert message == "lib/en/a.md:4: a money has no name 'amount': print it as it is"
    message = clause_error(tmp_path / "c", {"a": clause("A", "{{ pricing.total._value }}\n")})
    assert message == "lib/en/a.md:4: a money has no name '_value': print it as it is"
    message = clause_error(tmp_path / "d", {"a": clause("A", "{{ project['model_copy'] }}\n")})
    assert message == "lib/en/a.md:4: project has no name 'model_copy'"


def test_values_compare_with_numbers_in_clauses(tmp_path: Path) -> None:
    body = (
        "{% if pricing.total > 999 and pricing.total < 1001 %}Around a thousand.{% endif %} "
        "{{ payment.instalments | sort(attribute='amount', reverse=true) | map(attribute='when')"
        " | join(', ') }}\n"
    )
    spec = MINIMAL_SPEC.replace("percent: 50", "percent: 70")
    spec = spec.replace("_percent: 70", "_percent: 30")
    result = assemble_tiny(tmp_path, {"a": clause("A", body)}, spec)
    assert result[0].html == "<p>Around a thousand. Delivery,</p>\n"


def test_used_mentions_an_optional_clause_only_when_it_is_in_the_document(
    tmp_path: Path,
) -> None:
    clauses = {
        "a": clause(
            "A", "Fees.{% if used('secret') %} See also {{ ref('secret') }}.{% endif %}\n"
        ),
        "secret": clause("Confidentiality", "Keep it quiet.\n", optional="true"),
    }
    without = assemble_tiny(tmp_path / "without", clauses)
    assert without[0].html == "<p>Fees.</p>\n"
    added = MINIMAL_SPEC + "clauses:\n  add: [secret]\n"
    with_it = assemble_tiny(tmp_path / "with", clauses, added)
    assert with_it[0].html == "<p>Fees. See also clause 2.</p>\n"


def test_used_with_an_unknown_id_is_an_error(tmp_path: Path) -> None:
    message = clause_error(tmp_path, {"a": clause("A", "x\n\n{{ used('secrte') }}\n")})
    assert message == "lib/en/a.md:6: used('secrte'): there is no such clause in the library"


def test_capitalised_ref_starts_a_sentence(tmp_path: Path) -> None:
    clauses = {
        "a": clause("A", "{{ Ref('b') }} sets the fees; see {{ ref('b') }}.\n", order="1"),
        "b": clause("B", "Fees.\n", order="2"),
    }
    assert assemble_tiny(tmp_path, clauses)[0].html == (
        "<p>Clause 2 sets the fees; see clause 2.</p>\n"
    )


def test_the_reference_in_the_readme_is_the_generated_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- clause-context:start -->\n", "<!-- clause-context:end -->"
    copy = readme[readme.index(start) + len(start) : readme.index(end)]
    result = run_cli("clauses", "context")
    assert result.code == 0
    assert result.stdout == clause_reference()
    assert copy == result.stdout, (
        "README.md is out of step with engage/context.py: paste the output of "
        "`engage clauses context` between the clause-context markers"
    )


def test_the_reference_lists_every_name_with_type_and_example() -> None:
    text = clause_reference()
    assert "| `exit.kill_fee_percent` | percent or none | Share of the fees not yet" in text
    assert (
        "| `pricing.total` | money | Fees plus taxes: the total payable (before any "
        "withholding). | `€2,928.00` |"
    ) in text
    assert '| `used("id")` |' in text


def test_used_in_a_condition_is_a_clear_error(tmp_path: Path) -> None:
    message = clause_error(tmp_path, {"a": clause("A", "x\n", when="used('b')")})
    assert message == (
        "lib/en/a.md:3: when: used('b') cannot decide whether a clause is used, since the "
        "clauses are being chosen; test the spec instead"
    )
