"""One ``Inputs`` says what a build reads; the digest, the fingerprint, the up-to-date check,
the renderer's allow-list and the preview's watch list all follow it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import watchfiles

import engage._resources
from engage.build import plan
from engage.errors import RenderError
from engage.fresh import inputs_digest
from engage.init import init_workspace
from engage.inputs import KINDS, Inputs
from engage.preview import Preview, _only
from engage.single import build
from tests.conftest import MINIMAL_SPEC, ROOT, clause, run_cli, write_tree


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """engage's own templates and clauses, copied so that a test may change them."""
    data = tmp_path / "package" / "_data"
    for name in ("templates", "clauses"):
        shutil.copytree(ROOT / name, data / name)
    monkeypatch.setattr(engage._resources, "_PACKAGE", data.parent)
    return data


@pytest.fixture
def spec(tmp_path: Path, package: Path) -> Path:
    """A client spec in a workspace with every kind of input: a profile, its own clause and
    one in the spec's folder, a stylesheet and an asset."""
    folder = tmp_path / "terms"
    init_workspace(folder)
    write_tree(folder, {
        "clauses/en/payment.md": clause("Payment", "Pay {{ pricing.total }} in a month.\n",
                                        order="60"),
        "clients/clauses/en/confidentiality.md": clause(
            "Confidentiality", "We keep your secrets.\n", order="70"),
        "style.css": "h1 { letter-spacing: 0.01em; }\n",
        "assets/mark.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n',
    })
    return folder / "clients" / "example-client.yaml"


def changes(spec: Path, package: Path) -> Iterator[tuple[str, Path, bytes]]:
    """One change to each kind of input: (kind, file, bytes appended; for the YAML, a value
    replaced by the one given)."""
    workspace = spec.parent.parent
    yield "spec", spec, b"reference: EX-2027-002\n"
    yield "profile", workspace / "engage.yaml", b"currency: GBP\n"
    yield "clause", package / "clauses" / "en" / "fees.md", b"\nAnd one more sentence.\n"
    yield "clause", workspace / "clauses" / "en" / "payment.md", b"\nOr two.\n"
    yield "clause", spec.parent / "clauses" / "en" / "confidentiality.md", b"\nAll of them.\n"
    yield "template", package / "templates" / "document.html.j2", b"{# changed #}\n"
    yield "label", package / "templates" / "i18n" / "en.yaml", b"# changed\n"
    yield "font", package / "templates" / "fonts" / "NotoSans-Regular.ttf", b"\0\0\0\0"
    yield "style", workspace / "style.css", b"p { orphans: 3; }\n"
    yield "asset", workspace / "assets" / "mark.svg", b"<!-- changed -->\n"


