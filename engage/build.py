"""The build, top to bottom: load, validate, compute, assemble, render, write.

``check()`` runs every stage but the PDF, so it catches every error a build would (clause
and template errors included) without importing WeasyPrint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engage._resources import data_dir
from engage.assemble import assemble
from engage.clauses import languages, library_roots, load_library
from engage.context import build_context
from engage.formats import Formats
from engage.load import load_yaml
from engage.models import Spec
from engage.money import Figures, compute
from engage.output import check_output_path, write_atomic
from engage.render import load_labels, render_html
from engage.validate import currency_digits, validate


@dataclass(frozen=True)
class Prepared:
    """A spec taken through every stage up to the finished HTML."""

    spec_file: Path
    spec: Spec
    figures: Figures
    html: str
    allowed: list[Path]
    """Folders the renderer may read files from."""


def prepare(spec_file: Path, *, standalone_html: bool = False) -> Prepared:
    """Load, validate, compute, assemble and render ``spec_file`` to HTML."""
    roots = library_roots(spec_file)
    document = load_yaml(spec_file)
    spec = validate(document, languages(roots))
    library = load_library(roots, spec.language)
    figures = compute(spec, currency_digits(spec.currency))
    context = build_context(spec, figures, Formats(spec.language, spec.currency))
    templates = data_dir("templates")
    labels = load_labels(templates, spec.language)
    clauses = assemble(spec, document, library, context, labels)
    base_href = templates.resolve().as_uri() + "/" if standalone_html else None
    html = render_html(templates, context, clauses, labels, base_href=base_href)
    return Prepared(spec_file, spec, figures, html, [templates, *roots])


def check(spec_file: Path) -> Prepared:
    """Everything a build does except making the PDF."""
    return prepare(spec_file)


def build(spec_file: Path, output: Path | None = None, *, html: bool = False) -> Path:
    """Build ``spec_file`` into a PDF (or HTML) at ``output``; return the path written."""
    output = output or spec_file.with_suffix(".html" if html else ".pdf")
    check_output_path(output, [spec_file])
    prepared = prepare(spec_file, standalone_html=html)
    if html:
        write_atomic(output, prepared.html.encode("utf-8"))
        return output
    from engage.pdf import write_pdf

    templates = data_dir("templates")
    write_atomic(output, write_pdf(prepared.html, templates, prepared.allowed, spec_file))
    return output
