"""What a PDF carries of its own source: the merged spec, each clause used, a manifest.

``engage.source`` reads these back to extract or verify a PDF.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import yaml

from engage import __version__
from engage.fingerprint import Fingerprint

SPEC_NAME = "engage-spec.yaml"
IDENTIFIER_PREFIX = "engage:"
TRAILER_BYTES = 65_536
_IDENTIFIER = re.compile(rb"/ID \[\(" + IDENTIFIER_PREFIX.encode() + rb"([0-9a-f]{64})\)")
MANIFEST_NAME = "engage-manifest.json"


def spec_yaml(data: Any) -> str:
    """The spec's values as YAML that engage reads back to the very same values."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def embedded_files(
    spec_name: str, data: Any, prints: Fingerprint, clause_sources: dict[str, str]
) -> list[tuple[str, bytes, str]]:
    """(name, bytes, description) of every file to attach to the PDF."""
    manifest = {
        "engage": __version__,
        "spec_file": spec_name,
        "fingerprint": prints.value,
        "parts": prints.parts,
    }
    files = [
        (SPEC_NAME, spec_yaml(data).encode("utf-8"),
         "The engagement spec this document was built from (merged with the profile)"),
        (MANIFEST_NAME, json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8"),
         "Fingerprints of every part this document was built from"),
    ]
    files += [
        (f"clause-{clause_id}.md", text.encode("utf-8"), f"Clause {clause_id} as used")
        for clause_id, text in sorted(clause_sources.items())
    ]
    return files


def pdf_identifier(inputs_digest: str) -> bytes:
    """The PDF's permanent file identifier: the digest of the files it was built from.

    It stands uncompressed in the PDF's trailer, so ``read_identifier`` finds it in the
    file's last bytes without a PDF library (an up-to-date check must be fast).
    """
    return f"{IDENTIFIER_PREFIX}{inputs_digest}".encode("ascii")


def read_identifier(pdf: Path) -> str | None:
    """The inputs digest a PDF engage built was made from, or None."""
    try:
        with open(pdf, "rb") as stream:
            stream.seek(0, os.SEEK_END)
            stream.seek(max(0, stream.tell() - TRAILER_BYTES))
            tail = stream.read()
    except OSError:
        return None
    found = _IDENTIFIER.findall(tail)
    return found[-1].decode("ascii") if found else None
