"""The whole build: output paths, atomic writes, HTML mode and hostile documents."""

from __future__ import annotations

import os
from pathlib import Path

import pypdf
import pytest

from engage._resources import data_dir
from engage.build import build
from engage.errors import OutputPathError, RenderError, SpecError
from engage.pdf import write_pdf
from tests.conftest import MINIMAL_SPEC, clause, pdf_text, write_tree


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    write_tree(tmp_path, {"spec.yaml": MINIMAL_SPEC})
    return tmp_path / "spec.yaml"


def test_default_output_is_next_to_the_spec(spec: Path) -> None:
    assert build(spec).output == spec.with_suffix(".pdf")
    text = pdf_text(spec.with_suffix(".pdf"))
    assert "€1,000.00" in text and "Client Co" in text
    assert not list(spec.parent.glob(".*engage-tmp*"))


def test_html_output_links_its_assets_absolutely(spec: Path) -> None:
    output = build(spec, html=True).output
    html = output.read_text(encoding="utf-8")
    assert output.suffix == ".html"
    assert f'<base href="{data_dir("templates").resolve().as_uri()}/">' in html
    assert '<h2><span class="num">1.</span> Scope of work</h2>' in html


def test_invalid_spec_leaves_the_existing_pdf_untouched(spec: Path) -> None:
    output = spec.with_suffix(".pdf")
    output.write_bytes(b"last week's PDF")
    spec.write_text(MINIMAL_SPEC.replace("amount: 1000.00", "amount: 1e3"), encoding="utf-8")
    with pytest.raises(SpecError):
        build(spec)
    assert output.read_bytes() == b"last week's PDF"


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("spec.yaml", "the output would overwrite an input file"),
        (".", "the output path is a folder; give a file name"),
        ("missing/out.pdf", "does not exist"),
    ],
)
def test_unusable_output_paths(spec: Path, output: str, message: str) -> None:
    before = spec.read_bytes()
    with pytest.raises(OutputPathError, match=message):
        build(spec, spec.parent / output)
    assert spec.read_bytes() == before


def test_a_local_clauses_folder_overrides_and_adds(spec: Path) -> None:
    write_tree(
        spec.parent,
        {
            "clauses/en/scope.md": clause(
                "Our scope", "Only {{ scope.deliverables[0].title }}.\n", order="10"
            ),
            "clauses/en/house-rule.md": clause("House rule", "Shoes off.\n", order="900"),
        },
    )
    text = pdf_text(build(spec).output)
    assert "1. Our scope" in text and "Only The thing." in text
    assert "House rule" in text and "Shoes off." in text


def test_stale_temporary_files_are_cleaned_and_failures_leave_none(
    spec: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = spec.parent / ".spec.pdf.engage-tmp-999999999"
    stale.write_bytes(b"left by a killed build")
    output = spec.with_suffix(".pdf")
    output.write_bytes(b"old")

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build(spec)
    assert output.read_bytes() == b"old"
    assert not list(spec.parent.glob(".*engage-tmp*"))


@pytest.mark.parametrize(
    "html",
    [
        '<img src="http://127.0.0.1:9/tracker.png">',
        '<a rel="attachment" href="file:///etc/passwd">x</a>',
        '<link rel="stylesheet" href="file:///etc/passwd">',
        '<style>@import url("https://example.com/x.css");</style>',
        '<style>body { background: url("/etc/hostname") }</style>',
    ],
)
def test_renderer_fetches_nothing_outside_the_allowed_folders(tmp_path: Path, html: str) -> None:
    templates = data_dir("templates")
    with pytest.raises(RenderError, match="which is not allowed"):
        write_pdf(
            f"<html><body><p>Hi</p>{html}</body></html>", templates, [templates], tmp_path / "x"
        )


def test_hostile_clause_cannot_attach_files_or_fetch(spec: Path) -> None:
    write_tree(
        spec.parent,
        {
            "clauses/en/evil.md": clause(
                "Evil",
                '<a rel="attachment" href="file:///etc/passwd">x</a>\n\n'
                "![x](http://127.0.0.1:9/x.png)\n\n[y](file:///etc/passwd)\n",
            ),
        },
    )
    reader = pypdf.PdfReader(build(spec).output)
    assert all(name.startswith(("engage-", "clause-")) for name in reader.attachments)
    assert "root:" not in pdf_text(spec.with_suffix(".pdf"))