def test_each_kind_of_input_changes_the_digest_and_fingerprint_rebuilds_and_is_watched(
    spec: Path, package: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out.pdf"
    first = build(spec, output)
    assert not first.up_to_date
    assert build(spec, output).up_to_date
    preview = Preview(spec)
    try:
        seen = set()
        for kind, changed, extra in changes(spec, package):
            before = (inputs_digest(spec), plan(spec).fingerprint.value)
            inputs = Inputs.of(spec)
            assert changed.resolve() in {item.path.resolve() for item in inputs.files}, changed
            assert {item.kind for item in inputs.files if item.path == changed} <= {kind}
            if changed.suffix == ".yaml" and kind != "label":
                key = extra.split(b":")[0]
                lines = changed.read_bytes().splitlines(keepends=True)
                changed.write_bytes(b"".join(
                    extra if line.startswith(key + b":") else line for line in lines))
            else:
                with open(changed, "ab") as stream:
                    stream.write(extra)
            after = (inputs_digest(spec), plan(spec).fingerprint.value)
            assert after[0] != before[0], f"{kind} {changed}: the digest did not change"
            assert after[1] != before[1], f"{kind} {changed}: the fingerprint did not change"
            built = build(spec, output)
            assert not built.up_to_date, f"{kind} {changed}: the PDF was not rebuilt"
            assert built.prepared is not None
            assert built.prepared.fingerprint.value == after[1]
            preview._follow()
            watched = changed.resolve()
            assert watched.parent in preview._folders(), f"{kind} {changed}: not watched"
            assert _only(preview.inputs)(watchfiles.Change.modified, str(watched)), changed
            seen.add(kind)
        assert seen == set(KINDS)
        # The PDF beside the spec is not an input: writing it rebuilds nothing.
        beside = spec.with_suffix(".pdf").resolve()
        assert not _only(preview.inputs)(watchfiles.Change.added, str(beside))
    finally:
        preview.stop()


def test_the_renderer_reads_inputs_only(spec: Path, tmp_path: Path) -> None:
    inputs = Inputs.of(spec)
    files = {item.path for item in inputs.files}
    for allowed in inputs.allowed():
        under = [allowed] if allowed.is_file() else [p for p in allowed.rglob("*") if p.is_file()]
        assert under and set(under) <= files, allowed
    outside = tmp_path / "outside.svg"
    outside.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n')
    stylesheet = spec.parent.parent / "style.css"
    stylesheet.write_text(f'h1 {{ background: url("{outside.as_uri()}"); }}\n')
    with pytest.raises(RenderError) as caught:
        build(spec, tmp_path / "out.pdf")
    assert str(caught.value) == (
        f"{spec}: the document tried to load {outside.as_uri()}, which is not allowed"
    )
    assert not (tmp_path / "out.pdf").exists()


def test_the_up_to_date_check_stays_light(tmp_path: Path) -> None:
    spec = write_tree(tmp_path, {"a.yaml": MINIMAL_SPEC}) / "a.yaml"
    output = tmp_path / "out.pdf"
    build(spec, output)
    probe = (
        "import sys\nfrom pathlib import Path\nfrom engage.single import build\n"
        f"built = build(Path({str(spec)!r}), Path({str(output)!r}))\n"
        "heavy = [m for m in ('pydantic', 'yaml', 'jinja2', 'weasyprint', 'engage.build', "
        "'engage.renderer', 'multiprocessing') "
        "if m in sys.modules]\nprint(built.up_to_date, heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT)}, check=True)
    assert result.stdout == "True []\n"


@pytest.mark.parametrize("available", [True, False])
def test_build_says_once_when_font_subsetting_is_slow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, available: bool
) -> None:
    import engage.renderer

    monkeypatch.setattr(engage.renderer, "harfbuzz_subsetting", lambda: available)
    write_tree(tmp_path, {"a.yaml": MINIMAL_SPEC, "b.yaml": MINIMAL_SPEC})
    said = [] if available else [engage.renderer.SLOW_SUBSETTING]
    built = run_cli("build", tmp_path / "a.yaml")
    assert built.code == 0 and built.stderr.splitlines() == said
    again = run_cli("build", tmp_path / "a.yaml")  # up to date: nothing rendered, nothing said
    assert again.stdout == f"{tmp_path / 'a.pdf'}: up to date\n" and again.stderr == ""
    html = run_cli("build", "--html", tmp_path / "a.yaml")
    assert html.code == 0 and html.stderr == ""
    batch = run_cli("build", "--jobs", "2", tmp_path / "a.yaml", tmp_path / "b.yaml")
    assert batch.code == 0 and batch.stderr.splitlines() == said  # once for the batch
    assert "libharfbuzz-subset0" in engage.renderer.SLOW_SUBSETTING


def test_an_up_to_date_engage_build_imports_nothing_heavy(tmp_path: Path) -> None:
    spec = write_tree(tmp_path, {"a.yaml": MINIMAL_SPEC}) / "a.yaml"
    build(spec)
    probe = (
        "import atexit, sys\n"
        "atexit.register(lambda: print([m for m in ('pydantic', 'yaml', 'jinja2', 'weasyprint', "
        "'engage.build', "
        "'engage.renderer', 'multiprocessing') if m in sys.modules]))\n"
        "from engage.cli import main\nmain()\n"
    )
    result = subprocess.run([sys.executable, "-c", probe, "build", str(spec)],
                            capture_output=True, text=True, env={"PYTHONPATH": str(ROOT)})
    assert (result.returncode, result.stdout) == (0, f"{tmp_path / 'a.pdf'}: up to date\n[]\n")


def test_engage_build_is_the_library_fast_path_on_every_call(tmp_path: Path) -> None:
    spec = write_tree(tmp_path, {"a.yaml": MINIMAL_SPEC}) / "a.yaml"
    probe = (
        "import sys\nfrom pathlib import Path\nimport engage\n"
        f"spec = Path({str(spec)!r})\n"
        "print(engage.build(spec).up_to_date, engage.build(spec).up_to_date)\n"
        "import engage.build\n"
        "print(engage.build(spec, force=True).up_to_date, engage.build.prepare.__name__)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT)})
    assert (result.returncode, result.stdout) == (0, "False True\nFalse prepare\n"), result.stderr
