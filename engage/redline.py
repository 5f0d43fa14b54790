"""Redlines: what changed between two versions of the terms, in the document's own style.

The first page sums up the key terms that changed (total, deposit and instalments, dates,
client duties, exit terms) with old and new values side by side; then every clause follows,
changed ones marked word by word, unchanged ones collapsed to their titles.
"""

from __future__ import annotations

import difflib
import posixpath
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from markupsafe import Markup

from engage._resources import data_dir
from engage.build import Prepared, prepare
from engage.embed import SPEC_NAME
from engage.errors import SourceError, WorkspaceError
from engage.formats import Formats
from engage.gitread import GitReadError, Repository, TreeEntry, find_repository
from engage.law import locale_of
from engage.load import load_yaml
from engage.models import Spec
from engage.output import check_output_path, write_atomic
from engage.render import load_labels, template_environment
from engage.renderer import Renderer
from engage.source import read_source
from engage.workspace import PROFILE, STYLESHEET

TEMPLATE = "redline.html.j2"
_TOKENS = re.compile(r"<[^>]+>|[^<\s]+|\s+")
MAX_SYMLINK_HOPS = 16
MAX_REVISION_FILES = 5000
MAX_REVISION_BYTES = 64 * 2**20
MAX_REVISION_DEPTH = 32
MAX_LINK_TEXT = 4096


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
    if figures.withholdings:
        terms[t["net_to_pay"]] = formats.money(figures.net)
    count = len(figures.instalments)
    for step in figures.instalments:
        when = t["on_signature"] if step.is_deposit else step.when
        if step.number:
            when = t["instalment_n"].replace("{n}", str(step.number)).replace("{count}", str(count))
        share = f"{formats.percent(step.percent)} · " if step.percent is not None else ""
        terms[f"{t['payment_plan']}: {when}"] = f"{share}{formats.money(step.amount)}"
    terms[t["start"]] = formats.date(spec.project.start)
    terms[t["end"]] = formats.date(spec.project.end)
    if spec.valid_until:
        terms[t["valid_until"]] = formats.date(spec.valid_until)
    for deliverable in spec.scope.deliverables:
        if deliverable.due:
            terms[f"{t['deliverable']}: {deliverable.title}"] = formats.date(deliverable.due)
    for duty in spec.client_duties:
        due = formats.date(duty.due) if duty.due else "—"
        if duty.after:
            template = t["within_working_days" if duty.within_working_days else "within_days"]
            days = duty.within_working_days or duty.within_days
            due = template.replace("{days}", str(days)).replace("{event}", duty.after)
        terms[f"{t['duty']}: {duty.duty}"] = f"{due} · {duty.if_late or '—'}"
    terms[t["payment_days"]] = str(spec.payment.due_days)
    terms[t["late_interest"]] = spec.payment.late_interest or "—"
    if spec.changes is not None and spec.changes.hourly_rate is not None:
        terms[t["change_rate"]] = formats.money(spec.changes.hourly_rate)
    if spec.scope.revision_rounds is not None:
        terms[t["revision_rounds"]] = str(spec.scope.revision_rounds)
    terms[t["included"]] = "; ".join(spec.scope.included) or "—"
    terms[t["excluded"]] = "; ".join(spec.scope.excluded) or "—"
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


def _prepare_either(file: Path) -> Prepared:
    """A spec prepared as today, or a PDF engage built prepared as it was sent."""
    return prepare_sent(file) if file.suffix.lower() == ".pdf" else prepare(file)


_EMBEDDED_CLAUSE = re.compile(r"clause-([a-z0-9][a-z0-9-]*)\.md")


