"""Review the terms of a valid spec the way an experienced colleague would (``engage check``).

Validation says whether a spec *can* be built; the review says whether the terms will hold
up once work starts: what is missing (exclusions, acceptance criteria, a way out), what is
vague ("ASAP", "etc."), and what contradicts itself (a duty due after the deliverable that
needs it). Every rule is a pure function of the spec; the document only gives places.

Each finding has a short, stable code (``RULES``; the README lists them) and a severity:
``error`` (the terms contradict themselves: ``engage check`` fails), ``warning`` (a gap a
dispute will find: fails under ``--strict``) or ``note`` (never fails). A spec silences a
code, with a reason, under ``review.ignore``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from engage.errors import ReviewError
from engage.law import consumer_law, consumer_regime, law_country
from engage.load import DataPath, Document, Mark, load_yaml
from engage.models import Spec
from engage.money import compute
from engage.validate import currency_digits

Severity = Literal["error", "warning", "note"]

FREE_WORK_SHARE = 25
"""Free work worth more than this percentage of the fees is reported (free-work-large)."""
LONG_PROJECT_DAYS = 30
"""A project longer than this many days should start with a deposit (no-deposit)."""


@dataclass(frozen=True)
class Rule:
    severity: Severity
    summary: str
    """What the finding means, in a few words (the README's table)."""
    message: str
    """The message printed: what is wrong, why it matters and how to fix it (a format)."""


RULES: dict[str, Rule] = {
    "no-exclusions": Rule(
        "warning",
        "the scope lists nothing under `excluded`",
        "nothing is excluded: list what the price does not cover under scope.excluded, or "
        "every request looks like part of the job",
    ),
    "no-acceptance": Rule(
        "warning",
        "a deliverable has no `acceptance` criterion",
        "{id!r} has no acceptance criterion: say how the client accepts it, or it is never "
        "finished",
    ),
    "revisions-unstated": Rule(
        "warning",
        "`scope.revision_rounds` is not set",
        "the revision rounds are not stated: set scope.revision_rounds, or revisions never end",
    ),
    "revisions-unlimited": Rule(
        "warning",
        "the scope promises unlimited revisions",
        '"{word}" revisions: set scope.revision_rounds to a number, and price the rounds '
        "beyond it",
    ),
    "duty-no-date": Rule(
        "warning",
        "a client duty has no `due` date",
        "this client duty has no due date: without one the client is never late, and your "
        "dates cannot move",
    ),
    "duty-no-consequence": Rule(
        "warning",
        "a client duty has no `if_late` consequence",
        "this client duty says nothing about lateness: add if_late, e.g. the delivery dates "
        "move back by the delay",
    ),
    "duty-after-deliverable": Rule(
        "error",
        "a client duty is due on or after the deliverable it is `needed_for`",
        "due {due}, but {id!r}, which needs it, is due {needed}: make the duty due before the "
        "deliverable",
    ),
    "free-work-no-value": Rule(
        "warning",
        "free work has a `list_value` of 0",
        "free work with a list value of 0 teaches the client it is worth nothing: give what "
        "it would cost at your list price",
    ),
    "free-work-large": Rule(
        "warning",
        f"free work is worth more than {FREE_WORK_SHARE}% of the fees",
        "the free work ({free}) is worth {share} of the fees ({fees}), over "
        f"{FREE_WORK_SHARE}%: this much becomes the price the client expects next time; "
        "charge part of it",
    ),
    "discount-no-reason": Rule(
        "warning",
        "the discount gives no `reason`",
        "the discount has no reason: say why it is given (e.g. a launch offer), or it reads as "
        "your real price",
    ),
    "discount-recurring": Rule(
        "warning",
        "the discount is not one-off (`one_off: false`)",
        "the discount is not one-off: given on every engagement it is a lower price; make it "
        "one_off: true",
    ),
    "no-deposit": Rule(
        "warning",
        f"no deposit on a project longer than {LONG_PROJECT_DAYS} days",
        "no deposit on a {days}-day project: ask for one on signature, so that you are never "
        "weeks of work unpaid",
    ),
    "no-provider-exit": Rule(
        "warning",
        "`exit.provider_may_end_if` lists nothing",
        "you have no way out: list under exit.provider_may_end_if when you may end the "
        "engagement, e.g. an invoice unpaid for 30 days",
    ),
    "no-notice": Rule(
        "warning",
        "`exit.notice_days` is not set, or 0",
        "no notice period: set exit.notice_days, so that neither side can walk away overnight",
    ),
    "kill-fee-zero": Rule(
        "warning",
        "`exit.kill_fee_percent` is 0 (silence it with the reason if that is intended)",
        "a kill fee of 0 lets the client cancel at no cost: set a percentage, or silence "
        "kill-fee-zero in review.ignore with the reason",
    ),
    "no-feedback": Rule(
        "warning",
        "no feedback checkpoints (`feedback.every_weeks` not set, or 0)",
        "no feedback checkpoints: set feedback.every_weeks, so that problems surface while "
        "they are cheap to fix",
    ),
    "no-complaint-response": Rule(
        "warning",
        "no response time for complaints (`complaints.respond_within_days`)",
        "no response time for complaints: set complaints.respond_within_days, so that a "
        "complaint does not fester",
    ),
    "no-complaint-remedy": Rule(
        "warning",
        "no remedy for complaints (`complaints.remedy`)",
        "no remedy for complaints: say under complaints.remedy what you do when something is "
        "wrong",
    ),
    "no-call-recap": Rule(
        "warning",
        "calls are not recapped in writing (`communication.recap_within_days`)",
        "calls are not recapped in writing: set communication.recap_within_days, so that what "
        "a call agreed is on record",
    ),
    "changes-not-in-writing": Rule(
        "warning",
        "changes to the scope are not required in writing (`changes.in_writing`)",
        "changes to the scope are not required in writing: set changes.in_writing: true, or "
        "scope creep leaves no record",
    ),
    "vague-word": Rule(
        "warning",
        'a vague word in the scope or a client duty ("ASAP", "etc.", "as needed")',
        '"{word}" is vague: {instead}',
    ),
    "offer-expired": Rule(
        "warning",
        "`valid_until` is before today",
        "the offer expired on {valid_until}: set new issued and valid_until dates before "
        "sending it",
    ),
    "dates-out-of-order": Rule(
        "warning",
        "work starts before the terms are issued, the offer stays open after work starts, or "
        "a client duty is due before the terms are issued",
        "{what}: {fix}",
    ),
    "no-valid-until": Rule(
        "note",
        "the offer has no end date (`valid_until`)",
        "the offer has no end date: set valid_until, or the client can accept these prices "
        "months from now",
    ),
    "first-person": Rule(
        "note",
        'a text the clauses print reads "we", "our", "us", "my" or "I" (English specs)',
        'written in the first person ("{word}"); the clauses speak of the parties in the third '
        'person: write "the Provider" or the firm\'s name',
    ),
    "tm-no-cap": Rule(
        "warning",
        "time and materials has no `cap`",
        "time and materials with no cap: the client signs an open-ended bill and disputes it "
        "at the end; set pricing.time_and_materials.cap, passed only with written approval",
    ),
    "tm-no-reporting": Rule(
        "warning",
        "time and materials does not say how time is reported (`reporting`)",
        "time and materials does not say how time is reported: set "
        "pricing.time_and_materials.reporting, e.g. a weekly timesheet, or every invoice is "
        "a surprise",
    ),
    "retainer-no-notice": Rule(
        "warning",
        "a retainer has no `notice_days` to end it",
        "the retainer has no notice period: set pricing.retainer.notice_days, or after the "
        "minimum term it can end overnight, or never",
    ),
    "retainer-no-extra-rate": Rule(
        "warning",
        "a retainer includes hours but gives no `extra_hour_rate`",
        "the retainer includes {hours} hours a {period} but no rate for extra hours: set "
        "pricing.retainer.extra_hour_rate, or extra hours are argued over or given free",
    ),
    "expenses-open-ended": Rule(
        "warning",
        "expenses at cost with no `cap` and no `prior_approval`",
        "expenses at cost with neither a cap nor prior approval: the client cannot know what "
        "they will pay; set pricing.expenses.cap or prior_approval: true",
    ),
    "expenses-no-items": Rule(
        "warning",
        "expenses do not list the cost items (`items`)",
        "the expenses list no cost items: say under pricing.expenses.items what may be "
        "charged (Italian practice requires every item stated)",
    ),
    "cross-border-vat": Rule(
        "warning",
        "a VAT-like tax is charged to a business client in another country",
        "{tax} is charged to a business in another country ({provider} to {client}): for "
        "business-to-business services the place of supply is usually the client's country "
        "(reverse charge); remove the tax and say so in pricing.tax_note, or silence this "
        "with the reason",
    ),
    "consumer-unfair": Rule(
        "warning",
        "a consumer engagement carries a term presumed unfair for consumers under its law",
        "{what} is presumed unfair in a consumer contract ({law}): {fix}",
    ),
    "no-law-country": Rule(
        "warning",
        "neither `law.country` nor `provider.country` is set",
        "no governing law: set provider.country (once, in the workspace profile) or "
        "law.country, so that the terms name the law and the court",
    ),
    "no-insurance": Rule(
        "warning",
        "no `provider.insurance` for a profession that must state it (Italian architects, "
        "engineers, surveyors, lawyers, accountants)",
        "an Italian {profession} must tell the client the professional insurance (insurer, "
        "policy, cover) on taking on the engagement (DPR 137/2012, art. 5): set "
        "provider.insurance",
    ),
}

# Professions that must state their professional liability insurance, by country.
INSURED_PROFESSIONS = {"IT": ("architect", "engineer", "surveyor", "lawyer", "accountant")}
# Names of taxes that work like VAT (charged by the supplier's country of supply).
_VAT_NAMES = re.compile(r"\b(VAT|IVA|TVA|MwSt|USt|BTW|MOMS|GST|DPH|ÁFA)\b", re.IGNORECASE)
# Acceptance criteria that bind the client by silence.
_SILENCE = re.compile(
    r"no objection|without objection|silence|no comments?|does not (?:reply|respond|answer)|"
    r"deemed|non formula osservazioni|nessuna osservazione|non risponde|silenzio|"
    r"si intende (?:approvat|accettat)|nu transmite observații|nu formulează obiecții|"
    r"nu răspunde|se consideră (?:aprobat|acceptat)|tăcere",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    """One weakness of the terms, at the place to change."""

    file: Path
    line: int
    col: int
    severity: Severity
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.code}: {self.message}"


@dataclass(frozen=True)
class Review:
    """The findings on one spec, less the silenced ones."""

    file: Path
    findings: list[Finding]
    silenced: list[Finding]

    def failed(self, *, strict: bool) -> bool:
        """Errors always fail; warnings fail under ``strict``; notes never do."""
        failing = ("error", "warning") if strict else ("error",)
        return any(finding.severity in failing for finding in self.findings)

    def counts(self) -> str:
        """``1 error, 2 warnings, 1 silenced``: the counts that are not zero."""
        parts = []
        for severity in ("error", "warning", "note"):
            count = sum(finding.severity == severity for finding in self.findings)
            if count:
                parts.append(f"{count} {severity}{'s' if count != 1 else ''}")
        if self.silenced:
            parts.append(f"{len(self.silenced)} silenced")
        return ", ".join(parts)

    def verdict(self, *, strict: bool) -> str:
        """The line that closes a passing review; a failing one raises ``ReviewError``."""
        counts = self.counts()
        if self.failed(strict=strict):
            raise ReviewError.at(
                self.file, f"review failed: {counts}{' (--strict)' if strict else ''}"
            )
        return f"{self.file}: ok" + (f" ({counts})" if counts else "")


def review(spec: Spec, document: Document, *, today: date) -> Review:
    """Review ``spec`` as of ``today``; set apart what its ``review.ignore`` silences."""
    silenced = {silence.code for silence in (spec.review.ignore if spec.review else [])}
    findings = find(spec, document, today=today)
    return Review(
        document.file,
        [finding for finding in findings if finding.code not in silenced],
        [finding for finding in findings if finding.code in silenced],
    )


def find(spec: Spec, document: Document, *, today: date) -> list[Finding]:
    """Every finding on ``spec``, in file order."""
    findings = []
    checks = (
        _scope, _duties, _money, _exit, _process, _words, _first_person, _pricing, _legal,
    )
    for check in checks:
        for code, path, fields in check(spec):
            findings.append(_finding(document, code, path, fields))
    for code, path, fields in _dates(spec, today):
        findings.append(_finding(document, code, path, fields))
    return sorted(findings, key=lambda f: (str(f.file), f.line, f.col, f.code))


# A rule yields the code, the path of the field to change, and the fields of its message.
Raw = Iterator[tuple[str, DataPath, dict[str, Any]]]


def _finding(document: Document, code: str, path: DataPath, fields: dict[str, Any]) -> Finding:
    mark = _mark(document, path)
    rule = RULES[code]
    message = rule.message.format(**fields)
    return Finding(document.file_of(mark), mark.line, mark.col, rule.severity, code, message)


def _mark(document: Document, path: DataPath) -> Mark:
    """Where ``path`` was written: a value's own place, a section's key, or for a missing
    field the key of its nearest ancestor."""
    if path in document.keys and isinstance(_value_at(document.data, path), dict | list):
        return document.keys[path]
    if path in document.values:
        return document.values[path]
    return document.mark_for(path, key=True)


def _value_at(data: Any, path: DataPath) -> Any:
    for part in path:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def _scope(spec: Spec) -> Raw:
    scope = spec.scope
    if not scope.excluded:
        yield "no-exclusions", ("scope", "excluded"), {}
    for index, deliverable in enumerate(scope.deliverables):
        if deliverable.acceptance is None:
            yield "no-acceptance", ("scope", "deliverables", index), {"id": deliverable.id}
    if scope.revision_rounds is None:
        yield "revisions-unstated", ("scope", "revision_rounds"), {}


def _duties(spec: Spec) -> Raw:
    deliverables = {deliverable.id: deliverable for deliverable in spec.scope.deliverables}
    for index, duty in enumerate(spec.client_duties):
        if duty.due is None and not duty.relative:
            yield "duty-no-date", ("client_duties", index), {}
        if duty.if_late is None:
            yield "duty-no-consequence", ("client_duties", index), {}
        needed = deliverables.get(duty.needed_for or "")
        if duty.due and needed and needed.due and duty.due >= needed.due:
            fields = {"due": duty.due, "id": needed.id, "needed": needed.due}
            yield "duty-after-deliverable", ("client_duties", index, "due"), fields


def _money(spec: Spec) -> Raw:
    for index, work in enumerate(spec.free_work):
        if work.list_value == 0:
            yield "free-work-no-value", ("free_work", index, "list_value"), {}
    figures = compute(spec, currency_digits(spec.currency))
    free, fees = figures.free_work_total, figures.subtotal
    if free > 0 and free * 100 > fees * FREE_WORK_SHARE:
        fields = {
            "free": f"{free} {spec.currency}",
            "fees": f"{fees} {spec.currency}",
            "share": f"{free * 100 / fees:.0f}%" if fees else "more than all",
        }
        yield "free-work-large", ("free_work",), fields
    discount = spec.pricing.discount
    if discount is not None and discount.reason is None:
        yield "discount-no-reason", ("pricing", "discount"), {}
    if discount is not None and not discount.one_off:
        yield "discount-recurring", ("pricing", "discount", "one_off"), {}
    days = (spec.project.end - spec.project.start).days
    # Time worked is invoiced as it is worked, and equal instalments start on the first day:
    # neither leaves weeks of work unpaid.
    paid_as_it_goes = spec.pricing.time_and_materials or spec.payment.equal_instalments
    if spec.payment.deposit_percent == 0 and days > LONG_PROJECT_DAYS and not paid_as_it_goes:
        yield "no-deposit", ("payment", "deposit_percent"), {"days": days}


def _exit(spec: Spec) -> Raw:
    end = spec.exit
    if end is None or not end.provider_may_end_if:
        yield "no-provider-exit", ("exit", "provider_may_end_if"), {}
    if end is None or not end.notice_days:
        yield "no-notice", ("exit", "notice_days"), {}
    if end is not None and end.kill_fee_percent == 0:
        yield "kill-fee-zero", ("exit", "kill_fee_percent"), {}


def _process(spec: Spec) -> Raw:
    if spec.feedback is None or not spec.feedback.every_weeks:
        yield "no-feedback", ("feedback", "every_weeks"), {}
    complaints = spec.complaints
    if complaints is None or complaints.respond_within_days is None:
        yield "no-complaint-response", ("complaints", "respond_within_days"), {}
    if complaints is None or complaints.remedy is None:
        yield "no-complaint-remedy", ("complaints", "remedy"), {}
    if spec.communication is None or spec.communication.recap_within_days is None:
        yield "no-call-recap", ("communication", "recap_within_days"), {}
    if spec.changes is None or not spec.changes.in_writing:
        yield "changes-not-in-writing", ("changes", "in_writing"), {}


def _dates(spec: Spec, today: date) -> Raw:
    start, issued, valid_until = spec.project.start, spec.issued, spec.valid_until
    if valid_until is None:
        yield "no-valid-until", ("valid_until",), {}
    elif valid_until < today:
        yield "offer-expired", ("valid_until",), {"valid_until": valid_until}
    if start < issued:
        what = f"work starts ({start}) before the terms are issued ({issued})"
        fix = "agree the terms first, or move the start"
        yield "dates-out-of-order", ("project", "start"), {"what": what, "fix": fix}
    if valid_until is not None and valid_until >= start:
        what = f"the offer stays open until {valid_until}, when work should have started ({start})"
        fix = "end the offer before the start"
        yield "dates-out-of-order", ("valid_until",), {"what": what, "fix": fix}
    for index, duty in enumerate(spec.client_duties):
        if duty.due is not None and duty.due < issued:
            what = f"due {duty.due}, before the terms are issued ({issued})"
            fix = "give a later date"
            yield "dates-out-of-order", ("client_duties", index, "due"), {"what": what, "fix": fix}


def _pricing(spec: Spec) -> Raw:
    pricing = spec.pricing
    hourly, retainer, expenses = pricing.time_and_materials, pricing.retainer, pricing.expenses
    if hourly is not None and hourly.cap is None:
        yield "tm-no-cap", ("pricing", "time_and_materials", "cap"), {}
    if hourly is not None and hourly.reporting is None:
        yield "tm-no-reporting", ("pricing", "time_and_materials", "reporting"), {}
    if retainer is not None and not retainer.notice_days:
        yield "retainer-no-notice", ("pricing", "retainer", "notice_days"), {}
    if retainer is not None and retainer.hours_included and retainer.extra_hour_rate is None:
        fields = {"hours": retainer.hours_included, "period": retainer.period}
        yield "retainer-no-extra-rate", ("pricing", "retainer", "hours_included"), fields
    at_cost = expenses is not None and expenses.flat_percent is None
    if at_cost and expenses is not None and expenses.cap is None and not expenses.prior_approval:
        yield "expenses-open-ended", ("pricing", "expenses", "prior_approval"), {}
    if expenses is not None and not expenses.items:
        yield "expenses-no-items", ("pricing", "expenses", "items"), {}


# Vague words -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    name: str
    instead: str
    pattern: re.Pattern[str]


_NORMAL = str.maketrans({"ş": "ș", "Ş": "Ș", "ţ": "ț", "Ţ": "Ț", "’": "'"})


def _words_pattern(words: list[str]) -> re.Pattern[str]:
    """Any of ``words`` as a whole word, in any case; a final "." is optional."""
    phrases = sorted({" ".join(word.translate(_NORMAL).split()) for word in words}, key=len)
    alternatives = [
        r"\s+".join(map(re.escape, phrase.removesuffix(".").split()))
        + (r"\.?" if phrase.endswith(".") else "")
        for phrase in reversed(phrases)
    ]
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)", re.IGNORECASE)


