"""Batch builds on every core, and builds that skip what is up to date."""

from __future__ import annotations

from pathlib import Path

from engage.build import build
from tests.conftest import MINIMAL_SPEC, pdf_text, run_cli, write_tree


def test_an_up_to_date_pdf_is_not_rendered_again(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": MINIMAL_SPEC})
    first = build(tmp_path / "a.yaml")
    assert not first.up_to_date
    pdf = first.output.read_bytes()
    first.output.touch()
    stamp = first.output.stat().st_mtime_ns
    again = build(tmp_path / "a.yaml")
    assert again.up_to_date and again.prepared is None
    assert first.output.stat().st_mtime_ns == stamp
    forced = build(tmp_path / "a.yaml", force=True)
    assert not forced.up_to_date and forced.output.read_bytes() == pdf
    result = run_cli("build", tmp_path / "a.yaml")
    assert (result.code, result.stdout) == (0, f"{tmp_path / 'a.pdf'}: up to date\n")
    (tmp_path / "clauses/en").mkdir(parents=True)
    write_tree(tmp_path, {"clauses/en/extra.md": "---\ntitle: Extra\n---\nMore.\n"})
    assert not build(tmp_path / "a.yaml").up_to_date  # a new clause file is a new input


def test_a_changed_spec_is_rebuilt(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": MINIMAL_SPEC})
    build(tmp_path / "a.yaml")
    (tmp_path / "a.yaml").write_text(MINIMAL_SPEC.replace("Client Co", "Other Co"))
    rebuilt = build(tmp_path / "a.yaml")
    assert not rebuilt.up_to_date
    assert "Other Co" in pdf_text(rebuilt.output)


def test_a_pdf_not_built_by_engage_is_replaced(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": MINIMAL_SPEC, "a.pdf": b"%PDF-1.4 not ours"})
    assert not build(tmp_path / "a.yaml").up_to_date


def test_batch_builds_every_spec_and_one_failure_does_not_stop_the_others(
    tmp_path: Path,
) -> None:
    write_tree(tmp_path, {
        "a.yaml": MINIMAL_SPEC,
        "b.yaml": MINIMAL_SPEC.replace("Client Co", "Bee Co"),
        "bad.yaml": MINIMAL_SPEC.replace("amount: 1000.00", "amount: lots"),
        "c.yaml": MINIMAL_SPEC.replace("Client Co", "Sea Co"),
    })
    specs = [tmp_path / name for name in ("a.yaml", "b.yaml", "bad.yaml", "c.yaml")]
    result = run_cli("build", *specs, "--jobs", "2")
    assert result.code == 2
    assert "bad.yaml:28:15: pricing.items[0].amount: 'lots' is not an amount" in result.stderr
    assert result.stdout.splitlines()[-1].startswith("3 built, 0 up to date, 1 failed, in ")
    assert result.stdout.splitlines()[-1].endswith(" with 2 jobs")
    assert "Bee Co" in pdf_text(tmp_path / "b.pdf") and "Sea Co" in pdf_text(tmp_path / "c.pdf")
    assert not (tmp_path / "bad.pdf").exists()
    again = run_cli("build", *specs[:2], "--jobs", "2")
    assert again.code == 0
    assert again.stdout.splitlines()[-1].startswith("0 built, 2 up to date, 0 failed")
