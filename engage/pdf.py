"""Stage 5: HTML to PDF bytes with WeasyPrint, fetching only allow-listed local files.

This module imports WeasyPrint (about a second), so only a build that renders imports it.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from engage.embed import CONTENT_RECORD_KEY, content_record
from engage.errors import RenderError
from engage.files import read_regular
from engage.sigfields import add_signature_fields

MAX_RESOURCE_BYTES = 20_000_000
ARCHIVAL_VARIANT = "pdf/a-3b"
"""Every PDF is PDF/A-3b (archivable, with its source attached) and tagged (accessible)."""


@contextlib.contextmanager
def _quick_library_lookup() -> Iterator[None]:
    """Answer ctypes' library lookups from one ``ldconfig -p`` while WeasyPrint loads.

    WeasyPrint tries several names for each native library; for each name that is not
    installed, ``ctypes.util.find_library`` spawns ldconfig, then gcc, then ld (about 0.4 s
    in all on this kind of machine). One ldconfig listing answers every name the way ctypes'
    own first step does; a name it does not list is not there, and WeasyPrint then opens the
    library by its file name, as it does anyway. The same libraries load; output is identical.
    """
    import ctypes.util
    import re
    import subprocess
    import sys

    listing = ""
    if sys.platform.startswith("linux"):
        try:
            listing = subprocess.run(
                ["/sbin/ldconfig", "-p"], capture_output=True, text=True, timeout=10,
                env={**os.environ, "LC_ALL": "C", "LANG": "C"}, check=True,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            listing = ""
    if not listing:
        yield
        return
    bits = "64" if sys.maxsize > 2**32 else "32"
    abi = {
        "x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit", "sparc64-64": "libc6,64bit",
        "s390x-64": "libc6,64bit", "ia64-64": "libc6,IA-64",
    }.get(f"{os.uname().machine}-{bits}", "libc6")
    original = ctypes.util.find_library

    def find_library(name: str) -> str | None:
        found = re.search(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({re.escape(abi)}", listing)
        return found[1] if found else None

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original


with _quick_library_lookup():
    import pydyf
    from weasyprint import HTML, Attachment
    from weasyprint.urls import URLFetcher, URLFetcherResponse

logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


class LocalFilesOnly(URLFetcher):  # type: ignore[misc]
    """Serves files inside the allowed folders; refuses and remembers everything else.

    WeasyPrint leaves out a resource it cannot fetch and carries on, so a missing, unreadable
    or special file is remembered too: the build then fails naming it (a PDF is never made
    without a resource it asked for). Only regular files are read, each up to a bound.
    """

    def __init__(self, allowed: list[Path]) -> None:
        super().__init__(allowed_protocols={"file"})
        self.allowed = [folder.resolve() for folder in allowed]
        self.refused: list[str] = []
        self.unreadable: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" else None
        if (
            path is None
            or parts.netloc not in ("", "localhost")
            or not any(path.is_relative_to(folder) for folder in self.allowed)
        ):
            self.refused.append(url)
            raise ValueError(f"engage does not load {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        try:
            data = read_regular(path, "resource", MAX_RESOURCE_BYTES, RenderError)
        except RenderError as exc:
            self.unreadable.append(f"{url}, which cannot be read: {exc.problems[0].message}")
            raise ValueError(f"engage cannot read {url}") from None
        return URLFetcherResponse(url, data, headers={"Content-Type": content_type})


def write_pdf(
    html: str,
    base: Path,
    allowed: list[Path],
    source: Path,
    *,
    embedded: list[tuple[str, bytes, str]] | None = None,
    dated: date | None = None,
    info: dict[str, str] | None = None,
    identifier: bytes = b"engage",
) -> bytes:
    """Render ``html`` (whose relative links resolve in ``base``) to PDF bytes.

    ``embedded`` files (name, bytes, description) are attached with the fixed date
    ``dated``, so the same inputs give the same bytes. ``info`` entries are added to the
    PDF's document information; ``identifier`` becomes the first, permanent part of the
    PDF's file identifier.
    """
    fetcher = LocalFilesOnly(allowed)
    stamp = datetime.combine(dated or date(2000, 1, 1), datetime.min.time(), UTC)
    try:
        document = HTML(string=html, base_url=str(base) + "/", url_fetcher=fetcher)
        attachments = [
            Attachment(
                string=data, name=name, description=description,
                created=stamp, modified=stamp, url_fetcher=fetcher,
                relationship=_relationship(name),
            )
            for name, data, description in embedded or []
        ]
        with _fixed_font_timestamps(), _failed_resources() as failed:
            pdf = document.write_pdf(
                pdf_identifier=identifier,
                attachments=attachments,
                pdf_variant=ARCHIVAL_VARIANT,
                pdf_tags=True,
                finisher=lambda laid_out, pdf: _finish(laid_out, pdf, info or {}),
            )
    except Exception as exc:
        raise RenderError.at(source, f"WeasyPrint failed: {type(exc).__name__}: {exc}") from None
    if fetcher.refused:
        raise RenderError.at(
            source, f"the document tried to load {fetcher.refused[0]}, which is not allowed"
        )
    if fetcher.unreadable:
        raise RenderError.at(source, f"the document needs {fetcher.unreadable[0]}")
    if failed:
        raise RenderError.at(source, f"the document needs a resource that is broken: {failed[0]}")
    assert isinstance(pdf, bytes)
    return pdf


def _finish(document: Any, pdf: Any, info: dict[str, str]) -> None:
    """Add ``info`` to the document information and, for a PDF with a fingerprint, the
    record of its page contents that ``engage verify`` checks; make each signature box a
    signature field."""
    for key, value in info.items():
        pdf.info[key] = pydyf.String(value)
    if "EngageFingerprint" in info:
        record = content_record(info["EngageFingerprint"], _page_contents(pdf))
        pdf.info[CONTENT_RECORD_KEY.lstrip("/")] = pydyf.String(record)
    add_signature_fields(document, pdf)


def _relationship(name: str) -> str:
    """PDF/A-3 associated-file relationship: the spec and clause texts are the source."""
    return "Supplement" if name.endswith(".json") else "Source"


def _page_contents(pdf: Any) -> list[bytes]:
    """Each page's content stream, uncompressed, as a PDF reader will decode it."""
    contents = []
    for number in pdf.pages["Kids"][::3]:
        reference = pdf.objects[number]["Contents"]
        stream = pdf.objects[int(reference.split()[0])]
        contents.append(b"\n".join(pydyf._to_bytes(item) for item in stream.stream))
    return contents


