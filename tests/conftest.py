"""Shared test helpers: file trees, a minimal valid spec, the CLI, and PDF text."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
from typer.testing import CliRunner

from engage.cli import app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

MINIMAL_SPEC = """\
engage: 1
language: en
currency: EUR
issued: 2026-12-01
reference: T-1
provider:
  name: Studio
  address: Street 1
  signatory: Ann Provider
client:
  name: Client Co
  address: Road 2
  signatory: Bob Client
project:
  title: A project
  summary: Something useful.
  start: 2027-01-01
  end: 2027-02-01
scope:
  deliverables:
    - id: thing
      title: The thing
      due: 2027-01-20
      acceptance: It works.
pricing:
  items:
    - description: Work
      amount: 1000.00
payment:
  deposit_percent: 50
  schedule:
    - when: Delivery
      percent: 50
"""

# A spec with every term the review asks for: `engage check --today 2026-12-01` finds nothing.
CLEAN_SPEC = """\
engage: 1
language: en
currency: EUR
issued: 2026-12-01
valid_until: 2026-12-15
reference: T-1
provider:
  name: Studio
  address: Street 1
  signatory: Ann Provider
  country: GB
client:
  name: Client Co
  address: Road 2
  signatory: Bob Client
project:
  title: A project
  summary: Something useful.
  start: 2027-01-01
  end: 2027-02-01
scope:
  deliverables:
    - id: thing
      title: The thing
      due: 2027-01-20
      acceptance: It works.
  excluded:
    - Hosting
  revision_rounds: 2
client_duties:
  - duty: Send the texts
    due: 2027-01-10
    if_late: The delivery dates move back by the delay.
    needed_for: thing
pricing:
  items:
    - description: Work
      amount: 1000.00
payment:
  deposit_percent: 50
  schedule:
    - when: Delivery
      percent: 50
changes:
  in_writing: true
communication:
  recap_within_days: 1
feedback:
  every_weeks: 2
complaints:
  respond_within_days: 2
  remedy: The Provider fixes it at its own cost.
exit:
  notice_days: 15
  provider_may_end_if:
    - An invoice is unpaid for 30 days
"""


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create ``files`` (relative path -> text or bytes) under ``root``; return ``root``."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


@pytest.fixture(scope="session", autouse=True)
def private_code_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The suite's compiled-code cache (engage.codecache) starts empty and is its own: it
    never reads or fills the cache of the user running the tests."""
    import os

    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture
def tree(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """Build a file tree in a fresh temporary folder."""
    return lambda files: write_tree(tmp_path, files)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def run_cli(*args: str | Path) -> Run:
    """Run the engage CLI in-process."""
    result = CliRunner().invoke(app, [str(arg) for arg in args], catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="session")
def example_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every example built into a PDF once per test session, by name ("website-en.yaml"):
    shared by every test that reads an example PDF (rendering them all takes a while)."""
    from engage.build import build

    out = tmp_path_factory.mktemp("examples")
    return {
        spec.name: build(spec, out / f"{spec.stem}.pdf").output
        for spec in sorted(EXAMPLES.glob("*.yaml"))
    }


def pdf_text(path: Path) -> str:
    """The text layer of every page, joined."""
    reader = pypdf.PdfReader(path)
    return "\n".join(page.extract_text() for page in reader.pages)


def clause(title: str, body: str, **front: str) -> str:
    """The text of a clause file."""
    lines = ["---", f"title: {title}", *(f"{key}: {value}" for key, value in front.items()), "---"]
    return "\n".join(lines) + "\n" + textwrap.dedent(body)
