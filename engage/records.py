"""Acceptance and handover records: a deliverable of the terms handed over, and its outcome.

Titled as local practice expects: an acceptance record in English, a «Verbale di consegna e
accettazione» in Italian, a «Proces-verbal de predare-primire» in Romanian. The acceptance
criterion is the one the terms give, never retyped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engage.after_models import Acceptance, AcceptanceSpec
from engage.errors import SpecError
from engage.formats import Formats
from engage.load import DataPath, Document, load_yaml
from engage.models import Deliverable
from engage.terms import Terms, bound_terms, parse_after
from engage.validate import problem_at


@dataclass(frozen=True)
class RecordState:
    document: Document
    record: Acceptance
    terms: Terms
    deliverable: Deliverable


def load_record(file: Path) -> RecordState:
    document = load_yaml(file)
    record = parse_after(document, AcceptanceSpec).acceptance
    terms = bound_terms(document, record.terms, ("acceptance", "terms"))
    found = {item.id: item for item in terms.prepared.spec.scope.deliverables}
    if record.deliverable not in found:
        raise SpecError(problem_at(
            document, ("acceptance", "deliverable"),
            f"no deliverable {record.deliverable!r} in the terms; they have: "
            f"{', '.join(found)}",
        ))
    return RecordState(document, record, terms, found[record.deliverable])


def record_context(state: RecordState, formats: Formats, t: dict[str, str]) -> dict[str, Any]:
    record, item, day = state.record, state.deliverable, formats.date
    return {
        "title": t["acceptance_kind"],
        "subtitle": item.title,
        "record": {
            "title": item.title,
            "due": day(item.due) if item.due else None,
            "criterion": item.acceptance,
            "delivered_on": day(record.delivered_on),
            "delivered": list(record.delivered),
            "round": record.round,
            "outcome": record.outcome,
            "outcome_text": t[f"outcome_{record.outcome}"],
            "remarks": list(record.remarks),
            "remarks_label": t["reasons"] if record.outcome == "refused" else t["remarks"],
        },
    }


def record_findings(state: RecordState) -> Iterator[tuple[str, DataPath, str]]:
    if state.deliverable.acceptance is None:
        yield ("acceptance-no-criterion", ("acceptance", "deliverable"),
               "the terms give this deliverable no acceptance criterion: the record cannot "
               "say what it was checked against; agree one in a change order")
    if state.record.signed_on < state.record.delivered_on:
        yield ("record-before-delivery", ("acceptance", "signed_on"),
               "signed before the deliverable was handed over")
