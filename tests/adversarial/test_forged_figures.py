"""Forged figures and invisible characters, checked in what the reader sees.

A hostile clause may write an amount with anything between the currency sign and the number
(format characters, other spaces, line breaks, Markdown, character references), with
look-alike digits, with the currency as a code or a word, or in its title; it may write a
bidi control as a character reference that only Markdown decodes. Every such clause is
refused with one line naming the clause file (and line), exit 2, nothing written; specs refuse
the same controls at their line and column; and legitimate clauses and specs still build.
"""

from __future__ import annotations

import re
import sys
import tempfile
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage.build import check
from engage.errors import ClauseError, EngageError
from tests.adversarial.helpers import minimal_tree, refused, refused_check, spec_with
from tests.conftest import MINIMAL_SPEC, clause, pdf_text, run_cli, write_tree

EVIL = "clauses/en/evil.md"
NOT_A_FIGURE = (
    "which is not a figure of the spec: amounts must come from the spec, like {{ pricing.total }}"
)
INVISIBLE = (
    "is not allowed: an invisible control character can hide text or change the order in "
    "which it is displayed"
)


def forged(shown: str, *, title: bool = False) -> str:
    return f"{'title: ' if title else ''}prints the amount {shown!r}, {NOT_A_FIGURE}"


def printed(code: str, name: str) -> str:
    return f"prints a forbidden character: U+{code} ({name}) {INVISIBLE}"


def hostile(tmp_path: Path, body: str, title: str = "Evil") -> tuple[Path, Path]:
    """A spec next to a local library holding one clause (title on line 2, body from line 4)."""
    spec = minimal_tree(tmp_path, {EVIL: clause(title, body + "\n")})
    return spec, (tmp_path / EVIL).resolve()


# ---- Between the currency sign and the number ----------------------------------------------

# Written as character references, which only Markdown decodes: format characters refused as
# invisible, wherever they are.
INVISIBLE_REFERENCES = [
    ("&#8203;", "200B", "ZERO WIDTH SPACE"),
    ("&#x200b;", "200B", "ZERO WIDTH SPACE"),
    ("&ZeroWidthSpace;", "200B", "ZERO WIDTH SPACE"),
    ("&NegativeMediumSpace;", "200B", "ZERO WIDTH SPACE"),
    ("&zwnj;", "200C", "ZERO WIDTH NON-JOINER"),
    ("&#x200D;", "200D", "ZERO WIDTH JOINER"),
    ("&lrm;", "200E", "LEFT-TO-RIGHT MARK"),
    ("&rlm;", "200F", "RIGHT-TO-LEFT MARK"),
    ("&#x2060;", "2060", "WORD JOINER"),
    ("&NoBreak;", "2060", "WORD JOINER"),
    ("&InvisibleTimes;", "2062", "INVISIBLE TIMES"),
    ("&#x2063;", "2063", "INVISIBLE SEPARATOR"),
    ("&shy;", "00AD", "SOFT HYPHEN"),
    ("&#173;", "00AD", "SOFT HYPHEN"),
    ("&#xFEFF;", "FEFF", "ZERO WIDTH NO-BREAK SPACE"),
    ("&#x180e;", "180E", "MONGOLIAN VOWEL SEPARATOR"),
    ("&#x61C;", "061C", "ARABIC LETTER MARK"),
    ("&#x3164;", "3164", "HANGUL FILLER"),
    ("&#xFFA0;", "FFA0", "HALFWIDTH HANGUL FILLER"),
    ("&#x34F;", "034F", "COMBINING GRAPHEME JOINER"),
    ("&#xFE0F;", "FE0F", "VARIATION SELECTOR-16"),
    ("&#xE0020;", "E0020", "TAG SPACE"),
    ("&#x1D173;", "1D173", "MUSICAL SYMBOL BEGIN BEAM"),
]


@pytest.mark.parametrize(("reference", "code", "name"), INVISIBLE_REFERENCES)
def test_an_invisible_character_reference_inside_an_amount_is_refused(
    tmp_path: Path, reference: str, code: str, name: str
) -> None:
    spec, evil = hostile(tmp_path, f"Pay €{reference}999.00 now.")
    assert refused(spec, where=evil, line=4) == printed(code, name)


