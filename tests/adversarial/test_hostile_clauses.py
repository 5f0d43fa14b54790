"""A hostile clause library, as pulled from another firm's git: nothing it tries may reach
Python, the disk, or more than its share of time and memory, and every refusal names the
clause file and line."""

from __future__ import annotations

import resource
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engage import sandbox
from tests.adversarial.helpers import minimal_tree, refused
from tests.conftest import clause, run_cli

EVIL = "clauses/en/evil.md"


def hostile(tmp_path: Path, body: str, **front: str) -> tuple[Path, Path]:
    """A spec next to a local library holding one clause with ``body`` (from line 4)."""
    spec = minimal_tree(tmp_path, {EVIL: clause("Evil", body, **front)})
    return spec, (tmp_path / EVIL).resolve()


@pytest.fixture(autouse=True)
def limits_are_lifted() -> Iterator[None]:
    """Whatever a clause did, no render leaves its timer, signal handler, memory limit or
    deadline behind (the timer could once go off as a render ended, and they stayed)."""
    handler, memory = signal.getsignal(signal.SIGALRM), resource.getrlimit(resource.RLIMIT_AS)
    yield
    assert getattr(sandbox._render, "deadline", None) is None
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) == handler
    assert resource.getrlimit(resource.RLIMIT_AS) == memory


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """A short render time limit, so that runaway clauses are stopped within the test."""
    monkeypatch.setattr(sandbox, "RENDER_SECONDS", 0.5)


ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ref.__globals__['os'].system('touch pwned') }}",
    "{{ (ref|attr('__globals__'))['os'].system('touch pwned') }}",
    "{{ client|attr('__class__') }}",
    "{{ cycler.__init__.__globals__.os.popen('touch pwned').read() }}",
    "{{ lipsum.__globals__['os'].system('touch pwned') }}",
    "{{ namespace.__init__.__globals__['os'].system('touch pwned') }}",
    "{{ self.__init__.__globals__ }}",
    "{{ self._TemplateReference__context.environment }}",
    "{{ client.__dict__ }}",
    "{{ '{0.__class__.__mro__}'.format(client) }}",
    "{{ '%s'.__mod__.__self__ }}",
    "{{ pricing.items.append(1) }}",
    "{{ range.__self__.__import__('os').system('touch pwned') }}",
    "{% set f = ref.__code__ %}{{ f }}",
]


@pytest.mark.parametrize("body", ESCAPES)
def test_jinja_cannot_reach_python_internals(tmp_path: Path, body: str) -> None:
    spec, evil = hostile(tmp_path, body + "\n")
    message = refused(spec, where=evil, line=4)
    assert any(
        word in message for word in ("unsafe", "undefined", "has no attribute", "has no name")
    ), message
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{{ 9**(9**9) }}", "not allowed: the result of ** would be too large"),
        ("{{ 'x' * 10**9 }}", "not allowed: the result of * would be too large"),
        ("{{ [0] * 10**9 }}", "not allowed: the result of * would be too large"),
        (
            "{% set ns = namespace(n=10**1000) %}{% for i in range(30) %}"
            "{% set ns.n = ns.n * ns.n %}{% endfor %}",
            "not allowed: the result of * would be too large",
        ),
        ("{{ range(10**8)|list|length }}", "Range too big"),
        (
            "{% set s = 'x' * 99999 %}{{ s + s }}",
            "not allowed: the result of + would be too large",
        ),
        (
            "{% macro again() %}{{ again() }}{% endmacro %}{{ again() }}",
            "RecursionError: maximum recursion depth exceeded",
        ),
        ("{% include 'evil' %}", "RecursionError: maximum recursion depth exceeded"),
        (
            "{% for i in range(3000) %}{{ 'x' * 1000 }}{% endfor %}",
            "renders to more than 1,000,000 characters",
        ),
    ],
)
def test_huge_computations_are_refused(tmp_path: Path, body: str, message: str) -> None:
    spec, evil = hostile(tmp_path, body + "\n")
    assert message in refused(spec, where=evil)


