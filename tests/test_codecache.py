"""Compiled clause code is kept on disk for the next process, and trusted only when it is
private to the user (engage.codecache)."""

from __future__ import annotations

import hashlib
import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT

PROBE = """\
import sys
from pathlib import Path
from engage.sandbox import Sandbox
compiled = []
original = Sandbox._compile
def counted(self, source, filename):
    compiled.append(filename)
    return original(self, source, filename)
Sandbox._compile = counted
from engage.build import prepare
html = prepare(Path(sys.argv[1])).html
print(len(compiled), len(html))
"""


def prepared_in_new_process(
    cache: Path, *, off: bool = False, check: bool = True
) -> tuple[int, int]:
    """How many sources a new process compiled to prepare website-en, and the HTML's
    length."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(cache)}
    if off:
        env["ENGAGE_CACHE"] = "off"
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(EXAMPLES / "website-en.yaml")],
        env=env, capture_output=True, text=True, check=check,
    )
    if result.returncode != 0:
        return -1, -1
    compiled, length = result.stdout.split()
    return int(compiled), int(length)


def entries(cache: Path) -> list[Path]:
    return sorted(path for path in (cache / "engage").rglob("*") if path.is_file())


def poison(entry: Path, marker: Path) -> None:
    """Replace a cached entry by well-formed code that, run, writes ``marker``."""
    code = compile(f"open({str(marker)!r}, 'a').write('ran')\n", "<planted>", "exec")
    payload = marshal.dumps(code)
    entry.write_bytes(b"engage-code 1\n" + hashlib.sha256(payload).digest() + payload)


def test_a_new_process_compiles_nothing_that_an_earlier_one_compiled(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first, length = prepared_in_new_process(cache)
    assert first > 10 and len(entries(cache)) >= first
    assert prepared_in_new_process(cache) == (0, length)
    assert oct((cache / "engage").stat().st_mode & 0o777) == "0o700"
    off = tmp_path / "off"
    assert prepared_in_new_process(off, off=True) == (first, length)
    assert not (off / "engage").exists()


def test_a_planted_entry_is_used_only_from_a_private_folder(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first, length = prepared_in_new_process(cache)
    marker = tmp_path / "ran"
    for entry in entries(cache):
        poison(entry, marker)
    prepared_in_new_process(cache, check=False)
    assert marker.exists()  # the control: a private folder is trusted, as __pycache__ is
    marker.unlink()
    entries(cache)[0].parent.chmod(0o777)  # writable by others: nothing in it counts
    assert prepared_in_new_process(cache) == (first, length) and not marker.exists()


@pytest.mark.parametrize("how", ["writable by others", "a link", "corrupted", "not code"])
def test_an_entry_that_cannot_be_trusted_is_compiled_again(tmp_path: Path, how: str) -> None:
    cache = tmp_path / "cache"
    first, length = prepared_in_new_process(cache)
    marker = tmp_path / "ran"
    for entry in entries(cache):
        poison(entry, marker)
        if how == "writable by others":
            entry.chmod(0o666)
        elif how == "a link":
            target = tmp_path / "elsewhere" / entry.name
            target.parent.mkdir(exist_ok=True)
            entry.rename(target)
            entry.symlink_to(target)
        elif how == "corrupted":
            data = bytearray(entry.read_bytes())
            data[-1] ^= 0xFF
            entry.write_bytes(bytes(data))
        else:
            payload = marshal.dumps(("not", "code"))
            entry.write_bytes(b"engage-code 1\n" + hashlib.sha256(payload).digest() + payload)
    assert prepared_in_new_process(cache) == (first, length) and not marker.exists()


def git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(folder), "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


def test_the_commit_holding_the_inputs_is_remembered_and_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engage import codecache
    from engage.workspace import _input_paths, git_state

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    repository = tmp_path / "repo"
    repository.mkdir()
    git(repository, "init", "-q")
    (repository / "notes.txt").write_text("before the spec\n")
    git(repository, "add", "-A")
    git(repository, "commit", "-qm", "no spec yet")
    before = git(repository, "rev-parse", "HEAD")
    spec = repository / "a.yaml"
    spec.write_text("engage: 1\n")
    git(repository, "add", "-A")
    git(repository, "commit", "-qm", "the spec")
    holding = git(repository, "rev-parse", "HEAD")
    (repository / "notes.txt").write_text("the PDF was sent\n")
    git(repository, "commit", "-qam", "not an input")
    head = git(repository, "rev-parse", "HEAD")

    state = git_state(spec)
    assert state is not None and (state.commit, state.dirty) == (holding, False)
    paths = _input_paths(spec, repository.resolve())
    key = codecache._key(("text", "oldest commit holding the inputs", head, *paths))
    folder = codecache._folder()
    assert folder is not None and (folder / key).is_file()  # remembered

    def answer_with(stored: str) -> str | None:
        codecache._write(folder, key, stored.encode())
        found = git_state(spec)
        return None if found is None else found.commit

    assert answer_with(head) == head  # the control: a stored answer that holds is used
    assert answer_with(before) == holding  # one that does not hold the inputs is not
    assert answer_with("not a commit") == holding
    assert answer_with("0" * 40) == holding  # no such commit


def test_a_folder_above_the_cache_that_others_can_write_means_no_cache(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # anyone could swap what is below it
    cache = shared / "me" / "cache"
    first, length = prepared_in_new_process(cache)
    assert first > 10 and entries(cache) == []
    assert prepared_in_new_process(cache) == (first, length)
    shared.chmod(0o1777)  # with the sticky bit, like /tmp, others cannot
    prepared_in_new_process(cache)
    assert prepared_in_new_process(cache) == (0, length)


def test_filters_called_differently_never_share_compiled_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jinja2 import pass_context

    from engage import codecache
    from engage.sandbox import Sandbox

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(codecache, "_in_memory", {})
    with_context, plain = Sandbox(), Sandbox()
    with_context.filters["tag"] = pass_context(lambda context, value: f"<{value}>")
    plain.filters["tag"] = lambda value: f"[{value}]"
    source = "{{ 'x' | tag }}"
    assert with_context.from_string(source).render() == "&lt;x&gt;"
    assert plain.from_string(source).render() == "[x]"