# Written as the characters themselves: refused when the clause file is read, at line:col.
@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("\u200b", "ZERO WIDTH SPACE"),
        ("\u200c", "ZERO WIDTH NON-JOINER"),
        ("\u200d", "ZERO WIDTH JOINER"),
        ("\u2060", "WORD JOINER"),
        ("\u00ad", "SOFT HYPHEN"),
        ("\u200e", "LEFT-TO-RIGHT MARK"),
        ("\u200f", "RIGHT-TO-LEFT MARK"),
        ("\u061c", "ARABIC LETTER MARK"),
        ("\u3164", "HANGUL FILLER"),
        ("\U000e0031", "TAG DIGIT ONE"),
    ],
)
def test_an_invisible_character_inside_an_amount_is_refused_where_it_is_written(
    tmp_path: Path, char: str, name: str
) -> None:
    spec, evil = hostile(tmp_path, f"Pay €{char}999.00 now.")
    result = run_cli("check", spec)
    assert (result.code, result.stderr) == (
        2, f"{evil}:4:6: U+{ord(char):04X} ({name}) {INVISIBLE}\n"
    )


# Spaces other than one plain or no-break space, line breaks and Markdown between the sign
# and the number: the reader still sees an amount, so it is checked as one.
@pytest.mark.parametrize(
    ("body", "line", "shown"),
    [
        ("Pay €&nbsp;999.00 now.", 4, "€ 999.00"),
        ("Pay €&#160;999.00 now.", 4, "€ 999.00"),
        ("Pay €&thinsp;999.00 now.", 4, "€ 999.00"),
        ("Pay €&#x2009;999.00 now.", 4, "€ 999.00"),
        ("Pay €&#x202F;999.00 now.", 4, "€ 999.00"),
        ("Pay €&numsp;999.00 now.", 4, "€ 999.00"),
        ("Pay €&ensp;999.00 now.", 4, "€ 999.00"),
        ("Pay €&emsp13;999.00 now.", 4, "€ 999.00"),
        ("Pay €&MediumSpace;999.00 now.", 4, "€ 999.00"),
        ("Pay €&#x3000;999.00 now.", 4, "€ 999.00"),
        ("Pay €&#x200A;999.00 now.", 4, "€ 999.00"),
        ("Pay €&Tab;999.00 now.", 4, "€ 999.00"),
        ("Pay €&NewLine;999.00 now.", 4, "€ 999.00"),
        ("Pay €\u2009999.00 now.", 4, "€ 999.00"),
        ("Pay €\u202f999.00 now.", 4, "€ 999.00"),
        ("Pay €\u2007999.00 now.", 4, "€ 999.00"),
        ("Pay €\u3000999.00 now.", 4, "€ 999.00"),
        ("Pay €\u1680999.00 now.", 4, "€ 999.00"),
        ("Pay €\t999.00 now.", 4, "€ 999.00"),
        ("Pay €   999.00 now.", 4, "€ 999.00"),
        ("Pay €\n999.00 now.", 5, "€ 999.00"),
        ("Pay €  \n999.00 now.", 5, "€ 999.00"),
        ("Pay €\\\n999.00 now.", 5, "€ 999.00"),
        ("Pay €\n\n999.00 now.", 6, "€ 999.00"),
        ("# Pay €\n999.00 now.", 5, "€ 999.00"),
        ("- Pay €\n- 999.00 now.", 5, "€ 999.00"),
        ("Pay €\n\n999. now.", 6, "€ 999"),
        ("Pay €**9**99.00 now.", 4, "€999.00"),
        ("Pay €_999_.00 now.", 4, "€999.00"),
        ("Pay *€*999.00 now.", 4, "€*999.00"),
        ("Pay €`999.00` now.", 4, "€999.00"),
        ("Pay €[999.00](https://example.com) now.", 4, "€999.00"),
        ("Pay €9\\99.00 now.", 4, "€9"),
        ("Pay €: 999.00 now.", 4, "€: 999.00"),
        ("Pay € -999.00 now.", 4, "€ -999.00"),
        ("Pay €*999.00 now.", 4, "€*999.00"),
        ("Pay €~~999.00 now.", 4, "€~~999.00"),
        ("Pay €.99 now.", 4, "€.99"),
        ("Pay € 1 000 000.00 now.", 4, "€ 1 000 000.00"),
    ],
)
def test_a_split_or_spaced_amount_is_checked_as_the_reader_sees_it(
    tmp_path: Path, body: str, line: int, shown: str
) -> None:
    spec, evil = hostile(tmp_path, body)
    assert refused(spec, where=evil, line=line) == forged(shown)