# WeasyPrint's words for a resource it fetched but could not use (a broken image, font,
# stylesheet or attachment); it logs them, some only at debug level, and leaves them out.
_BROKEN = (
    "Failed to load image at", "Failed to load stylesheet at", "Failed to load font at",
    "Failed to handle woff font at", "Failed to render SVG image", "Failed to load inline SVG",
    "Failed to load attachment",
)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.failed: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, str) and record.msg.startswith(_BROKEN):
            self.failed.append(" ".join(record.getMessage().split())[:300].rstrip(": "))


@contextlib.contextmanager
def _failed_resources() -> Iterator[list[str]]:
    """Collect WeasyPrint's reports of broken resources; keep its log off stderr meanwhile
    (engage reports in one line)."""
    logger = logging.getLogger("weasyprint")
    collect = _Collect()
    level, propagate = logger.level, logger.propagate
    logger.addHandler(collect)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield collect.failed
    finally:
        logger.removeHandler(collect)
        logger.setLevel(level)
        logger.propagate = propagate


@contextlib.contextmanager
def _fixed_font_timestamps() -> Iterator[None]:
    """fontTools stamps subset fonts with the current time unless SOURCE_DATE_EPOCH is set;
    a fixed stamp keeps the same inputs giving byte-identical PDFs."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "0"
    try:
        yield
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
