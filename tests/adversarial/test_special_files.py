"""FIFOs, devices and sockets where engage reads or writes, links where `engage init` writes,
and a read-only output folder: only regular files are read; only regular files (or nothing)
are replaced; everything else is one line, exit 2, at once.

Every command that could block runs in a child process with a generous safety bound, so a
regression fails the test instead of hanging the suite. The character devices written to are
private nodes made with mknod (a copy of /dev/null), never the system's own."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.adversarial.helpers import SENTINEL, minimal_tree, run_engage
from tests.conftest import MINIMAL_SPEC, ROOT, run_cli

FIFO_OUTPUT = "the output path is a FIFO (named pipe); engage replaces only regular files"
DEVICE_OUTPUT = "the output path is a character device; engage replaces only regular files"


@pytest.fixture(scope="module")
def engage_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = minimal_tree(tmp_path_factory.mktemp("pdf"))
    assert run_cli("build", spec).code == 0
    return spec.with_suffix(".pdf")


def private_null(folder: Path) -> Path:
    """A character device like /dev/null (same device numbers), owned by the test."""
    node = folder / "null.out"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.stat("/dev/null").st_rdev)
    except PermissionError:
        pytest.skip("making a device node needs CAP_MKNOD")
    return node


def writers(tmp_path: Path, engage_pdf: Path, output: Path) -> Iterator[tuple[str, ...]]:
    """Every command line that writes ``output``."""
    spec = minimal_tree(tmp_path / "spec")
    other = tmp_path / "spec" / "other.yaml"
    other.write_text(MINIMAL_SPEC.replace("amount: 1000.00", "amount: 1200.00"))
    yield "build", str(spec), "-o", str(output)
    yield "build", str(spec), "--html", "-o", str(output)
    yield "schema", "-o", str(output)
    yield "extract", str(engage_pdf), "-o", str(output)
    yield "diff", str(spec), str(other), "-o", str(output)


@pytest.mark.parametrize("kind", ["fifo", "device", "socket"])
def test_no_command_replaces_or_reads_a_special_output(
    tmp_path: Path, engage_pdf: Path, kind: str
) -> None:
    output = tmp_path / "special.out"
    expected = {"fifo": FIFO_OUTPUT, "device": DEVICE_OUTPUT,
                "socket": "the output path is a socket; engage replaces only regular files"}
    listener = None
    if kind == "fifo":
        os.mkfifo(output)
    elif kind == "device":
        output = private_null(tmp_path)
    else:
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(output))
    try:
        for args in writers(tmp_path, engage_pdf, output):
            result = run_engage(*args, timeout=120)
            assert (result.code, result.stdout, result.stderr) == (
                2, "", f"{output}: {expected[kind]}\n"
            ), args
            mode = os.lstat(output).st_mode
            assert {"fifo": stat.S_ISFIFO, "device": stat.S_ISCHR,
                    "socket": stat.S_ISSOCK}[kind](mode), args
    finally:
        if listener is not None:
            listener.close()


@pytest.mark.parametrize("name", ["fifo", "zero"])
@pytest.mark.parametrize("command", ["extract", "verify"])
def test_extract_and_verify_do_not_read_a_pdf_that_never_ends(
    tmp_path: Path, command: str, name: str
) -> None:
    if name == "fifo":
        pdf = tmp_path / "pipe.pdf"
        os.mkfifo(pdf)
        kind = "a FIFO (named pipe)"
    else:
        pdf, kind = Path("/dev/zero"), "a character device"
    result = run_engage(command, pdf, timeout=120, memory_limit=2**30)
    assert (result.code, result.stdout, result.stderr) == (
        2, "", f"{pdf}: the PDF is {kind}, not a regular file\n"
    )


def test_a_clause_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    spec = minimal_tree(tmp_path)
    (tmp_path / "clauses" / "en").mkdir(parents=True)
    fifo = tmp_path / "clauses" / "en" / "pipe.md"
    os.mkfifo(fifo)
    result = run_engage("check", spec, timeout=120)
    assert (result.code, result.stderr) == (
        2, f"{fifo}: the clause is a FIFO (named pipe), not a regular file\n"
    )


# engage init: never through a link, all or nothing.


def test_init_does_not_write_through_a_dangling_link(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    folder.mkdir()
    target = tmp_path / "elsewhere.md"
    (folder / "README.md").symlink_to(target)
    result = run_cli("init", folder)
    assert (result.code, result.stderr) == (
        2, f"{folder}: would overwrite {folder / 'README.md'}; nothing was written\n"
    )
    assert not target.exists()
    assert sorted(path.name for path in folder.iterdir()) == ["README.md"]


@pytest.mark.parametrize("linked", ["clients", "clauses"])
def test_init_does_not_write_into_a_linked_folder(tmp_path: Path, linked: str) -> None:
    folder = tmp_path / "ws"
    folder.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (folder / linked).symlink_to(outside)
    result = run_cli("init", folder)
    assert (result.code, result.stderr) == (
        2, f"{folder / linked}: is a symbolic link; engage init does not follow it; "
           "nothing was written\n"
    )
    assert list(outside.iterdir()) == []
    assert [path.name for path in folder.iterdir()] == [linked]


def test_init_that_fails_midway_leaves_nothing_behind(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "sent").write_text("not a folder")
    result = run_cli("init", folder)
    assert (result.code, result.stderr) == (
        2, f"{folder / 'sent'}: is a file, not a folder; nothing was written\n"
    )
    assert [path.name for path in folder.iterdir()] == ["sent"]


def test_init_into_a_link_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    result = run_cli("init", link)
    assert (result.code, result.stderr) == (
        2, f"{link}: is a symbolic link; give the folder itself\n"
    )
    assert list(real.iterdir()) == []


# A read-only output folder: the write error, not a cleanup error.


def test_a_read_only_output_folder_gives_the_write_error(tmp_path: Path) -> None:
    """A read-only file system (a bind mount in a private mount namespace): even root cannot
    write there, and the failed cleanup used to hide the real error as an internal one."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1)")
    folder = tmp_path / "locked"
    folder.mkdir()
    output = folder / "schema.json"
    output.write_bytes(SENTINEL)
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 99; shift; exec "$@"'
    command = ["unshare", "-rm", "sh", "-c", script, "sh", str(folder),
               sys.executable, "-m", "engage", "schema", "-o", str(output)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    if result.returncode == 99 or "unshare failed" in result.stderr:
        pytest.skip("cannot make a read-only mount here")
    assert (result.returncode, result.stderr) == (
        1, f"{output}: cannot write: Read-only file system\n"
    )
    assert output.read_bytes() == SENTINEL


def test_a_missing_output_folder_for_clauses_show(tmp_path: Path) -> None:
    output = tmp_path / "missing" / "payment.md"
    result = run_cli("clauses", "show", "payment", "-o", output)
    assert (result.code, result.stderr) == (
        2, f"{output}: the folder {output.parent} does not exist\n"
    )