# ---- Digits that look like digits --------------------------------------------------------


@pytest.mark.parametrize(
    "digits",
    [
        "９９９.００",  # fullwidth
        "٩٩٩.٠٠",  # Arabic-Indic
        "۹۹۹.۰۰",  # extended Arabic-Indic (Persian)
        "९९९.००",  # Devanagari
        "৯৯৯.০০",  # Bengali
        "๙๙๙.๐๐",  # Thai
        "𝟗𝟗𝟗.𝟎𝟎",  # mathematical bold
        "𝟡𝟡𝟡.𝟘𝟘",  # mathematical double-struck
        "⁹⁹⁹.⁰⁰",  # superscript
        "⑨⑨⑨.⓪⓪",  # circled
        "&#xFF19;&#xFF19;&#xFF19;.&#xFF10;&#xFF10;",  # fullwidth, as references
        "&#57;&#x39;&#X0039;.00",  # ASCII, as references
    ],
)
def test_look_alike_digits_are_read_as_digits(tmp_path: Path, digits: str) -> None:
    spec, evil = hostile(tmp_path, f"Pay €{digits} now.")
    assert refused(spec, where=evil, line=4) == forged("€999.00")


# ---- Any currency, as a sign, a code or a word -------------------------------------------


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("EUR 999.00", "EUR 999.00"),
        ("999.00 EUR", "999.00 EUR"),
        ("EUR999", "EUR999"),
        ("Eur 999", "Eur 999"),
        ("999 euro", "999 euro"),
        ("999 Euros", "999 Euros"),
        ("euro 999", "euro 999"),
        ("999,00 €", "999,00 €"),
        ("500 lei", "500 lei"),
        ("500 RON", "500 RON"),
        ("RON 1.000,00", "RON 1.000,00"),
        ("999 bani", "999 bani"),
        ("$999", "$999"),
        ("US$999", "US$999"),
        ("＄999", "$999"),
        ("£999", "£999"),
        ("GBP 999", "GBP 999"),
        ("999 pounds", "999 pounds"),
        ("999 sterline", "999 sterline"),
        ("999 dollars", "999 dollars"),
        ("999 dollari", "999 dollari"),
        ("CHF 999", "CHF 999"),
        ("¥999", "¥999"),
        ("JP¥999", "JP¥999"),
        ("₹999", "₹999"),
        ("₿0.5", "₿0.5"),
        ("&euro;999", "€999"),
        ("&#8364;999", "€999"),
        ("&#x20AC;999", "€999"),
        ("&dollar;999", "$999"),
        ("&pound;999", "£999"),
        ("&yen;999", "¥999"),
        ("EUR: 999", "EUR: 999"),
    ],
)
def test_an_amount_in_any_currency_is_checked(tmp_path: Path, written: str, shown: str) -> None:
    spec, evil = hostile(tmp_path, f"A fee of {written} applies.")
    assert refused(spec, where=evil, line=4) == forged(shown)


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("Total {{ pricing.total }}k.", "€1,000.00k"),
        ("Total {{ pricing.total }} million.", "€1,000.00 million"),
        ("Total {{ pricing.total }}0.", "€1,000.000"),
        ("Total {{ pricing.total }}.5.", "€1,000.00.5"),
        ("Total {{ pricing.total }}\u0338.", "€1,000.00\u0338"),
        ("Total {{ pricing.total|replace('1', '9') }}.", "€9,000.00"),
        ("Total {{ pricing.total[:-1] }}.", "€1,000.0"),
        ("Total {{ '€' ~ '\\uff19' * 3 }}.", "€999"),
        ("Total {{ pricing.total }}{{ '9' }}.", "€1,000.009"),
        ("Total 500 € 999.", "500 €"),
        ("Total € 999 €.", "€ 999"),
        ("Total {{ pricing.total }}**0**.", "€1,000.000"),
    ],
)
def test_a_figure_cannot_be_changed_by_what_is_written_around_it(
    tmp_path: Path, body: str, shown: str
) -> None:
    spec, evil = hostile(tmp_path, body)
    assert refused(spec, where=evil) == forged(shown)


