"""``engage sign``: the provider's PAdES signature in a signature field of an engage PDF.

The signature is an incremental update: the bytes engage wrote stay as they were, so the
fingerprint, the embedded source and the other (empty) signature fields are untouched, and
the client can sign their own field afterwards in any PDF reader that signs.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engage.errors import SigningError

PROVIDER_FIELD = "provider-signature"
MAX_PDF_BYTES = 50_000_000
MAX_KEY_BYTES = 1_000_000
PASSWORD_VARIABLE = "ENGAGE_SIGN_PASSWORD"

# pyHanko logs its failures as well as raising them; engage reports each failure once.
logging.getLogger("pyhanko").addHandler(logging.NullHandler())
logging.getLogger("pyhanko").propagate = False
logging.getLogger("pyhanko_certvalidator").addHandler(logging.NullHandler())
logging.getLogger("pyhanko_certvalidator").propagate = False


@dataclass(frozen=True)
class Key:
    """Where the signing key is: a PKCS#12 file, or a PEM/DER key and its certificate."""

    key: Path
    certificate: Path | None = None
    password: bytes | None = None


def password_from_environment() -> bytes | None:
    """The key's password from ``ENGAGE_SIGN_PASSWORD`` (never from the command line, where
    other users of the machine can read it)."""
    import os

    value = os.environ.get(PASSWORD_VARIABLE)
    return value.encode("utf-8") if value is not None else None


def sign(
    pdf: Path,
    key: Key,
    *,
    field: str = PROVIDER_FIELD,
    reason: str | None = None,
    timestamp_url: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """The bytes of ``pdf`` with ``field`` signed by ``key`` (PAdES baseline B-B, or B-T
    with ``timestamp_url``). Nothing is written here; the caller writes atomically."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers

    data = read_file(pdf, MAX_PDF_BYTES, "PDF")
    signer = _signer(key)
    _check_certificate(signer, key, now or datetime.now(UTC))
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise SigningError.at(pdf, f"cannot read the PDF: {exc}") from None
    reference = _engage_reference(pdf, writer)
    empty = {name for name, value, _ in fields.enumerate_sig_fields(writer) if value is None}
    signed = {name for name, value, _ in fields.enumerate_sig_fields(writer) if value is not None}
    if field in signed:
        raise SigningError.at(pdf, f"the field {field!r} is already signed")
    if field not in empty:
        names = ", ".join(sorted(empty)) or "none"
        raise SigningError.at(pdf, f"no empty signature field {field!r} (empty fields: {names})")
    metadata = signers.PdfSignatureMetadata(
        field_name=field,
        reason=reason or reference,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    timestamper = None
    if timestamp_url:
        from pyhanko.sign.timestamps import HTTPTimeStamper

        timestamper = HTTPTimeStamper(timestamp_url, timeout=30)
    output = io.BytesIO()
    try:
        signers.PdfSigner(metadata, signer=signer, timestamper=timestamper).sign_pdf(
            writer, output=output
        )
    except Exception as exc:  # pyHanko and the timestamp server raise many kinds
        raise SigningError.at(pdf, f"signing failed: {type(exc).__name__}: {exc}") from None
    return output.getvalue()


def read_file(path: Path, limit: int, what: str) -> bytes:
    """At most ``limit`` bytes of a regular file (never a FIFO or a device)."""
    import os
    import stat

    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise SigningError.at(path, "no such file") from None
    except OSError as exc:
        raise SigningError.at(path, f"cannot open the {what}: {exc.strerror}") from None
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            raise SigningError.at(path, f"the {what} is not a regular file")
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise SigningError.at(path, f"the {what} is larger than {limit:,} bytes")
    return data


def _signer(key: Key) -> Any:
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pyhanko.sign import signers

    material = read_file(key.key, MAX_KEY_BYTES, "key file")
    if key.certificate is None:
        try:
            pkcs12.load_key_and_certificates(material, key.password)
        except ValueError:
            raise SigningError.at(
                key.key, "cannot open the PKCS#12 file: wrong password, or not a PKCS#12 file"
            ) from None
        return signers.SimpleSigner.load_pkcs12_data(material, (), passphrase=key.password)
    from cryptography.hazmat.primitives.serialization import (
        load_der_private_key,
        load_pem_private_key,
    )
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    loader = load_pem_private_key if b"-----BEGIN" in material else load_der_private_key
    try:
        loader(material, key.password)
    except (ValueError, TypeError) as exc:
        why = "wrong password" if "password" in str(exc).lower() or "decrypt" in str(exc) \
            else "not a private key"
        raise SigningError.at(key.key, f"cannot open the private key: {why}") from None
    certificate_data = read_file(key.certificate, MAX_KEY_BYTES, "certificate")
    try:
        certificate = next(iter(load_certs_from_pemder_data(certificate_data)))
    except Exception:
        raise SigningError.at(key.certificate, "not a PEM or DER certificate") from None
    private_key = load_private_key_from_pemder_data(material, passphrase=key.password)
    return signers.SimpleSigner(
        signing_cert=certificate, signing_key=private_key,
        cert_registry=SimpleCertificateStore(),  # type: ignore[no-untyped-call]
    )


def _check_certificate(signer: Any, key: Key, now: datetime) -> None:
    validity = signer.signing_cert["tbs_certificate"]["validity"]
    not_before = validity["not_before"].native
    not_after = validity["not_after"].native
    where = key.certificate or key.key
    if now > not_after:
        raise SigningError.at(where, f"the certificate expired on {not_after:%Y-%m-%d}")
    if now < not_before:
        raise SigningError.at(where, f"the certificate is not valid before {not_before:%Y-%m-%d}")
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        PublicFormat,
        load_der_private_key,
    )

    private = load_der_private_key(signer.signing_key.dump(), None)
    public = private.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    if public != signer.signing_cert.public_key.dump():
        raise SigningError.at(where, "the private key does not match the certificate")


def _engage_reference(pdf: Path, writer: Any) -> str:
    """What the document is ("Terms of engagement RS-2026-014"), from its information
    dictionary; refuses PDFs engage did not build."""
    try:
        info = writer.trailer["/Info"].get_object()
    except (KeyError, AttributeError):
        info = {}
    if "/EngageFingerprint" not in info:
        raise SigningError.at(pdf, "this PDF was not built by engage (no engage fingerprint)")
    kind = str(info.get("/Title", "")).split(":")[0].strip()
    reference = str(info.get("/EngageReference", "")).strip()
    return " ".join(part for part in (kind, reference) if part) or "engage document"
