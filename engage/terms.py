"""The signed terms a later document belongs to, loaded and checked to be the right ones.

A change order, recap or acceptance record names its terms by file (the signed PDF engage
built, or the spec) and by reference, optionally by fingerprint. The terms are rebuilt from
the spec embedded in the PDF (or from the spec file), and a document naming terms that do not
match is refused: a change order must never amend the wrong contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from engage.build import Prepared, prepare
from engage.embed import SPEC_NAME
from engage.errors import SpecError
from engage.load import DataPath, Document, load_yaml
from engage.source import read_source
from engage.validate import parse_model, problem_at

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Terms:
    """Signed terms, as prepared for a build, with the fingerprint they were signed with."""

    file: Path
    prepared: Prepared
    fingerprint: str
    """The full fingerprint: the one recorded in the PDF, or the spec's as built today."""

    def clause_number(self, clause_id: str) -> int | None:
        """The number of a clause of the terms, if they have it."""
        for clause in self.prepared.clauses:
            if clause.id == clause_id:
                return clause.number
        return None

    def clause_title(self, clause_id: str) -> str | None:
        for clause in self.prepared.clauses:
            if clause.id == clause_id:
                return clause.title
        return None


def load_terms(file: Path) -> Terms:
    """The terms in ``file``: a PDF engage built (its embedded spec) or a spec file."""
    if file.suffix.lower() == ".pdf":
        source = read_source(file)
        document = load_yaml(file.with_name(f"{file.name}:{SPEC_NAME}"), source.spec)
        prepared = prepare(file, document=document)
        return Terms(file, prepared, source.fingerprint.value)
    prepared = prepare(file)
    return Terms(file, prepared, prepared.fingerprint.value)


def bound_terms(document: Document, link: Any, at: DataPath) -> Terms:
    """The terms ``link`` (a ``TermsLink`` written at ``at`` in ``document``) names, checked.

    Refused, at the field that does not match: a reference other than the terms', or a
    fingerprint that is not theirs.
    """
    file = (document.file.parent / link.file).resolve()
    terms = load_terms(file)
    spec = terms.prepared.spec
    if link.reference != spec.reference:
        raise SpecError(problem_at(
            document, (*at, "reference"),
            f"{link.reference!r} is not the reference of {link.file} ({spec.reference!r}): "
            "this document names other terms",
        ))
    if link.fingerprint is not None and not terms.fingerprint.startswith(link.fingerprint):
        raise SpecError(problem_at(
            document, (*at, "fingerprint"),
            f"{link.fingerprint[:12]} is not the fingerprint of {link.file} "
            f"({terms.fingerprint[:12]}): the terms changed since, or this names other terms",
        ))
    return terms


def parse_after(document: Document, model: type[M], currency_digits: int = 10) -> M:
    """``document`` validated as ``model`` (one of the after-signing specs).

    Amounts are first read allowing any decimals, to find the terms; then again with the
    decimals the terms' currency allows.
    """
    return parse_model(document, model, {"currency_digits": currency_digits}, SpecError)
