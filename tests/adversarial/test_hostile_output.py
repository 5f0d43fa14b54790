"""Where the PDF goes, and what happens when writing it goes wrong: last week's PDF always
survives, and no temporary file is left behind (or survives the next build)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pypdf
import pytest

from tests.adversarial.helpers import (
    SENTINEL,
    leftovers,
    minimal_tree,
    refused,
    run_engage,
)
from tests.conftest import MINIMAL_SPEC, run_cli


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    return minimal_tree(tmp_path)


def test_output_equal_to_the_spec(spec: Path) -> None:
    message = refused(spec, output=spec, where=spec)
    assert message == "the output would overwrite an input file"
    assert spec.read_text(encoding="utf-8") == MINIMAL_SPEC


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_output_that_is_the_spec_under_another_name(spec: Path, link: str) -> None:
    other = spec.parent / "other.pdf"
    if link == "symlink":
        other.symlink_to(spec)
    else:
        os.link(spec, other)
    result = run_cli("build", spec, "-o", other)
    assert (result.code, result.stderr) == (
        2, f"{other}: the output would overwrite an input file\n"
    )
    assert spec.read_text(encoding="utf-8") == MINIMAL_SPEC


def test_output_that_is_a_folder(spec: Path) -> None:
    folder = spec.parent / "out.pdf"
    folder.mkdir()
    message = refused(spec, output=folder, where=folder)
    assert message == "the output path is a folder; give a file name"


def test_output_in_a_missing_folder(spec: Path) -> None:
    output = spec.parent / "missing" / "out.pdf"
    message = refused(spec, output=output, where=output)
    assert message == f"the folder {output.parent} does not exist"
    assert not output.parent.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_output_in_a_read_only_folder(spec: Path) -> None:
    folder = spec.parent / "locked"
    folder.mkdir()
    output = folder / "out.pdf"
    output.write_bytes(SENTINEL)
    folder.chmod(0o500)
    try:
        message = refused(spec, output=output, where=output, code=1)
    finally:
        folder.chmod(0o700)
    assert message == "cannot write: Permission denied"


def fail_mid_write(monkeypatch: pytest.MonkeyPatch, exception: BaseException) -> None:
    """Make the write fail after the bytes went to the temporary file, before the rename."""

    def broken(descriptor: int) -> None:
        raise exception

    monkeypatch.setattr(os, "fsync", broken)


@pytest.mark.parametrize(
    ("exception", "code", "message"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), 1,
         "{output}: cannot write: No space left on device"),
        (KeyboardInterrupt(), 130, "{spec}: interrupted"),
        (RuntimeError("disk on fire"), 1, "{spec}: internal error: RuntimeError: disk on fire"),
    ],
    ids=["disk full", "ctrl-c", "unexpected exception"],
)
def test_a_write_interrupted_midway_leaves_the_old_pdf(
    spec: Path, monkeypatch: pytest.MonkeyPatch, exception: BaseException, code: int,
    message: str,
) -> None:
    output = spec.with_suffix(".pdf")
    output.write_bytes(SENTINEL)
    fail_mid_write(monkeypatch, exception)
    result = run_cli("build", spec, "-o", output)
    assert result.code == code
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(message.format(output=output, spec=spec))
    assert output.read_bytes() == SENTINEL
    assert leftovers(spec.parent) == []


def test_a_real_ctrl_c_during_the_write(spec: Path) -> None:
    output = spec.with_suffix(".pdf")
    output.write_bytes(SENTINEL)
    prelude = (
        "import os, signal\n"
        "real = os.fsync\n"
        "def interrupted(descriptor):\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    real(descriptor)\n"
        "os.fsync = interrupted\n"
    )
    result = run_engage("build", spec, "-o", output, prelude=prelude, cwd=spec.parent)
    assert (result.code, result.stderr) == (130, f"{spec}: interrupted\n")
    assert output.read_bytes() == SENTINEL
    assert leftovers(spec.parent) == []


def test_a_killed_build_leaves_a_temporary_file_that_the_next_build_removes(spec: Path) -> None:
    output = spec.with_suffix(".pdf")
    output.write_bytes(SENTINEL)
    prelude = (
        "import os, signal\n"
        "os.fsync = lambda descriptor: os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    killed = run_engage("build", spec, "-o", output, prelude=prelude, cwd=spec.parent)
    assert killed.code == -9
    assert output.read_bytes() == SENTINEL
    assert len(leftovers(spec.parent)) == 1
    result = run_cli("build", spec, "-o", output)
    assert result.code == 0, result.stderr
    assert leftovers(spec.parent) == []
    assert len(pypdf.PdfReader(output).pages) > 1


def test_a_link_planted_at_the_temporary_path_is_not_followed(spec: Path) -> None:
    victim = spec.parent / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    output = spec.with_suffix(".pdf")
    planted = spec.parent / f".{output.name}.engage-tmp-{os.getpid()}"
    planted.symlink_to(victim)
    result = run_cli("build", spec, "-o", output)
    assert result.code == 0, result.stderr
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert output.read_bytes().startswith(b"%PDF-")
    assert leftovers(spec.parent) == []


def test_stale_temporaries_are_found_whatever_the_output_is_called(tmp_path: Path) -> None:
    spec = minimal_tree(tmp_path)
    output = tmp_path / "offer [v2] *final*.pdf"
    stale = tmp_path / f".{output.name}.engage-tmp-999999999"
    stale.write_bytes(b"left by a killed build")
    result = run_cli("build", spec, "-o", output)
    assert result.code == 0, result.stderr
    assert leftovers(tmp_path) == []