@pytest.mark.usefixtures("quick")
@pytest.mark.parametrize(
    "body",
    [
        "One.\n{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}\n",
        "One.\n{% for i in range(99999) %}{% for c in 'x' * 99999 %}{% endfor %}{% endfor %}\n",
        "One.\n{% for i in range(99999) %}{% for j in range(99999) %}{{ j }}{% endfor %}"
        "{% endfor %}\n",
    ],
)
def test_an_endless_computation_is_stopped_by_the_time_limit(tmp_path: Path, body: str) -> None:
    # The message names the line the render was at when the time ran out: the loop's (5), or
    # none if a loaded machine let the time run out before the render reached line 5. Both
    # are correct refusals; the test does not depend on how fast the machine is.
    spec, evil = hostile(tmp_path, body)
    message = refused(spec, where=evil)
    assert message == "took longer than 0.5 s to render; a loop or a computation is too large"


@pytest.mark.usefixtures("quick")
def test_an_endless_when_condition_is_stopped(tmp_path: Path) -> None:
    when = '"range(99999)|map(\\"string\\")|map(\\"center\\", 99999)|list|length"'
    spec, evil = hostile(tmp_path, "x\n", when=when)
    assert refused(spec, where=evil, line=3).startswith("when: ")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the memory limit is Linux's")
@pytest.mark.parametrize(
    "body",
    [
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}{{ ns.s|length }}",
        "{% set s = 'x' * 99999 %}{{ ([s] * 99999)|join|length }}",
        "{% set s = 'x' * 99999 %}{{ s.replace('', s)|length }}",
        '{{ "%0999999999d" % 1 }}',
        '{{ "{:0999999999}".format(1) }}',
    ],
)
def test_a_memory_bomb_is_stopped_by_the_memory_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str
) -> None:
    monkeypatch.setattr(sandbox, "RENDER_MEMORY", 64 * 2**20)
    spec, evil = hostile(tmp_path, body + "\n")
    assert refused(spec, where=evil) == "needs more than 64 MB of memory to render"


@pytest.mark.parametrize(
    "body",
    [
        # Jinja would work these out while compiling, in one call no limit can stop.
        '{{ "%099999999d" % 1 }}',
        "{{ 'x'|center(99999999) }}",
        "{{ 'x'|indent(99999999, true) }}",
    ],
)
@pytest.mark.usefixtures("quick")
def test_constants_are_not_computed_at_compile_time(tmp_path: Path, body: str) -> None:
    # Whichever limit stops the render first is a correct refusal: which one depends on how
    # fast (or loaded) the machine is, so all three are accepted.
    spec, evil = hostile(tmp_path, body + "\n")
    assert refused(spec, where=evil) in (
        "this prints a value of more than 1,000,000 characters",
        "needs more than 512 MB of memory to render",
        "took longer than 0.5 s to render; a loop or a computation is too large",
    )


def test_nesting_beyond_python_s_limits(tmp_path: Path) -> None:
    body = "{% for i in [1] %}" * 25 + "x" + "{% endfor %}" * 25 + "\n"
    spec, evil = hostile(tmp_path, body)
    assert refused(spec, where=evil) == "the template is nested too deeply to compile"


@pytest.mark.parametrize(
    "body",
    [
        "{% include '../../secret.md' %}",
        "{% include '/etc/passwd' %}",
        "{% include 'file:///etc/passwd' %}",
        "{% include ['nothing', '../secret.md'] %}",
        "{% import '../../secret.md' as secret %}",
        "{% from '/etc/passwd' import root %}",
        "{% extends '/etc/passwd' %}",
        "{% include 'a\\nb' %}",
    ],
)
def test_include_reaches_no_file_outside_the_library(tmp_path: Path, body: str) -> None:
    (tmp_path / "secret.md").write_text("---\ntitle: Secret\n---\nsecret\n", encoding="utf-8")
    spec, evil = hostile(tmp_path, body + "\n")
    message = refused(spec, where=evil, line=4)
    assert "to include, import or extend: these take the id of a clause" in message, message


