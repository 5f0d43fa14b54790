"""Specs no YAML parser should be trusted with: each is refused by the real CLI, in one line
that names the file and line, with nothing executed and last week's PDF untouched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.adversarial.helpers import SENTINEL, refused, refused_check, run_engage, spec_with
from tests.conftest import MINIMAL_SPEC

BILLION_LAUGHS = "\n".join(
    [
        'lol0: &lol0 "lol"',
        *(f"lol{n}: &lol{n} [{', '.join([f'*lol{n - 1}'] * 10)}]" for n in range(1, 10)),
        "engage: *lol9",
    ]
)

CASES = [
    # name, spec text, line of the problem, what the message says
    (
        "duplicate top-level key",
        MINIMAL_SPEC + "currency: USD\n",
        34,
        "duplicate key 'currency' (first written at line 3)",
    ),
    (
        "duplicate nested key",
        spec_with("  signatory: Bob Client\n", "  signatory: Bob Client\n  name: Other Co\n"),
        14,
        "duplicate key 'name' (first written at line 11)",
    ),
    (
        "duplicate key in quotes",
        spec_with("  address: Road 2\n", '  address: Road 2\n  "address": Road 3\n'),
        13,
        "duplicate key 'address' (first written at line 12)",
    ),
    ("anchor", spec_with("  name: Studio", "  name: &who Studio"), 7, "anchors (&who)"),
    ("alias", spec_with("  name: Client Co", "  name: *who"), 11, "aliases (*who)"),
    ("billion laughs", BILLION_LAUGHS, 1, "anchors (&lol0) are not allowed"),
    (
        "merge key",
        spec_with("client:\n", "client:\n  <<: {name: X}\n"),
        11,
        "unknown field '<<'",
    ),
    (
        "python object",
        spec_with("reference: T-1", "reference: !!python/object/apply:os.system ['touch pwned']"),
        5,
        "tags (tag:yaml.org,2002:python/object/apply:os.system) are not allowed",
    ),
    (
        "python name",
        spec_with("reference: T-1", "reference: !!python/name:os.system ''"),
        5,
        "tags (tag:yaml.org,2002:python/name:os.system) are not allowed",
    ),
    (
        "python module on a mapping",
        spec_with("client:\n", "client: !!python/module:os\n"),
        10,
        "tags (tag:yaml.org,2002:python/module:os) are not allowed",
    ),
    ("local tag", spec_with("reference: T-1", "reference: !env HOME"), 5, "tags (!env)"),
    ("binary tag", spec_with("reference: T-1", "reference: !!binary aGk="), 5, "not allowed"),
    (
        "not UTF-8",
        spec_with("name: Client Co", "name: Caf\udce9 Co").encode("utf-8", "surrogateescape"),
        11,
        "byte 0xe9 is not valid UTF-8; save the file as UTF-8",
    ),
    (
        "UTF-16",
        MINIMAL_SPEC.encode("utf-16"),
        1,
        "byte 0xff is not valid UTF-8",
    ),
    (
        "byte-order mark",
        b"\xef\xbb\xbf" + MINIMAL_SPEC.encode(),
        1,
        "the file starts with a byte-order mark; save it as UTF-8 without BOM",
    ),
    ("empty", "", 1, "the file is empty"),
    ("blank lines", "\n  \n\t\n", 1, "the file is empty"),
    ("only comments", "# engage: 1\n# language: en\n", 1, "the file is empty"),
    ("top-level list", "- engage: 1\n- language: en\n", 1, "the top level must be a mapping"),
    ("top-level text", "engage\n", 1, "the top level must be a mapping"),
    ("top-level null", "~\n", 1, "the top level must be a mapping"),
    (
        "deep flow nesting",
        "engage: " + "[" * 10_000 + "]" * 10_000 + "\n",
        1,
        "nested more than 40 levels deep",
    ),
    (
        "deep block nesting",
        "".join(f"{'  ' * depth}k{depth}:\n" for depth in range(200)) + "  " * 200 + "x: 1\n",
        40,
        "nested more than 40 levels deep",
    ),
    ("two documents", MINIMAL_SPEC + "---\nengage: 1\n", 34, "invalid YAML"),
    ("tab indentation", spec_with("  name: Studio", "\tname: Studio"), 7, "invalid YAML"),
    ("control character", spec_with("name: Studio", "name: Stu\x07dio"), 7, "U+0007"),
    ("NUL written as an escape", spec_with("name: Studio", 'name: "Stu\\0dio"'), 7, "U+0000"),
    (
        "right-to-left override",
        spec_with("name: Client Co", "name: Client \u202eCo 12.34"),
        11,
        "U+202E (RIGHT-TO-LEFT OVERRIDE) is not allowed",
    ),
    (
        "right-to-left override written as an escape",
        spec_with("name: Client Co", 'name: "Client \\u202eCo"'),
        11,
        "U+202E (RIGHT-TO-LEFT OVERRIDE) is not allowed",
    ),
    (
        "isolate in a key",
        spec_with("reference: T-1", "refer\u2066ence: T-1"),
        5,
        "U+2066 (LEFT-TO-RIGHT ISOLATE) is not allowed",
    ),
    (
        "byte-order mark inside the text",
        spec_with("name: Studio", "name: Stu\ufeffdio"),
        7,
        "U+FEFF (ZERO WIDTH NO-BREAK SPACE) is not allowed",
    ),
    ("next line character", spec_with("name: Studio", "name: Stu\x85dio"), 7, "U+0085"),
]


@pytest.mark.parametrize(("text", "line", "message"), [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_hostile_yaml_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str | bytes, line: int, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "spec.yaml"
    spec.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    assert message in refused(spec, line=line)
    assert message in refused_check(spec, line=line)
    assert not (tmp_path / "pwned").exists()


def test_billion_laughs_is_refused_before_expansion(tmp_path: Path) -> None:
    """In a real process with 1 GB of address space: expanding the aliases would need
    gigabytes; refusing the first anchor needs no more than reading a small spec."""
    spec = tmp_path / "laughs.yaml"
    spec.write_text(BILLION_LAUGHS, encoding="utf-8")
    baseline = run_engage("check", tmp_path / "missing.yaml", memory_limit=2**30)
    laughs = run_engage("check", spec, memory_limit=2**30)
    assert laughs.code == 2
    assert laughs.stderr == f"{spec}:1:7: anchors (&lol0) are not allowed; write each value out\n"
    assert laughs.peak_mb < baseline.peak_mb + 10, (laughs.peak_mb, baseline.peak_mb)


def test_a_50_mb_spec_is_refused_by_its_size_before_it_is_read(tmp_path: Path) -> None:
    spec = tmp_path / "huge.yaml"
    with open(spec, "wb") as stream:
        stream.write(MINIMAL_SPEC.encode())
        stream.write(b"# " + b"x" * (50 * 2**20) + b"\n")
    size = spec.stat().st_size
    output = tmp_path / "huge.pdf"
    output.write_bytes(SENTINEL)
    baseline = run_engage("build", tmp_path / "missing.yaml", "-o", output, memory_limit=2**30)
    result = run_engage("build", spec, "-o", output, memory_limit=2**30)
    assert result.code == 2
    assert result.stderr == f"{spec}: the spec is {size:,} bytes; the limit is 1,000,000 bytes\n"
    assert result.peak_mb < baseline.peak_mb + 20, "the 50 MB were read"
    assert output.read_bytes() == SENTINEL


def test_a_spec_that_never_ends_is_not_read(tmp_path: Path) -> None:
    """/dev/zero and a FIFO report a size of 0; reading either would never stop."""
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    output = tmp_path / "out.pdf"
    for spec, kind in ((Path("/dev/zero"), "a character device"), (fifo, "a FIFO (named pipe)")):
        assert refused(spec, output=output) == f"the spec is {kind}, not a regular file"
        assert refused_check(spec) == f"the spec is {kind}, not a regular file"


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing.yaml", "no such spec file"), ("folder.yaml", "the spec is a folder, not a file")],
)
def test_a_spec_that_is_not_a_file(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / "folder.yaml").mkdir()
    output = tmp_path / "out.pdf"
    assert refused(tmp_path / name, output=output) == message
    assert refused_check(tmp_path / name) == message
