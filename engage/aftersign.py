"""Build and review the documents written after signing, through the terms' own pipeline.

A change order, a call recap and an acceptance record are each loaded and bound to their
terms (``engage.changes``, ``engage.minutes``, ``engage.records``), laid into their template
with the terms' labels and style, and rendered by the same renderer into a PDF that carries
its own YAML and the fingerprint of the terms it belongs to.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from engage import __version__
from engage._resources import data_dir
from engage.build import prepare
from engage.changes import ChangeState, change_findings, change_rows, load_change
from engage.embed import embedded_files
from engage.errors import ClauseError
from engage.fingerprint import fingerprint
from engage.formats import Formats
from engage.inputs import Inputs
from engage.kinds import TEMPLATES, AfterKind
from engage.law import locale_of
from engage.load import DataPath, Document, load_yaml
from engage.minutes import load_recap, recap_context, recap_findings
from engage.output import check_output_path, write_atomic
from engage.records import load_record, record_context, record_findings
from engage.render import load_labels, template_environment
from engage.renderer import Renderer
from engage.review import Finding, Review
from engage.sandbox import located
from engage.terms import Terms
from engage.validate import problem_at

BASE = "after-base.html.j2"
SEVERITY = {"record-before-delivery": "error", "change-free-but-priced": "error"}
"""Findings that contradict themselves; every other finding is a warning."""


@dataclass(frozen=True)
class AfterDocument:
    """A document written after signing, ready to render."""

    kind: AfterKind
    document: Document
    terms: Terms
    issued: date
    html: str
    findings: list[tuple[str, DataPath, str]]


def after_labels(language: str) -> dict[str, str]:
    """The terms' labels with those of the documents after signing, checked against English."""
    templates = data_dir("templates")
    folder = templates / "i18n" / "after"
    english = load_yaml(folder / "en.yaml", error=ClauseError).data
    own = load_yaml(folder / f"{language}.yaml", error=ClauseError).data
    missing = sorted(set(english) - set(own))
    if missing:
        raise ClauseError.at(folder / f"{language}.yaml", f"missing labels: {', '.join(missing)}")
    return {**load_labels(templates, language), **own}


def prepare_after(file: Path, kind: AfterKind, *, standalone_html: bool = False) -> AfterDocument:
    """Load ``file`` (a document of ``kind``), bind it to its terms, render its HTML."""
    if kind == "change_order":
        state = load_change(file)
        terms, document, issued = state.terms, state.document, state.order.issued
        t = after_labels(terms.prepared.spec.language)
        formats = _formats(terms)
        variables = _change_variables(state, formats, t)
        findings = list(change_findings(state))
    elif kind == "recap":
        recap = load_recap(file)
        terms, document, issued = recap.terms, recap.document, recap.recap.sent
        t = after_labels(terms.prepared.spec.language)
        formats = _formats(terms)
        variables = recap_context(recap, formats, t)
        variables |= {
            "kind_label": t["recap_kind"],
            "lead": t["recap_lead"].format(
                held=variables["held"], sent=variables["sent"], **_names(terms, t, "communication")
            ),
            "subtitle": recap.recap.subject,
            "meta": [(t["held"], variables["held"]),
                     (t["sent"], variables["sent"]), (t["terms"], terms.prepared.spec.reference)],
            "signatures_lead": "",
            "no_signatures": True,
        }
        findings = list(recap_findings(recap))
    else:
        record = load_record(file)
        terms, document, issued = record.terms, record.document, record.record.signed_on
        t = after_labels(terms.prepared.spec.language)
        formats = _formats(terms)
        variables = record_context(record, formats, t)
        variables |= {
            "kind_label": t["acceptance_kind"],
            "lead": t["acceptance_lead"].format(**_names(terms, t, "acceptance")),
            "meta": [(t["terms"], terms.prepared.spec.reference),
                     (t["delivered_on"], variables["record"]["delivered_on"]),
                     (t["signed_on"], formats.date(record.record.signed_on))],
            "signatures_lead": t["acceptance_signatures_lead"],
            "place": record.record.place,
            "footer": f"{t['acceptance_kind']} · {terms.prepared.spec.reference}",
        }
        findings = list(record_findings(record))
    html = _render(kind, terms, t, variables, standalone_html)
    return AfterDocument(kind, document, terms, issued, html, findings)


def _formats(terms: Terms) -> Formats:
    return Formats(
        terms.prepared.spec.language, terms.prepared.spec.currency, locale_of(terms.prepared.spec)
    )


def _names(terms: Terms, t: dict[str, str], clause_id: str) -> dict[str, str]:
    spec = terms.prepared.spec
    number, title = terms.clause_number(clause_id), terms.clause_title(clause_id)
    clause = (
        f"{t['clause_ref'].format(number=number)} ({title})" if number else t["the_terms"]
    )
    return {"provider": spec.provider.name, "client": spec.client.name,
            "reference": spec.reference, "clause": clause}


