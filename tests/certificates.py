"""A throwaway certificate authority and signers' certificates, made for each test run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PASSWORD = b"correct horse"


@dataclass(frozen=True)
class Identity:
    name: str
    pkcs12: Path
    key_pem: Path
    certificate_pem: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
    ])


class Authority:
    """A root CA that issues signing certificates into ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(_name("engage test root"))
            .issuer_name(_name("engage test root"))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.root_pem = folder / "root.pem"
        self.root_pem.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))

    def timestamp_authority(self) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
        """A certificate and key for an RFC 3161 timestamp authority (RSA: pyHanko's test
        TSA signs only with RSA)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name("engage test TSA"))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=90))
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
            .sign(self.key, hashes.SHA256())
        )
        return certificate, key

    def issue(self, common_name: str, *, expired: bool = False) -> Identity:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        start, end = (now - timedelta(days=60), now - timedelta(days=30)) if expired else (
            now - timedelta(days=1), now + timedelta(days=90)
        )
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        stem = common_name.lower().replace(" ", "-")
        pkcs12 = self.folder / f"{stem}.p12"
        from cryptography.hazmat.primitives.serialization import pkcs12 as p12

        pkcs12.write_bytes(p12.serialize_key_and_certificates(
            stem.encode(), key, certificate, [self.certificate],
            serialization.BestAvailableEncryption(PASSWORD),
        ))
        key_pem = self.folder / f"{stem}.key.pem"
        key_pem.write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSWORD),
        ))
        certificate_pem = self.folder / f"{stem}.pem"
        certificate_pem.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        return Identity(common_name, pkcs12, key_pem, certificate_pem)
