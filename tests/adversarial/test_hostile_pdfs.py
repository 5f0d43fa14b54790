"""PDFs sent by an attacker to `engage extract` and `engage verify`: zlib bombs, malformed
manifests, broken structure, encryption, hostile text. Every one is a single line, exit 2,
fast and small; pypdf's own warnings never reach the terminal; extract never prints control
characters and never writes more than a spec may hold."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pypdf
import pytest

from tests.adversarial.helpers import minimal_tree, run_engage
from tests.conftest import run_cli

MANIFEST = json.dumps({"engage": "0.1.0", "spec_file": "spec.yaml", "fingerprint": "f" * 64,
                       "parts": {"spec": "a" * 64}}).encode()
VARIED = b"".join(b"key%d: value %d\n" % (index, index * 7919 % 10007) for index in range(400))


def deflate(data: bytes) -> bytes:
    return zlib.compress(data, 9)


def deflate_zeros(megabytes: int) -> bytes:
    """``megabytes`` MB of zeros, compressed (about 1 KB per MB) without holding them."""
    packer = zlib.compressobj(9)
    chunk = bytes(1 << 20)
    return b"".join(packer.compress(chunk) for _ in range(megabytes)) + packer.flush()


def stream(data: bytes, extra: bytes = b"/Filter /FlateDecode") -> bytes:
    return b"<< /Type /EmbeddedFile /Length %d %s >>\nstream\n" % (len(data), extra) + data + (
        b"\nendstream")


def make_pdf(objects: dict[int, bytes], trailer: bytes = b"/Root 1 0 R") -> bytes:
    """A PDF with a classic cross-reference table around ``objects`` (number -> body)."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number] if number in offsets else (
            b"0000000000 65535 f \n")
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer, xref)
    return bytes(out)