# ---- Titles --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "body", "shown"),
    [
        ("Fee €999.00", "Body.", "€999.00"),
        ("Fee EUR 999", "Body.", "EUR 999"),
        ("Fee 999 lei", "Body.", "999 lei"),
        ("Fee €\u2009999", "Body.", "€ 999"),
        ("Fee €９９９", "Body.", "€999"),
        ("Fee £999", "Body.", "£999"),
        ("Fee of €", "999.00 is due.", "€ 999.00"),
    ],
)
def test_an_amount_in_a_title_is_checked(
    tmp_path: Path, title: str, body: str, shown: str
) -> None:
    spec, evil = hostile(tmp_path, body, title=title)
    assert refused(spec, where=evil, line=2) == forged(shown, title=True)


# ---- Bidi and invisible characters through references --------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "name"),
    [
        ("Payment within &#x202e;syad 03.", "202E", "RIGHT-TO-LEFT OVERRIDE"),
        ("Payment within &#8238;syad 03.", "202E", "RIGHT-TO-LEFT OVERRIDE"),
        ("Payment within &#X202E;syad 03.", "202E", "RIGHT-TO-LEFT OVERRIDE"),
        ("Payment within &#x202D;30 days.", "202D", "LEFT-TO-RIGHT OVERRIDE"),
        ("Payment within &#x202A;30 days.", "202A", "LEFT-TO-RIGHT EMBEDDING"),
        ("Payment within &#x202B;30 days.", "202B", "RIGHT-TO-LEFT EMBEDDING"),
        ("Payment within &#x202C;30 days.", "202C", "POP DIRECTIONAL FORMATTING"),
        ("Payment within &#x2066;30 days.", "2066", "LEFT-TO-RIGHT ISOLATE"),
        ("Payment within &#x2067;30 days.", "2067", "RIGHT-TO-LEFT ISOLATE"),
        ("Payment within &#x2068;30 days.", "2068", "FIRST STRONG ISOLATE"),
        ("Payment within &#x2069;30 days.", "2069", "POP DIRECTIONAL ISOLATE"),
        ("Payment within &rlm;30 days.", "200F", "RIGHT-TO-LEFT MARK"),
        ("Payment within &lrm;30 days.", "200E", "LEFT-TO-RIGHT MARK"),
        ("Payment within &#x61c;30 days.", "061C", "ARABIC LETTER MARK"),
        ("Payment wi&zwj;thin 30 days.", "200D", "ZERO WIDTH JOINER"),
        ("Payment wi&zwnj;thin 30 days.", "200C", "ZERO WIDTH NON-JOINER"),
        ("Payment within 30 da&shy;ys.", "00AD", "SOFT HYPHEN"),
        ("Payment within 30 days&#xE0001;.", "E0001", "LANGUAGE TAG"),
        ("Payment within 30 days&#xE000;.", "E000", "a private-use character"),
        ("[&#x202e;syad 03](https://example.com)", "202E", "RIGHT-TO-LEFT OVERRIDE"),
        ('[30 days](https://example.com "&#x202e;")', "202E", "RIGHT-TO-LEFT OVERRIDE"),
        ("# Within &#x202e;syad 03", "202E", "RIGHT-TO-LEFT OVERRIDE"),
        ("| a |\n|---|\n| &#x202e;b |", "202E", "RIGHT-TO-LEFT OVERRIDE"),
    ],
)
def test_a_control_written_as_a_reference_is_refused_after_markdown(
    tmp_path: Path, body: str, code: str, name: str
) -> None:
    spec, evil = hostile(tmp_path, body)
    line = 4 + body[: body.index("&")].count("\n")
    assert refused(spec, where=evil, line=line) == printed(code, name)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Within {{ '\\u2067' }}30 days.", printed("2067", "RIGHT-TO-LEFT ISOLATE")),
        ("Within {{ '&#x202e;'|safe }}syad 03.", printed("202E", "RIGHT-TO-LEFT OVERRIDE")),
        ("Pay €{{ '&#8203;'|safe }}999.00.", printed("200B", "ZERO WIDTH SPACE")),
        ("Pay {{ '&euro;&#x39;99'|safe }} now.", forged("€999")),
        ("Pay {{ '€'|e }}&nbsp;999 now.", forged("€ 999")),
    ],
)
def test_what_jinja_prints_is_checked_after_markdown(
    tmp_path: Path, body: str, message: str
) -> None:
    spec, evil = hostile(tmp_path, body)
    assert refused(spec, where=evil) == message


