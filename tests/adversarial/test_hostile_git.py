"""A received folder never runs code through git.

A workspace can arrive as a zip or tarball with its ``.git`` folder, and git takes commands
from the repository itself (fsmonitor, hooks, filters, external diff, textconv, pagers,
aliases, credential helpers, ssh commands, included config files). engage reads ``.git``
itself and never starts git: each payload below writes a marker file when git runs it, each
is first shown to be live with the real git binary, then every engage command that reads the
repository (build, batch build, diff --against, verify, check, init, extract) runs in the
hostile repository and no marker appears. The git state and the old revision are still read
right, from loose objects and from packs, and malformed repositories (zlib bombs, FIFOs,
symlink loops, escaping symlinks) give a build without git metadata or one clear error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest

from engage.gitread import GitReadError, find_repository
from engage.init import init_workspace
from engage.workspace import git_state
from tests.conftest import ROOT, clause, pdf_text, run_cli, write_tree

CLIENT = "clients/example-client.yaml"
GIT = shutil.which("git")
pytestmark = pytest.mark.skipif(GIT is None, reason="the tests set up repositories with git")


def git(folder: Path, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
    """The real git, for setting up repositories (engage itself never runs it)."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    return subprocess.run(
        [GIT or "git", "-C", str(folder), "-c", "user.name=T", "-c", "user.email=t@example.com",
         "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        check=check, capture_output=True, text=True, env={**clean, **(env or {})}, timeout=60,
        stdin=subprocess.DEVNULL,
    ).stdout.strip()


def committed_workspace(folder: Path) -> Path:
    """A workspace from ``engage init`` in git, with two commits (so ``HEAD~1`` exists)."""
    init_workspace(folder)
    git(folder, "init", "-q")
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "Our terms")
    profile = folder / "engage.yaml"
    profile.write_text(profile.read_text().replace("deposit_percent: 30", "deposit_percent: 40")
                       .replace("percent: 70", "percent: 60"))
    git(folder, "commit", "-qam", "40% deposit")
    return folder


# Each payload: (name, config lines, extra files). ``{run}`` becomes a command that writes the
# marker named after the payload; ``{hooks}`` a folder of hooks that do the same.
PAYLOADS: dict[str, list[str]] = {
    "fsmonitor": [
        "[core]", "\tfsmonitor = \"{run:fsmonitor}\"",
    ],
    "hooks-path": [
        "[core]", "\thooksPath = {hooks}",
    ],
    "filters": [
        "[filter \"evil\"]", "\tclean = \"{run:clean}\"", "\tsmudge = \"{run:smudge}\"",
        "\trequired = false",
        "[filter \"proc\"]", "\tprocess = \"{run:process}\"",
    ],
    "external-diff": [
        "[diff]", "\texternal = \"{run:external-diff}\"",
    ],
    "textconv": [
        "[diff \"conv\"]", "\ttextconv = \"{run:textconv}\"",
        "[diff \"evil\"]", "\tcommand = \"{run:diff-command}\"",
    ],
    "pager": [
        "[core]", "\tpager = \"{run:core-pager}\"",
        "[pager]", "\tstatus = \"{run:pager-status}\"", "\tlog = \"{run:pager-log}\"",
        "\tdiff = \"{run:pager-diff}\"",
    ],
    "alias": [
        "[alias]", "\tst = \"!{run:alias-st}\"", "\tstatus = \"!{run:alias-status}\"",
        "\trev-parse = \"!{run:alias-rev-parse}\"", "\tarchive = \"!{run:alias-archive}\"",
    ],
    "credential-helper": [
        "[credential]", "\thelper = \"!{run:credential}\"",
        "[credential \"https://example.com\"]", "\thelper = \"!{run:credential-url}\"",
    ],
    "ssh-command": [
        "[core]", "\tsshCommand = \"{run:ssh-command}\"",
    ],
}
# Attributes that route every file through the hostile filters and diff drivers.
ATTRIBUTES = (
    "* filter=evil\n*.md filter=proc diff=conv\nclients/** diff=evil\n*.yaml export-subst\n"
)
HOOK_NAMES = ("pre-commit", "post-commit", "post-checkout", "post-index-change",
              "reference-transaction", "pre-auto-gc", "post-rewrite", "fsmonitor-watchman")


