"""engage diff on what was sent: a PDF engage built, with the spec and clauses inside it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from engage._resources import data_dir
from engage.build import build
from tests.conftest import EXAMPLES, run_cli


def _sent(tmp_path: Path) -> tuple[Path, Path]:
    """A spec with its own copy of the changes clause, and the PDF sent from it."""
    spec = tmp_path / "website-en.yaml"
    shutil.copy(EXAMPLES / "website-en.yaml", spec)
    clauses = tmp_path / "clauses" / "en"
    clauses.mkdir(parents=True)
    shutil.copy(data_dir("clauses") / "en" / "changes.md", clauses / "changes.md")
    sent = tmp_path / "sent.pdf"
    build(spec, sent)
    return spec, sent


def test_diff_of_a_sent_pdf_shows_a_clause_changed_since(tmp_path: Path) -> None:
    spec, sent = _sent(tmp_path)
    clause = tmp_path / "clauses" / "en" / "changes.md"
    clause.write_text(
        clause.read_text(encoding="utf-8") + "\nEvery change is invoiced on its own.\n",
        encoding="utf-8",
    )
    result = run_cli("diff", sent, spec, "--html", "-o", tmp_path / "r.html")
    assert result.code == 0, result.stderr
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<ins>Every change is invoiced on its own.</ins>" in " ".join(html.split())
    assert html.count("state-changed") == 1  # the one clause edited since; spec unchanged
    assert html.count("state-added") == 0 and html.count("state-removed") == 0


def test_key_terms_report_a_payment_days_change(tmp_path: Path) -> None:
    spec, sent = _sent(tmp_path)
    spec.write_text(
        spec.read_text(encoding="utf-8").replace("due_days: 15", "due_days: 30"),
        encoding="utf-8",
    )
    result = run_cli("diff", sent, spec, "--html", "-o", tmp_path / "r.html")
    assert result.code == 0, result.stderr
    html = " ".join((tmp_path / "r.html").read_text(encoding="utf-8").split())
    assert "No key term changed" not in html
    assert "Days to pay an invoice" in html
    row = html[html.index("Days to pay an invoice"):]
    assert row.index("15") < row.index("30") < row.index("</tr>")


def test_diff_of_two_specs_reports_exclusions_and_late_interest(tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    shutil.copy(EXAMPLES / "website-en.yaml", old)
    new = tmp_path / "new.yaml"
    text = old.read_text(encoding="utf-8").replace("    - Changes requested after acceptance\n", "")
    text = re.sub(r"late_interest: >\n(?:    .*\n)+", "late_interest: 8% a year interest\n", text)
    assert "8% a year interest" in text
    new.write_text(text, encoding="utf-8")
    result = run_cli("diff", old, new, "--html", "-o", tmp_path / "r.html")
    assert result.code == 0, result.stderr
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Excluded" in html and "Interest on late payment" in html
    assert "8% a year interest" in html