# ---- Every path that renders clauses -------------------------------------------------------


FORGERY = "Pay €&#8203;999.00 now."
FORGERY_MESSAGE = printed("200B", "ZERO WIDTH SPACE")


def test_check_refuses_the_forgery(tmp_path: Path) -> None:
    spec, evil = hostile(tmp_path, FORGERY)
    assert refused_check(spec, where=evil, line=4) == FORGERY_MESSAGE


def test_html_build_refuses_the_forgery(tmp_path: Path) -> None:
    spec, evil = hostile(tmp_path, FORGERY)
    result = run_cli("build", spec, "--html")
    assert (result.code, result.stderr) == (2, f"{evil}:4: {FORGERY_MESSAGE}\n")
    assert not spec.with_suffix(".html").exists()


def test_diff_refuses_the_forgery(tmp_path: Path) -> None:
    spec, evil = hostile(tmp_path, FORGERY)
    old = tmp_path / "old.yaml"
    old.write_text(MINIMAL_SPEC, encoding="utf-8")
    result = run_cli("diff", old, spec, "--html")
    assert (result.code, result.stderr) == (2, f"{evil}:4: {FORGERY_MESSAGE}\n")


def test_a_workspace_clause_is_checked(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "engage.yaml": "language: en\n",
        "clauses/en/evil.md": clause("Evil", "Pay €\u2009999.00 now.\n"),
        "client/spec.yaml": MINIMAL_SPEC,
    })
    evil = (tmp_path / "clauses/en/evil.md").resolve()
    message = refused(tmp_path / "client/spec.yaml", where=evil, line=4)
    assert message == forged("€ 999.00")


def test_a_replaced_built_in_clause_is_checked(tmp_path: Path) -> None:
    spec = minimal_tree(tmp_path, {"clauses/en/payment.md": clause("Payment", "€&nbsp;5.00\n")})
    where = (tmp_path / "clauses/en/payment.md").resolve()
    assert refused(spec, where=where, line=4) == forged("€ 5.00")


# ---- Specs ---------------------------------------------------------------------------------

# Line 11 of MINIMAL_SPEC holds the client's name.
@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("\u200f", "RIGHT-TO-LEFT MARK"),
        ("\u200e", "LEFT-TO-RIGHT MARK"),
        ("\u061c", "ARABIC LETTER MARK"),
        ("\u2066", "LEFT-TO-RIGHT ISOLATE"),
        ("\u2067", "RIGHT-TO-LEFT ISOLATE"),
        ("\u2068", "FIRST STRONG ISOLATE"),
        ("\u2069", "POP DIRECTIONAL ISOLATE"),
        ("\u202a", "LEFT-TO-RIGHT EMBEDDING"),
        ("\u202b", "RIGHT-TO-LEFT EMBEDDING"),
        ("\u202c", "POP DIRECTIONAL FORMATTING"),
        ("\u202d", "LEFT-TO-RIGHT OVERRIDE"),
        ("\u202e", "RIGHT-TO-LEFT OVERRIDE"),
        ("\u200d", "ZERO WIDTH JOINER"),
        ("\u200c", "ZERO WIDTH NON-JOINER"),
        ("\u200b", "ZERO WIDTH SPACE"),
        ("\u2060", "WORD JOINER"),
        ("\u00ad", "SOFT HYPHEN"),
        ("\u3164", "HANGUL FILLER"),
    ],
)
@pytest.mark.parametrize("escaped", [False, True], ids=["written", "escaped"])
def test_a_spec_refuses_bidi_and_format_controls_at_their_line_and_column(
    tmp_path: Path, char: str, name: str, escaped: bool
) -> None:
    value = f'"Client {char.encode("unicode_escape").decode()}Co"' if escaped else f"Cl{char}ient"
    spec = minimal_tree(tmp_path)
    spec.write_text(spec_with("name: Client Co", f"name: {value}"), encoding="utf-8")
    result = run_cli("check", spec)
    column = 9 if escaped else 11
    assert (result.code, result.stdout, result.stderr) == (
        2, "", f"{spec}:11:{column}: U+{ord(char):04X} ({name}) {INVISIBLE}\n"
    )


