"""Call recaps: the written recap the communication clause promises after every call.

The recap refers to the terms by reference, is checked to be sent within the terms' own
``communication.recap_within_days``, and states by when the client may correct it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from engage.after_models import Recap, RecapSpec
from engage.formats import Formats
from engage.load import DataPath, Document, load_yaml
from engage.terms import Terms, bound_terms, parse_after

CORRECTION_WORKING_DAYS = 2
"""Working days the client has to correct a recap: the communication clause's own figure."""


def add_working_days(start: date, days: int) -> date:
    """``start`` plus ``days`` working days (Monday to Friday; public holidays not known)."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


@dataclass(frozen=True)
class RecapState:
    document: Document
    recap: Recap
    terms: Terms

    @property
    def within_days(self) -> int | None:
        """Working days the terms allow to send the recap, if they say."""
        communication = self.terms.prepared.spec.communication
        return communication.recap_within_days if communication else None

    @property
    def send_by(self) -> date | None:
        days = self.within_days
        return None if days is None else add_working_days(self.recap.held, days)

    @property
    def correct_by(self) -> date:
        return add_working_days(self.recap.sent, CORRECTION_WORKING_DAYS)


def load_recap(file: Path) -> RecapState:
    document = load_yaml(file)
    recap = parse_after(document, RecapSpec).recap
    return RecapState(document, recap, bound_terms(document, recap.terms, ("recap", "terms")))


def recap_context(state: RecapState, formats: Formats, t: dict[str, str]) -> dict[str, Any]:
    """What the recap template prints, every date written the local way."""
    spec, recap, day = state.terms.prepared.spec, state.recap, formats.date
    days = state.within_days
    if days is None:
        due_text = ""
    elif days == 0:
        due_text = t["recap_due_same"]
    elif days == 1:
        due_text = t["recap_due_one"]
    else:
        due_text = t["recap_due_many"].format(days=days)
    return {
        "title": t["recap_title"].format(held=day(recap.held)),
        "due_text": due_text,
        "correct": t["recap_correct"].format(
            client=spec.client.name, deadline=day(state.correct_by),
            days=CORRECTION_WORKING_DAYS,
        ),
        "recap": {
            "participants": list(recap.participants),
            "decisions": list(recap.decisions),
            "actions": [
                {"action": item.action, "owner": item.owner,
                 "due": day(item.due) if item.due else None}
                for item in recap.actions
            ],
            "open_questions": list(recap.open_questions),
        },
        "held": day(recap.held),
        "sent": day(recap.sent),
    }


def recap_findings(state: RecapState) -> Iterator[tuple[str, DataPath, str]]:
    """(code, path, message) for each weakness of the recap."""
    for index, action in enumerate(state.recap.actions):
        path: DataPath = ("recap", "actions", index)
        if action.owner is None:
            yield ("action-no-owner", path,
                   "this action has no owner: name who does it, or nobody will")
        if action.due is None:
            yield ("action-no-date", path,
                   "this action has no due date: say by when, or it is never late")
    send_by = state.send_by
    if send_by is not None and state.recap.sent > send_by:
        yield ("recap-late", ("recap", "sent"),
               f"sent after {send_by.isoformat()}: the terms promise a recap within "
               f"{state.within_days} working day{'' if state.within_days == 1 else 's'} "
               "of the call")
