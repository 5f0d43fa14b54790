"""Terms that hold up where they are signed (issue 11): the governing law and court named,
specific approval decided by the law, consumer clients, the professional's statutory details,
and money and dates written in the document's locale."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from engage.build import build, plan, prepare
from engage.errors import ClauseError
from engage.formats import Formats
from engage.law import locale_of
from engage.render import load_labels
from tests.conftest import EXAMPLES, MINIMAL_SPEC, ROOT, clause, pdf_text, run_cli, write_tree

ALL_EXAMPLES = sorted(EXAMPLES.glob("*.yaml"))


def _flat(text: str) -> str:
    return " ".join(text.replace("-\n", "-").split())  # a line may break after a hyphen


@pytest.fixture(scope="module")
def texts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("law")
    return {
        spec.name: _flat(pdf_text(build(spec, out / f"{spec.stem}.pdf").output))
        for spec in ALL_EXAMPLES
    }


def _spec(tmp_path: Path, extra: str, language: str = "en", name: str = "spec.yaml") -> Path:
    """MINIMAL_SPEC in ``language`` with ``extra`` top-level YAML and party fields merged in."""
    text = MINIMAL_SPEC.replace("language: en", f"language: {language}")
    path = tmp_path / name
    path.write_text(text + extra, encoding="utf-8")
    return path


def _party_spec(tmp_path: Path, provider: str = "", client: str = "", extra: str = "",
                language: str = "en") -> Path:
    text = MINIMAL_SPEC.replace("language: en", f"language: {language}")
    text = text.replace("  signatory: Ann Provider\n", "  signatory: Ann Provider\n" + provider)
    text = text.replace("  signatory: Bob Client\n", "  signatory: Bob Client\n" + client)
    path = tmp_path / f"spec-{language}.yaml"
    path.write_text(text + extra, encoding="utf-8")
    return path


# ---- Every example names its law and its court ---------------------------------------------

NAMED = {
    "website-en.yaml": ("These terms are governed by Italian law.",
                        "decided exclusively by the Tribunale di Milano."),
    "renovation-it.yaml": ("Le presenti condizioni sono regolate dalla legge italiana.",
                           "è competente il giudice del luogo di residenza o di domicilio del "
                           "Committente (art. 66-bis del Codice del Consumo)."),
    "retainer-en.yaml": ("These terms are governed by the law of the State of Washington, "
                         "United States of America, without regard to its conflict-of-laws "
                         "rules.",
                         "decided exclusively by the state and federal courts located in King "
                         "County, Washington."),
    "workshop-en.yaml": ("These terms are governed by the law of Scotland.",
                         "decided exclusively by the courts of Scotland."),
    "translation-ro.yaml": ("Prezentul contract este guvernat de legea română.",
                            "soluționat exclusiv de instanțele judecătorești competente din "
                            "municipiul Iași."),
    "crossborder-en.yaml": ("These terms are governed by Romanian law.",
                            "decided exclusively by the courts of Cluj-Napoca, Romania."),
}


@pytest.mark.parametrize("spec", ALL_EXAMPLES, ids=lambda spec: spec.name)
def test_every_example_names_its_governing_law_and_court(
    spec: Path, texts: dict[str, str]
) -> None:
    context = plan(spec).context
    text = texts[spec.name]
    assert context["law"].name and context["law"].name in text
    if context["law"].consumer is None:
        assert context["law"].court and context["law"].court in text
    for sentence in NAMED.get(spec.name, ()):
        assert sentence in text, sentence


def test_payment_claims_skip_the_amicable_settlement(texts: dict[str, str]) -> None:
    assert "payment order (decreto ingiuntivo, Articles 633 ff." in texts["website-en.yaml"]
    # A consumer is never barred from court, so there is nothing to carve out.
    assert "Ciò non limita il diritto del Committente di agire in giudizio in qualsiasi " \
        "momento" in texts["renovation-it.yaml"]
    assert "procedura ordonanței de plată" in texts["translation-ro.yaml"]
    assert "the simple procedure in the sheriff court" in texts["workshop-en.yaml"]
    assert "European order for payment" in texts["crossborder-en.yaml"]
    assert "a collection action, including in small claims court" in texts["retainer-en.yaml"]


def test_an_italian_professional_withdraws_only_for_just_cause(texts: dict[str, str]) -> None:
    assert "The Provider may withdraw only for just cause (Article 2237 of the Italian Civil " \
        "Code)" in texts["website-en.yaml"]
    assert "Il Professionista può recedere solo per giusta causa (art. 2237, secondo comma" \
        in texts["renovation-it.yaml"]
    assert "Either party may end the engagement at any time" in texts["workshop-en.yaml"]


def test_the_client_may_use_the_work_as_each_instalment_is_paid(texts: dict[str, str]) -> None:
    assert "As each payment under clause 7 is made, the Client receives a non-" \
        in texts["website-en.yaml"]
    assert "only to review and test them" not in texts["website-en.yaml"]


# ---- Specific approval: decided by the law, in the document's language ---------------------


@pytest.mark.parametrize("language", ["en", "it", "ro"])
@pytest.mark.parametrize("country", ["IT", "RO", "GB", "DE", None])
def test_the_approval_block_appears_exactly_under_italian_or_romanian_law(
    tmp_path: Path, language: str, country: str | None
) -> None:
    extra = f"law:\n  country: {country}\n" if country else ""
    prepared = prepare(_spec(tmp_path, extra + "exit:\n  notice_days: 10\n", language))
    labels = load_labels(ROOT / "templates", language)
    page = html.unescape(prepared.html)
    assert (labels["onerous_title"] in page) == (country in ("IT", "RO"))
    if country in ("IT", "RO"):
        block = page[page.index('id="specific-approval"') :]
        assert labels[f"onerous_law_{country}"] in block
        onerous = [clause for clause in prepared.clauses if clause.onerous]
        assert {"suspension", "termination", "governing-law"} <= {c.id for c in onerous}
        for clause in onerous:
            entry = re.search(
                rf'<li><span class="num">{labels["clause"]} {clause.number}</span> '
                rf'<span class="onerous-title">([^<]+)</span><span class="onerous-summary">: '
                rf"([^<]+)</span></li>",
                block,
            )
            assert entry is not None, clause.id
            assert entry[2].strip()
        assert labels[f"approval_forms_{country}"] in block
        assert "Bob Client" in block  # the signatory's name, then name and capacity
        assert labels["name_capacity"] in block


def test_the_english_flagship_under_italian_law_carries_the_approval_block(
    texts: dict[str, str],
) -> None:
    text = texts["website-en.yaml"]
    block = text[text.rindex("Specific approval of clauses") :]
    assert block.startswith("Specific approval of clauses Under Articles 1341 and 1342 of the "
                            "Italian Civil Code")
    assert "Clause 7 Payment: work starts only when the deposit is received; payments in full, " \
        "without deductions or set-off, even when an invoice is disputed" in block
    assert "Clause 4 Acceptance: silence counts as acceptance" in block
    assert "Article 20(1-bis) of Italian Legislative Decree 82/2005" in block
    assert "A scanned signature sent by email may not be enough." in block
    # Romanian law in an English document: art. 1203 Cod civil.
    cross = texts["crossborder-en.yaml"]
    assert "Under Article 1203 of the Romanian Civil Code" in cross
    assert "Specific approval of clauses" not in texts["retainer-en.yaml"]
    assert "Specific approval of clauses" not in texts["workshop-en.yaml"]


def test_a_clause_whose_summary_renders_empty_is_not_onerous(tmp_path: Path) -> None:
    business = prepare(_party_spec(tmp_path, extra="law:\n  country: IT\nclauses:\n  add: "
                                   "[liability]\n"))
    consumer = prepare(_party_spec(tmp_path, client="  consumer: true\n",
                                   extra="law:\n  country: IT\nclauses:\n  add: [liability]\n",
                                   language="it"))
    assert next(c for c in business.clauses if c.id == "liability").onerous
    assert not next(c for c in consumer.clauses if c.id == "liability").onerous


# ---- Consumer clients ----------------------------------------------------------------------


def test_the_italian_consumer_example_is_consumer_safe(texts: dict[str, str]) -> None:
    text = texts["renovation-it.yaml"]
    for present in [
        "Diritto di recesso del consumatore",
        "entro 14 giorni (artt. 52-59 del Codice del Consumo",
        "Richiesta di esecuzione durante il periodo di recesso",
        "Chiedo espressamente che il Professionista inizi le prestazioni",
        "Allegato: Modulo di recesso tipo",
        "Con la presente notifico il recesso dal mio contratto",
        "Firma del consumatore (solo se il presente modulo è notificato in versione cartacea)",
        "Nessuna previsione delle presenti condizioni limita o esclude la responsabilità",
        "Trattamento dei dati personali",
        "Garante per la protezione dei dati personali",
    ]:
        assert present in text, present
    for unfair in [
        "senza compensazioni",  # no set-off
        "Corrispettivo per il recesso anticipato",  # one-way cancellation fee
        "L’utilizzo vale come accettazione",
        "salvo che il Committente lo corregga per iscritto entro 2 giorni",  # forfeiture
        "limitata all’importo dei compensi",  # liability cap
        "competenza esclusiva",  # a court other than the consumer's
    ]:
        assert unfair not in text, unfair


@pytest.mark.parametrize(
    ("country", "cites", "form"),
    [
        ("GB", "the Consumer Contracts (Information, Cancellation and Additional Charges) "
         "Regulations 2013", "I hereby give notice that I cancel my contract"),
        ("RO", "Articles 9 to 16 of Romanian Government Emergency Ordinance 34/2014",
         "I hereby give notice that I withdraw from my contract"),
        ("DE", "Directive 2011/83/EU on consumer rights, as implemented in the law governing "
         "these terms",
         "I hereby give notice that I withdraw from my contract"),
    ],
)
def test_consumers_get_withdrawal_information_and_form_and_no_unfair_term(
    tmp_path: Path, country: str, cites: str, form: str
) -> None:
    spec = _party_spec(
        tmp_path,
        provider=f"  country: {country}\n",
        client="  consumer: true\n",
        extra="exit:\n  notice_days: 10\n  kill_fee_percent: 20\nclauses:\n  add: [liability]\n"
        "law:\n  court: the courts of Somewhere\n",
    )
    text = _flat(pdf_text(build(spec, tmp_path / "consumer.pdf").output))
    assert f"within 14 days without giving any reason ({cites})" in text
    # UK law says "cancel"; the EU directive says "withdraw".
    word = "cancellation" if country == "GB" else "withdrawal"
    assert f"Annex: Model {word} form" in text
    assert form in text
    assert f"Request to start work during the {word} period" in text
    assert "courts of the place where the Client lives or is domiciled" in text
    assert "Personal data" in text
    for unfair in ["set-off", "Kill fee", "limited to the fees", "Use counts as acceptance",
                   "the courts of Somewhere", "within 2 working days of receiving it"]:
        assert unfair not in text, unfair


def test_a_business_client_gets_no_withdrawal_right_and_no_privacy_notice_by_default(
    texts: dict[str, str],
) -> None:
    for name in ("website-en.yaml", "crossborder-en.yaml", "retainer-en.yaml"):
        assert "withdrawal form" not in texts[name]
        assert "Personal data" not in texts[name]


@pytest.mark.parametrize(
    ("provider", "client", "notice"),
    [
        ("  country: IT\n", "  sole_trader: true\n", True),
        ("  country: GB\n", "  consumer: true\n", True),
        ("  country: IT\n", "", False),
        ("  country: US\n", "  consumer: true\n", False),
    ],
)
def test_a_privacy_notice_is_given_to_a_person_under_eu_or_uk_rules(
    tmp_path: Path, provider: str, client: str, notice: bool
) -> None:
    prepared = prepare(_party_spec(tmp_path, provider=provider, client=client))
    assert ("privacy" in [clause.id for clause in prepared.clauses]) == notice


# ---- The professional's statutory details --------------------------------------------------


def test_registration_and_insurance_are_printed_with_the_parties(texts: dict[str, str]) -> None:
    text = texts["renovation-it.yaml"]
    assert "Ordine degli Architetti P.P.C. della Provincia di Bologna n. 4321" in text
    assert ("Polizza professionale Assicurazioni Esempio S.p.A., polizza n. RCP-2027-55501, "
            "massimale 500.000,00 €") in text
    assert "J12/3456/2019, EUID ROONRC.J12/3456/2019" in texts["crossborder-en.yaml"]
    assert "Registered in Scotland, company number SC612345" in texts["workshop-en.yaml"]


def test_the_cross_border_example_charges_no_vat_and_says_why(texts: dict[str, str]) -> None:
    text = texts["crossborder-en.yaml"]
    assert "Reverse charge: no Romanian VAT is charged." in text
    assert "No tax is charged" in text


# ---- Locale --------------------------------------------------------------------------------


def test_locale_drives_money_and_dates() -> None:
    us = Formats("en", "USD", "en-US")
    assert us.money(Decimal("3150")) == "$3,150.00"
    assert us.date(date(2027, 2, 1)) == "February 1, 2027"
    assert Formats("en", "USD").money(Decimal("3150")) == "US$3,150.00"
    assert Formats("en", "EUR", "en-GB").date(date(2027, 2, 1)) == "1 February 2027"


@pytest.mark.parametrize(
    ("language", "country", "locale", "expected"),
    [
        ("en", "US", None, "en-US"),
        ("en", "GB", None, "en-GB"),
        ("en", "IT", None, "en-GB"),  # an Italian provider writing English: British usage
        ("it", "IT", None, "it-IT"),
        ("ro", "RO", None, "ro-RO"),
        ("en", None, None, "en-GB"),
        ("en", "IT", "en-US", "en-US"),
    ],
)
def test_the_locale_defaults_from_the_language_and_the_providers_country(
    tmp_path: Path, language: str, country: str | None, locale: str | None, expected: str
) -> None:
    provider = f"  country: {country}\n" if country else ""
    extra = f"locale: {locale}\n" if locale else ""
    spec = plan(_party_spec(tmp_path, provider=provider, extra=extra, language=language)).spec
    assert locale_of(spec) == expected


def test_the_us_example_writes_us_money_and_dates(texts: dict[str, str]) -> None:
    text = texts["retainer-en.yaml"]
    assert "January 4, 2027" in text
    assert re.search(r"\$\d{1,3}(,\d{3})*\.\d{2}", text)
    assert "US$" not in text


def test_bad_country_and_locale_are_one_line_errors(tmp_path: Path) -> None:
    spec = _party_spec(tmp_path, provider="  country: it\n", extra="locale: en_US\n")
    result = run_cli("check", str(spec))
    assert result.code == 2
    lines = result.stderr.splitlines()
    assert lines == [
        f"{spec}:10:12: provider.country: 'it' is not an ISO 3166-1 alpha-2 country code, "
        "like IT or GB",
        f"{spec}:35:9: locale: 'en_US' is not a locale; write language-COUNTRY, like en-US "
        "or it-IT",
    ]


def test_an_onerous_summary_is_sandboxed_text_not_markup(tmp_path: Path) -> None:
    spec = _party_spec(tmp_path, provider="  country: IT\n")
    write_tree(tmp_path, {"clauses/en/extra.md": clause(
        "Extra", "Body.\n", onerous="'<b>bold</b> for {{ client.name }}'"
    )})
    prepared = prepare(spec)
    extra = next(c for c in prepared.clauses if c.id == "extra")
    assert extra.summary == "&lt;b&gt;bold&lt;/b&gt; for Client Co"
    assert "&lt;b&gt;bold&lt;/b&gt; for Client Co" in prepared.html
    write_tree(tmp_path, {"clauses/en/extra.md": clause(
        "Extra", "Body.\n", onerous="'a fee of €999.00'"
    )})
    with pytest.raises(ClauseError, match=re.escape("prints the amount '€999.00'")):
        prepare(spec)