def source_pdf(
    spec: bytes = b"engage: 1\n",
    manifest: bytes = MANIFEST,
    *,
    names: bytes = b"[(engage-spec.yaml) 5 0 R (engage-manifest.json) 6 0 R]",
    spec_stream: bytes | None = None,
    extra: dict[int, bytes] | None = None,
) -> bytes:
    """A hand-made PDF whose attachments are laid out as engage lays them out."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 3 0 R >> >>",
        2: b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        3: b"<< /Names %s >>" % names,
        4: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        5: b"<< /Type /Filespec /F (engage-spec.yaml) /EF << /F 7 0 R >> >>",
        6: b"<< /Type /Filespec /F (engage-manifest.json) /EF << /F 8 0 R >> >>",
        7: spec_stream if spec_stream is not None else stream(deflate(spec)),
        8: stream(deflate(manifest)),
    }
    objects.update(extra or {})
    return make_pdf(objects)


def refused_pdf(path: Path, data: bytes, message: str, command: str = "extract") -> None:
    """``engage COMMAND path`` answers ``path: message`` in one line, exit 2, no output."""
    path.write_bytes(data)
    result = run_cli(command, path)
    assert (result.code, result.stdout, result.stderr) == (2, "", f"{path}: {message}\n")


# Bombs: every stream is inflated with a hard cap, and only the ones engage needs.


def test_a_compressed_20_mb_spec_is_refused_at_the_spec_limit(tmp_path: Path) -> None:
    spec = b"engage: 1\nitems:\n" + b"- a\n" * 5_000_000
    pdf = tmp_path / "bomb.pdf"
    pdf.write_bytes(source_pdf(spec))
    for command in ("extract", "verify"):
        result = run_engage(command, pdf, memory_limit=2**30, timeout=300)
        assert (result.code, result.stdout) == (2, "")
        assert result.stderr == (
            f"{pdf}: the embedded engage-spec.yaml is more than 1,000,000 bytes; "
            "the limit is 1,000,000 bytes\n"
        )


def test_a_huge_yaml_list_under_the_byte_limit_is_refused_by_its_count(tmp_path: Path) -> None:
    """250,000 items in 1 MB took 25 s and 270 MB to refuse; the count stops it at once."""
    spec = b"engage: 1\nitems:\n" + b"- a\n" * 249_000
    pdf = tmp_path / "list.pdf"
    pdf.write_bytes(source_pdf(spec))
    result = run_cli("verify", pdf)
    assert (result.code, result.stdout, result.stderr) == (
        2, "", f"{pdf}:engage-spec.yaml:19998:3: more than 20,000 values; no spec is that large\n"
    )
    as_file = tmp_path / "list.yaml"
    as_file.write_bytes(spec)
    result = run_cli("check", as_file)
    assert (result.code, result.stderr) == (
        2, f"{as_file}:19998:3: more than 20,000 values; no spec is that large\n"
    )


def test_a_manifest_bomb_is_refused(tmp_path: Path) -> None:
    bomb = stream(deflate_zeros(300))
    pdf = source_pdf(extra={8: bomb})
    refused_pdf(tmp_path / "bomb.pdf", pdf, "the embedded engage-manifest.json is more than "
                "100,000 bytes; the limit is 100,000 bytes")


def test_too_many_attachments(tmp_path: Path) -> None:
    names = b"[" + b" ".join(b"(clause-%d.md) 5 0 R" % index for index in range(1001)) + b"]"
    refused_pdf(tmp_path / "many.pdf", source_pdf(names=names),
                "the PDF has more than 1,000 attachments")


def test_too_many_objects(tmp_path: Path) -> None:
    extra = {number: b"null" for number in range(9, 200_010)}
    refused_pdf(tmp_path / "objects.pdf", source_pdf(extra=extra),
                "the PDF has more than 200,000 objects")


def test_a_bomb_in_a_page_stays_bounded(tmp_path: Path) -> None:
    page = stream(deflate_zeros(200)).replace(b"/Type /EmbeddedFile ", b"")
    pdf = source_pdf(extra={
        4: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 9 0 R >>",
        9: page,
    })
    refused_pdf(tmp_path / "page.pdf", pdf, "the content of page 1 is more than 50,000,000 "
                "bytes; the limit is 50,000,000 bytes", command="verify")


# Malformed manifests: a clear error, never "internal error".


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (b"[]", "the embedded engage-manifest.json is damaged: it is not a JSON object"),
        (b"{}", "the embedded engage-manifest.json is damaged: 'parts' is not a mapping of "
                "names to digests"),
        (b'{"parts": [], "fingerprint": "f"}', "the embedded engage-manifest.json is damaged: "
                                               "'parts' is not a mapping of names to digests"),
        (b'{"parts": {"spec": 1}, "fingerprint": "f"}', "the embedded engage-manifest.json is "
                                                        "damaged: 'parts' is not a mapping of "
                                                        "names to digests"),
        (b'{"parts": {}, "fingerprint": ["f"]}', "the embedded engage-manifest.json is "
                                                 "damaged: 'fingerprint' is not text"),
        (b"[" * 40_000 + b"]" * 40_000, "the embedded engage-manifest.json nests too deeply"),
        (b'{"parts": {"spec": "a", "x\\u001b]0;owned\\u0007 is new": "a"}, "fingerprint": "f"}',
         "the embedded engage-manifest.json is damaged: a part name is not one engage writes"),
        (b'{"parts": {"template:../../etc/passwd": "a"}, "fingerprint": "f"}',
         "the embedded engage-manifest.json is damaged: a part name is not one engage writes"),
    ],
    ids=["list", "empty", "parts-list", "digest-number", "fingerprint-list", "deep",
         "terminal-codes", "path"],
)
@pytest.mark.parametrize("command", ["extract", "verify"])
def test_a_malformed_manifest(tmp_path: Path, manifest: bytes, message: str,
                              command: str) -> None:
    refused_pdf(tmp_path / "m.pdf", source_pdf(manifest=manifest), message, command)


# Broken structure.


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not a PDF file (it does not start with %PDF-)"),
        (b"GIF89a" + bytes(100), "not a PDF file (it does not start with %PDF-)"),
        (source_pdf(names=b"[(engage-spec.yaml) 30 0 R (engage-manifest.json) 6 0 R]"),
         "the embedded engage-spec.yaml is missing or damaged"),
        (source_pdf(names=b"42"), "the attachment list is damaged"),
        (source_pdf(spec_stream=b"(not a stream)"),
         "the embedded engage-spec.yaml is missing or not a stream"),
        (source_pdf(spec_stream=stream(b"x" * 40, b"/Filter /LZWDecode")),
         "the embedded engage-spec.yaml uses a compression engage does not write"),
        (source_pdf(spec_stream=stream(deflate(VARIED)[:300])),
         "the embedded engage-spec.yaml is damaged: its compressed data is cut short"),
        (source_pdf(spec_stream=stream(b"\x00" * 40)),
         "the embedded engage-spec.yaml is damaged: Error -3 while decompressing data: "
         "unknown compression method"),
        (make_pdf({1: b"<< /Type /Catalog /Pages 2 0 R /Names 3 0 R >>",
                   2: b"<< /Type /Pages /Kids [] /Count 0 >>",
                   3: b"<< /EmbeddedFiles 4 0 R >>",
                   4: b"<< /Kids [5 0 R] >>",
                   5: b"<< /Kids [4 0 R] >>"}),
         "the attachment list refers to itself"),
    ],
    ids=["empty", "gif", "missing-object", "names-not-array", "not-a-stream",
         "lzw", "truncated-stream", "not-zlib", "cycle"],
)
def test_a_pdf_with_a_broken_structure(tmp_path: Path, data: bytes, message: str) -> None:
    refused_pdf(tmp_path / "broken.pdf", data, message)


def test_a_deep_name_tree(tmp_path: Path) -> None:
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 10 0 R >> >>",
               2: b"<< /Type /Pages /Kids [] /Count 0 >>"}
    for level in range(10, 40):
        objects[level] = b"<< /Kids [%d 0 R] >>" % (level + 1)
    objects[40] = b"<< /Names [] >>"
    refused_pdf(tmp_path / "deep.pdf", make_pdf(objects),
                "the attachment list nests more than 16 levels")


def test_an_encrypted_pdf(tmp_path: Path) -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(_engage_pdf(tmp_path)))
    writer.encrypt("secret", algorithm="RC4-128")
    encrypted = tmp_path / "encrypted.pdf"
    writer.write(encrypted)
    for command in ("extract", "verify"):
        result = run_cli(command, encrypted)
        assert (result.code, result.stderr) == (
            2, f"{encrypted}: the PDF is encrypted; engage does not write encrypted PDFs\n"
        )


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_a_truncated_engage_pdf(tmp_path: Path, keep: float) -> None:
    whole = _engage_pdf(tmp_path).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole[: int(len(whole) * keep)])
    result = run_engage("extract", cut)
    assert (result.code, result.stdout, result.stderr) == (
        2, "", f"{cut}: the PDF is incomplete: it does not end with %%EOF\n"
    )


def test_pdf_library_warnings_do_not_reach_the_terminal(tmp_path: Path) -> None:
    """A wrong startxref makes pypdf warn and rebuild the table: engage reads it silently."""
    data = source_pdf()
    start = data.rindex(b"startxref\n") + len(b"startxref\n")
    broken = tmp_path / "xref.pdf"
    broken.write_bytes(data[:start] + b"17\n%%EOF\n")
    result = run_engage("extract", broken)
    assert (result.code, result.stdout, result.stderr) == (0, "engage: 1\n", "")


# What extract prints and writes.


@pytest.mark.parametrize(
    ("spec", "where", "message"),
    [
        (b"engage: 1\nnote: \x1b]0;owned\x07\n", "2:7",
         "U+001B (a control character) is not allowed"),
        (b"engage: 1\nnote: \x1b[2J\x1b[H\n", "2:7", "U+001B (a control character) is not allowed"),
        (b"a: \xe2\x80\xae1.00\n", "1:4",
         "U+202E (RIGHT-TO-LEFT OVERRIDE) is not allowed"),
    ],
    ids=["title-escape", "clear-screen", "bidi"],
)
def test_extract_never_prints_control_characters(
    tmp_path: Path, spec: bytes, where: str, message: str
) -> None:
    pdf = tmp_path / "evil.pdf"
    pdf.write_bytes(source_pdf(spec))
    output = tmp_path / "spec.yaml"
    for args in ((), ("-o", output)):
        result = run_cli("extract", pdf, *args)
        assert (result.code, result.stdout) == (2, "")
        assert result.stderr == (
            f"{pdf}:engage-spec.yaml:{where}: {message}: an invisible control character can "
            "hide text or change the order in which it is displayed\n"
        )
        assert "\x1b" not in result.stderr
    assert not output.exists()


def test_extract_does_not_write_a_spec_over_the_limit(tmp_path: Path) -> None:
    pdf = tmp_path / "big.pdf"
    pdf.write_bytes(source_pdf(b"engage: 1\n" + b"# padding\n" * 110_000))
    output = tmp_path / "spec.yaml"
    result = run_cli("extract", pdf, "-o", output)
    assert (result.code, result.stderr) == (
        2, f"{pdf}: the embedded engage-spec.yaml is more than 1,000,000 bytes; "
           "the limit is 1,000,000 bytes\n"
    )
    assert not output.exists()


def _engage_pdf(tmp_path: Path) -> Path:
    spec = minimal_tree(tmp_path / "source")
    result = run_cli("build", spec)
    assert result.code == 0, result.stderr
    return spec.with_suffix(".pdf")


# verify checks the pages too, not only the attachments.


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _engage_pdf(tmp_path_factory.mktemp("built"))


def _verify_lines(pdf: Path) -> tuple[int, list[str]]:
    result = run_cli("verify", pdf)
    assert result.stderr == ""
    return result.code, result.stdout.splitlines()


PAGES_CHANGED = ("  pages: the page contents are not those engage wrote "
                 "(pages were removed, added or edited)")


def test_verify_passes_the_pdf_engage_wrote(built: Path) -> None:
    code, lines = _verify_lines(built)
    assert code == 0 and lines[0].startswith(
        f"{built}: identical: its pages are those engage wrote, and today's clauses and "
        "templates build the same (fingerprint "
    )


@pytest.mark.parametrize("page", [0, -1])
def test_verify_sees_a_deleted_page(built: Path, tmp_path: Path, page: int) -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(built))
    assert len(writer.pages) > 1
    del writer.pages[page]
    tampered = tmp_path / "tampered.pdf"
    writer.write(tampered)
    assert _verify_lines(tampered) == (1, [
        f"{tampered}: differs from what engage wrote or would build today:", PAGES_CHANGED,
    ])


def test_verify_sees_an_edited_page(built: Path, tmp_path: Path) -> None:
    from pypdf.generic import DecodedStreamObject

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(built))
    page = writer.pages[0]
    edited = DecodedStreamObject()
    contents = page.get_contents()
    assert contents is not None
    edited.set_data(contents.get_data() + b"\nq Q")  # the same look, other bytes
    page.replace_contents(edited)
    tampered = tmp_path / "tampered.pdf"
    writer.write(tampered)
    assert _verify_lines(tampered)[1][1:] == [PAGES_CHANGED]


def test_verify_refuses_a_pdf_whose_page_record_was_removed(built: Path, tmp_path: Path) -> None:
    reader = pypdf.PdfReader(built)
    writer = pypdf.PdfWriter(clone_from=reader)
    assert reader.metadata is not None
    writer.metadata = {key: value for key, value in reader.metadata.items()
                       if key != "/EngageContent"}
    stripped = tmp_path / "stripped.pdf"
    writer.write(stripped)
    assert _verify_lines(stripped) == (1, [
        f"{stripped}: differs from what engage wrote or would build today:",
        "  pages: the PDF holds no record of its page contents (made by an older engage, or "
        "the record was removed)",
    ])


# The up-to-date check reads the trailer as a PDF reader would, not by a text search.


def test_a_blank_file_ending_in_the_right_identifier_is_not_up_to_date(tmp_path: Path) -> None:
    from engage.fresh import inputs_digest

    spec = minimal_tree(tmp_path)
    output = spec.with_suffix(".pdf")
    trailer = (b"trailer\n<< /ID [(engage:" + inputs_digest(spec).encode() + b") (x)] >>\n"
               b"startxref\n9\n%%EOF\n")
    output.write_bytes(b"%PDF-1.7\n" + b" " * (512 - 9 - len(trailer)) + trailer)
    result = run_cli("build", spec)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout.startswith(f"wrote {output} (fingerprint ")
    assert run_cli("build", spec).stdout == f"{output}: up to date\n"


@pytest.mark.parametrize("cut", ["middle", "header"])
def test_a_damaged_pdf_with_the_right_trailer_is_not_up_to_date(tmp_path: Path, cut: str) -> None:
    spec = minimal_tree(tmp_path)
    assert run_cli("build", spec).code == 0
    output = spec.with_suffix(".pdf")
    whole = output.read_bytes()
    start = int(whole[whole.rindex(b"startxref") + 9:].split()[0])
    if cut == "middle":  # objects gone, the trailer kept (and its offset made right)
        kept = whole[:2000]
        damaged = kept + whole[start:].replace(b"startxref\n%d" % start, b"startxref\n%d" % 2000)
    else:
        damaged = b"%PDF" + bytes(len(whole) - 4)[: start - 4] + whole[start:]
    output.write_bytes(damaged)
    result = run_cli("build", spec)
    assert result.stdout.startswith(f"wrote {output} (fingerprint "), result.stdout


@pytest.mark.parametrize(
    "labels",
    [[], ["../../../../etc/passwd"], ["zz"], ["en", "it"], ["EN"], ["../en"]],
    ids=["none", "a path", "unknown", "two", "capitals", "escaping"],
)
def test_a_change_order_whose_manifest_names_no_known_language_is_refused(
    tmp_path: Path, labels: list[str]
) -> None:
    parts = {"spec": "0" * 64, **{f"template:i18n/after/{name}.yaml": "0" * 64 for name in labels}}
    manifest = json.dumps({"parts": parts, "fingerprint": "0" * 64}).encode()
    refused_pdf(
        tmp_path / "change.pdf",
        source_pdf(b"change_order:\n  number: 1\n", manifest),
        "the PDF's manifest does not name the labels of one language engage knows",
        "verify",
    )