def test_a_clause_symlinked_outside_the_library_is_refused(tmp_path: Path) -> None:
    spec = minimal_tree(tmp_path, {"outside/secret.md": "---\ntitle: S\n---\nsecret\n"})
    (tmp_path / "clauses/en").mkdir(parents=True)
    for name, target in (("leak", tmp_path / "outside/secret.md"), ("passwd", Path("/etc/passwd"))):
        link = tmp_path / f"clauses/en/{name}.md"
        link.symlink_to(target)
        where = (tmp_path / "clauses").resolve() / f"en/{name}.md"
        message = refused(spec, where=where)
        assert message == "the clause file links to a place outside its library"
        link.unlink()


def test_a_language_folder_symlinked_outside_the_library_is_refused(tmp_path: Path) -> None:
    spec = minimal_tree(tmp_path, {"outside/en/secret.md": "---\ntitle: S\n---\nsecret\n"})
    (tmp_path / "clauses").mkdir()
    (tmp_path / "clauses/en").symlink_to(tmp_path / "outside/en")
    where = (tmp_path / "clauses").resolve() / "en/secret.md"
    assert refused(spec, where=where) == "the clause file links to a place outside its library"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (clause("Evil", "Total: \u202e{{ pricing.total }}\n"), 4, "U+202E (RIGHT-TO-LEFT"),
        (clause("Evil", "Fine.\nHidden\x00text\n"), 5, "U+0000 (a control character)"),
        (b"---\ntitle: Evil\n---\nCaf\xe9\n", 4, "byte 0xe9 is not valid UTF-8"),
        (b"\xef\xbb\xbf---\ntitle: Evil\n---\nx\n", 1, "byte-order mark"),
        (clause("Evil", "x" * 100_001), None, "bytes; the limit is 100,000 bytes"),
        (clause("Evil", "x\n", when="1/0"), 3, "when: ZeroDivisionError: division by zero"),
        (clause("Evil", "x\n", when='"client.name + 1"'), 3, "when: TypeError: can only"),
        (clause("Evil", "x\n", when="__import__('os')"), 3, "when: there is no name '__import__'"),
        (clause("Evil", "x\n", order="9" * 100), 3, "order: '99999999999999999999999999999"),
    ],
)
def test_malformed_clause_files(
    tmp_path: Path, text: str | bytes, line: int | None, message: str
) -> None:
    spec = minimal_tree(tmp_path, {EVIL: text})
    assert message in refused(spec, where=(tmp_path / EVIL).resolve(), line=line)


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ('Total {{ "\\u202e" }}{{ pricing.total }}', None, "prints a forbidden character: U+202E"),
        ("Pay €1.00 now.", 4, "prints the amount '€1.00', which is not a figure of the spec"),
        ("One.\n\nPay 1,000.00 EUR.", 6, "prints the amount '1,000.00 EUR'"),
        ("Pay €{{ 2 * 500 }}.00.", None, "prints the amount '€1000.00'"),
        ("Pay {{ '€' ~ '999.99' }}.", None, "prints the amount '€999.99'"),
        ("Deposit € 500.01, total {{ pricing.total }}.", 4, "prints the amount '€ 500.01'"),
    ],
)
def test_a_clause_cannot_print_an_amount_the_spec_does_not_hold(
    tmp_path: Path, body: str, line: int | None, message: str
) -> None:
    spec, evil = hostile(tmp_path, body + "\n")
    assert message in refused(spec, where=evil, line=line)


def test_amounts_from_the_spec_and_its_own_words_are_printed(tmp_path: Path) -> None:
    spec, _ = hostile(
        tmp_path,
        "Total {{ pricing.total }}; deposit {{ payment.deposit }}; {{ payment.method }}.\n",
    )
    spec.write_text(
        spec.read_text(encoding="utf-8") + "  method: bank transfer, €15.00 fee included\n",
        encoding="utf-8",
    )
    result = run_cli("build", spec, "--html")
    assert result.code == 0, result.stderr
    html = spec.with_suffix(".html").read_text(encoding="utf-8")
    assert "Total €1,000.00; deposit €500.00; bank transfer, €15\\.00 fee included" not in html
    assert "Total €1,000.00; deposit €500.00; bank transfer, €15.00 fee included." in html