@functools.cache
def _vocabulary() -> tuple[list[_Group], re.Pattern[str]]:
    """The vague-word groups and the revision words, from ``review_words.yaml``."""
    data = load_yaml(Path(__file__).with_name("review_words.yaml")).data
    groups = []
    for group in data["vague"]:
        words = [word for key, words in group.items() if len(key) == 2 for word in words]
        groups.append(_Group(group["group"], group["instead"], _words_pattern(words)))
    revisions = _words_pattern([word for words in data["revisions"].values() for word in words])
    return groups, revisions


def _texts(spec: Spec) -> Iterator[tuple[DataPath, str]]:
    """The scope's and the client duties' texts, with their paths."""
    for index, deliverable in enumerate(spec.scope.deliverables):
        yield ("scope", "deliverables", index, "title"), deliverable.title
        if deliverable.acceptance is not None:
            yield ("scope", "deliverables", index, "acceptance"), deliverable.acceptance
    for name in ("included", "excluded"):
        for index, text in enumerate(getattr(spec.scope, name)):
            yield ("scope", name, index), text
    for index, duty in enumerate(spec.client_duties):
        yield ("client_duties", index, "duty"), duty.duty
        if duty.if_late is not None:
            yield ("client_duties", index, "if_late"), duty.if_late


def _words(spec: Spec) -> Raw:
    groups, revisions = _vocabulary()
    for path, raw_text in _texts(spec):
        text = raw_text.translate(_NORMAL)
        for group in groups:
            unlimited = group.name == "unlimited"
            if unlimited and path[:2] == ("scope", "excluded"):
                continue  # "Unlimited revisions" is a fine thing to exclude.
            seen: set[str] = set()
            for match in group.pattern.finditer(text):
                word = " ".join(match[0].split())
                if word.lower() not in seen:
                    seen.add(word.lower())
                    if unlimited and path[0] == "scope" and revisions.search(text):
                        yield "revisions-unlimited", path, {"word": word}
                    else:
                        yield "vague-word", path, {"word": word, "instead": group.instead}


