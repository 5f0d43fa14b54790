"""Stage 3: clause choice, numbering, references, and the sandbox, on tiny libraries."""

from __future__ import annotations

from pathlib import Path

import pytest

from engage._resources import data_dir
from engage.assemble import AssembledClause, assemble, choose
from engage.clauses import load_library
from engage.context import build_context
from engage.errors import ClauseError, SpecError
from engage.formats import Formats
from engage.load import load_yaml
from engage.money import compute
from engage.render import load_labels
from engage.validate import validate
from tests.conftest import MINIMAL_SPEC, clause, write_tree


def assemble_tiny(
    tmp_path: Path, clauses: dict[str, str], spec_text: str = MINIMAL_SPEC
) -> list[AssembledClause]:
    write_tree(tmp_path, {f"lib/en/{name}.md": text for name, text in clauses.items()})
    (tmp_path / "spec.yaml").write_text(spec_text, encoding="utf-8")
    document = load_yaml(tmp_path / "spec.yaml")
    spec = validate(document, ["en"])
    context = build_context(spec, compute(spec, 2), Formats("en", "EUR"))
    library = load_library([tmp_path / "lib"], "en")
    chosen = choose(spec, document, library, context)
    labels = load_labels(data_dir("templates"), "en")
    return assemble(chosen, library, context, labels, "en")


def clause_error(tmp_path: Path, clauses: dict[str, str]) -> str:
    with pytest.raises(ClauseError) as caught:
        assemble_tiny(tmp_path, clauses)
    return str(caught.value).replace(str(tmp_path) + "/", "")


def test_order_numbers_and_references(tmp_path: Path) -> None:
    result = assemble_tiny(
        tmp_path,
        {
            "b-pay": clause(
                "Payment", "Pay {{ pricing.total }}; see {{ ref('a-scope') }}.\n", order="20"
            ),
            "a-scope": clause("Scope", "We make {{ scope.deliverables[0].title }}.\n", order="10"),
        },
    )
    assert [(c.number, c.id, c.title) for c in result] == [
        (1, "a-scope", "Scope"),
        (2, "b-pay", "Payment"),
    ]
    assert result[1].html == "<p>Pay €1,000.00; see clause 1.</p>\n"


def test_legal_citations_are_printed_as_written(tmp_path: Path) -> None:
    text = "Article 6(1)(c) GDPR; s. 5(2)(r) and (p); clause (tm) -- see 'here'.\n"
    result = assemble_tiny(tmp_path, {"cite": clause("Citations", text)})
    assert result[0].html == (
        "<p>Article 6(1)(c) GDPR; s. 5(2)(r) and (p); clause (tm) -- see ‘here’.</p>\n"
    )


def test_a_file_with_only_a_title_and_body_is_a_clause(tmp_path: Path) -> None:
    result = assemble_tiny(tmp_path, {"plain": "---\ntitle: Plain\n---\nJust text.\n"})
    assert result[0].html == "<p>Just text.</p>\n"


def test_when_optional_and_omit(tmp_path: Path) -> None:
    clauses = {
        "always": clause("Always", "A\n"),
        "needs-exit": clause("Exit", "E\n", when="exit"),
        "extra": clause("Extra", "X\n", optional="true"),
        "dropped": clause("Dropped", "D\n"),
    }
    spec = MINIMAL_SPEC + "clauses:\n  add: [extra]\n  omit: [dropped]\n"
    assert [c.id for c in assemble_tiny(tmp_path, clauses, spec)] == ["always", "extra"]


def test_reference_to_an_omitted_clause_is_an_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {})
    spec = MINIMAL_SPEC + "clauses:\n  omit: [b]\n"
    with pytest.raises(ClauseError) as caught:
        assemble_tiny(
            tmp_path, {"a": clause("A", "\nSee {{ ref('b') }}.\n"), "b": clause("B", "x")}, spec
        )
    assert str(caught.value).replace(str(tmp_path) + "/", "") == (
        "lib/en/a.md:5: ref('b'): that clause is omitted or not used"
    )


def test_unknown_clause_in_spec_points_at_the_spec_line(tmp_path: Path) -> None:
    spec = MINIMAL_SPEC + "clauses:\n  add: [nope]\n"
    with pytest.raises(SpecError) as caught:
        assemble_tiny(tmp_path, {"a": clause("A", "x")}, spec)
    assert str(caught.value).endswith(
        "spec.yaml:35:9: clauses.add[0]: no clause 'nope' in the library"
    )


