"""Signature fields placed by the layout, the provider's PAdES signature, the client's, and
`engage verify` on what comes back signed; PDF/A-3b and the tagged structure."""

from __future__ import annotations

import io
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pikepdf
import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from tests.certificates import PASSWORD, Authority, Identity
from tests.conftest import MINIMAL_SPEC, run_cli, write_tree

FIELDS = ["provider-signature", "client-signature", "client-specific-approval"]
# An Italian document: the specific-approval block (artt. 1341-1342 c.c.) has its own field.
SPEC = MINIMAL_SPEC.replace("language: en", "language: it").replace(
    "  signatory: Ann Provider\n", "  signatory: Ann Provider\n  country: IT\n"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("signing")
    spec = write_tree(folder, {"terms.yaml": SPEC}) / "terms.yaml"
    result = run_cli("build", spec)
    assert result.code == 0, result.stderr
    return spec.with_suffix(".pdf")


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    return Authority(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def document(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "terms.pdf"
    shutil.copyfile(built, copy)
    return copy


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGAGE_SIGN_PASSWORD", PASSWORD.decode())


def client_signs(pdf: Path, client: Identity, field: str) -> None:
    signer = signers.SimpleSigner.load_pkcs12(str(client.pkcs12), passphrase=PASSWORD)
    output = io.BytesIO()
    with pdf.open("rb") as stream:
        writer = IncrementalPdfFileWriter(stream)
        metadata = signers.PdfSignatureMetadata(
            field_name=field, subfilter=fields.SigSeedSubFilter.PADES
        )
        signers.PdfSigner(metadata, signer=signer).sign_pdf(writer, output=output)
    pdf.write_bytes(output.getvalue())


def test_each_signature_box_is_an_empty_field_where_the_layout_put_it(built: Path) -> None:
    with pikepdf.open(built) as pdf:
        found = {}
        for number, page in enumerate(pdf.pages):
            for annotation in page.get("/Annots", []):
                if annotation.get("/FT") == "/Sig":
                    found[str(annotation.T)] = (number, [float(v) for v in annotation.Rect])
                    assert "/V" not in annotation
        assert sorted(found) == sorted(FIELDS)
        assert [str(field.T) for field in pdf.Root.AcroForm.Fields] == FIELDS
        width, height = (float(v) for v in pdf.pages[-1].MediaBox[2:])
    for _number, (left, bottom, right, top) in found.values():
        assert 0 < left < right < width and 0 < bottom < top < height
        assert top - bottom == pytest.approx(16 / 25.4 * 72, abs=0.5)
    provider, client = found["provider-signature"][1], found["client-signature"][1]
    assert provider[1] == client[1] and provider[0] < client[0]  # side by side
    approval = found["client-specific-approval"]
    assert approval[0] >= found["client-signature"][0]
    assert approval[0] > found["client-signature"][0] or approval[1][3] < client[1]


def test_provider_client_and_approval_signatures_verify(
    document: Path, authority: Authority, password: None
) -> None:
    provider, client = authority.issue("Studio Rossi"), authority.issue("Bob Client")
    signed = document.with_name("terms-signed.pdf")
    result = run_cli("sign", document, "--key", provider.pkcs12)
    assert result.code == 0, result.stderr
    assert result.stdout == f"signed 'provider-signature' into {signed}\n"
    before = document.read_bytes()
    assert signed.read_bytes().startswith(before)  # an incremental update
    for field in FIELDS[1:]:
        client_signs(signed, client, field)
    result = run_cli("verify", signed, "--trust", authority.root_pem)
    assert result.code == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{signed}: identical: its pages are those engage wrote")
    assert [line.split(" by ")[0].strip() for line in lines[1:]] == [
        f"signature {field!r}" for field in FIELDS
    ]
    assert "by Studio Rossi" in lines[1] and "by Bob Client" in lines[2]
    assert all(": intact, covers the document as signed" in line for line in lines[1:])
    assert lines[-1].endswith("nothing changed since, certificate trusted")
    assert "changed since: only form fields" in lines[1]
    # The fingerprint and the embedded spec survive every signature.
    assert run_cli("extract", signed).stdout == run_cli("extract", document).stdout


def test_a_signed_copy_whose_page_was_altered_afterwards_is_caught(
    document: Path, authority: Authority, password: None
) -> None:
    signed = document.with_name("signed.pdf")
    assert run_cli("sign", document, "--key", authority.issue("P").pkcs12, "-o", signed).code == 0
    with signed.open("rb") as stream:
        writer = IncrementalPdfFileWriter(stream)
        page = writer.root["/Pages"]["/Kids"][0].get_object()
        from pyhanko.pdf_utils import generic

        page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b"BT ET"))
        writer.update_container(page)
        output = io.BytesIO()
        writer.write(output)
    signed.write_bytes(output.getvalue())
    result = run_cli("verify", signed)
    assert result.code == 1
    assert "changed since: page content or document structure" in result.stdout


def test_bytes_changed_inside_a_signature_break_it(
    document: Path, authority: Authority, password: None
) -> None:
    signed = document.with_name("signed.pdf")
    assert run_cli("sign", document, "--key", authority.issue("P").pkcs12, "-o", signed).code == 0
    data = bytearray(signed.read_bytes())
    spot = data.index(b"/Title (") + 8
    data[spot] = ord("X") if data[spot] != ord("X") else ord("Y")
    signed.write_bytes(bytes(data))
    result = run_cli("verify", signed)
    assert result.code == 1
    assert "BROKEN (the signed bytes were altered)" in result.stdout


@pytest.fixture
def timestamp_server(authority: Authority) -> Iterator[str]:
    """An RFC 3161 timestamp authority on 127.0.0.1 (pyHanko's test TSA behind HTTP)."""
    from asn1crypto import keys, tsp, x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    certificate, key = authority.timestamp_authority()
    stamper = DummyTimeStamper(
        x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )),
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_timestamp_server_stamps_the_signature(
    document: Path, authority: Authority, password: None, timestamp_server: str
) -> None:
    result = run_cli("sign", document, "--key", authority.issue("Studio TSA").pkcs12,
                     "--tsa", timestamp_server)
    assert result.code == 0, result.stderr
    verified = run_cli("verify", document.with_name("terms-signed.pdf"))
    assert verified.code == 0, verified.stdout
    assert ": intact, timestamped, covers the document as signed" in verified.stdout


