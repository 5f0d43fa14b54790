"""The build, top to bottom: load, validate, compute, assemble, render, write.

``check()`` runs every stage but the PDF, so it catches every error a build would (clause
and template errors included) without importing WeasyPrint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engage import __version__
from engage._resources import data_dir
from engage.assemble import AssembledClause, assemble, choose
from engage.clauses import Clause, languages, load_library
from engage.context import build_context
from engage.embed import embedded_files, pdf_identifier
from engage.fingerprint import Fingerprint, fingerprint
from engage.formats import Formats
from engage.fresh import Built, inputs_digest, is_fresh
from engage.inputs import Inputs
from engage.law import locale_of
from engage.load import Document
from engage.models import Spec
from engage.money import Figures, compute
from engage.output import check_output_path, write_atomic
from engage.reference import reference
from engage.render import load_labels, render_html, with_tables
from engage.renderer import Renderer
from engage.validate import currency_digits, validate
from engage.workspace import Workspace, git_state, load_spec

__all__ = ["Built", "Plan", "Prepared", "build", "check", "plan", "prepare"]


@dataclass(frozen=True)
class Plan:
    """A spec loaded, validated and computed, its clauses chosen and fingerprinted.

    Everything a build needs to know before rendering, and all that an up-to-date check
    needs: the fingerprint.
    """

    spec_file: Path
    document: Document
    """The spec as loaded and merged over the workspace profile."""
    spec: Spec
    figures: Figures
    context: dict[str, Any]
    labels: dict[str, str]
    library: dict[str, Clause]
    chosen: list[Clause]
    fingerprint: Fingerprint
    workspace: Workspace | None
    allowed: list[Path]
    """Folders and files the renderer may read (``inputs.allowed()``)."""
    stylesheet: Path | None
    inputs: Inputs
    """Every file the build may read."""


@dataclass(frozen=True)
class Prepared:
    """A spec taken through every stage up to the finished HTML."""

    spec_file: Path
    document: Document
    spec: Spec
    figures: Figures
    clauses: list[AssembledClause]
    clause_sources: dict[str, str]
    """Id -> full text of every clause used."""
    fingerprint: Fingerprint
    html: str
    allowed: list[Path]
    workspace: Workspace | None


def plan(spec_file: Path, *, document: Document | None = None) -> Plan:
    """Load, validate and compute ``spec_file``, choose its clauses, fingerprint it all.

    ``document`` replaces loading, to rebuild a spec embedded in a PDF.
    """
    inputs = Inputs.of(spec_file)
    workspace, roots = inputs.workspace, list(inputs.clause_roots)
    document = document or load_spec(spec_file, workspace)
    spec = validate(document, languages(roots))
    library = load_library(roots, spec.language)
    figures = compute(spec, currency_digits(spec.currency))
    context = build_context(spec, figures, Formats(spec.language, spec.currency, locale_of(spec)))
    templates = data_dir("templates")
    labels = load_labels(templates, spec.language)
    chosen = choose(spec, document, library, context)
    prints = fingerprint(
        document.data,
        {clause.id: clause.full_source for clause in chosen},
        inputs.template_files(spec.language),
    )
    return Plan(
        spec_file,
        document,
        spec,
        figures,
        context,
        labels,
        library,
        chosen,
        prints,
        workspace,
        inputs.allowed(),
        inputs.stylesheet,
        inputs,
    )


def prepare(
    spec_file: Path,
    *,
    standalone_html: bool = False,
    document: Document | None = None,
) -> Prepared:
    """Take ``spec_file`` through every stage up to the finished HTML.

    ``document`` replaces loading, to rebuild a spec embedded in a PDF.
    """
    planned = plan(spec_file, document=document)
    templates = data_dir("templates")
    context, labels = planned.context, planned.labels
    assembled = assemble(planned.chosen, planned.library, context, labels, planned.spec.language)
    clauses = with_tables(templates, context, labels, assembled)
    html = render_html(
        templates,
        {**context, "fingerprint": planned.fingerprint.short},
        clauses,
        labels,
        base_href=templates.resolve().as_uri() + "/" if standalone_html else None,
        stylesheets=[planned.stylesheet.resolve().as_uri()] if planned.stylesheet else [],
    )
    return Prepared(
        spec_file,
        planned.document,
        planned.spec,
        planned.figures,
        clauses,
        {clause.id: clause.full_source for clause in planned.chosen},
        planned.fingerprint,
        html,
        planned.allowed,
        planned.workspace,
    )


def check(spec_file: Path) -> Prepared:
    """Everything a build does except making the PDF."""
    return prepare(spec_file)


def build(
    spec_file: Path,
    output: Path | None = None,
    *,
    html: bool = False,
    force: bool = False,
    renderer: Renderer | None = None,
    digest: str | None = None,
) -> Built[Prepared]:
    """Build ``spec_file`` into a PDF (or HTML) at ``output`` (default: next to the spec).

    An existing PDF built from the very same input files is left as it is, unless ``force``.
    ``renderer``: one started earlier, so that WeasyPrint loads while this process works;
    ``digest``: the inputs' digest, if already computed (``engage.single.build`` does both).
    """
    output = output_path(spec_file, output, html)
    check_output_path(output, [spec_file])
    digest = digest or inputs_digest(spec_file)
    if not html and not force and is_fresh(output, digest):
        return Built(output, None)
    if html:
        prepared = prepare(spec_file, standalone_html=True)
        write_atomic(output, prepared.html.encode("utf-8"))
        return Built(output, prepared)
    with renderer or Renderer() as renderer:
        prepared = prepare(spec_file)
        files = embedded_files(
            spec_file.name, prepared.document.data, prepared.fingerprint, prepared.clause_sources
        )
        pdf = renderer.write_pdf(
            prepared.html,
            data_dir("templates"),
            prepared.allowed,
            spec_file,
            embedded=files,
            dated=prepared.spec.issued,
            info=_metadata(prepared, spec_file),
            identifier=pdf_identifier(digest),
        )
    write_atomic(output, pdf)
    return Built(output, prepared)


def output_path(spec_file: Path, output: Path | None, html: bool) -> Path:
    """Where ``build`` writes."""
    return output or spec_file.with_suffix(".html" if html else ".pdf")


def _metadata(prepared: Prepared, spec_file: Path) -> dict[str, str]:
    metadata = {
        "EngageFingerprint": prepared.fingerprint.value,
        "EngageVersion": __version__,
        "EngageReference": prepared.spec.reference,
    }
    state = git_state(spec_file)
    if state is not None:
        metadata["EngageGitCommit"] = state.commit
        metadata["EngageGitDirty"] = "yes" if state.dirty else "no"
    return metadata


def clause_reference() -> str:
    """The reference for clause authors, with examples from the starter workspace's spec."""
    example = data_dir("templates") / "workspace" / "clients" / "example-client.yaml"
    return reference(plan(example).context)
