"""Warm processes (batch workers, the preview's builder) reuse compiled clause templates,
and their output is byte for byte that of a cold build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from engage import codecache
from engage.batch import build_many
from engage.build import prepare
from engage.sandbox import Sandbox
from tests.conftest import EXAMPLES, ROOT


def cold_build(spec: Path, output: Path) -> bytes:
    """The PDF of ``spec`` built by ``engage build`` in a process of its own."""
    subprocess.run(
        [sys.executable, "-m", "engage", "build", str(spec), "-o", str(output)],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True, capture_output=True,
    )
    return output.read_bytes()


def test_warm_batch_workers_write_the_bytes_of_a_cold_build(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    names = ["website-en.yaml", "retainer-en.yaml"]
    specs = [shutil.copy(EXAMPLES / name, batch / f"{copy}-{name}")
             for copy in (1, 2) for name in names]
    outcomes = build_many([Path(spec) for spec in specs], jobs=2)
    assert [outcome.code for outcome in outcomes] == [0] * 4, outcomes
    for spec in map(Path, specs):
        cold = cold_build(spec, tmp_path / f"cold-{spec.stem}.pdf")
        assert spec.with_suffix(".pdf").read_bytes() == cold, spec.name


def test_compiled_clauses_are_reused_and_a_changed_clause_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled: list[str] = []
    compile_source = Sandbox._compile

    def counted(self: Sandbox, source: str, filename: str) -> Any:
        compiled.append(filename)
        return compile_source(self, source, filename)

    monkeypatch.setattr(Sandbox, "_compile", counted)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # nothing compiled before
    monkeypatch.setattr(codecache, "_in_memory", {})
    spec = Path(shutil.copy(EXAMPLES / "website-en.yaml", tmp_path / "website-en.yaml"))
    override = tmp_path / "clauses" / "en" / "fees.md"
    override.parent.mkdir(parents=True)
    builtin = (ROOT / "clauses" / "en" / "fees.md").read_text(encoding="utf-8")
    override.write_text(builtin + "\nA first sentence.\n", encoding="utf-8")
    first = prepare(spec).html
    assert len(compiled) > 10 and "<template>" in compiled  # the when: expressions
    assert str(override.resolve()) in compiled and "A first sentence." in first
    compiled.clear()
    assert prepare(spec).html == first
    # Every clause, template and ``when:`` expression is reused.
    assert compiled == [], compiled
    override.write_text(builtin + "\nA second sentence.\n", encoding="utf-8")
    changed = prepare(spec).html
    assert str(override.resolve()) in compiled
    assert "A second sentence." in changed and "A first sentence." not in changed
