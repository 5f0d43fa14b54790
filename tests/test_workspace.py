"""Workspaces in git: init, layered clauses, traceable PDFs, extract, verify and redlines."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pypdf
import pytest

from engage.build import build
from engage.errors import SpecError, WorkspaceError
from engage.init import init_workspace
from engage.load import load_yaml
from engage.source import read_source, verify
from tests.conftest import clause, pdf_text, run_cli, write_tree

CLIENT = Path("clients/example-client.yaml")


def git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(folder), "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "terms"
    init_workspace(folder)
    git(folder, "init", "-q")
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "start")
    return folder


def test_init_writes_a_workspace_that_builds_at_once(workspace: Path) -> None:
    assert sorted(p.name for p in workspace.iterdir() if p.name != ".git") == [
        ".gitignore", "README.md", "clauses", "clients", "engage.yaml", "sent",
    ]
    built = build(workspace / CLIENT)
    text = pdf_text(built.output)
    assert "Your Studio Ltd" in text and "Example Client Ltd" in text
    assert "€2,928.00" in text  # 2,400.00 plus 22% VAT, from the profile's defaults
    assert f"#{built.prepared.fingerprint.short}" in text
    metadata = pypdf.PdfReader(built.output).metadata
    assert metadata is not None
    assert metadata["/EngageGitCommit"] == git(workspace, "rev-parse", "HEAD")
    assert metadata["/EngageGitDirty"] == "no"
    assert metadata["/EngageFingerprint"] == built.prepared.fingerprint.value


def test_init_refuses_to_overwrite(workspace: Path) -> None:
    before = (workspace / "engage.yaml").read_bytes()
    with pytest.raises(WorkspaceError, match=r"would overwrite .*engage\.yaml.*; nothing was"):
        init_workspace(workspace)
    assert (workspace / "engage.yaml").read_bytes() == before


def test_spec_values_win_over_the_profile_and_errors_point_at_the_right_file(
    workspace: Path,
) -> None:
    spec = workspace / CLIENT
    spec.write_text(spec.read_text() + "currency: GBP\n", encoding="utf-8")
    assert "£2,928.00" in pdf_text(build(spec).output)
    profile = workspace / "engage.yaml"
    profile.write_text(profile.read_text().replace("due_days: 15", "due_days: soon"))
    with pytest.raises(SpecError) as caught:
        build(spec)
    assert str(caught.value) == (
        f"{profile}:20:13: payment.due_days: 'soon' is not a whole number of 0 or more"
    )


def test_an_override_changes_the_pdf_and_removing_it_falls_back(workspace: Path) -> None:
    spec = workspace / CLIENT
    override = workspace / "clauses/en/payment.md"
    write_tree(workspace, {"clauses/en/payment.md": clause(
        "Payment", "Pay {{ pricing.total }} by the end of the month.\n", order="60"
    )})
    text = pdf_text(build(spec).output)
    assert "Pay €2,928.00 by the end of the month." in text
    listing = run_cli("clauses", "list", "--lang", "en")  # from the repository: built-ins only
    assert "payment" in listing.stdout and "built-in" in listing.stdout
    override.unlink()
    text = pdf_text(build(spec).output)
    assert "by the end of the month" not in text
    assert "Work starts only when the deposit has been received" in text


def test_extract_gives_back_the_merged_spec(workspace: Path, tmp_path: Path) -> None:
    built = build(workspace / CLIENT)
    extracted = tmp_path / "extracted.yaml"
    result = run_cli("extract", built.output, "-o", extracted)
    assert result.code == 0
    assert built.prepared is not None
    assert load_yaml(extracted).data == built.prepared.document.data
    assert load_yaml(extracted).data["provider"]["name"] == "Your Studio Ltd"
    assert read_source(built.output).manifest["fingerprint"] == built.prepared.fingerprint.value
    rebuilt = build(extracted, tmp_path / "rebuilt.pdf")
    assert rebuilt.prepared.fingerprint.parts["spec"] == built.prepared.fingerprint.parts["spec"]


def test_verify_passes_unchanged_and_names_what_changed(workspace: Path) -> None:
    pdf = build(workspace / CLIENT).output
    sent = workspace / "sent" / "EX-2027-001.pdf"
    sent.write_bytes(pdf.read_bytes())
    assert verify(sent).identical
    result = run_cli("verify", sent)
    assert result.code == 0 and "identical" in result.stdout
    write_tree(workspace, {"clauses/en/fees.md": clause("Fees", "Our fees.\n", order="50")})
    verdict = verify(sent)
    assert verdict.changes == ["clause:fees changed"]
    result = run_cli("verify", sent)
    assert result.code == 1
    assert result.stdout.splitlines()[1:] == ["  clause:fees changed"]


def test_verify_refuses_a_pdf_without_source(tmp_path: Path) -> None:
    (tmp_path / "other.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    result = run_cli("verify", tmp_path / "other.pdf")
    assert result.code == 2 and "Traceback" not in result.stderr


def test_redline_against_a_revision_shows_old_and_new_deposit(workspace: Path) -> None:
    profile = workspace / "engage.yaml"
    profile.write_text(profile.read_text().replace("deposit_percent: 30", "deposit_percent: 40")
                       .replace("percent: 70", "percent: 60"))
    write_tree(workspace, {"clauses/en/acceptance.md": clause(
        "Acceptance", "The client accepts each deliverable in writing within ten days.\n",
        order="40",
    )})
    git(workspace, "add", "-A")
    git(workspace, "commit", "-qm", "40% deposit, reworded acceptance")
    write_tree(workspace, {"clauses/en/acceptance.md": clause(
        "Acceptance", "The client accepts each deliverable in writing within five days.\n",
        order="40",
    )})
    html_out = workspace / "redline.html"
    result = run_cli("diff", workspace / CLIENT, "--against", "HEAD~1", "-o", html_out, "--html")
    assert result.code == 0, result.stderr
    html = html_out.read_text(encoding="utf-8")
    assert "<del>30% · €878.40</del>" in html and "<ins>40% · €1,171.20</ins>" in html
    assert "<del>" in html.split("Acceptance")[-1]
    pdf_out = workspace / "redline.pdf"
    assert run_cli("diff", workspace / CLIENT, "--against", "HEAD~1", "-o", pdf_out).code == 0
    text = pdf_text(pdf_out)
    assert "€878.40" in text and "€1,171.20" in text
    assert "Changes to the terms of engagement" in text


def test_redline_marks_a_reworded_sentence_word_by_word(tmp_path: Path) -> None:
    from engage.redline import word_diff

    old = "<p>The client accepts each deliverable within ten days.</p>\n"
    new = "<p>The client accepts each deliverable within five working days.</p>\n"
    assert word_diff(old, new) == (
        "<p>The client accepts each deliverable within <del>ten</del> "
        "<ins>five working</ins> days.</p>\n"
    )


def test_diff_needs_new_or_a_revision(tmp_path: Path) -> None:
    result = run_cli("diff", tmp_path / "a.yaml")
    assert (result.code, result.stderr) == (2, "engage: give either NEW or --against REV\n")


def test_diff_at_an_unknown_revision(workspace: Path) -> None:
    result = run_cli("diff", workspace / CLIENT, "--against", "nope")
    assert result.code == 2
    assert "cannot read revision 'nope'" in result.stderr