# First person --------------------------------------------------------------------------------

_FIRST_PERSON = re.compile(r"\b(?:(?i:we|our|us|my)|I)\b")
"""We, our, us, my in any case (but not "US", the country), and "I" as a capital only."""


def _spoken(spec: Spec) -> Iterator[tuple[DataPath, str]]:
    """The spec's texts that the clauses print among their own sentences, with their paths."""
    for name in ("included", "excluded"):
        for index, text in enumerate(getattr(spec.scope, name)):
            yield ("scope", name, index), text
    for index, duty in enumerate(spec.client_duties):
        if duty.if_late is not None:
            yield ("client_duties", index, "if_late"), duty.if_late
    if spec.complaints is not None and spec.complaints.remedy is not None:
        yield ("complaints", "remedy"), spec.complaints.remedy
    end = spec.exit
    if end is not None:
        for name in ("provider_may_end_if", "client_may_end_if"):
            for index, text in enumerate(getattr(end, name)):
                yield ("exit", name, index), text
        if end.handover is not None:
            yield ("exit", "handover"), end.handover


def _first_person(spec: Spec) -> Raw:
    if spec.language != "en":
        return  # The words are English; "I" is an Italian article.
    for path, text in _spoken(spec):
        for match in _FIRST_PERSON.finditer(text):
            if match[0] != "US":
                yield "first-person", path, {"word": match[0]}
                break