def hostile(folder: Path, markers: Path, *, via_include: bool) -> Path:
    """Arm ``folder``'s repository with every payload, directly or through included files."""
    markers.mkdir(exist_ok=True)
    hooks = folder.parent / f"{folder.name}-hooks"
    for where, prefix in ((hooks, "hooks-path"), (folder / ".git" / "hooks", "git-hooks")):
        where.mkdir(exist_ok=True)
        for name in HOOK_NAMES:
            hook = where / name
            hook.write_text(f"#!/bin/sh\ntouch '{markers}/{prefix}-{name}'\n")
            hook.chmod(0o755)

    def arm(line: str) -> str:
        line = line.replace("{hooks}", str(hooks))
        while "{run:" in line:
            start = line.index("{run:")
            end = line.index("}", start)
            payload = f"touch '{markers}/{line[start + 5:end]}'; cat \\\"$@\\\""
            line = line[:start] + payload + line[end + 1:]
        return line

    sections = {name: "\n".join(arm(line) for line in lines) + "\n"
                for name, lines in PAYLOADS.items()}
    config = folder / ".git" / "config"
    if via_include:
        included = []
        for name, text in sections.items():
            path = folder.parent / f"{folder.name}-{name}.inc"
            path.write_text(text)
            included.append(path)
        text = "[include]\n" + "".join(f"\tpath = {path}\n" for path in included[::2])
        text += f"[includeIf \"gitdir:{folder}/\"]\n"
        text += "".join(f"\tpath = {path}\n" for path in included[1::2])
        config.write_text(config.read_text() + text)
    else:
        config.write_text(config.read_text() + "".join(sections.values()))
    (folder / ".gitattributes").write_text(ATTRIBUTES)
    (folder / ".git" / "info").mkdir(exist_ok=True)
    (folder / ".git" / "info" / "attributes").write_text(ATTRIBUTES)
    return folder


def fired(markers: Path) -> list[str]:
    return sorted(path.name for path in markers.iterdir())


@pytest.fixture(params=["direct", "include"])
def armed(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, Path, str]:
    """A hostile workspace, the folder its payloads write markers into, and its HEAD."""
    folder = committed_workspace(tmp_path / "terms")
    head = git(folder, "rev-parse", "HEAD")
    markers = tmp_path / "markers"
    hostile(folder, markers, via_include=request.param == "include")
    return folder, markers, head


def test_the_payloads_are_live_when_git_itself_runs(armed: tuple[Path, Path, str]) -> None:
    """The repository really is hostile: plain git commands run the payloads."""
    folder, markers, _ = armed
    spec = folder / CLIENT
    for changed in (spec, folder / "engage.yaml", folder / "clauses" / "README.md"):
        changed.write_text(changed.read_text() + "# touched\n")
    for command in (["status", "--porcelain"], ["diff", "HEAD~1"], ["diff", "HEAD", "clients"],
                    ["archive", "--format=tar", "-o", str(folder.parent / "a.tar"), "HEAD"],
                    ["st"], ["commit", "-qam", "touched"], ["log", "-p", "-1"]):
        git(folder, *command, check=False)  # some payloads break the command: it ran them
    (folder / "clauses" / "en" / "x.md").write_text("x\n")
    git(folder, "add", "clauses/en/x.md", check=False)
    git(folder, "ls-remote", "ssh://example.invalid/terms.git", check=False)
    subprocess.run([GIT or "git", "-C", str(folder), "credential", "fill"], timeout=60,
                   input="protocol=https\nhost=example.com\n\n", capture_output=True, text=True,
                   env={"PATH": os.environ.get("PATH", ""), "HOME": str(folder.parent)})
    terminal, other_end = os.openpty()  # pagers run only for a terminal
    try:
        subprocess.run([GIT or "git", "-C", str(folder), "log", "-1"], stdout=other_end,
                       stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, timeout=60,
                       env={"PATH": os.environ.get("PATH", ""), "HOME": str(folder.parent),
                            "TERM": "dumb"})
    finally:
        os.close(other_end)
        os.close(terminal)
    found = fired(markers)
    for marker in ("fsmonitor", "clean", "smudge", "process", "external-diff", "textconv",
                   "diff-command", "alias-st", "hooks-path-pre-commit", "hooks-path-post-commit",
                   "ssh-command", "credential-url", "pager-log"):
        assert marker in found, (marker, found)


