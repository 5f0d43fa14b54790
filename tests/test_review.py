"""engage check's review: each rule fires on a weak spec and stays quiet on a sound one."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from engage.errors import SpecError
from engage.load import load_yaml
from engage.models import REVIEW_CODES
from engage.review import RULES, Finding, Review, review
from engage.validate import validate
from tests.conftest import CLEAN_SPEC, EXAMPLES, MINIMAL_SPEC, ROOT, run_cli, write_tree

TODAY = date(2026, 12, 1)
DELETE = object()


def reviewed(tmp_path: Path, text: str, today: date = TODAY) -> Review:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    document = load_yaml(path)
    return review(validate(document, ["en"]), document, today=today)


def edited(changes: dict[str, Any]) -> str:
    """CLEAN_SPEC with ``changes`` ("a.b.0.c" -> value, or DELETE) made."""
    data = load_yaml(Path("clean.yaml"), CLEAN_SPEC).data
    for dotted, value in changes.items():
        *parents, last = [int(part) if part.isdigit() else part for part in dotted.split(".")]
        target = data
        for part in parents:
            target = target.setdefault(part, {}) if isinstance(target, dict) else target[part]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


DUTY = "client_duties.0"
SOLE_PAYMENT = {"payment.deposit_percent": DELETE, "payment.schedule.0.percent": "100"}
HOURLY = {
    "pricing.items": [
        {"description": "Work", "quantity": "10", "unit": "hour", "unit_price": "100.00"}
    ],
    "payment": {"due_days": "15"},
}
TIMESHEET = "A weekly timesheet by email"
RETAINER = {
    "pricing": {
        "retainer": {
            "description": "Support",
            "period": "month",
            "fee": "500.00",
            "notice_days": "30",
        }
    },
    "payment": {"equal_instalments": "1"},
}

# code, changes that trigger it (alone), changes that come close and do not trigger anything.
RULE_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("no-exclusions", {"scope.excluded": DELETE}, {"scope.excluded": ["Printing"]}),
    (
        "no-acceptance",
        {"scope.deliverables.0.acceptance": DELETE},
        {"scope.deliverables.0.acceptance": "The client signs it off."},
    ),
    ("revisions-unstated", {"scope.revision_rounds": DELETE}, {"scope.revision_rounds": "0"}),
    (
        "revisions-unlimited",
        {"scope.included": ["Unlimited revisions of the designs"]},
        {"scope.included": ["Two revision rounds"], "scope.excluded": ["Unlimited revisions"]},
    ),
    ("duty-no-date", {f"{DUTY}.due": DELETE}, {f"{DUTY}.due": "2027-01-05"}),
    ("duty-no-consequence", {f"{DUTY}.if_late": DELETE}, {f"{DUTY}.if_late": "Work pauses."}),
    ("duty-after-deliverable", {f"{DUTY}.due": "2027-01-20"}, {f"{DUTY}.due": "2027-01-19"}),
    (
        "free-work-no-value",
        {"free_work": [{"description": "Audit", "list_value": "0"}]},
        {"free_work": [{"description": "Audit", "list_value": "100.00"}]},
    ),
    (
        "free-work-large",
        {"free_work": [{"description": "Audit", "list_value": "250.01"}]},
        {"free_work": [{"description": "Audit", "list_value": "250.00"}]},
    ),
    (
        "discount-no-reason",
        {"pricing.discount": {"percent": "10"}},
        {"pricing.discount": {"percent": "10", "reason": "Launch offer"}},
    ),
    (
        "discount-recurring",
        {"pricing.discount": {"amount": "100.00", "reason": "Loyalty", "one_off": "false"}},
        {"pricing.discount": {"amount": "100.00", "reason": "Loyalty", "one_off": "yes"}},
    ),
    ("no-deposit", SOLE_PAYMENT, {**SOLE_PAYMENT, "project.end": "2027-01-31"}),
    (
        "no-provider-exit",
        {"exit.provider_may_end_if": DELETE},
        {"exit.provider_may_end_if": ["Abuse of the Provider's staff"]},
    ),
    ("no-notice", {"exit.notice_days": "0"}, {"exit.notice_days": "1"}),
    ("kill-fee-zero", {"exit.kill_fee_percent": "0"}, {"exit.kill_fee_percent": "20"}),
    ("no-feedback", {"feedback": DELETE}, {"feedback.every_weeks": "4"}),
    (
        "no-complaint-response",
        {"complaints.respond_within_days": DELETE},
        {"complaints.respond_within_days": "5"},
    ),
    ("no-complaint-remedy", {"complaints.remedy": DELETE}, {"complaints.remedy": "A refund."}),
    ("no-call-recap", {"communication": DELETE}, {"communication.recap_within_days": "0"}),
    ("changes-not-in-writing", {"changes.in_writing": "false"}, {"changes.in_writing": "yes"}),
    (
        "vague-word",
        {f"{DUTY}.duty": "Send the texts ASAP"},
        {f"{DUTY}.duty": "Send the texts as soon as they are final"},
    ),
    ("offer-expired", {"@today": date(2026, 12, 16)}, {"@today": date(2026, 12, 15)}),
    ("dates-out-of-order", {"valid_until": "2027-01-01"}, {"valid_until": "2026-12-31"}),
    ("no-valid-until", {"valid_until": DELETE}, {"valid_until": "2026-12-02"}),
    (
        "first-person",
        {"complaints.remedy": "We fix it at our cost."},
        {"complaints.remedy": "The Provider fixes it for users in the US at its own cost."},
    ),
    (
        "tm-no-cap",
        {**HOURLY, "pricing.time_and_materials": {"reporting": TIMESHEET}},
        {**HOURLY, "pricing.time_and_materials": {"reporting": TIMESHEET, "cap": "1200.00"}},
    ),
    (
        "tm-no-reporting",
        {**HOURLY, "pricing.time_and_materials": {"cap": "1200.00"}},
        {**HOURLY, "pricing.time_and_materials": {"cap": "1200.00", "reporting": TIMESHEET}},
    ),
    (
        "retainer-no-notice",
        {**RETAINER, "pricing.retainer.notice_days": DELETE},
        {**RETAINER, "pricing.retainer.notice_days": "1"},
    ),
    (
        "retainer-no-extra-rate",
        {**RETAINER, "pricing.retainer.hours_included": "10"},
        {
            **RETAINER,
            "pricing.retainer.hours_included": "10",
            "pricing.retainer.extra_hour_rate": "60.00",
        },
    ),
    (
        "expenses-open-ended",
        {"pricing.expenses": {"prior_approval": "no", "items": ["Travel"]}},
        {"pricing.expenses": {"prior_approval": "no", "cap": "200.00", "items": ["Travel"]}},
    ),
    (
        "expenses-no-items",
        {"pricing.expenses": {"cap": "200.00"}},
        {"pricing.expenses": {"cap": "200.00", "items": ["Travel", "Printing"]}},
    ),
    (
        "cross-border-vat",
        {"client.country": "IT", "pricing.taxes": [{"name": "VAT", "percent": "20"}]},
        {"client.country": "GB", "pricing.taxes": [{"name": "VAT", "percent": "20"}]},
    ),
    (
        "consumer-unfair",
        {"client.consumer": "true", "exit.kill_fee_percent": "10"},
        {"client.consumer": "true", "exit.kill_fee_percent": "10", "law.country": "US"},
    ),
    ("no-law-country", {"provider.country": DELETE}, {"law.country": "RO"}),
    (
        "no-insurance",
        {"provider.country": "IT", "provider.profession": "engineer"},
        {
            "provider.country": "IT",
            "provider.profession": "engineer",
            "provider.insurance": {"insurer": "Assicura", "policy": "P-1", "cover": "500000.00"},
        },
    ),
]


def codes_for(tmp_path: Path, changes: dict[str, Any]) -> list[str]:
    today = changes.get("@today", TODAY)
    text = edited({key: value for key, value in changes.items() if key != "@today"})
    return [finding.code for finding in reviewed(tmp_path, text, today).findings]


def test_every_code_has_a_rule_and_a_case() -> None:
    assert tuple(RULES) == REVIEW_CODES
    assert [case[0] for case in RULE_CASES] == list(REVIEW_CODES)


def test_a_relative_duty_has_a_deadline_without_a_date(tmp_path: Path) -> None:
    relative = {
        f"{DUTY}.due": DELETE,
        f"{DUTY}.within_working_days": "5",
        f"{DUTY}.after": "each delivery",
    }
    assert codes_for(tmp_path, relative) == []
    assert codes_for(tmp_path, {**relative, f"{DUTY}.if_late": DELETE}) == [
        "duty-no-consequence"
    ]


def test_time_and_materials_and_equal_instalments_need_no_deposit(tmp_path: Path) -> None:
    long = {"project.end": "2027-03-31"}
    hourly = {**HOURLY, "pricing.time_and_materials": {"cap": "1200.00", "reporting": TIMESHEET}}
    equal = {"payment": {"equal_instalments": "3"}}
    assert codes_for(tmp_path, {**long, **hourly}) == []
    assert codes_for(tmp_path, {**long, **equal}) == []
    assert codes_for(tmp_path, {**long, **SOLE_PAYMENT}) == ["no-deposit"]


def test_the_clean_spec_has_no_findings(tmp_path: Path) -> None:
    assert reviewed(tmp_path, CLEAN_SPEC).findings == []
    assert reviewed(tmp_path, edited({})).findings == []


@pytest.mark.parametrize(("code", "bad", "good"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_rule_fires_on_the_weak_spec_only(
    tmp_path: Path, code: str, bad: dict[str, Any], good: dict[str, Any]
) -> None:
    assert set(codes_for(tmp_path, bad)) == {code}
    assert codes_for(tmp_path, good) == []


def test_findings_on_the_minimal_spec_are_located_and_explained(tmp_path: Path) -> None:
    findings = reviewed(tmp_path, MINIMAL_SPEC).findings
    # Missing sections point at the top of the spec; missing fields at their section's key.
    assert [(f.line, f.col, f.code) for f in findings] == [
        (1, 1, "changes-not-in-writing"),
        (1, 1, "no-call-recap"),
        (1, 1, "no-complaint-remedy"),
        (1, 1, "no-complaint-response"),
        (1, 1, "no-feedback"),
        (1, 1, "no-notice"),
        (1, 1, "no-provider-exit"),
        (1, 1, "no-valid-until"),
        (6, 1, "no-law-country"),
        (19, 1, "no-exclusions"),
        (19, 1, "revisions-unstated"),
    ]
    lines = [str(finding) for finding in findings]
    file = tmp_path / "spec.yaml"
    assert lines[9] == (
        f"{file}:19:1: warning: no-exclusions: nothing is excluded: list what the price does not "
        "cover under scope.excluded, or every request looks like part of the job"
    )
    assert lines[7] == (
        f"{file}:1:1: note: no-valid-until: the offer has no end date: set valid_until, or the "
        "client can accept these prices months from now"
    )


def test_exact_messages_at_the_field_to_change(tmp_path: Path) -> None:
    text = edited({f"{DUTY}.due": "2027-01-25", "free_work": [
        {"description": "Audit", "list_value": "400.00"}
    ]})
    found = {finding.code: finding for finding in reviewed(tmp_path, text).findings}
    late = found["duty-after-deliverable"]
    assert late.severity == "error"
    assert late.message == (
        "due 2027-01-25, but 'thing', which needs it, is due 2027-01-20: make the duty due "
        "before the deliverable"
    )
    assert text.splitlines()[late.line - 1].strip() == "due: '2027-01-25'"
    assert found["free-work-large"].message == (
        "the free work (400.00 EUR) is worth 40% of the fees (1000.00 EUR), over 25%: this much "
        "becomes the price the client expects next time; charge part of it"
    )
    assert found["free-work-large"].line == text.splitlines().index("free_work:") + 1


@pytest.mark.parametrize(
    ("where", "text", "word"),
    [
        (f"{DUTY}.duty", "Send the texts asap", "asap"),
        (f"{DUTY}.duty", "Inviare i testi al più presto", "al più presto"),
        (f"{DUTY}.if_late", "Le date si spostano, ecc.", "ecc."),
        (f"{DUTY}.duty", "Trimiteți textele cât mai curând", "cât mai curând"),
        (f"{DUTY}.duty", "Imagini, texte ş.a.m.d.", "ș.a.m.d."),  # cedilla, read as comma
        ("scope.deliverables.0.title", "Icons, logos, etc.", "etc."),
        ("scope.deliverables.0.acceptance", "Tested as needed", "as needed"),
        ("scope.included", ["Support and so on"], "and so on"),
        ("scope.included", ["Supporto illimitato"], "illimitato"),
        ("scope.excluded", ["Hosting, TBD"], "TBD"),
    ],
)
def test_vague_words_in_every_language(tmp_path: Path, where: str, text: Any, word: str) -> None:
    findings = reviewed(tmp_path, edited({where: text})).findings
    assert [(f.code, f.message.split(" is vague")[0]) for f in findings] == [
        ("vague-word", f'"{word}"')
    ]


@pytest.mark.parametrize(
    ("where", "text"),
    [
        (f"{DUTY}.duty", "Etch the logo on the glass"),
        (f"{DUTY}.duty", "Send the final texts by the due date"),
        ("scope.excluded", ["Unlimited revisions", "Revizii nelimitate"]),
    ],
)
def test_precise_words_are_not_vague(tmp_path: Path, where: str, text: Any) -> None:
    assert reviewed(tmp_path, edited({where: text})).findings == []


@pytest.mark.parametrize(
    "included", ["Unlimited revisions", "Revisioni illimitate", "Revizii nelimitate"]
)
def test_unlimited_revisions_in_every_language(tmp_path: Path, included: str) -> None:
    codes = codes_for(tmp_path, {"scope.included": [included]})
    assert codes == ["revisions-unlimited"]


def test_vague_word_points_at_its_field(tmp_path: Path) -> None:
    text = edited({f"{DUTY}.if_late": "The parties talk ASAP"})
    (finding,) = reviewed(tmp_path, text).findings
    line = text.splitlines()[finding.line - 1]
    assert line[finding.col - 1 :] == "The parties talk ASAP"
    assert line.strip().startswith("if_late:")


@pytest.mark.parametrize(
    ("where", "text", "word"),
    [
        ("scope.included", ["One call with our designer"], "our"),
        ("scope.excluded", ["Anything I cannot source"], "I"),
        (f"{DUTY}.if_late", "WE move the dates", "WE"),
        ("exit.provider_may_end_if", ["Abusive conduct towards us"], "us"),
        ("exit.client_may_end_if", ["My reports are late twice"], "My"),
        ("exit.handover", "We hand over every file paid for.", "We"),
    ],
)
def test_first_person_is_a_note_at_its_field(
    tmp_path: Path, where: str, text: Any, word: str
) -> None:
    spec = edited({where: text})
    (finding,) = reviewed(tmp_path, spec).findings
    assert (finding.code, finding.severity) == ("first-person", "note")
    assert finding.message == (
        f'written in the first person ("{word}"); the clauses speak of the parties in the third '
        'person: write "the Provider" or the firm\'s name'
    )
    value = text[0] if isinstance(text, list) else text
    assert spec.splitlines()[finding.line - 1][finding.col - 1 :].strip("'") == value


@pytest.mark.parametrize(
    ("where", "text", "language"),
    [
        ("scope.included", ["Hosting in the US and status reports"], "en"),
        ("scope.excluded", ["Phase i, as the client's IT team decides"], "en"),
        (f"{DUTY}.if_late", "The Provider moves the dates; the client's users wait", "en"),
        ("scope.included", ["I sopralluoghi in cantiere"], "it"),  # "I": an Italian article
        ("scope.excluded", ["Traducerea în limba engleză"], "ro"),
    ],
)
def test_third_person_and_other_languages_are_not_first_person(
    tmp_path: Path, where: str, text: Any, language: str
) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(edited({where: text}).replace("language: en", f"language: {language}"))
    document = load_yaml(path)
    spec = validate(document, ["en", "it", "ro"])
    assert spec.language == language
    assert review(spec, document, today=TODAY).findings == []


def test_silenced_codes_are_counted_not_shown(tmp_path: Path) -> None:
    text = edited({"scope.excluded": DELETE}) + (
        "review:\n  ignore:\n    - code: no-exclusions\n"
        "      reason: The scope is a fixed list of deliverables.\n"
    )
    result = reviewed(tmp_path, text)
    assert result.findings == []
    assert [finding.code for finding in result.silenced] == ["no-exclusions"]
    assert result.verdict(strict=True) == f"{tmp_path / 'spec.yaml'}: ok (1 silenced)"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "    - code: no-exclusion\n      reason: Fixed list.\n",
            "3:13: review.ignore[0].code: 'no-exclusion' is not a finding code of engage "
            "check; did you mean 'no-exclusions'?",
        ),
        ("    - code: no-exclusions\n", "3:7: review.ignore[0].reason: this field is required"),
        (
            "    - code: no-exclusions\n      reason: '  '\n",
            "4:15: review.ignore[0].reason: must not be blank",
        ),
    ],
)
def test_a_silence_needs_a_known_code_and_a_reason(
    tmp_path: Path, entry: str, message: str
) -> None:
    text = CLEAN_SPEC + "review:\n  ignore:\n" + entry
    first = CLEAN_SPEC.count("\n")
    with pytest.raises(SpecError) as caught:
        reviewed(tmp_path, text)
    line, col, rest = message.split(":", 2)
    assert str(caught.value) == f"{tmp_path / 'spec.yaml'}:{first + int(line)}:{col}:{rest}"


def test_a_workspace_profile_silences_for_every_spec_below_it(tmp_path: Path) -> None:
    profile = "review:\n  ignore:\n    - code: no-valid-until\n      reason: We quote on request.\n"
    spec = edited({"valid_until": DELETE})
    write_tree(tmp_path, {"engage.yaml": profile, "clients/a.yaml": spec})
    result = run_cli("check", tmp_path / "clients" / "a.yaml", "--today", "2026-12-01")
    assert (result.code, result.stdout) == (0, f"{tmp_path / 'clients/a.yaml'}: ok (1 silenced)\n")


# The command ---------------------------------------------------------------------------------


def check(tmp_path: Path, text: str, *options: str) -> tuple[int, str, str]:
    write_tree(tmp_path, {"spec.yaml": text})
    result = run_cli("check", tmp_path / "spec.yaml", "--today", "2026-12-01", *options)
    return result.code, result.stdout, result.stderr


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    text = edited({"exit.kill_fee_percent": "0"})
    line = text.splitlines().index("  kill_fee_percent: '0'") + 1
    code, out, err = check(tmp_path, text)
    finding = f"{spec}:{line}:21: warning: kill-fee-zero: a kill fee of 0 lets the client cancel "
    assert (code, err) == (0, "")
    assert out.startswith(finding)
    assert out.endswith(f"\n{spec}: ok (1 warning)\n")
    code, out, err = check(tmp_path, text, "--strict")
    assert code == 2
    assert out.startswith(finding)
    assert err == f"{spec}: review failed: 1 warning (--strict)\n"


def test_errors_fail_without_strict_and_notes_never(tmp_path: Path) -> None:
    code, out, err = check(tmp_path, edited({f"{DUTY}.due": "2027-01-21"}))
    assert code == 2
    assert ": error: duty-after-deliverable: due 2027-01-21" in out
    assert err == f"{tmp_path / 'spec.yaml'}: review failed: 1 error\n"
    code, out, err = check(tmp_path, edited({"valid_until": DELETE}), "--strict")
    assert (code, err) == (0, "")
    assert out.endswith(": ok (1 note)\n")


def test_first_person_notes_do_not_fail_strict(tmp_path: Path) -> None:
    code, out, err = check(tmp_path, edited({"complaints.remedy": "We fix it."}), "--strict")
    assert (code, err) == (0, "")
    assert ": note: first-person: " in out
    assert out.endswith(": ok (1 note)\n")


def test_today_decides_whether_the_offer_expired(tmp_path: Path) -> None:
    write_tree(tmp_path, {"spec.yaml": CLEAN_SPEC})
    late = run_cli("check", tmp_path / "spec.yaml", "--today", "2027-03-01")
    assert "warning: offer-expired: the offer expired on 2026-12-15" in late.stdout
    assert run_cli("check", tmp_path / "spec.yaml", "--today", "2026-12-15").stdout.endswith(
        ": ok\n"
    )


@pytest.mark.parametrize("spec", sorted(EXAMPLES.glob("*.yaml")), ids=lambda spec: spec.name)
def test_examples_pass_strict_on_the_day_they_are_issued(spec: Path) -> None:
    issued = load_yaml(spec).data["issued"]
    result = run_cli("check", "--strict", "--today", issued, spec)
    assert (result.code, result.stderr) == (0, ""), result.stdout
    # Notes never fail: website-en keeps the first person its author wrote (issue 2).
    findings, verdict = result.stdout.splitlines()[:-1], result.stdout.splitlines()[-1]
    assert all(": note: " in finding for finding in findings), result.stdout
    counts = r"( \((\d+ notes?)?(, )?(\d+ silenced)?\))?"
    assert re.fullmatch(rf"{re.escape(str(spec))}: ok{counts}", verdict), verdict


def test_the_readme_lists_every_code_with_its_severity() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z-]+)` \| (error|warning|note) \|", readme, re.MULTILINE)
    assert rows == [(code, rule.severity) for code, rule in RULES.items()]


def test_finding_prints_like_a_compiler_message() -> None:
    finding = Finding(Path("x.yaml"), 12, 5, "warning", "no-exclusions", "why and how")
    assert str(finding) == "x.yaml:12:5: warning: no-exclusions: why and how"


@pytest.mark.parametrize(
    "acceptance",
    [
        "The client approves the guide in writing or sends no comments within 5 working days.",
        "Accepted if the Client does not reply within a week.",
        "The deliverable is deemed accepted after 10 days.",
        "Si intende approvato se il Committente non risponde entro 5 giorni.",
        "Se consideră acceptat dacă Beneficiarul nu răspunde în 5 zile.",
    ],
)
def test_acceptance_by_silence_for_a_consumer_is_found_however_it_is_worded(
    tmp_path: Path, acceptance: str
) -> None:
    changes = {"client.consumer": "true", "scope.deliverables.0.acceptance": acceptance}
    assert "consumer-unfair" in codes_for(tmp_path, changes)


def test_england_or_wales_alone_is_the_law_of_england_and_wales() -> None:
    from engage.law import law_name

    for region in ("England", "Wales", None):
        assert law_name("en", "GB", region) == "the law of England and Wales"
    assert law_name("en", "GB", "Scotland") == "the law of Scotland"
