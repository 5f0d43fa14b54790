"""A PDF's own source: embedded when it is built, read back to extract or verify it.

Every PDF carries the merged spec (``engage-spec.yaml``), each clause text it used
(``clause-<id>.md``) and a manifest with the fingerprint of each part, so that a PDF sent
months ago can be rebuilt, and checked against today's clauses and templates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engage.build import prepare
from engage.embed import MANIFEST_NAME, SPEC_NAME
from engage.errors import SourceError
from engage.fingerprint import Fingerprint
from engage.load import load_yaml

MAX_PDF_BYTES = 50_000_000


@dataclass(frozen=True)
class Source:
    spec: str
    manifest: dict[str, Any]

    @property
    def fingerprint(self) -> Fingerprint:
        return Fingerprint(dict(self.manifest["parts"]))


def read_source(pdf: Path) -> Source:
    """The spec and manifest embedded in a PDF built by engage."""
    import pypdf
    from pypdf.errors import PyPdfError

    try:
        if pdf.stat().st_size > MAX_PDF_BYTES:
            raise SourceError.at(pdf, "the file is too large to be an engage PDF")
        attachments = pypdf.PdfReader(pdf).attachments
        spec = attachments.get(SPEC_NAME, [None])[0]
        manifest = attachments.get(MANIFEST_NAME, [None])[0]
    except FileNotFoundError:
        raise SourceError.at(pdf, "no such file") from None
    except (OSError, PyPdfError, ValueError, KeyError) as exc:
        raise SourceError.at(pdf, f"cannot read the PDF: {exc}") from None
    if spec is None or manifest is None:
        raise SourceError.at(pdf, "this PDF holds no engage source (was it built by engage?)")
    try:
        return Source(spec.decode("utf-8"), json.loads(manifest))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError.at(pdf, f"the embedded source is damaged: {exc}") from None


@dataclass(frozen=True)
class Verdict:
    fingerprint: str
    changes: list[str]

    @property
    def identical(self) -> bool:
        return not self.changes


def verify(pdf: Path) -> Verdict:
    """Rebuild the fingerprint of ``pdf``'s embedded spec with today's clauses and templates.

    The workspace and clause folders are those that apply at the PDF's location.
    """
    source = read_source(pdf)
    document = load_yaml(pdf.with_name(f"{pdf.name}:{SPEC_NAME}"), source.spec)
    current = prepare(pdf, document=document).fingerprint
    return Verdict(current.value, current.changes(source.fingerprint))