def prepare_sent(pdf: Path) -> Prepared:
    """The terms in a PDF engage built, from the spec AND the clause texts embedded in it.

    The clauses are laid, as a clause library, over today's, so that a clause changed since
    the PDF was sent shows in the redline. Only attachment names that are clause ids are
    used: a PDF cannot make engage write anywhere but the temporary library.
    """
    import yaml as pyyaml

    source = read_source(pdf, clauses=True)
    clauses = source.clauses or {}
    try:
        language = pyyaml.safe_load(source.spec).get("language")
    except (ValueError, AttributeError, pyyaml.YAMLError) as exc:
        raise SourceError.at(pdf, f"cannot read the embedded spec: {exc}") from None
    if not isinstance(language, str) or not _EMBEDDED_CLAUSE.fullmatch(f"clause-{language}.md"):
        raise SourceError.at(pdf, "the embedded spec names no language")
    with tempfile.TemporaryDirectory(prefix="engage-sent-") as temporary:
        root = Path(temporary)
        spec_file = root / f"{pdf.stem}.yaml"
        spec_file.write_text(source.spec, encoding="utf-8")
        folder = root / "clauses" / language
        folder.mkdir(parents=True)
        for clause_id, text in clauses.items():
            (folder / f"{clause_id}.md").write_bytes(text)
        document = load_yaml(pdf.with_name(f"{pdf.name}:{SPEC_NAME}"), source.spec)
        prepared = prepare(spec_file, document=document)
    return replace(prepared, spec_file=pdf, fingerprint=source.fingerprint)


@contextmanager
def spec_at_revision(spec_file: Path, revision: str) -> Iterator[Path]:
    """``spec_file`` as it was at a git revision, with its workspace and clauses of then.

    Read from ``.git`` without running git (see ``engage.gitread``); only what the build
    reads is copied out: the spec, the workspace profile, ``style.css``, ``assets/`` and the
    clause folders. A symlink among them that leads outside the repository is refused.
    """
    with tempfile.TemporaryDirectory(prefix="engage-rev-") as temporary:
        root = Path(temporary) / "tree"
        try:
            old_spec = _copy_out(spec_file, revision, root)
        except (GitReadError, ValueError, OSError, RuntimeError) as exc:
            message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            if isinstance(exc, ValueError) and not isinstance(exc, UnicodeError):
                message = "the spec is not in the git repository's work tree"
            if isinstance(exc, RuntimeError):  # Path.resolve() meeting a symlink loop
                message = "a symlink loop"
            raise WorkspaceError.at(
                spec_file, f"cannot read revision {revision!r}: {message}"
            ) from None
        yield old_spec


def _copy_out(spec_file: Path, revision: str, root: Path) -> Path:
    repository = find_repository(spec_file.parent)
    if repository is None:
        raise GitReadError("the spec is not in a git repository")
    relative = spec_file.resolve().relative_to(repository.worktree.resolve()).as_posix()
    tree = _RevisionTree(repository, repository.commit(repository.resolve(revision)).tree)
    if tree.copy_file(relative, root) is None:
        raise WorkspaceError.at(spec_file, f"the spec did not exist at revision {revision!r}")
    folder = relative.rpartition("/")[0]
    tree.copy_folder(_join(folder, "clauses"), root)
    for workspace in _ancestors(folder):
        if tree.copy_file(_join(workspace, PROFILE), root) is not None:
            tree.copy_file(_join(workspace, STYLESHEET), root)
            tree.copy_folder(_join(workspace, "clauses"), root)
            tree.copy_folder(_join(workspace, "assets"), root)
            break
    return root / relative


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _ancestors(folder: str) -> list[str]:
    """``folder`` and the folders above it, up to the repository's top ("")."""
    parts = folder.split("/") if folder else []
    return ["/".join(parts[:count]) for count in range(len(parts), -1, -1)]


