"""The documents written after the terms are signed, as Pydantic models.

Each names the terms it belongs to (``TermsLink``) and sits under its own top-level key, so
that ``engage build`` tells it from the terms: ``change_order:`` (an addendum that changes the
scope, prices or dates), ``recap:`` (the written recap of a call the terms promise) and
``acceptance:`` (the record of a deliverable handed over and accepted or refused).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from engage.models import Day, Deliverable, Flag, Ident, Instalment, PriceItem, Text, Whole


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, use_attribute_docstrings=True, strict=False
    )


_HEX = re.compile(r"[0-9a-f]{12,64}")


def _fingerprint_text(value: object) -> str:
    text = str(value).strip().lower().lstrip("#")
    if not _HEX.fullmatch(text):
        raise ValueError(
            f"{str(value)[:70]!r} is not a fingerprint: give at least its first 12 hex digits, "
            "as printed at the foot of every page of the terms"
        )
    return text


FingerprintText = Annotated[
    str,
    BeforeValidator(_fingerprint_text),
    WithJsonSchema({"type": "string", "pattern": "^#?[0-9a-fA-F]{12,64}$"}),
]


class TermsLink(_Model):
    file: Text
    """The signed PDF engage built, or the spec file of the terms (relative to this file)."""
    reference: Text
    """The reference of the terms, as printed on them; it must match."""
    fingerprint: FingerprintText | None = None
    """The fingerprint of the terms as signed (at least 12 hex digits); it must match."""


class NewDates(_Model):
    project_start: Day | None = None
    """New date work starts."""
    project_end: Day | None = None
    """New date work is planned to end."""
    deliverables: dict[Ident, Day] = {}
    """New due dates, by deliverable id."""


class ChangeOrder(_Model):
    """A change order: what changes in the terms, agreed in writing."""

    number: Annotated[int, Field(ge=1)]
    """Number of this change order (1 for the first; each follows the one before)."""
    issued: Day
    """Date the change order is issued."""
    terms: TermsLink
    """The terms this change order amends."""
    follows: Text | None = None
    """The change order before this one (its YAML file), so that changes stack in order."""
    reason: Text
    """Why the terms change, in a sentence or two."""
    add_deliverables: list[Deliverable] = []
    """Deliverables added to the scope."""
    remove_deliverables: list[Ident] = []
    """Ids of deliverables removed from the scope."""
    add_included: list[Text] = []
    """Inclusions added."""
    remove_included: list[Text] = []
    """Inclusions removed, as written in the terms."""
    add_excluded: list[Text] = []
    """Exclusions added."""
    remove_excluded: list[Text] = []
    """Exclusions removed, as written in the terms."""
    add_items: list[PriceItem] = []
    """Price lines added."""
    remove_items: list[Text] = []
    """Price lines removed, by their description in the terms."""
    new_dates: NewDates | None = None
    """Dates that move."""
    payment_schedule: list[Instalment] | None = None
    """A new list of instalments after the deposit; by default the plan keeps its shares."""
    free_of_charge: Flag = False
    """The change costs nothing: stated in the document."""


class ChangeOrderSpec(_Model):
    change_order: ChangeOrder
    """A change order to signed terms."""


class Action(_Model):
    action: Text
    """What is to be done."""
    owner: Text | None = None
    """Who does it."""
    due: Day | None = None
    """By when (YYYY-MM-DD)."""


class Recap(_Model):
    """The written recap of a call or meeting."""

    terms: TermsLink
    """The terms whose communication clause this recap follows."""
    held: Day
    """Date of the call or meeting."""
    sent: Day
    """Date this recap is sent."""
    subject: Text
    """What the call was about, in a few words."""
    participants: list[Text] = Field(min_length=1)
    """Who took part."""
    decisions: list[Text] = []
    """What was decided."""
    actions: list[Action] = []
    """Who does what, by when."""
    open_questions: list[Text] = []
    """What is still to be decided."""

    @model_validator(mode="after")
    def _sent_after_call(self) -> Recap:
        if self.sent < self.held:
            raise ValueError("the recap cannot be sent before the call is held")
        return self


class RecapSpec(_Model):
    recap: Recap
    """The written recap of a call or meeting."""


Outcome = Literal["accepted", "accepted_with_remarks", "refused"]


class Acceptance(_Model):
    """The record of a deliverable handed over, and accepted or refused."""

    terms: TermsLink
    """The terms that define the deliverable and its acceptance criterion."""
    deliverable: Ident
    """Id of the deliverable in the terms."""
    delivered_on: Day
    """Date it was handed over."""
    delivered: list[Text] = Field(min_length=1)
    """What was handed over: files, versions, access, documents."""
    outcome: Outcome
    """accepted, accepted_with_remarks or refused."""
    remarks: list[Text] = []
    """The remarks (with accepted_with_remarks) or the reasons for refusing (with refused)."""
    signed_on: Day
    """Date of this record."""
    place: Text | None = None
    """Where it is signed."""
    round: Whole | None = None
    """Which revision round this delivery closes, if any."""

    @model_validator(mode="after")
    def _reasons_given(self) -> Acceptance:
        if self.outcome != "accepted" and not self.remarks:
            what = "the reasons for refusing" if self.outcome == "refused" else "the remarks"
            raise ValueError(f"outcome {self.outcome!r} needs `remarks`: list {what}")
        return self


class AcceptanceSpec(_Model):
    acceptance: Acceptance
    """A delivery and acceptance record."""