# Every engage command that reads a repository, in the hostile one; each must still work.
def _build(folder: Path, head: str) -> None:
    result = run_cli("build", folder / CLIENT, "-o", folder / "out.pdf")
    assert result.code == 0, result.stderr
    metadata = pypdf.PdfReader(folder / "out.pdf").metadata
    assert metadata is not None
    assert (metadata["/EngageGitCommit"], metadata["/EngageGitDirty"]) == (head, "no")


def _batch(folder: Path, head: str) -> None:
    second = folder / "clients" / "second.yaml"
    second.write_text((folder / CLIENT).read_text())
    result = run_cli("build", folder / CLIENT, second, "-j", "2")
    assert result.code == 0, result.stderr
    assert (folder / "clients" / "second.pdf").is_file()


def _diff(folder: Path, head: str) -> None:
    result = run_cli("diff", folder / CLIENT, "--against", "HEAD~1", "-o",
                     folder / "redline.html", "--html")
    assert result.code == 0, result.stderr
    html = (folder / "redline.html").read_text(encoding="utf-8")
    assert "<del>30% · €878.40</del>" in html and "<ins>40% · €1,171.20</ins>" in html


def _verify(folder: Path, head: str) -> None:
    assert run_cli("build", folder / CLIENT, "-o", folder / "sent" / "EX.pdf").code == 0
    result = run_cli("verify", folder / "sent" / "EX.pdf")
    assert result.code == 0, result.stderr
    assert run_cli("extract", folder / "sent" / "EX.pdf", "-o", folder / "x.yaml").code == 0


def _check(folder: Path, head: str) -> None:
    result = run_cli("check", folder / CLIENT)
    assert result.code == 0, result.stderr


def _init(folder: Path, head: str) -> None:
    result = run_cli("init", folder / "nested")
    assert result.code == 0, result.stderr
    assert run_cli("check", folder / "nested" / CLIENT).code == 0


def _send(folder: Path, head: str) -> None:
    result = run_cli("send", folder / CLIENT)
    assert result.code == 0, result.stderr
    assert _recorded(folder / "sent" / "EX-2027-001.pdf") == (head, "no")


