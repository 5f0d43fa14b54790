"""Documents stay short, and nothing a client needs is lost on the way (issue 13).

The page budget of every example is written here, page by page: a layout or clause change that
makes an example longer has to change this file. Every seed lesson is then looked for in the
built PDF's text, in each language, by its clause title (read from the clause files, so a
reworded title still counts) and by the figures and spec texts the clause must print (read
from the spec, so a reworded sentence around them still counts).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pypdf
import pytest

from engage.build import build, plan
from tests.conftest import EXAMPLES

# Pages each example may take at most: website-en in 7, every other example in at most its
# length before issue 13 less a quarter (architect-it was 12, crossborder-en 11,
# migration-hourly-en 10, renovation-it 14, retainer-en 10, translation-ro 12, workshop-en 10).
PAGE_BUDGET = {
    "architect-it.yaml": 9,
    "crossborder-en.yaml": 8,
    "migration-hourly-en.yaml": 7,
    "renovation-it.yaml": 10,
    "retainer-en.yaml": 7,
    "translation-ro.yaml": 9,
    "website-en.yaml": 7,
    "workshop-en.yaml": 7,
}

# A one-off discount with its reason, for the languages whose examples have none.
DISCOUNT_REASON = {
    "it": "Sconto di benvenuto, solo per questo incarico",
    "ro": "Reducere de bun venit, doar pentru acest contract",
}


def test_every_example_has_a_budget() -> None:
    assert sorted(PAGE_BUDGET) == sorted(spec.name for spec in EXAMPLES.glob("*.yaml"))


@pytest.mark.parametrize("name", sorted(PAGE_BUDGET))
def test_example_fits_its_page_budget(example_pdfs: dict[str, Path], name: str) -> None:
    pages = len(pypdf.PdfReader(example_pdfs[name]).pages)
    assert pages <= PAGE_BUDGET[name], f"{name}: {pages} pages, budget {PAGE_BUDGET[name]}"


@pytest.fixture(scope="module")
def discounted_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The Italian and Romanian examples with free work, given a one-off discount too."""
    out = tmp_path_factory.mktemp("discounted")
    built = {}
    for name, language in (("renovation-it.yaml", "it"), ("translation-ro.yaml", "ro")):
        text = (EXAMPLES / name).read_text(encoding="utf-8")
        assert "\npricing:\n" in text and "discount:" not in text
        discount = f"  discount:\n    percent: 5\n    reason: {DISCOUNT_REASON[language]}\n"
        spec = out / name
        spec.write_text(text.replace("\npricing:\n", "\npricing:\n" + discount), "utf-8")
        built[name] = build(spec, out / f"{spec.stem}.pdf").output
    return built


def flat(text: str) -> str:
    """Lower case, one space between words, no soft hyphens: how the lessons are compared."""
    return re.sub(r"\s+", " ", text.replace("\u00ad", "")).strip().lower()


def spec_text(text: str) -> str:
    """A spec text as a clause may print it: mid-sentence, without its full stop."""
    return flat(text).rstrip(".")


def sections(text: str, titles: dict[str, str]) -> dict[str, str]:
    """The body text of each clause, by id: from its numbered heading (its last one: the first
    is in the contents) to the next clause's heading or the signatures."""
    starts = {}
    for clause_id, title in titles.items():
        found = list(re.finditer(r"\b\d{1,2}\. ?" + re.escape(flat(title)), text))
        if found:
            starts[clause_id] = found[-1].start()
    order = sorted(starts, key=starts.__getitem__)
    ends = [starts[clause_id] for clause_id in order[1:]] + [len(text)]
    return {
        clause_id: text[starts[clause_id] : end] for clause_id, end in zip(order, ends, strict=True)
    }