def _change_variables(state: ChangeState, formats: Formats, t: dict[str, str]) -> dict[str, Any]:
    spec, order = state.terms.prepared.spec, state.order
    names = _names(state.terms, t, "changes")
    previous = state.chain[:-1]
    return {
        "title": t["change_order_title"].format(number=order.number, reference=spec.reference),
        "kind_label": t["change_order_kind"],
        "lead": t["change_lead"].format(issued=formats.date(spec.issued), **names),
        "follows": t["change_follows"].format(previous=previous[-1])
        if previous else "",
        "reason": order.reason,
        "free_of_charge": order.free_of_charge,
        "change": change_rows(state, formats, t),
        "meta": [(t["reference"], f"{spec.reference} / {order.number}"),
                 (t["issued"], formats.date(order.issued)),
                 (t["terms"], spec.reference),
                 (t["terms_issued"], formats.date(spec.issued))],
        "signatures_lead": t["change_signatures_lead"].format(reference=spec.reference),
        "show_fingerprint": True,
    }


def _render(
    kind: AfterKind, terms: Terms, t: dict[str, str], variables: dict[str, Any],
    standalone_html: bool,
) -> str:
    templates = data_dir("templates")
    name = TEMPLATES[kind]
    environment = template_environment(templates, (BASE, name))
    spec = terms.prepared.spec
    context = {
        "t": t,
        "language": spec.language,
        "reference": spec.reference,
        "footer": variables.get("footer") or variables.get("title", spec.reference),
        "provider": spec.provider.model_dump(),
        "client": spec.client.model_dump(),
        "terms_fingerprint": terms.fingerprint,
        "show_fingerprint": True,
        "place": None,
        "subtitle": None,
        "no_signatures": False,
        "base_href": templates.resolve().as_uri() + "/" if standalone_html else None,
        **variables,
    }
    try:
        return environment.get_template(name).render(context)
    except Exception as exc:  # a template error, located in the template
        from jinja2 import TemplateError

        if isinstance(exc, TemplateError):
            raise located(exc, templates / name) from None
        raise


def build_after(
    file: Path, kind: AfterKind, output: Path | None = None, *, html: bool = False
) -> Path:
    """Build the document in ``file`` into a PDF (or HTML) next to it or at ``output``."""
    output = output or file.with_suffix(".html" if html else ".pdf")
    check_output_path(output, [file])
    prepared = prepare_after(file, kind, standalone_html=html)
    if html:
        write_atomic(output, prepared.html.encode("utf-8"))
        return output
    templates = data_dir("templates")
    spec = prepared.terms.prepared.spec
    parts = Inputs.of(file).template_files(spec.language, workspace_style=False, after=kind)
    prints = fingerprint(prepared.document.data, {}, parts)
    files = embedded_files(file.name, prepared.document.data, prints, {})
    files.append((
        "engage-terms.json",
        json.dumps({"reference": spec.reference, "fingerprint": prepared.terms.fingerprint,
                    "engage": __version__}, indent=2).encode("utf-8"),
        "The terms this document belongs to",
    ))
    with Renderer() as renderer:
        pdf = renderer.write_pdf(
            prepared.html, templates, [templates], file,
            embedded=files, dated=prepared.issued,
            info={"EngageFingerprint": prints.value, "EngageVersion": __version__,
                  "EngageTermsFingerprint": prepared.terms.fingerprint},
        )
    write_atomic(output, pdf)
    return output


def consolidate(file: Path, output: Path | None = None) -> Path:
    """Build the terms as they stand after the change order in ``file`` and every one before
    it: the consolidated version, dated and referenced as such, at ``output``."""
    state = load_change(file)
    output = output or file.with_suffix(".consolidated.pdf")
    check_output_path(output, [file, state.terms.file])
    spec = state.terms.prepared.spec
    t = after_labels(spec.language)
    data = copy.deepcopy(state.after_data)
    data["reference"] = t["consolidated_reference"].format(
        reference=spec.reference, number=state.order.number
    )
    data["issued"] = state.order.issued.isoformat()
    data.pop("valid_until", None)  # the offer was accepted: it no longer expires
    marks = state.terms.prepared.document
    document = Document(state.terms.file, data, marks.values, marks.keys)
    with Renderer() as renderer:
        prepared = prepare(state.terms.file, document=document)
        files = embedded_files(
            f"{file.stem}.consolidated.yaml", data, prepared.fingerprint,
            prepared.clause_sources,
        )
        pdf = renderer.write_pdf(
            prepared.html, data_dir("templates"), prepared.allowed, file,
            embedded=files, dated=state.order.issued,
            info={"EngageFingerprint": prepared.fingerprint.value,
                  "EngageVersion": __version__,
                  "EngageTermsFingerprint": state.terms.fingerprint},
        )
    write_atomic(output, pdf)
    return output


def review_after(file: Path, kind: AfterKind) -> Review:
    """``engage check`` for a document written after signing: it binds, renders, and reads
    as the professional would send it."""
    prepared = prepare_after(file, kind)
    document = prepared.document
    findings = []
    for code, path, message in prepared.findings:
        on_key = isinstance(path[-1], str) and isinstance(
            _value_at(document.data, path), dict | list)
        problem = problem_at(document, path, message, key=on_key)
        findings.append(Finding(
            Path(problem.file), problem.line or 1, problem.col or 1,
            "error" if SEVERITY.get(code) == "error" else "warning", code, message,
        ))
    findings.sort(key=lambda finding: (finding.line, finding.col, finding.code))
    return Review(document.file, findings, [])


def _value_at(data: Any, path: DataPath) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data