COMMANDS: dict[str, Callable[[Path, str], None]] = {
    "build": _build, "send": _send, "batch": _batch, "diff-against": _diff, "verify": _verify,
    "check": _check, "init": _init,
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_no_engage_command_runs_a_payload(
    armed: tuple[Path, Path, str], command: str
) -> None:
    folder, markers, head = armed
    COMMANDS[command](folder, head)
    assert fired(markers) == []


def test_engage_never_starts_git_whatever_the_environment(tmp_path: Path) -> None:
    """A ``git`` first on PATH and GIT_* variables asking for a payload: never used."""
    folder = committed_workspace(tmp_path / "terms")
    markers = tmp_path / "markers"
    markers.mkdir()
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "git").write_text(f"#!/bin/sh\ntouch '{markers}/git-started'\nexit 1\n")
    (fake / "git").chmod(0o755)
    env = {
        **os.environ, "PATH": f"{fake}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT), "GIT_DIR": str(tmp_path / "nowhere"),
        "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "core.fsmonitor",
        "GIT_CONFIG_VALUE_0": f"touch '{markers}/env-fsmonitor'",
        "GIT_EXTERNAL_DIFF": f"touch '{markers}/env-diff'", "GIT_PAGER": f"touch '{markers}/pg'",
        "GIT_SSH_COMMAND": f"touch '{markers}/env-ssh'",
    }
    for args in (["build", folder / CLIENT],
                 ["diff", folder / CLIENT, "--against", "HEAD~1", "-o", folder / "r.html",
                  "--html"]):
        result = subprocess.run([sys.executable, "-m", "engage", *map(str, args)], env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
    assert fired(markers) == []
    metadata = pypdf.PdfReader(folder / "clients" / "example-client.pdf").metadata
    assert metadata is not None and metadata["/EngageGitDirty"] == "no"


# The reader gets the same answers as git, from loose objects and from packs.


@pytest.mark.parametrize("packed", [False, True])
def test_git_state_and_old_revisions_match_git(tmp_path: Path, packed: bool) -> None:
    folder = committed_workspace(tmp_path / "terms")
    for number in range(3):  # history with deltas once packed
        write_tree(folder, {"clauses/en/acceptance.md": clause(
            "Acceptance", f"The client accepts each deliverable within {number + 5} days.\n"
            + "Same words every time, so that the packed versions are deltas. " * 40,
            order="40")})
        git(folder, "add", "-A")
        git(folder, "commit", "-qm", f"acceptance {number}")
    git(folder, "tag", "-a", "-m", "sent", "sent-1", "HEAD~1")
    if packed:
        git(folder, "gc", "-q", "--aggressive")
        assert not list((folder / ".git" / "objects").glob("??/*"))
    repository = find_repository(folder / "clients")
    assert repository is not None
    for revision in ("HEAD", "HEAD~1", "HEAD^^", "main~3", "sent-1", "sent-1~1",
                     git(folder, "rev-parse", "--short=7", "HEAD~2")):
        assert repository.resolve(revision) == git(folder, "rev-parse", f"{revision}^{{commit}}")
    for path in ("engage.yaml", "clauses/en/acceptance.md"):
        blob = git(folder, "rev-parse", f"HEAD~1:{path}")
        assert repository.blob(blob).decode().strip() == git(folder, "show", f"HEAD~1:{path}")
    state = git_state(folder / CLIENT)
    assert state is not None
    assert (state.commit, state.dirty) == (git(folder, "rev-parse", "HEAD"), False)
    result = run_cli("diff", folder / CLIENT, "--against", "sent-1", "-o", folder / "r.html",
                     "--html")
    assert result.code == 0, result.stderr
    html = (folder / "r.html").read_text(encoding="utf-8")
    assert "within <del>6</del> <ins>7</ins> days" in html


def test_an_unknown_revision_is_one_clear_line(tmp_path: Path) -> None:
    folder = committed_workspace(tmp_path / "terms")
    for revision, reason in (("nope", "unknown revision 'nope'"),
                             ("HEAD~9", "revision 'HEAD~9' does not exist"),
                             ("../../etc/passwd", "unknown revision '../../etc/passwd'"),
                             ("HEAD@{1}", "unknown revision 'HEAD@{1}'")):
        result = run_cli("diff", folder / CLIENT, "--against", revision)
        assert (result.code, result.stdout) == (2, "")
        assert result.stderr == (
            f"{folder / CLIENT}: cannot read revision {revision!r}: {reason}\n"
        )


# Symlinks in an old revision: only what the build needs is read, inside the repository.


def test_diff_against_a_revision_with_escaping_symlinks_elsewhere(tmp_path: Path) -> None:
    """Symlinks the build does not need are never read; one it needs is followed inside."""
    folder = committed_workspace(tmp_path / "terms")
    (folder / "notes").mkdir()
    (folder / "notes" / "passwd").symlink_to("/etc/passwd")
    (folder / "notes" / "up").symlink_to("../../../outside")
    (folder / "notes" / "loop").symlink_to("loop")
    (folder / "profiles").mkdir()
    (folder / "engage.yaml").rename(folder / "profiles" / "studio.yaml")
    (folder / "engage.yaml").symlink_to("profiles/studio.yaml")
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "links")
    profile = folder / "profiles" / "studio.yaml"
    profile.write_text(profile.read_text().replace("deposit_percent: 40", "deposit_percent: 50")
                       .replace("percent: 60", "percent: 50"))
    result = run_cli("diff", folder / CLIENT, "--against", "HEAD", "-o", folder / "r.html",
                     "--html")
    assert result.code == 0, result.stderr
    html = (folder / "r.html").read_text(encoding="utf-8")
    assert "<del>40% · €1,171.20</del>" in html and "<ins>50% · €1,464.00</ins>" in html