def test_a_pem_key_and_certificate_sign_too(
    document: Path, authority: Authority, password: None
) -> None:
    identity = authority.issue("Studio PEM")
    result = run_cli("sign", document, "--key", identity.key_pem, "--cert",
                     identity.certificate_pem, "--reason", "Approved terms")
    assert result.code == 0, result.stderr
    verified = run_cli("verify", document.with_name("terms-signed.pdf"))
    assert verified.code == 0 and "by Studio PEM" in verified.stdout


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("wrong password", "{key}: cannot open the PKCS#12 file: wrong password, or not a "
                           "PKCS#12 file"),
        ("expired", "{key}: the certificate expired on {expiry}"),
        ("already signed", "{pdf}: the field 'provider-signature' is already signed"),
        ("not engage", "{pdf}: this PDF was not built by engage (no engage fingerprint)"),
        ("no field", "{pdf}: no empty signature field 'witness' (empty fields: "
                     "client-signature, client-specific-approval, provider-signature)"),
        ("not a key", "{key}: cannot open the PKCS#12 file: wrong password, or not a "
                      "PKCS#12 file"),
        ("fifo", "{key}: the key file is not a regular file"),
    ],
)
def test_signing_errors_are_one_line_exit_2_and_write_nothing(
    case: str, message: str, document: Path, authority: Authority,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os

    identity = authority.issue("Expired" if case == "expired" else "Provider",
                               expired=case == "expired")
    key, pdf, args = identity.pkcs12, document, []
    monkeypatch.setenv("ENGAGE_SIGN_PASSWORD", PASSWORD.decode())
    expiry = ""
    if case == "wrong password":
        monkeypatch.setenv("ENGAGE_SIGN_PASSWORD", "guess")
    elif case == "expired":
        from cryptography.hazmat.primitives.serialization import pkcs12

        certificate = pkcs12.load_key_and_certificates(key.read_bytes(), PASSWORD)[1]
        assert certificate is not None
        expiry = f"{certificate.not_valid_after_utc:%Y-%m-%d}"
    elif case == "already signed":
        signed = document.with_name("once.pdf")
        assert run_cli("sign", document, "--key", key, "-o", signed).code == 0
        pdf = signed
    elif case == "not engage":
        pdf = document.with_name("other.pdf")
        with pikepdf.new() as blank:
            blank.add_blank_page()
            blank.save(pdf)
    elif case == "no field":
        args = ["--field", "witness"]
    elif case == "not a key":
        key = document.with_name("key.p12")
        key.write_bytes(b"not a key")
    elif case == "fifo":
        key = document.with_name("key.fifo")
        os.mkfifo(key)
    target = pdf.with_name("out.pdf")
    before = sorted(path.name for path in pdf.parent.iterdir())
    result = run_cli("sign", pdf, "--key", key, "-o", target, *args)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == message.format(key=key, pdf=pdf, expiry=expiry) + "\n"
    assert sorted(path.name for path in pdf.parent.iterdir()) == before


def test_the_password_never_comes_from_the_command_line() -> None:
    result = run_cli("sign", "--help")
    assert "--password" not in result.stdout and "ENGAGE_SIGN_PASSWORD" in result.stdout


def test_output_is_pdf_a_3b_with_its_sources_as_associated_files(built: Path) -> None:
    with pikepdf.open(built) as pdf:
        metadata = pdf.open_metadata()
        assert (metadata.get("pdfaid:part"), metadata.get("pdfaid:conformance")) == ("3", "B")
        assert metadata.get("dc:title") == str(pdf.docinfo.Title)
        assert "/Encrypt" not in pdf.trailer
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1" and "/DestOutputProfile" in intent
        fonts = {}
        for page in pdf.pages:
            for name, font in page.Resources.get("/Font", {}).items():
                descriptor = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
                fonts[str(font.get("/BaseFont"))] = any(
                    key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
                )
                del name
        assert fonts and all(fonts.values()), fonts
        associated = {str(spec.F): str(spec.AFRelationship) for spec in pdf.Root.AF}
        assert associated["engage-spec.yaml"] == "/Source"
        assert associated["engage-manifest.json"] == "/Supplement"
        clauses = [name for name in associated if name.startswith("clause-")]
        assert clauses and all(associated[name] == "/Source" for name in clauses)
        assert set(associated) == set(pdf.attachments)


def test_the_structure_tree_holds_headings_and_tables_in_reading_order(built: Path) -> None:
    with pikepdf.open(built) as pdf:
        assert str(pdf.Root.Lang) == "it" and pdf.Root.MarkInfo.Marked
        order: list[str] = []

        def walk(element: pikepdf.Object) -> None:
            kids = element.get("/K")
            if kids is None:
                return
            for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    order.append(str(kid.S))
                    walk(kid)

        walk(pdf.Root.StructTreeRoot)
    headings = [tag for tag in order if tag in ("/H1", "/H2", "/H3")]
    assert headings[0] == "/H1" and len(headings) > 10
    assert "/Table" in order and "/TH" in order and "/TD" in order
    assert "/L" in order and "/LI" in order
    # The key-terms table comes before the last heading (the signatures and approval).
    assert order.index("/Table") < len(order) - order[::-1].index("/H2") - 1


def test_a_signer_name_with_terminal_codes_is_printed_escaped(
    document: Path, authority: Authority, password: None
) -> None:
    signed = document.with_name("signed-by-escapes.pdf")
    hostile = authority.issue("Eve\x1b[2J\x1b]0;owned\x07\u202eFAKE")
    assert run_cli("sign", document, "--key", hostile.pkcs12, "-o", signed).code == 0
    result = run_cli("verify", signed)
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "by Eve\\x1b[2J\\x1b]0;owned\\x07\\u202eFAKE, " in result.stdout
