"""Change orders, call recaps and acceptance records: bound to their terms, exact, readable."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from engage.aftersign import build_after, review_after
from engage.build import build, prepare
from engage.changes import load_change
from engage.kinds import after_kind
from tests.conftest import EXAMPLES, pdf_text, run_cli

CHANGES = EXAMPLES / "changes"
AFTER_EXAMPLES = sorted(CHANGES.glob("*.yaml"))


def test_every_language_has_a_change_order_a_recap_and_an_acceptance_record() -> None:
    names = [spec.name for spec in AFTER_EXAMPLES]
    for language in ("en", "it", "ro"):
        for kind in ("change-1", "recap", "acceptance"):
            assert any(f"-{language}.{kind}" in name for name in names), (language, kind)


@pytest.mark.parametrize("spec", AFTER_EXAMPLES, ids=lambda spec: spec.name)
def test_after_example_builds_and_passes_strict_check(spec: Path, tmp_path: Path) -> None:
    kind = after_kind(spec)
    assert kind is not None
    output = build_after(spec, kind, tmp_path / f"{spec.stem}.pdf")
    text = pdf_text(output)
    terms = review_after(spec, kind)
    assert terms.findings == []
    check = run_cli("check", "--strict", spec)
    assert check.code == 0, check.stderr
    assert check.stdout.strip() == f"{spec}: ok"
    assert text.strip()
    verified = run_cli("verify", output)  # its own kind of document, not terms
    assert (verified.code, verified.stderr) == (0, ""), verified.stdout
    assert verified.stdout.startswith(
        f"{output}: identical: its pages are those engage wrote, and today's templates build "
        "the same (fingerprint "
    )


def test_verify_names_what_changed_in_a_change_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import engage.inputs
    import engage.source
    from engage._resources import data_dir

    spec = CHANGES / "website-en.change-1.yaml"
    pdf = build_after(spec, "change_order", tmp_path / "change.pdf")
    templates = Path(shutil.copytree(data_dir("templates"), tmp_path / "templates"))
    with (templates / "after.css").open("a", encoding="utf-8") as stream:
        stream.write("\n/* restyled since */\n")
    moved = lambda name: templates if name == "templates" else data_dir(name)  # noqa: E731
    monkeypatch.setattr(engage.inputs, "data_dir", moved)
    monkeypatch.setattr(engage.source, "data_dir", moved)
    result = run_cli("verify", pdf)
    assert result.code == 1 and result.stdout.splitlines() == [
        f"{pdf}: differs from what engage wrote or would build today:",
        "  template:after.css changed",
    ]


def test_change_order_figures_are_exact_and_add_up() -> None:
    state = load_change(CHANGES / "website-en.change-1.yaml")
    terms = prepare(EXAMPLES / "website-en.yaml").figures
    before, after = state.before_figures, state.after_figures
    assert before == terms
    assert before.total == Decimal("5270.40")
    # 12 hours at 60.00 added; the one-off discount keeps its amount (it does not apply to
    # changes); VAT 22% on the new fees.
    assert after.fees == Decimal("5040.00")
    assert after.taxes[0].amount == Decimal("1108.80")
    assert after.total == Decimal("6148.80")
    assert [step.amount for step in after.instalments] == [
        Decimal("1844.64"), Decimal("2459.52"), Decimal("1844.64"),
    ]
    assert sum(step.amount for step in after.instalments) == after.total
    assert sum(step.amount for step in before.instalments) == before.total
    assert state.after.project.end.isoformat() == "2027-04-02"


def test_change_order_pdf_shows_before_after_and_the_clause(tmp_path: Path) -> None:
    output = build_after(CHANGES / "website-en.change-1.yaml", "change_order",
                         tmp_path / "co1.pdf")
    text = pdf_text(output)
    terms = prepare(EXAMPLES / "website-en.yaml")
    assert "Change order 1 to RS-2026-014" in text
    assert terms.fingerprint.value in text
    for figure in ["€5,270.40", "€6,148.80", "+€878.40", "€1,844.64", "€2,459.52"]:
        assert figure in text, figure
    changes = next(clause for clause in terms.clauses if clause.id == "changes")
    assert f"clause {changes.number} (Changes)" in " ".join(text.split())
    assert "Blog section with list and article" in text
    assert "2 April 2027" in text


def test_change_orders_stack_in_order(tmp_path: Path) -> None:
    second = load_change(CHANGES / "website-en.change-2.yaml")
    assert second.chain == (1, 2)
    assert second.before_figures.total == Decimal("6148.80")
    assert second.after_figures == second.before_figures
    included = second.after.scope.included
    assert "Three short videos on editing pages, recorded for the client" in included
    assert "One training session of one hour on editing pages" not in included
    assert "One hour of training on writing and publishing articles" in included


def _copy_example(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLES / "website-en.yaml", tmp_path / "website-en.yaml")
    return tmp_path / "website-en.yaml"


def test_change_order_naming_other_terms_is_refused(tmp_path: Path) -> None:
    _copy_example(tmp_path)
    text = (CHANGES / "website-en.change-1.yaml").read_text(encoding="utf-8")
    change = tmp_path / "co.yaml"
    change.write_text(text.replace("file: ../website-en.yaml", "file: website-en.yaml")
                      .replace("reference: RS-2026-014", "reference: RS-2026-099"),
                      encoding="utf-8")
    result = run_cli("build", change, "-o", tmp_path / "co.pdf")
    assert result.code == 2
    assert result.stderr == (
        f"{change}:7:16: change_order.terms.reference: 'RS-2026-099' is not the reference of "
        "website-en.yaml ('RS-2026-014'): this document names other terms\n"
    )
    assert not (tmp_path / "co.pdf").exists()


def test_change_order_against_the_signed_pdf_checks_its_fingerprint(tmp_path: Path) -> None:
    spec = _copy_example(tmp_path)
    build(spec, tmp_path / "signed.pdf")
    prints = prepare(spec).fingerprint.value
    text = (CHANGES / "website-en.change-1.yaml").read_text(encoding="utf-8")
    change = tmp_path / "co.yaml"
    change.write_text(text.replace("file: ../website-en.yaml", "file: signed.pdf")
                      .replace("reference: RS-2026-014",
                               f"reference: RS-2026-014\n    fingerprint: {prints[:16]}"),
                      encoding="utf-8")
    assert run_cli("build", change, "-o", tmp_path / "co.pdf").code == 0
    assert prints in pdf_text(tmp_path / "co.pdf")
    change.write_text(change.read_text(encoding="utf-8").replace(prints[:16], "0" * 16),
                      encoding="utf-8")
    result = run_cli("build", change, "-o", tmp_path / "co2.pdf")
    assert result.code == 2
    assert result.stderr == (
        f"{change}:8:18: change_order.terms.fingerprint: 000000000000 is not the fingerprint "
        f"of signed.pdf ({prints[:12]}): the terms changed since, or this names other terms\n"
    )
    assert not (tmp_path / "co2.pdf").exists()


def test_check_reports_a_change_with_no_price_and_an_action_with_no_owner(
    tmp_path: Path,
) -> None:
    _copy_example(tmp_path)
    change = tmp_path / "co.yaml"
    change.write_text(
        "change_order:\n  number: 1\n  issued: 2027-02-10\n  terms:\n"
        "    file: website-en.yaml\n    reference: RS-2026-014\n"
        "  reason: A newsletter page.\n  add_included:\n    - A newsletter sign-up page\n",
        encoding="utf-8",
    )
    result = run_cli("check", change)
    assert result.stdout.splitlines()[0] == (
        f"{change}:1:1: warning: change-no-price: this change adds work but no price: add "
        "price lines under add_items, or state that it is free with free_of_charge: true"
    )
    assert run_cli("check", "--strict", change).code == 2
    recap = tmp_path / "recap.yaml"
    recap.write_text(
        "recap:\n  terms:\n    file: website-en.yaml\n    reference: RS-2026-014\n"
        "  held: 2027-02-08\n  sent: 2027-02-11\n  subject: Designs\n"
        "  participants: [Maria, Luca]\n  actions:\n    - action: Send the texts\n",
        encoding="utf-8",
    )
    lines = run_cli("check", recap).stdout.splitlines()
    assert lines[:3] == [
        f"{recap}:6:9: warning: recap-late: sent after 2027-02-09: the terms promise a recap "
        "within 1 working day of the call",
        f"{recap}:10:7: warning: action-no-date: this action has no due date: say by when, "
        "or it is never late",
        f"{recap}:10:7: warning: action-no-owner: this action has no owner: name who does "
        "it, or nobody will",
    ]


def test_recap_states_the_correction_deadline(tmp_path: Path) -> None:
    output = build_after(CHANGES / "website-en.recap.yaml", "recap", tmp_path / "r.pdf")
    text = " ".join(pdf_text(output).split())
    assert "corrects it in writing by 11 February 2027" in text
    assert "within 1 working day of the call" in text
    assert "RS-2026-014" in text


def test_acceptance_records_are_titled_as_local_practice_expects(tmp_path: Path) -> None:
    titles = {
        "renovation-it.acceptance-rilievo.yaml": "Verbale di consegna e accettazione",
        "translation-ro.acceptance-glosar.yaml": "Proces-verbal de predare-primire",
        "website-en.acceptance-design.yaml": "Acceptance record",
    }
    for name, title in titles.items():
        output = build_after(CHANGES / name, "acceptance", tmp_path / f"{name}.pdf")
        text = pdf_text(output)
        assert title in text
    text = pdf_text(tmp_path / "website-en.acceptance-design.yaml.pdf")
    assert "raises no objection" in text  # the criterion comes from the terms


def test_refusal_without_reasons_is_invalid(tmp_path: Path) -> None:
    _copy_example(tmp_path)
    record = tmp_path / "a.yaml"
    record.write_text(
        "acceptance:\n  terms:\n    file: website-en.yaml\n    reference: RS-2026-014\n"
        "  deliverable: design\n  delivered_on: 2027-02-05\n  delivered: [Designs]\n"
        "  outcome: refused\n  signed_on: 2027-02-08\n",
        encoding="utf-8",
    )
    result = run_cli("build", record)
    assert result.code == 2
    assert result.stderr == (
        f"{record}:2:3: acceptance: outcome 'refused' needs `remarks`: list the reasons for "
        "refusing\n"
    )


def test_consolidated_version_holds_the_terms_as_changed(tmp_path: Path) -> None:
    result = run_cli("consolidate", CHANGES / "website-en.change-2.yaml", "-o",
                     tmp_path / "now.pdf")
    assert result.code == 0, result.stderr
    text = " ".join(pdf_text(tmp_path / "now.pdf").split())
    assert "RS-2026-014 as changed by change order 2" in text
    for figure in ["€6,148.80", "€1,108.80", "€1,844.64", "€2,459.52", "2 April 2027"]:
        assert figure in text, figure
    assert "Three short videos on editing pages" in text
    assert "One training session of one hour" not in text
    assert "Blog section with list and article templates" in text
    verified = run_cli("verify", tmp_path / "now.pdf")  # the consolidated terms are terms
    assert verified.code == 0 and "today's clauses and templates build the same" in verified.stdout


def test_change_orders_must_follow_in_order_without_loops(tmp_path: Path) -> None:
    _copy_example(tmp_path)
    for name in ("website-en.change-1.yaml", "website-en.change-2.yaml"):
        text = (CHANGES / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace("../website-en.yaml", "website-en.yaml"),
                                     encoding="utf-8")
    second = tmp_path / "website-en.change-2.yaml"
    second.write_text(second.read_text(encoding="utf-8").replace("number: 2", "number: 3"),
                      encoding="utf-8")
    result = run_cli("build", second)
    assert result.code == 2
    assert result.stderr == (
        f"{second}:3:11: change_order.number: this change order follows number 1, "
        "so it is number 2\n"
    )
    second.write_text(second.read_text(encoding="utf-8").replace(
        "follows: website-en.change-1.yaml", "follows: website-en.change-2.yaml"),
        encoding="utf-8")
    result = run_cli("build", second)
    assert result.stderr == (
        f"{second}:5:12: change_order.follows: website-en.change-2.yaml leads back to this "
        "change order\n"
    )
    assert not (tmp_path / "website-en.change-2.pdf").exists()