@pytest.mark.parametrize("target", ["/etc/passwd", "../../../../outside.md", "../../..",
                                    "/"])
def test_a_needed_symlink_that_leaves_the_repository_is_refused(
    tmp_path: Path, target: str
) -> None:
    folder = committed_workspace(tmp_path / "terms")
    (folder / "clauses" / "en" / "evil.md").symlink_to(target)
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "evil")
    (folder / "clauses" / "en" / "evil.md").unlink()
    result = run_cli("diff", folder / CLIENT, "--against", "HEAD", "-o", folder / "r.html")
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == (
        f"{folder / CLIENT}: cannot read revision 'HEAD': clauses/en/evil.md is a "
        "symlink that leads outside the repository\n"
    )
    assert not (folder / "r.html").exists()


def test_a_symlinked_clause_folder_at_a_revision_is_read_inside_only(tmp_path: Path) -> None:
    folder = committed_workspace(tmp_path / "terms")
    (folder / "clauses").rename(tmp_path / "kept")
    (folder / "clauses").symlink_to("/usr/share")
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "clauses elsewhere")
    (folder / "clauses").unlink()  # today's clauses are a real folder again
    (tmp_path / "kept").rename(folder / "clauses")
    result = run_cli("diff", folder / CLIENT, "--against", "HEAD", "-o", folder / "r.html")
    assert result.code == 2
    assert result.stderr.endswith(
        "cannot read revision 'HEAD': clauses is a symlink that leads outside the repository\n"
    )


# A malformed or hostile .git never hangs, never blows up: the build goes on without git
# metadata, and diff --against gives one line.


def _loose(folder: Path, object_id: str, data: bytes) -> None:
    path = folder / ".git" / "objects" / object_id[:2] / object_id[2:]
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.chmod(0o644)
    path.write_bytes(data)


