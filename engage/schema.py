"""The JSON Schema of the spec (``engage schema``), so that editors complete and check specs.

It is generated from the models: field docstrings become descriptions, ``extra="forbid"``
becomes ``additionalProperties: false``. Editors read YAML 1.2, where ``1200.00`` is a number
and ``2027-01-31`` is text, so the schema takes numbers as numbers or quoted text; the
models still decide exactly what is accepted. Point an editor at it with a first line::

    # yaml-language-server: $schema=../schema/engage.schema.json
"""

from __future__ import annotations

import json
from typing import Any

from engage.models import Spec

# Draft 7: what yaml-language-server (and so most editors) fully supports. Pydantic's output
# keeps to it; its "#/$defs/..." references are plain JSON pointers.
DIALECT = "http://json-schema.org/draft-07/schema#"
COMMITTED = "schema/engage.schema.json"
"""Where the repository keeps a copy, for the examples and for editors (a test keeps it equal)."""


def spec_schema() -> dict[str, Any]:
    """The JSON Schema of an engagement spec, format 1."""
    schema = Spec.model_json_schema()
    return {
        "$schema": DIALECT,
        **schema,
        "title": "engage spec, format 1",
        "description": "An engagement spec: the terms of engagement that `engage build` turns "
        "into a signable PDF.",
    }


def schema_text() -> str:
    """The schema as JSON text, stable from run to run."""
    return json.dumps(spec_schema(), indent=2, ensure_ascii=False) + "\n"
