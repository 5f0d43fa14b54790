"""Every example builds into a real PDF whose text holds the figures engage computed."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest

from engage.build import build, prepare
from engage.formats import Formats
from engage.law import locale_of
from tests.conftest import EXAMPLES, pdf_text

ALL_EXAMPLES = sorted(EXAMPLES.glob("*.yaml"))


@pytest.fixture
def built(example_pdfs: dict[str, Path]) -> dict[str, Path]:
    """The examples' PDFs, built once per session (conftest.example_pdfs)."""
    return example_pdfs


def test_there_are_examples_in_every_language() -> None:
    assert {spec.stem.rsplit("-", 1)[-1] for spec in ALL_EXAMPLES} >= {"en"}
    assert len(ALL_EXAMPLES) >= 3


@pytest.mark.parametrize("spec", ALL_EXAMPLES, ids=lambda spec: spec.name)
def test_example_builds_with_its_computed_amounts(spec: Path, built: dict[str, Path]) -> None:
    prepared = prepare(spec)
    formats = Formats(
        prepared.spec.language, prepared.spec.currency, locale_of(prepared.spec)
    )
    figures = prepared.figures
    text = pdf_text(built[spec.name])
    amounts = [figures.total, figures.subtotal, *(step.amount for step in figures.instalments)]
    amounts += [tax.amount for tax in figures.taxes]
    if prepared.spec.free_work:
        amounts.append(figures.free_work_total)
    for amount in amounts:
        assert formats.money(amount) in text, formats.money(amount)
    assert prepared.spec.reference in text
    reader = pypdf.PdfReader(built[spec.name])
    assert reader.metadata is not None
    assert reader.metadata.author == prepared.spec.provider.name
    assert reader.trailer["/Root"]["/Lang"] == prepared.spec.language
    assert f"Page 1 of {len(reader.pages)}" in text or prepared.spec.language != "en"


def test_website_example_holds_every_figure_of_the_issue(built: dict[str, Path]) -> None:
    text = pdf_text(built["website-en.yaml"])
    for figure in [
        "€4,800.00",
        "–€480.00",
        "€950.40",
        "€5,270.40",
        "€1,581.12",
        "€2,108.16",
        "€950.00",
    ]:
        assert figure in text, figure
    assert "Work given free of charge" in text
    assert "not billed" in text
    assert "Copywriting, translation and photography" in text


def test_table_of_contents_has_real_page_numbers(built: dict[str, Path]) -> None:
    # The contents sit on the first page, under the key terms; clause 1 starts on it too.
    reader = pypdf.PdfReader(built["website-en.yaml"])
    contents = reader.pages[0].extract_text()
    assert "CONTENTS" in contents
    numbers = [int(line) for line in contents.splitlines() if line.strip().isdigit()]
    # Every clause, the signatures and the specific approval, in page order, ending on the last.
    assert len(numbers) > 10 and numbers == sorted(numbers)
    assert numbers[0] == 1 and numbers[-1] in (len(reader.pages) - 1, len(reader.pages))
    # The last entry, the specific approval, starts on the page the contents say.
    assert "Specific approval" in reader.pages[numbers[-1] - 1].extract_text()


def test_two_builds_give_identical_bytes(tmp_path: Path, built: dict[str, Path]) -> None:
    again = build(EXAMPLES / "website-en.yaml", tmp_path / "again.pdf").output
    assert again.read_bytes() == built["website-en.yaml"].read_bytes()


@pytest.mark.parametrize("spec", ALL_EXAMPLES, ids=lambda spec: spec.name)
def test_only_bundled_fonts_are_embedded(spec: Path, built: dict[str, Path]) -> None:
    reader = pypdf.PdfReader(built[spec.name])
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor
            fonts.add(str(descriptor["/FontName"]).split("+")[-1])
    # Only the bundled faces: a host font here means a glyph fell back to the system.
    assert fonts and all(font.startswith("Engage-") for font in fonts), fonts
