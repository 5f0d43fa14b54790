"""Stage 1: YAML reading is strict, and every refusal names the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from engage.errors import SpecError
from engage.load import load_yaml


def load(tmp_path: Path, text: str | bytes) -> object:
    path = tmp_path / "spec.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return load_yaml(path).data


def error(tmp_path: Path, text: str | bytes) -> str:
    with pytest.raises(SpecError) as caught:
        load(tmp_path, text)
    return str(caught.value).replace(str(tmp_path / "spec.yaml"), "spec.yaml")


def test_scalars_reach_the_model_as_written(tmp_path: Path) -> None:
    data = load(tmp_path, "tax_id: NO\nprice: 1.10\nflag: yes\nwhen: 2027-01-01\nnone:\n")
    assert data == {
        "tax_id": "NO",
        "price": "1.10",
        "flag": "yes",
        "when": "2027-01-01",
        "none": None,
    }


def test_places_of_values_and_keys_are_remembered(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text("a:\n  b:\n    - x\n    - y\n", encoding="utf-8")
    document = load_yaml(path)
    assert document.mark_for(("a", "b", 1)).line == 4
    assert document.mark_for(("a", "b"), key=True).line == 2
    assert document.mark_for(("a", "missing")).line == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\nb: 2\na: 3\n", "spec.yaml:3:1: duplicate key 'a' (first written at line 1)"),
        ("a: &x 1\nb: 2\n", "spec.yaml:1:4: anchors (&x) are not allowed; write each value out"),
        ("a: 1\nb: *x\n", "spec.yaml:2:4: aliases (*x) are not allowed; write the value out"),
        (
            "a: !!python/object:os.system x\n",
            "spec.yaml:1:4: tags (tag:yaml.org,2002:python/object:os.system) are not allowed",
        ),
        ("a: !custom x\n", "spec.yaml:1:4: tags (!custom) are not allowed"),
        ("", "spec.yaml:1:1: the file is empty"),
        ("# only a comment\n\n", "spec.yaml:1:1: the file is empty"),
        ("- a\n- b\n", "spec.yaml:1:1: the top level must be a mapping of `key: value` lines"),
        ("just text\n", "spec.yaml:1:1: the top level must be a mapping of `key: value` lines"),
        ("a: [1, 2\n", "spec.yaml:2:1: invalid YAML: expected ',' or ']', but got '<stream end>'"),
        ("? [a]\n: 1\n", "spec.yaml:1:3: keys must be plain words, not lists or mappings"),
    ],
)
def test_refused_yaml(tmp_path: Path, text: str, message: str) -> None:
    assert error(tmp_path, text) == message


def test_aliases_are_refused_at_their_line(tmp_path: Path) -> None:
    text = "a: &x [1]\nb: *x\n"
    assert error(tmp_path, text) == (
        "spec.yaml:1:4: anchors (&x) are not allowed; write each value out"
    )


def test_billion_laughs_is_refused_before_expansion(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}]*9" for i in range(8)]
    assert "anchors (&a) are not allowed" in error(tmp_path, "\n".join(lines))


def test_not_utf8_names_the_line_and_column(tmp_path: Path) -> None:
    assert error(tmp_path, b"a: 1\nb: caf\xe9\n") == (
        "spec.yaml:2:7: byte 0xe9 is not valid UTF-8; save the file as UTF-8"
    )


def test_byte_order_mark_is_refused(tmp_path: Path) -> None:
    assert error(tmp_path, b"\xef\xbb\xbfa: 1\n") == (
        "spec.yaml:1:1: the file starts with a byte-order mark; save it as UTF-8 without BOM"
    )


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    text = "a: " + "[" * 200 + "]" * 200 + "\n"
    assert "nested more than 40 levels deep" in error(tmp_path, text)


def test_too_large_is_refused_before_parsing(tmp_path: Path) -> None:
    message = error(tmp_path, b"a: " + b"x" * 2_000_000)
    assert message == "spec.yaml: the spec is 2,000,003 bytes; the limit is 1,000,000 bytes"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no such spec file"):
        load_yaml(tmp_path / "nope.yaml")
