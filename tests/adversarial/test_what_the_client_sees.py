"""What the client reads in the PDF is what engage validated and computed: every amount in
the text layer is one of the spec's figures, and a clause's markup and CSS come out as text,
so they can neither hide nor replace anything."""

from __future__ import annotations

import re
import struct
import zlib
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest

from engage._resources import data_dir
from engage.build import Prepared, prepare
from engage.errors import RenderError
from engage.formats import Formats
from engage.law import locale_of
from engage.pdf import write_pdf
from tests.adversarial.helpers import SENTINEL, leftovers, minimal_tree
from tests.conftest import EXAMPLES, MINIMAL_SPEC, clause, pdf_text, run_cli, write_tree

ROUNDING_SPEC = MINIMAL_SPEC.replace(
    "    - description: Work\n      amount: 1000.00\n",
    "    - description: Design\n      quantity: 37.5\n      unit: hour\n      unit_price: 85.33\n"
    "    - description: Hosting\n      quantity: 7\n      unit: month\n      unit_price: 12.99\n"
    "  discount:\n    percent: 7.5\n    reason: Returning client\n"
    "  taxes:\n    - name: Social fund\n      percent: 4\n      on: fees\n"
    "    - name: VAT\n      percent: 22\n",
).replace(
    "  deposit_percent: 50\n  schedule:\n    - when: Delivery\n      percent: 50\n",
    "  deposit_percent: 33.33\n  schedule:\n    - when: Designs approved\n      percent: 33.33\n"
    "    - when: Delivery\n      percent: 33.34\n",
) + "free_work:\n  - description: A logo refresh\n    list_value: 480.50\n"


