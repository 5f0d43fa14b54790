"""A PDF's own source: embedded when it is built, read back to extract or verify it.

Every PDF carries the merged spec (``engage-spec.yaml``), each clause text it used
(``clause-<id>.md``) and a manifest with the fingerprint of each part, so that a PDF sent
months ago can be rebuilt, and checked against today's clauses and templates.

A PDF to extract or verify may come from anyone, so it is read as hostile: only a regular
file of at most ``MAX_PDF_BYTES``, read whole and bounded before pypdf sees it; encrypted PDFs
refused; the attachments found by walking the name tree with a depth and count limit (never
pypdf's ``attachments``, which inflates every file); every stream inflated incrementally
with a hard cap (the spec's own 1 MB limit, smaller ones for the manifest, a total for the
page contents), and only with the one filter engage writes. Anything malformed is one
``SourceError`` line, exit code 2, and pypdf's own warnings are kept off the terminal.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engage._resources import data_dir
from engage.build import prepare
from engage.embed import (
    CONTENT_RECORD_KEY,
    MANIFEST_NAME,
    MAX_OBJECTS,
    MAX_PDF_BYTES,
    SPEC_NAME,
    content_record,
)
from engage.errors import EngageError, Problem, SourceError
from engage.files import read_regular
from engage.fingerprint import Fingerprint, fingerprint
from engage.inputs import Inputs
from engage.kinds import AfterKind, kind_of_data
from engage.load import load_yaml
from engage.text import MAX_SPEC_BYTES, hidden_character, hidden_message, line_col

MAX_MANIFEST_BYTES = 100_000
MAX_CLAUSE_BYTES = 200_000
MAX_CLAUSES_BYTES = 5_000_000
_CLAUSE_FILE = re.compile(r"clause-([a-z0-9][a-z0-9-]*)\.md")
MAX_ATTACHMENTS = 1_000
MAX_NAME_TREE_DEPTH = 16
MAX_PAGES = 5_000
MAX_PAGE_CONTENT_BYTES = 50_000_000
MAX_JSON_DEPTH = 8
_DIGEST_CHARS = set("0123456789abcdef")


@dataclass(frozen=True)
class Source:
    spec: str
    manifest: dict[str, Any]
    content_record: str | None = None
    """The record of the page contents engage wrote (None in PDFs made before it existed)."""
    page_contents: tuple[bytes, ...] = ()
    """The decoded content stream(s) of each page, as the PDF holds them now."""
    clauses: dict[str, bytes] | None = None
    """Clause id -> the clause text embedded in the PDF (read only when asked for)."""

    @property
    def fingerprint(self) -> Fingerprint:
        return Fingerprint(dict(self.manifest["parts"]))


_PART_NAME = re.compile(
    r"spec|clause:[a-z][a-z0-9-]{0,99}|template:[A-Za-z0-9_-][A-Za-z0-9_./-]{0,199}"
)
"""The part names a manifest may hold: the spec, a clause id, a template's path."""


def read_source(pdf: Path, *, pages: bool = False, clauses: bool = False) -> Source:
    """The spec and manifest embedded in a PDF built by engage (and its pages' contents,
    and the clause texts it embeds)."""
    data = read_regular(pdf, "PDF", MAX_PDF_BYTES, SourceError)
    if not data.startswith(b"%PDF-"):
        raise SourceError.at(pdf, "not a PDF file (it does not start with %PDF-)")
    if b"%%EOF" not in data[-1024:]:
        raise SourceError.at(pdf, "the PDF is incomplete: it does not end with %%EOF")
    if data.count(b" obj") > MAX_OBJECTS:  # a cheap bound on what pypdf will index
        raise SourceError.at(pdf, f"the PDF has more than {MAX_OBJECTS:,} objects")
    with _quiet_pdf_library():
        try:
            return _PdfSource(pdf, data).read(pages=pages, clauses=clauses)
        except EngageError:
            raise
        except RecursionError:
            raise SourceError.at(pdf, "cannot read the PDF: its objects nest too deeply") from None
        except Exception as exc:  # pypdf on a hostile file may raise anything: it is damaged
            detail = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise SourceError.at(pdf, f"cannot read the PDF: {detail}") from None


