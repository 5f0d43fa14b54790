"""Redlines: what changed between two versions of the terms, in the document's own style.

The first page sums up the key terms that changed (total, deposit and instalments, dates,
client duties, exit terms) with old and new values side by side; then every clause follows,
changed ones marked word by word, unchanged ones collapsed to their titles.
"""

from __future__ import annotations

import difflib
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from engage._resources import data_dir
from engage.build import Prepared, prepare
from engage.errors import WorkspaceError
from engage.formats import Formats
from engage.law import locale_of
from engage.load import load_yaml
from engage.models import Spec
from engage.output import check_output_path, write_atomic
from engage.render import load_labels, template_environment

TEMPLATE = "redline.html.j2"
_TOKENS = re.compile(r"<[^>]+>|[^<\s]+|\s+")


@dataclass(frozen=True)
class Redline:
    html: str
    old: Prepared
    new: Prepared


def redline(old: Prepared, new: Prepared, *, standalone_html: bool = False) -> Redline:
    """The redline of ``old`` against ``new`` as HTML, in the new document's language."""
    templates = data_dir("templates")
    labels = {**load_labels(templates, new.spec.language), **_redline_labels(templates, new)}
    environment = template_environment(templates, (TEMPLATE,))
    html = environment.get_template(TEMPLATE).render(
        t=labels,
        language=new.spec.language,
        reference=new.spec.reference,
        title=new.spec.project.title,
        provider=new.spec.provider.name,
        client=new.spec.client.name,
        old_fingerprint=old.fingerprint.short,
        new_fingerprint=new.fingerprint.short,
        old_issued=_formats(new.spec).date(old.spec.issued),
        new_issued=_formats(new.spec).date(new.spec.issued),
        same_identity=(
            old.spec.reference == new.spec.reference
            and old.spec.issued == new.spec.issued
            and old.fingerprint.value != new.fingerprint.value
        ),
        terms=key_term_changes(old, new, labels),
        clauses=clause_changes(old, new),
        base_href=templates.resolve().as_uri() + "/" if standalone_html else None,
    )
    return Redline(html, old, new)


def _redline_labels(templates: Path, prepared: Prepared) -> dict[str, str]:
    folder = templates / "i18n" / "redline"
    path = folder / f"{prepared.spec.language}.yaml"
    english = load_yaml(folder / "en.yaml").data
    return {**english, **(load_yaml(path).data if path.is_file() else {})}


def key_term_changes(old: Prepared, new: Prepared, labels: dict[str, str]) -> list[dict[str, str]]:
    """Key terms whose value changed: label, before, after."""
    before, after = _key_terms(old, labels), _key_terms(new, labels)
    rows = []
    for label in dict.fromkeys([*before, *after]):
        was, now = before.get(label, "—"), after.get(label, "—")
        if was != now:
            rows.append({"term": label, "before": was, "after": now})
    return rows


def _key_terms(prepared: Prepared, t: dict[str, str]) -> dict[str, str]:
    spec, figures = prepared.spec, prepared.figures
    formats = _formats(spec)
    terms = {t["total"]: formats.money(figures.total)}
    for step in figures.instalments:
        when = t["on_signature"] if step.is_deposit else step.when
        terms[f"{t['payment_plan']}: {when}"] = (
            f"{formats.percent(step.percent)} · {formats.money(step.amount)}"
        )
    terms[t["start"]] = formats.date(spec.project.start)
    terms[t["end"]] = formats.date(spec.project.end)
    if spec.valid_until:
        terms[t["valid_until"]] = formats.date(spec.valid_until)
    for deliverable in spec.scope.deliverables:
        if deliverable.due:
            terms[f"{t['deliverable']}: {deliverable.title}"] = formats.date(deliverable.due)
    for duty in spec.client_duties:
        due = formats.date(duty.due) if duty.due else "—"
        terms[f"{t['duty']}: {duty.duty}"] = f"{due} · {duty.if_late or '—'}"
    if spec.exit:
        if spec.exit.notice_days is not None:
            terms[t["notice"]] = str(spec.exit.notice_days)
        if spec.exit.kill_fee_percent is not None:
            terms[t["kill_fee"]] = formats.percent(spec.exit.kill_fee_percent)
        for index, condition in enumerate(spec.exit.provider_may_end_if, 1):
            terms[f"{t['provider_may_end']} ({index})"] = condition
    return terms


