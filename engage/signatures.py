"""The signatures a signed copy of an engage PDF carries, checked with pyHanko.

For each signature: the field, the signer's name from the certificate, the signing time,
whether the signature is intact (the signed bytes are unchanged and the cryptography holds),
how much of the document it covers, and what changed after it. Trust in the signer's
certificate is a separate question: it is answered only against the roots the user names.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from engage.errors import SourceError

logging.getLogger("pyhanko").addHandler(logging.NullHandler())
logging.getLogger("pyhanko").propagate = False
logging.getLogger("pyhanko_certvalidator").addHandler(logging.NullHandler())
logging.getLogger("pyhanko_certvalidator").propagate = False

NOTHING = "nothing"
FORM_FIELDS = "only form fields (such as later signatures)"
ANNOTATIONS = "only form fields and annotations"
CONTENT = "page content or document structure"


@dataclass(frozen=True)
class SignatureReport:
    field: str
    signer: str
    signed_at: datetime | None
    intact: bool
    """The signed bytes are unchanged and the signature is mathematically valid."""
    covers_revision: bool
    """The signature covers the whole document as it was when signed."""
    changed_after: str
    """What was changed after this signature: NOTHING, FORM_FIELDS, ANNOTATIONS or CONTENT."""
    timestamped: bool
    """A timestamp authority's token vouches for the signing time (PAdES B-T)."""
    trusted: bool | None
    """The certificate chains to a root the user named; None when no root was named."""

    @property
    def sound(self) -> bool:
        """Intact, covering its revision, and nothing but form fields changed since."""
        return self.intact and self.covers_revision and self.changed_after != CONTENT

    def __str__(self) -> str:
        when = f"{self.signed_at:%Y-%m-%d %H:%M:%S %Z}".strip() if self.signed_at else "no time"
        state = "intact" if self.intact else "BROKEN (the signed bytes were altered)"
        if self.timestamped:
            state += ", timestamped"
        coverage = "covers the document as signed" if self.covers_revision \
            else "does NOT cover its whole revision"
        trust = "" if self.trusted is None else (
            ", certificate trusted" if self.trusted else ", certificate NOT trusted"
        )
        after = "nothing changed since" if self.changed_after == NOTHING \
            else f"changed since: {self.changed_after}"
        return (f"signature {self.field!r} by {self.signer}, {when}: {state}, {coverage}, "
                f"{after}{trust}")


def signatures_of(pdf: Path, trust: Sequence[Path] = ()) -> list[SignatureReport]:
    """Every signature of the PDF file ``pdf``, checked (against the ``trust`` roots, PEM or
    DER files, if any)."""
    from pyhanko.keys import load_certs_from_pemder_data

    from engage.sign import MAX_KEY_BYTES, MAX_PDF_BYTES, read_file

    roots: list[bytes] = []
    for root in trust:
        try:
            roots += [cert.dump() for cert in load_certs_from_pemder_data(
                read_file(root, MAX_KEY_BYTES, "certificate")
            )]
        except ValueError:
            raise SourceError.at(root, "not a PEM or DER certificate") from None
    return read_signatures(pdf, read_file(pdf, MAX_PDF_BYTES, "PDF"), roots)


def read_signatures(
    pdf: Path, data: bytes, trust_roots: Sequence[bytes] = ()
) -> list[SignatureReport]:
    """Every signature in ``data`` (the bytes of ``pdf``), checked; [] for an unsigned PDF."""
    if b"/ByteRange" not in data:
        return []
    from asn1crypto import x509
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleTrustManager

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise SourceError.at(pdf, f"cannot read the signatures: {exc}") from None
    reports = []
    for signature in signatures:
        # Never on the network: no OCSP, CRL or AIA fetching; trust only the roots named.
        context = ValidationContext(
            trust_manager=SimpleTrustManager.build(
                trust_roots=[x509.Certificate.load(root) for root in trust_roots]
            ),
            allow_fetching=False,
            revocation_mode="soft-fail",
        )
        try:
            status = validate_pdf_signature(signature, context)
        except Exception as exc:  # a hostile signature can fail pyHanko in many ways
            reports.append(SignatureReport(
                signature.field_name, f"unreadable signature ({type(exc).__name__})",
                None, False, False, CONTENT, False, None,
            ))
            continue
        level = status.modification_level
        changed = {
            None: CONTENT,
            ModificationLevel.NONE: NOTHING,
            ModificationLevel.LTA_UPDATES: NOTHING,
            ModificationLevel.FORM_FILLING: FORM_FIELDS,
            ModificationLevel.ANNOTATIONS: ANNOTATIONS,
        }.get(level, CONTENT)
        reports.append(SignatureReport(
            field=signature.field_name,
            signer=_common_name(status.signing_cert),
            signed_at=_signing_time(signature, status),
            intact=bool(status.intact and status.valid),
            covers_revision=status.coverage is not None
            and status.coverage >= SignatureCoverageLevel.ENTIRE_REVISION,
            changed_after=changed,
            timestamped=status.timestamp_validity is not None,
            trusted=bool(status.trusted) if trust_roots else None,
        ))
    return reports


def _common_name(certificate: object) -> str:
    subject = certificate.subject  # type: ignore[attr-defined]
    name = subject.native.get("common_name")
    return str(name) if name else str(subject.human_friendly)


def _signing_time(signature: object, status: object) -> datetime | None:
    """The timestamp authority's time where there is one, else the signer's own claim."""
    stamp = getattr(status, "timestamp_validity", None)
    if stamp is not None:
        return stamp.timestamp  # type: ignore[no-any-return]
    return signature.self_reported_timestamp  # type: ignore[attr-defined,no-any-return]