def _plain(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def amount_pattern(formats: Formats) -> re.Pattern[str]:
    """Amounts written the way this document writes them, learnt from a sample."""
    sample = _plain(formats.money(Decimal("1234567.89")))
    prefix = re.match(r"\D*", sample)
    suffix = re.search(r"\D*$", sample)
    assert prefix is not None and suffix is not None
    unit = rf"{re.escape(prefix[0])}\d[\d.,]*\d{re.escape(suffix[0])}"
    return re.compile(unit if prefix[0] else rf"(?<![\d.,]){unit}")


def printed_figures(prepared: Prepared) -> tuple[set[str], re.Pattern[str]]:
    """Every amount engage computed for a spec, as printed, and the amounts written in the
    spec's own text."""
    spec, figures = prepared.spec, prepared.figures
    formats = Formats(spec.language, spec.currency, locale_of(spec))
    amounts = [
        *(line.amount for line in figures.lines),
        *(line.unit_price for line in figures.lines if line.unit_price is not None),
        figures.subtotal, figures.discount, figures.fees,
        *(tax.base for tax in figures.taxes), *(tax.amount for tax in figures.taxes),
        figures.total, *(step.amount for step in figures.instalments),
        *(work.list_value for work in spec.free_work), figures.free_work_total,
    ]
    if spec.changes is not None and spec.changes.hourly_rate is not None:
        amounts.append(spec.changes.hourly_rate)
    # Pricing beyond fixed items: withholding and the net, the retainer's terms, the caps.
    amounts += [figures.expenses, figures.net, figures.payable]
    amounts += [held.amount for held in figures.withholdings]
    pricing = spec.pricing
    terms = [
        pricing.retainer and pricing.retainer.extra_hour_rate,
        pricing.time_and_materials and pricing.time_and_materials.cap,
        pricing.expenses and pricing.expenses.cap,
    ]
    amounts += [amount for amount in terms if amount]
    if spec.provider.insurance is not None:  # the cover is a figure of the spec too
        amounts.append(spec.provider.insurance.cover)
    pattern = amount_pattern(formats)
    printed = {_plain(formats.money(amount)) for amount in amounts}
    printed |= {match for text in _strings(prepared.document.data)
                for match in pattern.findall(_plain(text))}
    return printed, pattern


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


@pytest.mark.parametrize(
    "source",
    # One example per way of writing amounts (€1.00, US$1.00, 1,00 €, 1,00 RON), and rounding.
    ["website-en.yaml", "retainer-en.yaml", "renovation-it.yaml", "translation-ro.yaml",
     "rounding"],
)
def test_every_amount_in_the_text_layer_is_a_computed_figure(tmp_path: Path, source: str) -> None:
    spec = tmp_path / "spec.yaml"
    text = ROUNDING_SPEC if source == "rounding" else (EXAMPLES / source).read_text("utf-8")
    spec.write_text(text, encoding="utf-8")
    prepared = prepare(spec)
    printed, pattern = printed_figures(prepared)
    result = run_cli("build", spec)
    assert result.code == 0, result.stderr
    layer = _plain(pdf_text(spec.with_suffix(".pdf")))
    found = set(pattern.findall(layer))
    assert found, "no amounts found: the pattern does not fit this document"
    assert found <= printed, f"amounts nobody computed: {sorted(found - printed)}"
    formats = Formats(prepared.spec.language, prepared.spec.currency, locale_of(prepared.spec))
    total = prepared.figures.total
    must_show = {_plain(formats.money(total))}
    must_show |= {_plain(formats.money(step.amount)) for step in prepared.figures.instalments}
    assert must_show <= found, f"figures missing from the PDF: {sorted(must_show - found)}"


HOSTILE_MARKUP = """\
Visible before.

<style>* { display: none !important } p { color: white }</style>

<span style=font-size:0>hidden words</span> <div style=position:absolute;left:-9999px>away</div>

<a rel=attachment href=file:///etc/passwd>passwd</a> <link rel=stylesheet href=/etc/passwd>

<script>alert(1)</script> <img src=http://127.0.0.1:9/x.png> <!-- a comment -->

![tracker](http://127.0.0.1:9/pixel.png) [file](file:///etc/passwd) <file:///etc/passwd>
[script](javascript:alert(1)) [data](data:text/html,hi)

The total is {{ pricing.total }}.
"""

# Markup that must reach the client as the very characters the clause wrote.
LITERALS = [
    "<style>* { display: none !important } p { color: white }</style>",
    "<span style=font-size:0>hidden words</span>",
    "<div style=position:absolute;left:-9999px>away</div>",
    "<a rel=attachment href=file:///etc/passwd>passwd</a>",
    "<link rel=stylesheet href=/etc/passwd>",
    "<script>alert(1)</script>",
    "<img src=http://127.0.0.1:9/x.png>",
    "<!-- a comment -->",
]


def test_markup_and_css_in_a_clause_reach_the_client_as_text(tmp_path: Path) -> None:
    spec = minimal_tree(tmp_path, {"clauses/en/evil.md": clause("Evil", HOSTILE_MARKUP)})
    clean = minimal_tree(tmp_path / "clean")
    evil = prepare(spec)
    section = next(item.html for item in evil.clauses if item.id == "evil")
    tags = re.findall(r"<(/?[a-zA-Z][a-zA-Z0-9-]*)([^>]*)>", section)
    assert {name.lstrip("/") for name, _ in tags} <= {"p", "a"}, tags
    assert {attributes for _, attributes in tags} == {"", ' href="http://127.0.0.1:9/pixel.png"'}
    # The document holds exactly the styles of a clean build: none came from the clause.
    assert evil.html.count("<style") == prepare(clean).html.count("<style")
    styled = re.compile(r"<[a-zA-Z][^>]*\sstyle=")
    assert len(styled.findall(evil.html)) == len(styled.findall(prepare(clean).html))

    result = run_cli("build", spec)
    assert result.code == 0, result.stderr
    output = spec.with_suffix(".pdf")
    layer = re.sub(r"\s+", "", pdf_text(output).translate(str.maketrans("“”‘’", "\"\"''")))
    for literal in LITERALS:
        assert re.sub(r"\s+", "", literal) in layer, literal
    assert "Visiblebefore." in layer and "Thetotalis€1,000.00." in layer
    assert "root:" not in layer
    attachments = pypdf.PdfReader(output).attachments
    assert not any("passwd" in name for name in attachments), sorted(attachments)
    assert not any(b"root:" in data for files in attachments.values() for data in files)


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(
        b"IDAT", zlib.compress(b"\x00\xff\x00\x00")
    ) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("css", "url"),
    [
        ('@import url("https://example.com/evil.css");', "https://example.com/evil.css"),
        ('body { background: url("file:///etc/passwd") }', "file:///etc/passwd"),
        (
            '@font-face { font-family: Spy; src: url("https://example.com/spy.woff2") }\n'
            "body { font-family: Spy }",
            "https://example.com/spy.woff2",
        ),
        ('h1::after { content: url("../secret.png") }', "secret.png"),
        ('body { background: url("clients/spec.yaml") }', "clients/spec.yaml"),
    ],
)
def test_a_workspace_stylesheet_loads_nothing_outside_its_assets(
    tmp_path: Path, css: str, url: str
) -> None:
    """engage.yaml marks the workspace; style.css is laid over the built-in style, and may
    read only itself and the workspace's assets/ folder."""
    workspace = tmp_path / "terms"
    write_tree(
        tmp_path,
        {
            "secret.png": _png(),
            "terms/engage.yaml": "engage: 1\nlanguage: en\n",
            "terms/style.css": css + "\n",
            "terms/clients/spec.yaml": MINIMAL_SPEC,
        },
    )
    spec = workspace / "clients" / "spec.yaml"
    output = spec.with_suffix(".pdf")
    output.write_bytes(SENTINEL)
    result = run_cli("build", spec, "-o", output)
    assert result.code == 1, result.stderr
    assert result.stderr.startswith(f"{spec}: the document tried to load ")
    assert url in result.stderr and result.stderr.endswith(", which is not allowed\n")
    assert len(result.stderr.splitlines()) == 1
    assert output.read_bytes() == SENTINEL
    assert leftovers(tmp_path) == []


def test_a_workspace_stylesheet_may_use_its_own_assets(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "terms/engage.yaml": "engage: 1\nlanguage: en\n",
            "terms/style.css": 'h1 { background: url("assets/logo.png") }\n',
            "terms/assets/logo.png": _png(),
            "terms/clients/spec.yaml": MINIMAL_SPEC,
        },
    )
    result = run_cli("build", tmp_path / "terms/clients/spec.yaml")
    assert result.code == 0, result.stderr


@pytest.mark.parametrize(
    "css",
    [
        '@import url("file:///etc/passwd");',
        '@import url("https://example.com/x.css");',
        'body { background: url("file:///etc/hostname") }',
        '@font-face { font-family: X; src: url("http://127.0.0.1:9/x.ttf") } p { font-family: X }',
        'li { list-style-image: url("/etc/passwd") }',
    ],
)
def test_extra_css_reaching_the_renderer_cannot_fetch(tmp_path: Path, css: str) -> None:
    """The mechanism under any extra stylesheet: an allowed CSS file that itself asks for a
    forbidden URL, and the same CSS inline."""
    allowed = tmp_path / "allowed"
    write_tree(allowed, {"extra.css": css})
    templates = data_dir("templates")
    for head in (f'<link rel="stylesheet" href="{(allowed / "extra.css").as_uri()}">',
                 f"<style>{css}</style>"):
        html = f"<html><head>{head}</head><body><ul><li>Hi</li></ul><p>Hi</p></body></html>"
        with pytest.raises(RenderError, match="which is not allowed"):
            write_pdf(html, templates, [templates, allowed], tmp_path / "spec.yaml")