def clause_changes(old: Prepared, new: Prepared) -> list[dict[str, Any]]:
    """Every clause of both versions: added, removed, changed (marked) or unchanged."""
    before = {clause.id: clause for clause in old.clauses}
    rows: list[dict[str, Any]] = []
    for clause in new.clauses:
        previous = before.pop(clause.id, None)
        if previous is None:
            state, html = "added", _mark(clause.html, "ins")
        elif previous.html == clause.html and previous.title == clause.title:
            state, html = "unchanged", ""
        else:
            state, html = "changed", word_diff(previous.html, clause.html)
        rows.append({"number": clause.number, "title": clause.title, "state": state,
                     "html": Markup(html)})
    for clause in before.values():
        rows.append({"number": clause.number, "title": clause.title, "state": "removed",
                     "html": Markup(_mark(clause.html, "del"))})
    return rows


def word_diff(old_html: str, new_html: str) -> str:
    """``new_html`` with inserted words in <ins> and deleted words in <del>, word by word.

    The new version's markup is kept whole; deleted text is shown where it stood.
    """
    old_tokens, new_tokens = _TOKENS.findall(old_html), _TOKENS.findall(new_html)
    matcher = difflib.SequenceMatcher(
        None, [_key(token) for token in old_tokens], [_key(token) for token in new_tokens],
        autojunk=False,
    )
    out: list[str] = []
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        if operation == "equal":
            out.extend(new_tokens[j1:j2])
            continue
        removed = "".join(token for token in old_tokens[i1:i2] if not token.startswith("<"))
        if removed.strip():
            out.append(f"<del>{removed.strip()}</del> ")
        out.append(_mark("".join(new_tokens[j1:j2]), "ins"))
    return "".join(out)


def _key(token: str) -> str:
    return " " if token.isspace() else token


def _mark(html: str, tag: str) -> str:
    """Wrap every run of text in ``html`` (outside tags) in <tag>."""
    out: list[str] = []
    run: list[str] = []
    for token in _TOKENS.findall(html):
        if token.startswith("<"):
            if "".join(run).strip():
                out.append(f"<{tag}>{''.join(run)}</{tag}>")
            else:
                out.extend(run)
            run = []
            out.append(token)
        else:
            run.append(token)
    if "".join(run).strip():
        out.append(f"<{tag}>{''.join(run)}</{tag}>")
    else:
        out.extend(run)
    return "".join(out)


@contextmanager
def spec_at_revision(spec_file: Path, revision: str) -> Iterator[Path]:
    """``spec_file`` as it was at a git revision, with its workspace and clauses of then."""
    folder = spec_file.resolve().parent
    try:
        top = Path(_git(folder, "rev-parse", "--show-toplevel").decode().strip())
        commit = _git(folder, "rev-parse", "--verify", f"{revision}^{{commit}}").decode().strip()
        archive = _git(top, "archive", "--format=tar", commit)
    except WorkspaceError as exc:
        raise WorkspaceError.at(spec_file, f"cannot read revision {revision!r}: "
                                f"{exc.problems[0].message}") from None
    relative = spec_file.resolve().relative_to(top)
    with tempfile.TemporaryDirectory(prefix="engage-rev-") as temporary:
        root = Path(temporary)
        archive_path = root / "rev.tar"
        archive_path.write_bytes(archive)
        with tarfile.open(archive_path) as tar:
            tar.extractall(root / "tree", filter="data")
        old_spec = root / "tree" / relative
        if not old_spec.is_file():
            raise WorkspaceError.at(spec_file, f"the spec did not exist at revision {revision!r}")
        yield old_spec


def _git(folder: Path, *args: str) -> bytes:
    try:
        result = subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise WorkspaceError.at(folder, f"git failed: {exc}") from None
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise WorkspaceError.at(folder, message[-1] if message else "git failed")
    return result.stdout


def write_redline(
    old_spec: Path, new_spec: Path | None, revision: str | None, output: Path | None,
    *, html: bool = False,
) -> Path:
    """Write the redline of two specs, or of a spec against a git revision; return its path."""
    target_spec = new_spec or old_spec
    output = output or target_spec.with_suffix(".redline.html" if html else ".redline.pdf")
    check_output_path(output, [old_spec, target_spec])
    new = prepare(target_spec)
    if revision is not None:
        with spec_at_revision(old_spec, revision) as old_copy:
            old = prepare(old_copy)
    else:
        old = prepare(old_spec)
    marked = redline(old, new, standalone_html=html)
    if html:
        write_atomic(output, marked.html.encode("utf-8"))
        return output
    from engage.pdf import write_pdf

    templates = data_dir("templates")
    write_atomic(output, write_pdf(marked.html, templates, [templates], target_spec))
    return output


def _formats(spec: Spec) -> Formats:
    return Formats(spec.language, spec.currency, locale_of(spec))
