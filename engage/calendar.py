"""The engagement's dates as an iCalendar file (``engage calendar``), for any calendar app.

Client duties, deliverables, dated instalments with their amounts, the offer's expiry and
the feedback checkpoints, each an all-day event. The output is deterministic so that it
can live in git: every UID is derived from the reference and the item, and DTSTAMP is the
date the terms were issued, never the clock.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from icalendar import Calendar, Event

from engage import __version__
from engage.build import Prepared, prepare
from engage.formats import Formats
from engage.law import locale_of
from engage.output import check_output_path, write_atomic

MAX_CHECKPOINTS = 200
"""Feedback checkpoints are listed at most this many times, however long the project."""


@dataclass(frozen=True)
class Dated:
    """One dated item of the terms."""

    key: str
    """Stable name of the item, for its UID."""
    day: date
    summary: str
    description: str


def dated_items(prepared: Prepared) -> list[Dated]:
    """Every dated item of the terms, in date order."""
    spec, figures = prepared.spec, prepared.figures
    formats = Formats(spec.language, spec.currency, locale_of(spec))
    ref = spec.reference
    items: list[Dated] = []
    if spec.valid_until is not None:
        items.append(Dated("valid-until", spec.valid_until, f"{ref}: offer expires",
                           "Last day the offer can be accepted."))
    items.append(Dated("start", spec.project.start, f"{ref}: work starts", spec.project.title))
    items.append(Dated("end", spec.project.end, f"{ref}: work ends", spec.project.title))
    for deliverable in spec.scope.deliverables:
        if deliverable.due is not None:
            items.append(Dated(
                f"deliverable-{deliverable.id}", deliverable.due,
                f"{ref}: deliverable due: {deliverable.title}",
                f"Accepted when: {deliverable.acceptance}" if deliverable.acceptance else "",
            ))
    for index, duty in enumerate(spec.client_duties):
        if duty.due is not None:
            items.append(Dated(
                f"duty-{index}", duty.due, f"{ref}: client provides: {duty.duty}",
                f"If late: {duty.if_late}" if duty.if_late else "",
            ))
    dues = {deliverable.id: deliverable.due for deliverable in spec.scope.deliverables}
    dues |= {deliverable.title: deliverable.due for deliverable in spec.scope.deliverables}
    for index, step in enumerate(figures.instalments):
        day = spec.issued if step.is_deposit else _instalment_day(step.when, dues)
        if day is None:
            continue
        what = "deposit on signature" if step.is_deposit else step.when
        items.append(Dated(
            f"instalment-{index}", day,
            f"{ref}: invoice {formats.money(step.amount)} ({what})",
            (f"{formats.percent(step.percent)} of the total, payable" if step.percent is not None
             else "Payable")
            + f" within {spec.payment.due_days} days of the invoice.",
        ))
    if spec.feedback is not None and spec.feedback.every_weeks:
        step_days = timedelta(weeks=spec.feedback.every_weeks)
        day, count = spec.project.start + step_days, 0
        while day < spec.project.end and count < MAX_CHECKPOINTS:
            count += 1
            items.append(Dated(f"feedback-{count}", day, f"{ref}: feedback checkpoint {count}",
                               "Ask the client for feedback on the work so far."))
            day += step_days
    return sorted(items, key=lambda item: (item.day, item.key))


def _instalment_day(when: str, dues: dict[str, date | None]) -> date | None:
    """The due date of the deliverable an instalment's event names (by title or id), if any."""
    lowered = when.lower()
    for name, due in dues.items():
        if due is not None and name.lower() in lowered:
            return due
    return None


def calendar_bytes(prepared: Prepared) -> bytes:
    """The iCalendar file of ``prepared``'s dated items, the same bytes for the same terms."""
    spec = prepared.spec
    calendar = Calendar()
    calendar.add("prodid", f"-//engage {__version__}//{spec.reference}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{spec.reference}: {spec.project.title}")
    stamp = datetime.combine(spec.issued, datetime.min.time(), UTC)
    namespace = hashlib.sha256(spec.reference.encode("utf-8")).hexdigest()[:16]
    for item in dated_items(prepared):
        event = Event()
        event.add("uid", f"{namespace}-{item.key}@engage")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("summary", item.summary)
        if item.description:
            event.add("description", item.description)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def write_calendar(spec_file: Path, output: Path | None) -> Path:
    """Write ``spec_file``'s calendar to ``output`` (default: next to it, .ics)."""
    output = output or spec_file.with_suffix(".ics")
    check_output_path(output, [spec_file])
    write_atomic(output, calendar_bytes(prepare(spec_file)))
    return output