# Governing law, consumers, professionals (issue 11) ----------------------------------------


def _legal(spec: Spec) -> Raw:
    provider, client = spec.provider, spec.client
    if law_country(spec) is None:
        yield "no-law-country", ("provider", "country"), {}
    if (
        provider.country and client.country and provider.country != client.country
        and not client.consumer
    ):
        for index, tax in enumerate(spec.pricing.taxes):
            if _VAT_NAMES.search(tax.name):
                fields = {"tax": f"{tax.name} {tax.percent}%", "provider": provider.country,
                          "client": client.country}
                yield "cross-border-vat", ("pricing", "taxes", index), fields
    regime = consumer_regime(spec)
    if regime is not None:
        unfair = consumer_law("en", regime)
        law = unfair["unfair"] if unfair else regime
        if spec.exit is not None and spec.exit.kill_fee_percent:
            fields = {"what": "a kill fee only the client pays", "law": law,
                      "fix": "remove exit.kill_fee_percent (it is not printed for a consumer)"}
            yield "consumer-unfair", ("exit", "kill_fee_percent"), fields
        for index, deliverable in enumerate(spec.scope.deliverables):
            if deliverable.acceptance and _SILENCE.search(deliverable.acceptance):
                fields = {"what": "acceptance by silence", "law": law,
                          "fix": "let the client accept in writing"}
                yield "consumer-unfair", ("scope", "deliverables", index, "acceptance"), fields
    insured = INSURED_PROFESSIONS.get(provider.country or "", ())
    if provider.profession in insured and provider.insurance is None:
        yield "no-insurance", ("provider", "insurance"), {"profession": provider.profession}
