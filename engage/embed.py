"""What a PDF carries of its own source: the merged spec, each clause used, a manifest.

``engage.source`` reads these back to extract or verify a PDF.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engage import __version__
from engage.fingerprint import Fingerprint

SPEC_NAME = "engage-spec.yaml"
IDENTIFIER_PREFIX = "engage:"
TRAILER_BYTES = 65_536
MAX_PDF_BYTES = 50_000_000
MAX_OBJECTS = 200_000
MANIFEST_NAME = "engage-manifest.json"
CONTENT_RECORD_KEY = "/EngageContent"


def spec_yaml(data: Any) -> str:
    """The spec's values as YAML that engage reads back to the very same values."""
    import yaml  # here: the up-to-date check reads PDFs without a YAML library

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


def content_record(fingerprint: str, pages: Sequence[bytes]) -> str:
    """What a PDF records of its pages: SHA-256 over the fingerprint and each page's content.

    The fingerprint ties the record to the embedded manifest, so neither can be swapped for
    another PDF's without ``engage verify`` seeing it. The record stands in the document
    information (``/EngageContent``), outside what it covers; a PDF without it does not
    verify.
    """
    digest = hashlib.sha256(f"engage pages\n{fingerprint}\n{len(pages)}\n".encode())
    for page in pages:
        digest.update(len(page).to_bytes(8, "big"))
        digest.update(page)
    return digest.hexdigest()


def pdf_identifier(inputs_digest: str) -> bytes:
    """The PDF's permanent file identifier: the digest of the files it was built from.

    It stands uncompressed in the PDF's cross-reference stream, so ``read_identifier`` finds
    it from the file's last bytes without a PDF library (an up-to-date check must be fast).
    """
    return f"{IDENTIFIER_PREFIX}{inputs_digest}".encode("ascii")


def read_identifier(pdf: Path) -> str | None:
    """The inputs digest a whole PDF engage built was made from, or None.

    Not a text search: the file must be a regular file of at most ``MAX_PDF_BYTES`` that
    starts with a PDF header and ends with ``startxref``/``%%EOF`` pointing at a
    cross-reference stream (as engage writes it) that runs exactly to that end, carries the
    identifier, and indexes objects that each stand where it says. A blank or truncated file
    that merely ends in the right bytes is not up to date. The reads are bounded.
    """
    try:
        descriptor = os.open(pdf, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or not 0 < status.st_size <= MAX_PDF_BYTES:
            return None
        return _identifier_of(descriptor, status.st_size)
    except (OSError, ValueError, zlib.error):
        return None
    finally:
        os.close(descriptor)


_TAIL = re.compile(rb"startxref\n(\d{1,10})\n%%EOF\n?\Z")
_XREF = re.compile(rb"(\d{1,10}) 0 obj\n<<([^<>]{1,2000})>>\nstream\n")
_XREF_KEYS = re.compile(
    rb"/Type /XRef/Index \[0 (\d{1,7})\]/W \[1 (\d) (\d)\]/Size (\d{1,7})/Root \d{1,7} 0 R"
    rb"/Info \d{1,7} 0 R/ID \[\(" + IDENTIFIER_PREFIX.encode() + rb"([0-9a-f]{64})\) "
    rb"\([0-9a-f]{32}\)\]/Filter /FlateDecode/Length (\d{1,7})\Z"
)


def _identifier_of(descriptor: int, size: int) -> str | None:
    if not os.pread(descriptor, 8, 0).startswith(b"%PDF-1."):
        return None
    tail = os.pread(descriptor, 64, max(0, size - 64))
    end = _TAIL.search(tail)
    if end is None:
        return None
    offset = int(end[1])
    if not 0 < offset < size or size - offset > TRAILER_BYTES:
        return None
    trailer = os.pread(descriptor, size - offset, offset)
    head = _XREF.match(trailer)
    keys = _XREF_KEYS.match(head[2]) if head else None
    if head is None or keys is None:
        return None
    count, width_offset, width_generation, size_key = (int(keys[index]) for index in range(1, 5))
    length = int(keys[6])
    after_stream = head.end() + length
    closing = b"\nendstream\nendobj\n" + tail[end.start():]
    if count != size_key or count > MAX_OBJECTS or trailer[after_stream:] != closing:
        return None
    entry = 1 + width_offset + width_generation
    table = zlib.decompressobj().decompress(trailer[head.end():after_stream], count * entry + 1)
    if len(table) != count * entry or not _objects_in_place(
        descriptor, table, entry, width_offset, offset, int(head[1])
    ):
        return None
    return keys[5].decode("ascii")


def _objects_in_place(
    descriptor: int, table: bytes, entry: int, width: int, xref_offset: int, xref_number: int
) -> bool:
    """Every object the cross-reference stream lists as in the file starts where it says."""
    in_streams: set[int] = set()
    in_file: set[int] = set()
    for number in range(len(table) // entry):
        row = table[number * entry:(number + 1) * entry]
        kind, field = row[0], int.from_bytes(row[1:1 + width], "big")
        if kind == 1:
            expected = f"{number} 0 obj\n".encode()
            if number == xref_number:
                if field != xref_offset:
                    return False
            elif field >= xref_offset or os.pread(descriptor, len(expected), field) != expected:
                return False
            in_file.add(number)
        elif kind == 2:
            in_streams.add(field)
        elif kind != 0:
            return False
    return xref_number in in_file and in_streams <= in_file