class _PdfSource:
    """Reads the parts of a PDF engage needs, under the limits above."""

    def __init__(self, pdf: Path, data: bytes) -> None:
        import pypdf

        self.pdf = pdf
        self.reader = pypdf.PdfReader(io.BytesIO(data), strict=False)

    def fail(self, message: str) -> SourceError:
        return SourceError(Problem(self.pdf, message))

    def read(self, *, pages: bool, clauses: bool = False) -> Source:
        if self.reader.is_encrypted:
            raise self.fail("the PDF is encrypted; engage does not write encrypted PDFs")
        files = self.attachments()
        if SPEC_NAME not in files or MANIFEST_NAME not in files:
            raise self.fail("this PDF holds no engage source (was it built by engage?)")
        spec = self.decoded(files[SPEC_NAME], MAX_SPEC_BYTES, f"the embedded {SPEC_NAME}")
        manifest_bytes = self.decoded(
            files[MANIFEST_NAME], MAX_MANIFEST_BYTES, f"the embedded {MANIFEST_NAME}"
        )
        try:
            text = spec.decode("utf-8")
            manifest = json.loads(manifest_bytes)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise self.fail(f"the embedded source is damaged: {exc}") from None
        except RecursionError:
            raise self.fail(f"the embedded {MANIFEST_NAME} nests too deeply") from None
        self.check_manifest(manifest)
        hidden = hidden_character(text)
        if hidden is not None:  # never printed: it could drive the terminal
            raise SourceError(Problem(
                self.pdf.with_name(f"{self.pdf.name}:{SPEC_NAME}"), hidden_message(hidden[0]),
                *line_col(text, hidden.start()),
            ))
        record = self.content_record() if pages else None
        contents = self.page_contents() if pages else ()
        return Source(text, manifest, record, contents, self.clauses(files) if clauses else None)

    def clauses(self, files: dict[str, Any]) -> dict[str, bytes]:
        """Each embedded clause text, each and all of them bounded before decompression."""
        found: dict[str, bytes] = {}
        left = MAX_CLAUSES_BYTES
        for name, filespec in sorted(files.items()):
            matched = _CLAUSE_FILE.fullmatch(name)
            if matched is None:
                continue
            text = self.decoded(filespec, min(MAX_CLAUSE_BYTES, left), f"the embedded {name}")
            left -= len(text)
            found[matched[1]] = text
        return found

    def attachments(self) -> dict[str, Any]:
        """Name -> file specification of every embedded file, from the name tree."""
        root = self.dictionary(self.reader.trailer.get("/Root"), "the document catalog")
        names = root.get("/Names")
        if names is None:
            return {}
        tree = self.dictionary(names, "the catalog's /Names").get("/EmbeddedFiles")
        found: dict[str, Any] = {}
        if tree is not None:
            self.walk(tree, 0, set(), found)
        return found

    def walk(self, node: Any, depth: int, seen: set[int], found: dict[str, Any]) -> None:
        if depth > MAX_NAME_TREE_DEPTH:
            raise self.fail(f"the attachment list nests more than {MAX_NAME_TREE_DEPTH} levels")
        number = getattr(node, "idnum", None)
        if number is not None:
            if number in seen:
                raise self.fail("the attachment list refers to itself")
            seen.add(number)
        node = self.dictionary(node, "the attachment list")
        pairs = node.get("/Names")
        if pairs is not None:
            pairs = self.array(pairs, "the attachment list")
            if len(found) + len(pairs) // 2 > MAX_ATTACHMENTS:
                raise self.fail(f"the PDF has more than {MAX_ATTACHMENTS:,} attachments")
            for key, value in zip(pairs[::2], pairs[1::2], strict=False):
                if isinstance(key, str):
                    found.setdefault(str(key), value)
        for kid in self.array(node.get("/Kids", []), "the attachment list"):
            self.walk(kid, depth + 1, seen, found)

    def decoded(self, filespec: Any, limit: int, what: str) -> bytes:
        """An embedded file's bytes, inflated with a hard cap of ``limit``."""
        spec = self.dictionary(filespec, what)
        files = self.dictionary(spec.get("/EF"), what)
        return self.stream_data(files.get("/F"), limit, what)

    def stream_data(self, stream: Any, limit: int, what: str) -> bytes:
        from pypdf.generic import StreamObject

        stream = stream.get_object() if stream is not None else None
        if not isinstance(stream, StreamObject):
            raise self.fail(f"{what} is missing or not a stream")
        raw = getattr(stream, "_data", b"")
        filters = stream.get("/Filter")
        filters = [filters] if isinstance(filters, str) else list(filters or [])
        if stream.get("/DecodeParms") is not None or filters not in ([], ["/FlateDecode"]):
            raise self.fail(f"{what} uses a compression engage does not write")
        if not filters:
            data = bytes(raw)
        else:
            inflater = zlib.decompressobj()
            try:
                data = inflater.decompress(raw, limit + 1)
            except zlib.error as exc:
                raise self.fail(f"{what} is damaged: {exc}") from None
            if len(data) <= limit and not inflater.eof:
                raise self.fail(f"{what} is damaged: its compressed data is cut short")
        if len(data) > limit:
            raise self.fail(f"{what} is more than {limit:,} bytes; the limit is {limit:,} bytes")
        return data

    def check_manifest(self, manifest: Any) -> None:
        what = f"the embedded {MANIFEST_NAME} is damaged"
        if not isinstance(manifest, dict):
            raise self.fail(f"{what}: it is not a JSON object")
        parts = manifest.get("parts")
        if not isinstance(parts, dict) or not all(
            isinstance(name, str) and isinstance(value, str) for name, value in parts.items()
        ):
            raise self.fail(f"{what}: 'parts' is not a mapping of names to digests")
        # The names are printed by `engage verify`: only names engage writes get that far.
        if not all(_PART_NAME.fullmatch(name) for name in parts):
            raise self.fail(f"{what}: a part name is not one engage writes")
        if not isinstance(manifest.get("fingerprint"), str):
            raise self.fail(f"{what}: 'fingerprint' is not text")

    def content_record(self) -> str | None:
        info = self.reader.trailer.get("/Info")
        info = info.get_object() if info is not None else None
        value = info.get(CONTENT_RECORD_KEY) if isinstance(info, dict) else None
        return str(value) if isinstance(value, str) and set(str(value)) <= _DIGEST_CHARS else None

    def page_contents(self) -> tuple[bytes, ...]:
        pages = self.reader.pages
        if len(pages) > MAX_PAGES:
            raise self.fail(f"the PDF has more than {MAX_PAGES:,} pages")
        budget = MAX_PAGE_CONTENT_BYTES
        contents = []
        for index, page in enumerate(pages, 1):
            streams = page.get("/Contents")
            streams = streams.get_object() if streams is not None else None
            if streams is None:
                streams = []
            elif not isinstance(streams, list):
                streams = [streams]
            parts = []
            for stream in streams[:1000]:
                part = self.stream_data(stream, budget, f"the content of page {index}")
                budget -= len(part)
                parts.append(part)
            contents.append(b"".join(parts))
        return tuple(contents)

    def dictionary(self, value: Any, what: str) -> Any:
        value = value.get_object() if value is not None else None
        if not isinstance(value, dict):
            raise self.fail(f"{what} is missing or damaged")
        return value

    def array(self, value: Any, what: str) -> list[Any]:
        value = value.get_object() if hasattr(value, "get_object") else value
        if not isinstance(value, list):
            raise self.fail(f"{what} is damaged")
        return value


