"""The code stays ruff- and mypy-clean, and imports flow one way."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import ROOT

# Stage modules may import models and earlier stages; only build and cli sit on top.
LAYERS = {
    "errors": 0, "_resources": 0, "codecache": 0, "fingerprint": 0, "gitread": 0,
    "files": 0.5, "text": 0.6,
    "models": 1, "load": 1, "embed": 1,
    "money": 1.5, "validate": 2, "formats": 2, "law": 2, "sandbox": 2, "seen": 2,
    "workspace": 2, "inputs": 2.8, "fresh": 3,
    "values": 2.5, "clauses": 3, "context": 3, "review": 3, "schema": 3,
    "outdated": 3.5, "reference": 3.5,
    "assemble": 4, "output": 4, "sigfields": 4,
    "render": 5, "pdf": 5,
    "build": 6, "single": 6.5,
    "source": 7, "redline": 7.1, "init": 7, "preview": 7, "batch": 7, "renderer": 5.5,
    "kinds": 0.6, "after_models": 1.5, "terms": 7.2, "changes": 7.4, "minutes": 7.4,
    "records": 7.4, "aftersign": 8, "calendar": 7.2, "sign": 7, "send": 7, "signatures": 8,
    "workers": 0.5,
    "cli": 9, "__main__": 10, "__init__": 10,
}


def test_ruff() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "engage", "tests"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout


def test_mypy() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "engage"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


def test_imports_flow_one_way() -> None:
    for path in (ROOT / "engage").glob("*.py"):
        layer = LAYERS.get(path.stem)
        assert layer is not None, f"{path.name}: give the module a layer in this test"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("engage."):
                target = (node.module or "").split(".")[1]
                assert LAYERS[target] < layer, f"{path.name} imports engage.{target}"


def test_every_pdf_is_rendered_through_the_renderer() -> None:
    """Only ``engage.renderer`` calls WeasyPrint's wrapper: the terms, the redline and the
    after-signing documents all get its process, limits and head start."""
    callers = set()
    for path in (ROOT / "engage").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            imported = isinstance(node, ast.ImportFrom) and node.module == "engage.pdf"
            if imported and any(alias.name == "write_pdf" for alias in node.names):
                callers.add(path.name)
    assert callers == {"renderer.py"}