class _RevisionTree:
    """Files of one commit's tree, copied out with bounds; symlinks followed inside only."""

    def __init__(self, repository: Repository, tree: str) -> None:
        self.repository, self.tree = repository, tree
        self.files, self.bytes, self.folders = 0, 0, 0

    def lookup(self, path: str) -> tuple[str, TreeEntry] | None:
        """The entry at ``path`` (symlinks resolved within the tree), or None."""
        parts = [part for part in path.split("/") if part]
        done: list[str] = []
        hops = 0
        entry = TreeEntry(0o40000, "", self.tree)
        while parts:
            part = parts.pop(0)
            if not entry.is_tree:
                return None
            found = next((e for e in self.repository.tree(entry.id) if e.name == part), None)
            if found is None:
                return None
            if found.is_symlink:
                hops += 1
                if hops > MAX_SYMLINK_HOPS:
                    raise GitReadError(f"{path}: too many levels of symbolic links")
                target = self.repository.blob(found.id).decode("utf-8", "replace")
                if len(target) > MAX_LINK_TEXT:
                    raise GitReadError(f"{path} is a symlink with an overlong target")
                joined = posixpath.normpath(posixpath.join("/".join(done), target))
                if target.startswith("/") or joined == ".." or joined.startswith("../"):
                    raise GitReadError(f"{path} is a symlink that leads outside the repository")
                parts = [p for p in joined.split("/") if p not in ("", ".")] + parts
                done, entry = [], TreeEntry(0o40000, "", self.tree)
                continue
            done.append(part)
            entry = found
        return "/".join(done), entry

    def copy_file(self, path: str, root: Path) -> Path | None:
        """Copy the file at ``path`` to ``root/path``; None if there is none."""
        found = self.lookup(path)
        if found is None or not found[1].is_file:
            return None
        content = self.repository.blob(found[1].id)
        self.files += 1
        self.bytes += len(content)
        if self.files > MAX_REVISION_FILES or self.bytes > MAX_REVISION_BYTES:
            raise GitReadError("the files the build needs are too many or too large")
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        return target

    def copy_folder(self, path: str, root: Path, depth: int = 0, top: str = "") -> None:
        """Copy every file at or below ``path`` (``top``: the folder the copy started at)."""
        top = top or path
        found = self.lookup(path)
        if found is None or not found[1].is_tree:
            return
        self.folders += 1  # a tree may name one subtree many times: count every visit
        if depth > MAX_REVISION_DEPTH or self.folders > MAX_REVISION_FILES:
            raise GitReadError(f"{top} holds too many folders or nests them more than "
                               f"{MAX_REVISION_DEPTH} deep (a symlink loop?)")
        for entry in self.repository.tree(found[1].id):
            child = _join(path, entry.name)
            if entry.is_tree or entry.is_symlink:
                resolved = self.lookup(child)
                if resolved is not None and resolved[1].is_tree:
                    self.copy_folder(child, root, depth + 1, top)
                    continue
            self.copy_file(child, root)


def write_redline(
    old_spec: Path, new_spec: Path | None, revision: str | None, output: Path | None,
    *, html: bool = False,
) -> Path:
    """Write the redline of two specs, or of a spec against a git revision; return its path."""
    target_spec = new_spec or old_spec
    output = output or target_spec.with_suffix(".redline.html" if html else ".redline.pdf")
    check_output_path(output, [old_spec, target_spec])
    # Like every PDF engage writes, through the renderer, which loads while the specs are read.
    with Renderer() if not html else nullcontext() as renderer:
        new = _prepare_either(target_spec)
        if revision is not None:
            with spec_at_revision(old_spec, revision) as old_copy:
                old = prepare(old_copy)
        else:
            old = _prepare_either(old_spec)
        marked = redline(old, new, standalone_html=html)
        if renderer is None:
            write_atomic(output, marked.html.encode("utf-8"))
            return output
        templates = data_dir("templates")
        pdf = renderer.write_pdf(marked.html, templates, [templates], target_spec)
    write_atomic(output, pdf)
    return output


def _formats(spec: Spec) -> Formats:
    return Formats(spec.language, spec.currency, locale_of(spec))