def _bomb(size: int) -> bytes:
    inflater = zlib.compressobj(9)
    out = inflater.compress(b"blob %d\x00" % size)
    chunk = bytes(2**20)
    for _ in range(size // 2**20):
        out += inflater.compress(chunk)
    return out + inflater.flush()


def _breakers() -> dict[str, Callable[[Path], None]]:
    def head_is_fifo(folder: Path) -> None:
        (folder / ".git" / "HEAD").unlink()
        os.mkfifo(folder / ".git" / "HEAD")

    def ref_loop(folder: Path) -> None:
        ref = folder / ".git" / "refs" / "heads" / "main"
        ref.unlink()
        ref.symlink_to("main")

    def symbolic_loop(folder: Path) -> None:
        (folder / ".git" / "refs" / "heads" / "main").write_text("ref: refs/heads/main\n")

    def commit_bomb(folder: Path) -> None:  # a 1 GB "commit" in 1 MB of zlib
        _loose(folder, git(folder, "rev-parse", "HEAD"), _bomb(2**30))

    def tree_lies(folder: Path) -> None:  # announces 10 bytes, inflates 1 MB
        tree = git(folder, "rev-parse", "HEAD^{tree}")
        _loose(folder, tree, zlib.compress(b"tree 10\x00" + bytes(2**20)))

    def dot_git_points_away(folder: Path) -> None:
        shutil.move(folder / ".git", folder.parent / "elsewhere")
        (folder / ".git").write_text("gitdir: /dev/zero\n")

    def dot_git_points_at_a_loop(folder: Path) -> None:
        shutil.rmtree(folder / ".git")
        (folder / "loop").symlink_to("loop")
        (folder / ".git").write_text("gitdir: loop/again\n")

    def commondir_loops(folder: Path) -> None:
        (folder / ".git" / "commondir").write_text("shared\n")
        (folder / ".git" / "shared").symlink_to("shared")

    def dot_git_is_fifo(folder: Path) -> None:
        shutil.rmtree(folder / ".git")
        os.mkfifo(folder / ".git")

    return {f.__name__: f for f in (head_is_fifo, ref_loop, symbolic_loop, commit_bomb,
                                    tree_lies, dot_git_points_away, dot_git_points_at_a_loop,
                                    commondir_loops, dot_git_is_fifo)}


@pytest.mark.parametrize("breaker", list(_breakers()))
def test_a_broken_repository_gives_a_build_without_git_metadata(
    tmp_path: Path, breaker: str
) -> None:
    folder = committed_workspace(tmp_path / "terms")
    _breakers()[breaker](folder)
    assert git_state(folder / CLIENT) is None
    result = run_cli("build", folder / CLIENT)
    assert result.code == 0, result.stderr
    metadata = pypdf.PdfReader(folder / "clients" / "example-client.pdf").metadata
    assert metadata is not None and "/EngageGitCommit" not in metadata
    result = run_cli("diff", folder / CLIENT, "--against", "HEAD", "-o", folder / "r.html")
    assert (result.code, result.stdout) == (2, "")
    assert len(result.stderr.splitlines()) == 1
    assert "cannot read revision 'HEAD': " in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_the_reader_refuses_a_zlib_bomb_without_inflating_it(tmp_path: Path) -> None:
    folder = committed_workspace(tmp_path / "terms")
    blob = git(folder, "rev-parse", "HEAD:engage.yaml")
    _loose(folder, blob, _bomb(2**27))  # 128 MB of zeros, over the 64 MB object limit
    repository = find_repository(folder)
    assert repository is not None
    with pytest.raises(GitReadError, match=r"an object is 134,217,728 bytes; the limit is"):
        repository.blob(blob)


# The documented flow records the commit that holds the terms as sent.


def _recorded(pdf: Path) -> tuple[str, str]:
    metadata = pypdf.PdfReader(pdf).metadata
    assert metadata is not None
    return str(metadata["/EngageGitCommit"]), str(metadata["/EngageGitDirty"])


def test_the_sent_pdf_records_the_commit_that_holds_its_terms(tmp_path: Path) -> None:
    folder = committed_workspace(tmp_path / "terms")
    spec = folder / "clients" / "acme.yaml"
    spec.write_text((folder / CLIENT).read_text().replace("Example Client Ltd", "Acme Ltd"))
    built = run_cli("build", spec)
    assert built.code == 0, built.stderr
    pdf = spec.with_suffix(".pdf")
    assert _recorded(pdf) == (git(folder, "rev-parse", "HEAD"), "yes")  # acme.yaml is new

    git(folder, "add", "clients/acme.yaml")
    git(folder, "commit", "-qm", "Acme terms")
    terms_commit = git(folder, "rev-parse", "HEAD")
    rebuilt = run_cli("build", spec)
    assert rebuilt.code == 0 and "up to date" not in rebuilt.stdout  # the git state changed
    assert _recorded(pdf) == (terms_commit, "no")

    (folder / "sent" / "ACME-1.pdf").write_bytes(pdf.read_bytes())
    (folder / "notes.txt").write_text("call on Monday\n")  # not an input: never makes it dirty
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "Sent to Acme")
    (folder / "notes.txt").write_text("call on Tuesday\n")
    again = run_cli("build", spec)
    assert again.code == 0 and "up to date" in again.stdout
    assert run_cli("build", spec, "-o", tmp_path / "fresh.pdf").code == 0
    assert _recorded(tmp_path / "fresh.pdf") == (terms_commit, "no")
    assert run_cli("verify", folder / "sent" / "ACME-1.pdf").code == 0

    write_tree(folder, {"clauses/en/fees.md": clause("Fees", "Our fees.\n", order="50")})
    assert run_cli("build", spec).code == 0
    assert _recorded(pdf) == (git(folder, "rev-parse", "HEAD"), "yes")  # a new clause
    assert "Our fees." in pdf_text(pdf)


