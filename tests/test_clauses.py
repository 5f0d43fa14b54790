"""Workspace clauses as small deltas on built-in ones, and telling when a base has changed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from engage._resources import data_dir
from engage.clauses import checksum
from tests.conftest import CLEAN_SPEC, pdf_text, run_cli, write_tree

LATE = "{% block late_payment %}\n**Late payment.** Our own terms, see {{ Ref('fees') }}.\n"
EXTENDS = "---\nextends: payment\n---\n" + LATE + "{% endblock %}\n"
SPEC = CLEAN_SPEC.replace("      percent: 50\n", "      percent: 50\n  late_interest: 8% a year\n")


def words(text: str) -> str:
    return " ".join(text.split())


def test_a_clause_can_replace_one_named_part_of_a_built_in_one(tmp_path: Path) -> None:
    write_tree(tmp_path, {"spec.yaml": SPEC, "clauses/en/payment.md": EXTENDS})
    result = run_cli("build", tmp_path / "spec.yaml", "-o", tmp_path / "out.pdf")
    assert result.code == 0, result.stderr
    text = words(pdf_text(tmp_path / "out.pdf"))
    assert "Late payment. Our own terms, see Clause 5." in text
    assert "8% a year" not in text and "bears interest" not in text
    # The other parts, and the title, are the built-in clause's.
    assert "6. Payment" in text
    assert "Deposit. A deposit of 50% of the total (€500.00) is due on signature" in text
    assert "Payments are made in full, without set-off or deduction, except as required by " \
        "law." in text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "---\nextends: payment\n---\n{% block late_paymnet %}x{% endblock %}\n",
            "clauses/en/payment.md:4: the clause 'payment' has no part named 'late_paymnet'; "
            "did you mean 'late_payment'?",
        ),
        (
            "---\nextends: payment\n---\n{% block nope %}x{% endblock %}\n",
            "clauses/en/payment.md:4: the clause 'payment' has no part named 'nope'; its parts "
            "are: deposit, how_to_pay, in_full, invoices, late_payment, plan",
        ),
        (
            "---\nextends: payment\n---\n\nSome text.\n" + LATE + "{% endblock %}\n",
            "clauses/en/payment.md:4: a clause that extends 'payment' holds only "
            "{% block name %} parts: anything outside them would not be printed",
        ),
        (
            "---\ntitle: Mine\nextends: paymnet\n---\nx\n",
            "clauses/en/payment.md:3:10: extends: there is no clause 'paymnet' in the libraries "
            "below this one to extend; did you mean 'payment'?",
        ),
    ],
)
def test_a_bad_extension_is_an_error_at_its_line(
    tmp_path: Path, body: str, message: str
) -> None:
    write_tree(tmp_path, {"spec.yaml": SPEC, "clauses/en/payment.md": body})
    result = run_cli("check", tmp_path / "spec.yaml")
    assert result.code == 2
    assert result.stderr.strip().replace(str(tmp_path.resolve()) + "/", "") == message


def test_show_copies_a_clause_with_the_checksum_of_its_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_cli("clauses", "show", "payment", "-o", "copy.md").code == 0
    builtin = (data_dir("clauses") / "en" / "payment.md").read_text(encoding="utf-8")
    copy = (tmp_path / "copy.md").read_text(encoding="utf-8")
    assert copy == builtin.replace("---\n", f"---\nbased_on: {checksum(builtin)}\n", 1)
    assert run_cli("clauses", "show", "payment", "--extend", "-o", "delta.md").code == 0
    delta = (tmp_path / "delta.md").read_text(encoding="utf-8")
    assert delta.startswith(f"---\nextends: payment\nbased_on: {checksum(builtin)}\n---\n")
    assert "{% block late_payment %}" in delta


def test_outdated_lists_clauses_whose_base_changed_with_the_difference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    builtin = (data_dir("clauses") / "en" / "payment.md").read_text(encoding="utf-8")
    # payment.md as it was before it had named parts, kept in the history.
    old = next(
        text
        for path in sorted((data_dir("clauses") / "history").glob("*.txt"))
        if (text := path.read_text(encoding="utf-8")).startswith("---\ntitle: Payment\n")
    )
    write_tree(tmp_path, {
        "clauses/en/payment.md": old.replace("---\n", f"---\nbased_on: {checksum(old)}\n", 1),
        "clauses/en/termination.md": "---\nextends: termination\nbased_on: "
        + checksum((data_dir("clauses") / "en" / "termination.md").read_text(encoding="utf-8"))
        + "\n---\n{% block handover %}Ours.{% endblock %}\n",
    })
    result = run_cli("clauses", "outdated")
    assert result.code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"{tmp_path.resolve()}/clauses/en/payment.md: replaces the built-in 'payment', which has "
        f"changed since (based on {checksum(old)[:19]}…, now {checksum(builtin)[:19]}…); "
        "what changed in it:"
    )
    assert lines[1:3] == ["--- built-in payment then", "+++ built-in payment now"]
    assert "+{% block late_payment %}" in lines
    assert "termination" not in result.stdout  # up to date
    (tmp_path / "clauses/en/payment.md").write_text(
        builtin.replace("---\n", f"---\nbased_on: {checksum(builtin)}\n", 1), encoding="utf-8"
    )
    assert run_cli("clauses", "outdated").code == 0


def test_history_files_are_named_by_their_checksum() -> None:
    history = sorted((data_dir("clauses") / "history").glob("*.txt"))
    assert history
    for path in history:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.stem