@contextlib.contextmanager
def _quiet_pdf_library() -> Iterator[None]:
    """Keep pypdf's warnings about a damaged file off stderr: engage reports in one line.

    pypdf logs to child loggers (``pypdf._reader``...): one handler on ``pypdf`` that keeps
    everything, and no propagation, keeps them from Python's last-resort stderr handler.
    """
    logger = logging.getLogger("pypdf")
    swallow = logging.NullHandler()
    propagate = logger.propagate
    logger.addHandler(swallow)
    logger.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.removeHandler(swallow)
        logger.propagate = propagate


@dataclass(frozen=True)
class Verdict:
    fingerprint: str
    changes: list[str]
    kind: AfterKind | None = None
    """For a document written after signing, its kind (its fingerprint covers its own
    values and engage's templates, not clauses)."""

    @property
    def identical(self) -> bool:
        return not self.changes


def verify(pdf: Path) -> Verdict:
    """Check ``pdf``'s pages against the record engage wrote, then rebuild the fingerprint of
    its embedded spec with today's clauses and templates.

    The workspace and clause folders are those that apply at the PDF's location.
    """
    source = read_source(pdf, pages=True)
    changes = []
    if source.content_record is None:
        changes.append("pages: the PDF holds no record of its page contents "
                       "(made by an older engage, or the record was removed)")
    elif source.content_record != content_record(
        str(source.manifest["fingerprint"]), source.page_contents
    ):
        changes.append("pages: the page contents are not those engage wrote "
                       "(pages were removed, added or edited)")
    document = load_yaml(pdf.with_name(f"{pdf.name}:{SPEC_NAME}"), source.spec)
    kind = kind_of_data(document.data)
    if kind is None:
        current = prepare(pdf, document=document).fingerprint
    else:
        current = _after_fingerprint(pdf, source, document.data, kind)
    return Verdict(current.value, changes + current.changes(source.fingerprint), kind)


_AFTER_LABELS = re.compile(r"template:i18n/after/([a-z]{2})\.yaml")


def _after_fingerprint(pdf: Path, source: Source, data: Any, kind: AfterKind) -> Fingerprint:
    """A change order, recap or acceptance record is fingerprinted from its own values and
    engage's templates, in the language of the labels it was written with (the terms it
    belongs to have a fingerprint of their own)."""
    found = {
        match[1] for name in source.fingerprint.parts if (match := _AFTER_LABELS.fullmatch(name))
    }
    language = found.pop() if len(found) == 1 else ""
    if not (language and (data_dir("templates") / "i18n" / "after" / f"{language}.yaml").is_file()):
        raise SourceError.at(
            pdf, "the PDF's manifest does not name the labels of one language engage knows"
        )
    parts = Inputs.of(pdf).template_files(language, workspace_style=False, after=kind)
    return fingerprint(data, {}, parts)
