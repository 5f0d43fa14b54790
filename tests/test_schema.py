"""engage schema: the JSON Schema editors use accepts every example and flags mistakes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from engage.schema import COMMITTED, schema_text, spec_schema
from tests.conftest import CLEAN_SPEC, EXAMPLES, ROOT, run_cli

ALL_EXAMPLES = sorted(EXAMPLES.glob("*.yaml"))
MODELINE = "# yaml-language-server: $schema=../schema/engage.schema.json"


class Yaml12Loader(yaml.SafeLoader):
    """YAML as an editor reads it (1.2 core schema): dates stay text, `yes` is not a bool."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def as_editor_reads(text: str) -> Any:
    return yaml.load(text, Loader=Yaml12Loader)


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = spec_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_the_committed_schema_is_current() -> None:
    committed = (ROOT / COMMITTED).read_text(encoding="utf-8")
    assert committed == schema_text(), "run: engage schema -o schema/engage.schema.json"


def test_the_cli_prints_and_writes_the_schema(tmp_path: Path) -> None:
    printed = run_cli("schema")
    assert (printed.code, printed.stdout) == (0, schema_text())
    written = run_cli("schema", "-o", tmp_path / "s.json")
    assert (written.code, written.stdout) == (0, f"wrote {tmp_path / 's.json'}\n")
    assert json.loads((tmp_path / "s.json").read_text(encoding="utf-8")) == spec_schema()


@pytest.mark.parametrize("spec", ALL_EXAMPLES, ids=lambda spec: spec.name)
def test_every_example_is_valid_against_the_schema(
    spec: Path, validator: jsonschema.protocols.Validator
) -> None:
    errors = list(validator.iter_errors(as_editor_reads(spec.read_text(encoding="utf-8"))))
    assert errors == [], [f"{list(error.path)}: {error.message}" for error in errors]


@pytest.mark.parametrize("spec", ALL_EXAMPLES, ids=lambda spec: spec.name)
def test_english_examples_point_editors_at_the_schema(spec: Path) -> None:
    first = spec.read_text(encoding="utf-8").splitlines()[0]
    if spec.stem.endswith("-en"):
        assert first == MODELINE
    path = first.partition("$schema=")[2] if first.startswith("# yaml-language-server") else ""
    assert not path or (spec.parent / path).resolve() == (ROOT / COMMITTED).resolve()


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("  signatory: Ann Provider\n", "  signatory: Ann Provider\n  colour: red\n", ["provider"]),
        ("reference: T-1\n", "", []),
        ("issued: 2026-12-01", "issued: 1 December", ["issued"]),
        ("  revision_rounds: 2", "  revision_rounds: two", ["scope", "revision_rounds"]),
        ("language: en\n", "language: en\nreview:\n  ignore:\n    - code: nope\n      reason: x\n",
         ["review", "ignore", 0, "code"]),
        ("  in_writing: true", "  in_writing: maybe", ["changes", "in_writing"]),
        ("      amount: 1000.00", "      amount: -5", ["pricing", "items", 0, "amount"]),
    ],
)
def test_the_schema_flags_what_engage_refuses(
    old: str, new: str, where: list[str | int], validator: jsonschema.protocols.Validator
) -> None:
    assert old in CLEAN_SPEC
    errors = list(validator.iter_errors(as_editor_reads(CLEAN_SPEC.replace(old, new, 1))))
    assert errors
    best = jsonschema.exceptions.best_match(errors)
    assert best is not None
    assert list(best.absolute_path) == where


def test_descriptions_come_from_the_field_docstrings() -> None:
    schema = spec_schema()
    party = schema["$defs"]["Provider"]["properties"]
    assert party["signatory"]["description"].startswith("Who signs, and in what capacity")
    assert schema["properties"]["review"]["description"].startswith("How `engage check`")
    silence = schema["$defs"]["Silence"]
    assert silence["required"] == ["code", "reason"]
    assert "no-exclusions" in silence["properties"]["code"]["enum"]


def test_the_schema_command_never_imports_weasyprint() -> None:
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['engage', 'schema']\n"
        "try:\n    runpy.run_module('engage', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('weasyprint' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stderr.strip() == "False"