def test_a_spec_keeps_the_joiners_a_script_needs(tmp_path: Path) -> None:
    # Devanagari "क्‍ष" (a half form) and Persian "می‌خواهم" need U+200D and U+200C.
    spec = minimal_tree(tmp_path)
    name = "name: \u0915\u094d\u200d\u0937 \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    spec.write_text(spec_with("name: Client Co", name), encoding="utf-8")
    check(spec)


# ---- What still builds ---------------------------------------------------------------------

LEGITIMATE = [
    "Total {{ pricing.total }}; deposit {{ payment.deposit }}; fees {{ pricing.fees }}.",
    "Total: **{{ pricing.total }}**, of which {{ payment.deposit }} on signing.",
    "{% for item in pricing.items %}- {{ item.description }}: {{ item.amount }}\n{% endfor %}",
    "{% for step in payment.instalments %}{{ step.percent }}: {{ step.amount }}. {% endfor %}",
    "Deposit {{ payment.deposit_percent }} of {{ pricing.total }}, within 30 days.",
    "{{ pricing.total }} per month, 12 months, from 1 January 2027; ISO 9001, PHP 8.2, TOP 10.",
    "Invoices are paid in EUR by bank transfer within 30 days; 2 revisions; 5000 words.",
    "Invoices are paid in EUR. 30 days after delivery; EUR (30 days); EUR: 30 % upfront.",
    "Clause {{ ref('evil') }} applies; 30 % interest; 1.5 hours; version 2.0.",
    "✔️ Done. Devanagari: \u0915\u094d\u200d\u0937. "
    "Persian: \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645.",
    "&copy; Studio &amp; Co. &mdash; 10 &times; 2 pages.",
    "Total {{ pricing.total }}\n\n1. first\n2. second",
    "{{ pricing.total }} in 2 {{ payment.deposit }} instalments; {{ pricing.total }} 12 times.",
]


@pytest.mark.parametrize("body", LEGITIMATE)
def test_legitimate_clauses_still_build(tmp_path: Path, body: str) -> None:
    spec, _ = hostile(tmp_path, body)
    prepared = check(spec)
    assert any(clause.id == "evil" for clause in prepared.clauses)


def test_a_title_with_a_figure_of_the_spec_builds(tmp_path: Path) -> None:
    spec, _ = hostile(tmp_path, "Body.", title="Fee of €1,000.00")
    check(spec)


def test_a_figure_still_shows_in_the_pdf(tmp_path: Path) -> None:
    spec, _ = hostile(tmp_path, "Total {{ pricing.total }}; deposit {{ payment.deposit }}.")
    result = run_cli("build", spec)
    assert result.code == 0, result.stderr
    text = pdf_text(spec.with_suffix(".pdf"))
    assert "Total €1,000.00; deposit €500.00." in " ".join(text.split())
    hidden = [char for char in text if unicodedata.category(char) in ("Cf", "Co")]
    assert hidden == []


# ---- A property: any format character or space, any forged number ---------------------------

_SEPARATORS = sorted(
    {chr(code) for code in range(sys.maxunicode + 1)
     if unicodedata.category(chr(code)) in ("Cf", "Zs", "Zl", "Zp")} | {"\t", "\n"}
)
# The spec's figures: €1,000.00 (fees, total), €500.00 (deposit, delivery), €0.00 (free work).
_ALLOWED = {Decimal("1000.00"), Decimal("500.00"), Decimal("0.00")}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    separator=st.sampled_from(_SEPARATORS),
    amount=st.decimals(min_value=0, max_value=10**9, places=2).filter(
        lambda value: value not in _ALLOWED
    ),
    as_reference=st.booleans(),
)
def test_any_format_character_or_space_before_a_forged_number_is_refused(
    separator: str, amount: Decimal, as_reference: bool
) -> None:
    written = f"&#x{ord(separator):x};" if as_reference else separator
    body = f"Pay €{written}{amount:,.2f} now."
    with tempfile.TemporaryDirectory() as folder:
        spec = minimal_tree(Path(folder), {EVIL: clause("Evil", body + "\n")})
        with pytest.raises(EngageError) as refusal:
            check(spec)
        assert isinstance(refusal.value, ClauseError)
        problem = refusal.value.problems[0]
        assert Path(str(problem.file)).name == "evil.md"
        assert re.search(r"prints the amount|forbidden character|is not allowed", str(problem))
