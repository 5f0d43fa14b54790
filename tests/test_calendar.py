"""engage calendar: every dated item of the terms, as an iCalendar file any calendar reads."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from icalendar import Calendar

from engage.build import prepare
from tests.conftest import EXAMPLES, run_cli


def test_calendar_holds_every_dated_item_and_is_stable(tmp_path: Path) -> None:
    spec = EXAMPLES / "website-en.yaml"
    result = run_cli("calendar", spec, "-o", tmp_path / "a.ics")
    assert result.code == 0, result.stderr
    run_cli("calendar", spec, "-o", tmp_path / "b.ics")
    data = (tmp_path / "a.ics").read_bytes()
    assert data == (tmp_path / "b.ics").read_bytes()
    calendar = Calendar.from_ical(data)
    events = {str(event["summary"]): event.decoded("dtstart")
              for event in calendar.walk("VEVENT")}
    prepared = prepare(spec)
    terms = prepared.spec
    assert events["RS-2026-014: offer expires"] == date(2026, 12, 31)
    assert events["RS-2026-014: work starts"] == terms.project.start
    assert events["RS-2026-014: work ends"] == terms.project.end
    for deliverable in terms.scope.deliverables:
        assert events[f"RS-2026-014: deliverable due: {deliverable.title}"] == deliverable.due
    for duty in terms.client_duties:
        assert events[f"RS-2026-014: client provides: {duty.duty}"] == duty.due
    assert events["RS-2026-014: invoice €1,581.12 (deposit on signature)"] == terms.issued
    assert events["RS-2026-014: invoice €2,108.16 (Approval of the designs)"] == date(2027, 2, 5)
    assert events["RS-2026-014: invoice €1,581.12 (Acceptance of the website)"] == date(
        2027, 3, 12)
    checkpoints = [name for name in events if "feedback checkpoint" in name]
    assert len(checkpoints) == 4  # every 2 weeks from 11 January to 19 March 2027
    stamps = {event.decoded("dtstamp") for event in calendar.walk("VEVENT")}
    assert len(stamps) == 1
    uids = [str(event["uid"]) for event in calendar.walk("VEVENT")]
    assert len(set(uids)) == len(uids)


def test_calendar_of_an_invalid_spec_writes_nothing(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("engage: 1\n", encoding="utf-8")
    result = run_cli("calendar", spec)
    assert result.code == 2
    assert not (tmp_path / "bad.ics").exists()