def test_input_folders_nested_too_deep_or_looping_are_bounded(tmp_path: Path) -> None:
    folder = committed_workspace(tmp_path / "terms")
    (folder / "clauses" / "en" / "loop").symlink_to("..")  # clauses/en/loop/en/loop/...
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "a loop")
    (folder / "clauses" / "en" / "loop").unlink()
    result = run_cli("diff", folder / CLIENT, "--against", "HEAD", "-o", folder / "r.html")
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == (
        f"{folder / CLIENT}: cannot read revision 'HEAD': clauses holds too many folders or "
        "nests them more than 32 deep (a symlink loop?)\n"
    )
    deep = folder / "assets" / Path(*["d"] * 40)
    deep.mkdir(parents=True)
    (deep / "x.css").write_text("p {}\n")
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "deep assets")
    assert git_state(folder / CLIENT) is None


def test_send_records_committed_terms_and_refuses_the_rest(tmp_path: Path) -> None:
    folder = committed_workspace(tmp_path / "terms")
    spec = folder / "clients" / "acme.yaml"
    spec.write_text((folder / CLIENT).read_text().replace("EX-2027-001", "ACME-1"))
    result = run_cli("send", spec)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == (
        f"{spec}: commit the terms before sending them; not committed: clients/acme.yaml\n"
    )
    assert not (folder / "sent" / "ACME-1.pdf").exists()

    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "Acme terms")
    head = git(folder, "rev-parse", "HEAD")
    result = run_cli("send", spec)
    sent = folder / "sent" / "ACME-1.pdf"
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == (
        f"wrote {sent}: the terms of commit {head[:12]}; commit the PDF to keep it with them\n"
    )
    assert _recorded(sent) == (head, "no")
    assert "ACME-1" in pdf_text(sent)
    before = sent.read_bytes()
    result = run_cli("send", spec)
    assert (result.code, result.stderr) == (
        2, f"{sent}: already exists; a sent PDF is never replaced\n"
    )
    assert sent.read_bytes() == before

    outside = tmp_path / "loose.yaml"
    outside.write_text(spec.read_text())
    result = run_cli("send", outside, "-o", tmp_path / "x.pdf")
    assert result.code == 2 and not (tmp_path / "x.pdf").exists()
    assert result.stderr.startswith(f"{outside}: not in a git repository engage can read;")


def test_no_engage_module_can_start_git() -> None:
    """Only the ldconfig lookup in pdf.py starts a process; nothing names git."""
    import re

    starts = re.compile(r"import (subprocess|pty)\b|\bos\.(system|popen|exec\w*|spawn\w*|"
                        r"posix_spawn\w*)\(|shutil\.which\(")
    for path in sorted((ROOT / "engage").glob("*.py")):
        found = starts.findall(path.read_text(encoding="utf-8"))
        assert found == ([("subprocess", "")] if path.name == "pdf.py" else []), path.name
    assert "git" not in (ROOT / "engage" / "pdf.py").read_text(encoding="utf-8")


