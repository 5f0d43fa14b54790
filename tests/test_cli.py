"""The CLI: exit codes, one-line errors, no traceback, and no WeasyPrint where not needed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from engage import __version__
from tests.conftest import CLEAN_SPEC, EXAMPLES, MINIMAL_SPEC, pdf_text, run_cli, write_tree


def test_version() -> None:
    result = run_cli("--version")
    assert (result.code, result.stdout) == (0, f"engage {__version__}\n")


def test_build_and_check_succeed(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.yaml": CLEAN_SPEC})
    checked = run_cli("check", tmp_path / "a.yaml", "--today", "2026-12-01")
    assert checked.stdout == f"{tmp_path / 'a.yaml'}: ok\n"
    result = run_cli("build", tmp_path / "a.yaml", "-o", tmp_path / "out.pdf")
    assert result.code == 0
    expected = rf"wrote {tmp_path / 'out.pdf'} \(fingerprint [0-9a-f]{{64}}\)\n"
    assert re.fullmatch(expected, result.stdout)
    assert "Client Co" in pdf_text(tmp_path / "out.pdf")


def test_invalid_spec_exits_2_with_located_messages_and_writes_nothing(tmp_path: Path) -> None:
    bad = MINIMAL_SPEC.replace("currency: EUR", "currency: XXY").replace(
        "end: 2027-02-01", "end: soon"
    )
    write_tree(tmp_path, {"bad.yaml": bad})
    result = run_cli("build", tmp_path / "bad.yaml")
    assert result.code == 2
    assert result.stderr.splitlines() == [
        f"{tmp_path / 'bad.yaml'}:3:11: currency: 'XXY' is not an ISO 4217 currency code, "
        "like EUR or USD",
        f"{tmp_path / 'bad.yaml'}:18:8: project.end: 'soon' is not a date; write it as "
        "YYYY-MM-DD, like 2027-01-31",
    ]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "bad.pdf").exists()


def test_one_bad_spec_does_not_stop_the_others(tmp_path: Path) -> None:
    write_tree(tmp_path, {"good.yaml": CLEAN_SPEC, "empty.yaml": ""})
    result = run_cli(
        "check", tmp_path / "empty.yaml", tmp_path / "good.yaml", "--today", "2026-12-01"
    )
    assert result.code == 2
    assert result.stderr == f"{tmp_path / 'empty.yaml'}:1:1: the file is empty\n"
    assert result.stdout == f"{tmp_path / 'good.yaml'}: ok\n"


def test_missing_spec_file(tmp_path: Path) -> None:
    result = run_cli("check", tmp_path / "nope.yaml")
    assert (result.code, result.stderr) == (2, f"{tmp_path / 'nope.yaml'}: no such spec file\n")


def test_output_with_several_specs_is_refused(tmp_path: Path) -> None:
    result = run_cli(
        "build",
        EXAMPLES / "website-en.yaml",
        EXAMPLES / "retainer-en.yaml",
        "-o",
        tmp_path / "x.pdf",
    )
    assert (result.code, result.stderr) == (2, "engage: --output takes a single spec\n")


def test_help_version_and_check_never_import_weasyprint() -> None:
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['engage'] + sys.argv[1:]\n"
        "try:\n    runpy.run_module('engage', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('weasyprint' in sys.modules)\n"
    )
    for args in (["--help"], ["--version"], ["check", str(EXAMPLES / "website-en.yaml")]):
        result = subprocess.run(
            [sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True
        )
        assert result.stdout.strip().splitlines()[-1] == "False", (args, result.stdout)


def test_a_build_in_a_fresh_process_renders_in_a_forked_renderer(tmp_path: Path) -> None:
    # A fresh process starts its renderer before engage's imports (engage.renderer); the
    # PDF it gets back must be the very bytes an in-process build writes.
    write_tree(tmp_path, {"a.yaml": MINIMAL_SPEC})
    result = subprocess.run(
        [sys.executable, "-m", "engage", "build", str(tmp_path / "a.yaml"), "-o",
         str(tmp_path / "forked.pdf")],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    run_cli("build", tmp_path / "a.yaml", "-o", tmp_path / "here.pdf")
    assert (tmp_path / "forked.pdf").read_bytes() == (tmp_path / "here.pdf").read_bytes()
    bad = subprocess.run(
        [sys.executable, "-m", "engage", "build", str(tmp_path / "nope.yaml")],
        capture_output=True, text=True, check=False,
    )
    assert (bad.returncode, bad.stderr) == (2, f"{tmp_path / 'nope.yaml'}: no such spec file\n")