def test_misspelled_variable_names_the_clause_file_and_line(tmp_path: Path) -> None:
    message = clause_error(tmp_path, {"a": clause("A", "One.\n\nTwo {{ provder.name }}.\n")})
    assert message == "lib/en/a.md:6: there is no name 'provder'; did you mean 'provider'?"


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    message = clause_error(tmp_path, {"a": clause("A", "One.\n{% if %}\n")})
    assert message.startswith("lib/en/a.md:5: ")


def test_printing_an_unset_value_is_an_error(tmp_path: Path) -> None:
    message = clause_error(tmp_path, {"a": clause("A", "Mail {{ client.email }}\n")})
    assert message == (
        "lib/en/a.md:4: this prints a value the spec does not set; guard it with {% if ... %}"
    )


@pytest.mark.parametrize(
    "body",
    [
        "{{ ref.__globals__ }}",
        "{{ ref.__globals__['os'].system('touch pwned') }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ (client|attr('__class__')) }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    ],
)
def test_sandbox_blocks_python_internals(tmp_path: Path, body: str) -> None:
    with pytest.raises(ClauseError):
        assemble_tiny(tmp_path, {"evil": clause("Evil", body + "\n")})
    assert not (tmp_path / "pwned").exists()


def test_huge_computations_are_refused(tmp_path: Path) -> None:
    assert "too large" in clause_error(tmp_path, {"a": clause("A", "{{ 9**(9**9) }}\n")})
    assert "too large" in clause_error(tmp_path, {"a": clause("A", "{{ 'x' * 10**9 }}\n")})
    assert "Range too big" in clause_error(
        tmp_path, {"a": clause("A", "{% for i in range(10**8) %}{% endfor %}\n")}
    )


def test_raw_html_and_images_are_not_passed_through(tmp_path: Path) -> None:
    body = (
        '<a rel="attachment" href="/etc/passwd">x</a> <style>p{display:none}</style>\n\n'
        "![img](http://example.com/x.png) [file](file:///etc/passwd) [web](https://a.example)\n"
    )
    html = assemble_tiny(tmp_path, {"a": clause("A", body)})[0].html
    assert "<a rel" not in html and "<style" not in html and "<img" not in html
    assert "&lt;a rel=“attachment” href=“/etc/passwd”&gt;" in html
    assert 'href="file:' not in html
    assert '<a href="https://a.example">web</a>' in html


def test_values_are_escaped_for_markdown_and_html(tmp_path: Path) -> None:
    spec = MINIMAL_SPEC.replace("name: Client Co", 'name: "*Client* <b>Co</b> [x](y)"')
    html = assemble_tiny(tmp_path, {"a": clause("A", "For {{ client.name }}.\n")}, spec)[0].html
    assert html == "<p>For *Client* &lt;b&gt;Co&lt;/b&gt; [x](y).</p>\n"


def test_tables_stand_on_their_own_line(tmp_path: Path) -> None:
    html = assemble_tiny(tmp_path, {"a": clause("A", "Plan:\n\n{{ table('payment_plan') }}\n")})[
        0
    ].html
    assert html == '<p>Plan:</p>\n<engage-table name="payment_plan"></engage-table>\n'
    assert "no such table" in clause_error(tmp_path, {"a": clause("A", "{{ table('nope') }}\n")})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "no front matter\n",
            "lib/en/a.md:1:1: a clause starts with a '---' line, then its front matter",
        ),
        ("---\ntitle: A\n", "lib/en/a.md:1:1: the front matter has no closing '---' line"),
        (
            "---\ntitel: A\n---\nx\n",
            "lib/en/a.md:2:1: title: this field is required\n"
            "lib/en/a.md:2:1: titel: unknown field 'titel'; did you mean 'title'?",
        ),
        (
            "---\ntitle: A\norder: first\n---\nx\n",
            "lib/en/a.md:3:8: order: 'first' is not a whole number of 0 or more",
        ),
    ],
)
def test_malformed_front_matter(tmp_path: Path, text: str, message: str) -> None:
    assert clause_error(tmp_path, {"a": text}) == message


def test_symlinked_clause_outside_the_library_is_refused(tmp_path: Path) -> None:
    write_tree(
        tmp_path, {"secret.md": "---\ntitle: S\n---\nsecret\n", "lib/en/ok.md": clause("OK", "x")}
    )
    (tmp_path / "lib/en/leak.md").symlink_to(tmp_path / "secret.md")
    with pytest.raises(ClauseError, match="links to a place outside its library"):
        load_library([tmp_path / "lib"], "en")