# Hand-made packs: an object larger than it may be, and deltas that refer to each other.


def _pack_entry(kind: int, size: int, payload: bytes, base: bytes = b"") -> bytes:
    header = bytearray([(kind << 4) | (size & 15) | (0x80 if size >> 4 else 0)])
    size >>= 4
    while size:
        header.append((size & 0x7F) | (0x80 if size >> 7 else 0))
        size >>= 7
    return bytes(header) + base + zlib.compress(payload)


def _write_pack(folder: Path, entries: dict[str, bytes]) -> None:
    """A version-2 pack and index holding ``entries`` (object id -> entry bytes)."""
    import hashlib
    import struct

    pack = bytearray(b"PACK" + struct.pack(">II", 2, len(entries)))
    offsets = {}
    for object_id, entry in entries.items():
        offsets[object_id] = len(pack)
        pack += entry
    pack += hashlib.sha1(pack).digest()
    ids = sorted(entries)
    fanout = [sum(1 for i in ids if int(i[:2], 16) <= byte) for byte in range(256)]
    index = bytearray(b"\xfftOc" + struct.pack(">I", 2))
    index += b"".join(struct.pack(">I", count) for count in fanout)
    index += b"".join(bytes.fromhex(i) for i in ids)
    index += b"\x00\x00\x00\x00" * len(ids)
    index += b"".join(struct.pack(">I", offsets[i]) for i in ids)
    index += pack[-20:]
    index += hashlib.sha1(index).digest()
    folder = folder / ".git" / "objects" / "pack"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack-test.pack").write_bytes(bytes(pack))
    (folder / "pack-test.idx").write_bytes(bytes(index))


def test_packed_objects_are_bounded(tmp_path: Path) -> None:
    folder = committed_workspace(tmp_path / "terms")
    repository = find_repository(folder)
    assert repository is not None
    big, first, second = "aa" * 20, "bb" * 20, "cc" * 20
    delta = b"\x05\x05\x90\x05"  # base and result 5 bytes: copy 5 bytes from offset 0
    _write_pack(folder, {
        big: _pack_entry(3, 2**40, b"tiny"),                 # announces a terabyte
        first: _pack_entry(7, len(delta), delta, bytes.fromhex(second)),
        second: _pack_entry(7, len(delta), delta, bytes.fromhex(first)),  # a cycle
    })
    with pytest.raises(GitReadError, match=r"an object is 1,099,511,627,776 bytes; the limit"):
        repository.read_object(big)
    with pytest.raises(GitReadError, match=r"a delta chain is deeper than 1000"):
        repository.read_object(first)
    (folder / ".git" / "refs" / "heads" / "main").write_text(big + "\n")
    assert git_state(folder / CLIENT) is None


def test_send_makes_sent_in_a_fresh_clone_and_never_follows_a_linked_sent(
    tmp_path: Path,
) -> None:
    folder = committed_workspace(tmp_path / "terms")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(folder), str(clone))
    assert not (clone / "sent").exists()  # git keeps no empty folder
    result = run_cli("send", clone / CLIENT)
    assert result.code == 0, result.stderr
    assert _recorded(clone / "sent" / "EX-2027-001.pdf") == (git(clone, "rev-parse", "HEAD"),
                                                               "no")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (folder / "sent").rmdir()
    (folder / "sent").symlink_to(elsewhere)
    git(folder, "add", "sent")
    git(folder, "commit", "-qm", "sent points elsewhere")
    result = run_cli("send", folder / CLIENT)
    assert (result.code, result.stderr) == (
        2, f"{folder / 'sent'}: is not a folder of the workspace; give -o\n"
    )
    assert list(elsewhere.iterdir()) == []