def lessons(spec: Path, pdf: Path) -> list[str]:
    """The seed lessons missing from ``pdf``, built from ``spec``: empty when all are there."""
    planned = plan(spec)
    context: dict[str, Any] = planned.context
    titles = {clause.id: clause.meta.title for clause in planned.chosen}
    reader = pypdf.PdfReader(pdf)
    text = flat("\n".join(page.extract_text() for page in reader.pages))
    cover = flat(reader.pages[0].extract_text())
    body = sections(text, titles)
    missing: list[str] = []

    def need(clause_id: str, *texts: object) -> None:
        if clause_id not in body:
            missing.append(f"clause {clause_id} ({titles.get(clause_id, 'not chosen')})")
            return
        missing.extend(
            f"{clause_id}: {value}" for value in texts if flat(str(value)) not in body[clause_id]
        )

    scope, pricing, payment = context["scope"], context["pricing"], context["payment"]
    # Scope, with what it excludes.
    need("scope", *(item.title for item in scope.deliverables))
    need("exclusions", *(spec_text(item) for item in scope.excluded))
    # Client duties, with their dates and what happens when they are late.
    duties = context["client_duties"]
    need(
        "client-duties", *(duty.due if duty.due else spec_text(duty.after or "") for duty in duties)
    )
    need("client-duties", *(spec_text(duty.if_late) for duty in duties if duty.if_late))
    # Free work, with its value: in its clause and on the first page.
    if context["free_work"].items:
        need("free-work", context["free_work"].total)
        need("free-work", *(spec_text(item.description) for item in context["free_work"].items))
        if flat(str(context["free_work"].total)) not in cover:
            missing.append(f"free work value {context['free_work'].total} on page 1")
    # A one-off discount, with its reason.
    if pricing.discount:
        need("fees", pricing.discount.amount, spec_text(pricing.discount.reason or ""))
    # The payment plan, instalment by instalment.
    need("payment", *(step.amount for step in payment.instalments))
    # Changes in writing, recap of calls, feedback checkpoints.
    need("changes")
    need("communication")
    need("feedback")
    # Complaints, with the response time and the remedy.
    complaints = context["complaints"]
    need("complaints", spec_text(complaints.remedy))
    if not re.search(rf"\b{complaints.respond_within_days}\b", body.get("complaints", "")):
        missing.append(f"complaints: answered within {complaints.respond_within_days} days")
    # When each party may end the engagement.
    exit_ = context["exit"]
    need("termination", *(spec_text(item) for item in exit_.provider_may_end_if))
    need("termination", *(spec_text(item) for item in exit_.client_may_end_if))
    # The terms that are not negotiable.
    if context["non_negotiable"]:
        need("non-negotiable", *(spec_text(item) for item in context["non_negotiable"]))
    # Acceptance, and each deliverable's acceptance criterion.
    need("acceptance")
    missing.extend(
        f"acceptance criterion: {item.acceptance}"
        for item in scope.deliverables
        if item.acceptance and spec_text(item.acceptance) not in text
    )
    return missing


@pytest.mark.parametrize("name", sorted(PAGE_BUDGET))
def test_every_seed_lesson_is_in_the_example(example_pdfs: dict[str, Path], name: str) -> None:
    assert lessons(EXAMPLES / name, example_pdfs[name]) == []


@pytest.mark.parametrize("name", ["renovation-it.yaml", "translation-ro.yaml"])
def test_one_off_discount_and_its_reason_in_italian_and_romanian(
    discounted_pdfs: dict[str, Path], name: str
) -> None:
    spec = discounted_pdfs[name].parent / name
    assert plan(spec).context["pricing"].discount is not None
    assert lessons(spec, discounted_pdfs[name]) == []


def test_each_language_has_every_lesson() -> None:
    """Between them, the examples of each language (and the discounted Italian and Romanian
    ones above) carry every optional lesson: free work, discount, non-negotiables."""
    for language in ("en", "it", "ro"):
        specs = [plan(spec).context for spec in EXAMPLES.glob(f"*-{language}.yaml")]
        assert any(context["free_work"].items for context in specs), language
        assert any(context["non_negotiable"] for context in specs), language
        if language == "en":
            assert any(context["pricing"].discount for context in specs)


def first_page(pdf: Path) -> str:
    return flat(pypdf.PdfReader(pdf).pages[0].extract_text())


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("website-en.yaml", "document fingerprint #"),
        ("architect-it.yaml", "impronta del documento #"),
        ("translation-ro.yaml", "amprenta documentului #"),
    ],
)
def test_the_footer_names_the_fingerprint(
    example_pdfs: dict[str, Path], name: str, label: str
) -> None:
    reader = pypdf.PdfReader(example_pdfs[name])
    assert all(label in flat(page.extract_text()) for page in reader.pages)


def test_a_party_names_its_own_tax_id(example_pdfs: dict[str, Path]) -> None:
    cover = first_page(example_pdfs["workshop-en.yaml"])
    assert "scottish charity number sc 123456" in cover
    assert "tax id gb 287 4471 09" in cover  # the provider keeps the language's label


def test_key_terms_of_an_estimate_show_it_is_one_and_the_rates(
    example_pdfs: dict[str, Path],
) -> None:
    cover = first_page(example_pdfs["migration-hourly-en.yaml"])
    assert "estimate (not a fixed price) $32,000.00" in cover
    assert "senior developer $150.00 per hour" in cover
    assert "project lead $1,000.00 per day" in cover


def test_key_terms_of_a_retainer_show_hours_roll_over_and_notice(
    example_pdfs: dict[str, Path],
) -> None:
    cover = first_page(example_pdfs["retainer-en.yaml"])
    assert "hours included 20 hours per month" in cover
    assert "extra hours at $165.00 each. unused hours do not roll over" in cover
    # January 4 plus the three-month minimum term.
    assert "30 days not to end before april 4, 2027" in cover
    # The fee is a fee per month, without empty quantity and unit-price columns.
    text = flat(
        "\n".join(p.extract_text() for p in pypdf.PdfReader(example_pdfs["retainer-en.yaml"]).pages)
    )
    assert "analytics retainer fee per month $3,150.00" in text
    assert "unit price" not in text


def test_key_terms_with_withholding_say_who_pays_it(example_pdfs: dict[str, Path]) -> None:
    cover = first_page(example_pdfs["architect-it.yaml"])
    assert (
        "totale fatturato 12.688,00 €, meno ritenuta d’acconto 2.000,00 € versata dal "
        "committente all’erario" in cover
    )
    assert "3.206,40 € (30% del netto)" in cover
