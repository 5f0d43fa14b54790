"""Italian and Romanian documents: same clauses as English, local money and dates, the
specific-approval block Italian and Romanian law ask for, and Romanian comma-below letters.

Real builds, read back with pypdf. Every example is also taken through every stage but the
PDF writer in every language, with every optional clause added, so each clause of each
library renders against every example's data and numbers the same way in all languages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest

from engage.build import build, prepare
from engage.clauses import load_library
from engage.formats import Formats
from engage.law import law_country
from engage.render import load_labels
from tests.conftest import EXAMPLES, MINIMAL_SPEC, ROOT, pdf_text, run_cli

LANGUAGES = ("en", "it", "ro")
ALL_EXAMPLES = sorted(EXAMPLES.glob("*.yaml"))
CEDILLA = "şţŞŢ"  # U+015F U+0163 U+015E U+0162: wrong for Romanian
COMMA_BELOW = "șțȘȚ"  # U+0219 U+021B U+0218 U+021A


def _labels(language: str) -> dict[str, str]:
    return load_labels(ROOT / "templates", language)


def _build(spec: Path, output: Path) -> Path:
    """Build ``spec`` into the PDF ``output``."""
    result = build(spec, output)
    return result if isinstance(result, Path) else result.output


def _squash(text: str) -> str:
    """Runs of ordinary spaces as one; no-break spaces are kept."""
    return re.sub(r" {2,}", " ", text)


def _in_language(spec_text: str, language: str, add: list[str] | None = None) -> str:
    """The spec written for ``language``; with ``add``, its `clauses:` section replaced."""
    text, count = re.subn(r"(?m)^language: \w+", f"language: {language}", spec_text)
    assert count == 1
    if add is not None:
        text = re.sub(r"(?ms)^clauses:\n(?:[ #].*?\n|\n)*", "", text + "\n")
        text += f"clauses:\n  add: [{', '.join(add)}]\n"
    return text


# ---- The libraries -------------------------------------------------------------------------


def test_every_language_has_the_same_clauses_with_the_same_front_matter() -> None:
    english = load_library([ROOT / "clauses"], "en")
    assert len(english) >= 19
    for language in ("it", "ro"):
        library = load_library([ROOT / "clauses"], language)
        assert sorted(library) == sorted(english), language
        for clause_id, clause in english.items():
            ours, theirs = library[clause_id].meta, clause.meta
            assert (ours.order, ours.when, ours.optional, bool(ours.onerous)) == (
                theirs.order,
                theirs.when,
                theirs.optional,
                bool(theirs.onerous),
            ), f"{language}/{clause_id}.md"
            assert type(ours.onerous) is type(theirs.onerous), f"{language}/{clause_id}.md"
            assert ours.title != theirs.title, f"{language}/{clause_id}.md is not translated"


def test_the_clauses_that_need_specific_approval_are_marked_onerous() -> None:
    for language in LANGUAGES:
        onerous = {cid for cid, clause in load_library([ROOT / "clauses"], language).items()
                   if clause.meta.onerous}
        assert onerous >= {"suspension", "termination", "liability", "governing-law"}, language


def test_every_language_has_the_same_labels() -> None:
    english = _labels("en")
    for language in ("it", "ro"):
        labels = _labels(language)
        assert set(labels) == set(english), language
        assert all(isinstance(value, str) and value for value in labels.values()), language
        assert "{number}" in labels["clause_ref"]
    assert "1341 e 1342 del codice civile" in _labels("it")["onerous_law_IT"]
    assert "art. 1203 din Codul civil" in _labels("ro")["onerous_law_RO"]
    assert "1341 and 1342 of the Italian Civil Code" in _labels("en")["onerous_law_IT"]
    assert "art. 20, comma 1-bis" in _labels("it")["approval_forms_IT"]


def test_romanian_text_uses_comma_below_never_cedilla() -> None:
    files = [*(ROOT / "clauses" / "ro").glob("*.md"), ROOT / "templates" / "i18n" / "ro.yaml"]
    files += list(EXAMPLES.glob("*-ro.yaml"))
    for path in files:
        text = path.read_text("utf-8")
        assert not set(text) & set(CEDILLA), path.name
    clauses = (ROOT / "clauses" / "ro").glob("*.md")
    every_clause = "".join(path.read_text("utf-8") for path in clauses)
    assert set(COMMA_BELOW[:2]) <= set(every_clause)


def test_a_spec_in_an_unsupported_language_is_an_error_at_its_line(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(MINIMAL_SPEC.replace("language: en", "language: de"), encoding="utf-8")
    result = run_cli("check", spec)
    assert result.code == 2
    assert (
        f"{spec}:2:11: language: unsupported language 'de'; use one of: en, it, ro"
        in result.stderr
    )


def test_money_and_dates_are_local_and_precision_comes_from_the_currency(
    tmp_path: Path,
) -> None:
    from datetime import date

    assert Formats("it", "EUR").money(Decimal("5270.40")) == "5.270,40\xa0€"
    assert Formats("ro", "RON").money(Decimal("6667.10")) == "6.667,10\xa0RON"
    assert Formats("it", "JPY").money(Decimal("5270")) == "5.270\xa0JPY"
    assert Formats("it", "EUR").date(date(2027, 3, 1)) == "1 marzo 2027"
    assert Formats("ro", "RON").date(date(2027, 3, 1)) == "1 martie 2027"
    for currency, amount, allowed in [("JPY", "1000.5", "no decimals"), ("EUR", "1000.505", "2")]:
        spec = tmp_path / f"{currency}.yaml"
        spec.write_text(
            MINIMAL_SPEC.replace("language: en", "language: it")
            .replace("currency: EUR", f"currency: {currency}")
            .replace("amount: 1000.00", f"amount: {amount}"),
            encoding="utf-8",
        )
        result = run_cli("check", spec)
        assert result.code == 2
        assert "pricing.items[0].amount" in result.stderr
        assert "more decimals than the currency allows" in result.stderr
        assert allowed in result.stderr


# ---- Every example in every language -------------------------------------------------------


@pytest.mark.parametrize("example", ALL_EXAMPLES, ids=lambda spec: spec.name)
def test_every_example_builds_in_every_language_with_the_same_numbering(
    example: Path, tmp_path: Path
) -> None:
    optional = sorted(cid for cid, clause in load_library([ROOT / "clauses"], "en").items()
                      if clause.meta.optional)
    source = example.read_text("utf-8")
    for add in (None, optional):
        numbering = {}
        for language in LANGUAGES:
            spec = tmp_path / f"{language}-{'all' if add else 'own'}.yaml"
            spec.write_text(_in_language(source, language, add), encoding="utf-8")
            prepared = prepare(spec)
            numbering[language] = [(c.id, c.number, c.onerous) for c in prepared.clauses]
            labels = _labels(language)
            assert labels["document_title"] in prepared.html
            # The law decides, whatever the language: Italian and Romanian law ask for it.
            approval = labels["onerous_title"] in prepared.html
            needed = law_country(prepared.spec) in ("IT", "RO")
            assert approval == (needed and any(c.onerous for c in prepared.clauses))
        assert numbering["it"] == numbering["en"] == numbering["ro"], add


def test_italian_dates_and_percentages_elide_the_article(tmp_path: Path) -> None:
    # website-en starts on 11 January: Italian writes "l’11 gennaio", never "il 11 gennaio".
    spec = tmp_path / "website-it.yaml"
    spec.write_text(_in_language((EXAMPLES / "website-en.yaml").read_text("utf-8"), "it"))
    html = prepare(spec).html
    assert "per l’11 gennaio 2027" in html
    assert "il 11 " not in html
    assert "dell’1 dicembre 2026" not in html  # issued on the 1st: "del 1 dicembre"
    assert "del 1 dicembre 2026" in html


# ---- The Italian example -------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(example_pdfs: dict[str, Path]) -> Callable[[str], tuple[Path, str]]:
    """An example's PDF (built once per session: conftest.example_pdfs) and its text."""
    cache: dict[str, tuple[Path, str]] = {}

    def get(name: str) -> tuple[Path, str]:
        if name not in cache:
            cache[name] = (example_pdfs[name], pdf_text(example_pdfs[name]))
        return cache[name]

    return get


def test_italian_example_holds_exact_local_amounts_that_add_up(
    built: Callable[[str], tuple[Path, str]],
) -> None:
    _, text = built("renovation-it.yaml")
    prepared = prepare(EXAMPLES / "renovation-it.yaml")
    figures, money = prepared.figures, Formats("it", "EUR").money
    assert sum(line.amount for line in figures.lines) == figures.subtotal
    assert figures.fees + sum(tax.amount for tax in figures.taxes) == figures.total
    assert sum(step.amount for step in figures.instalments) == figures.total
    for line in figures.lines:
        assert money(line.amount) in text
        if line.unit_price is not None:
            assert money(line.unit_price) in text
    for amount in [figures.subtotal, figures.total, figures.free_work_total]:
        assert money(amount) in text
    for step in figures.instalments:
        assert f"{Formats('it', 'EUR').percent(step.percent)} {money(step.amount)}" in text
    # The figures an Italian architect would check by hand.
    for literal in [
        "8.060,00\xa0€",
        "322,40\xa0€",
        "1.844,13\xa0€",
        "Totale da pagare\n10.226,53\xa0€",
        "per un totale di 10.226,53\xa0€.",
        "un acconto di 2.045,31\xa0€ (20% del totale)",
        "12 180,00\xa0€ per sopralluogo 2.160,00\xa0€",
    ]:
        assert literal in text, literal


def test_italian_example_charges_the_4_percent_contribution_then_22_percent_vat(
    built: Callable[[str], tuple[Path, str]],
) -> None:
    _, text = built("renovation-it.yaml")
    figures = prepare(EXAMPLES / "renovation-it.yaml").figures
    contribution, vat = figures.taxes
    assert (contribution.percent, vat.percent) == (Decimal(4), Decimal(22))
    assert contribution.base == figures.fees
    assert vat.base == figures.fees + contribution.amount  # VAT on fees plus contribution
    first = text.index("Contributo integrativo Inarcassa 4% su 8.060,00\xa0€ 322,40\xa0€")
    second = text.index("IVA 22% su 8.382,40\xa0€ 1.844,13\xa0€")
    assert first < second
    # The tax names come from the spec, lower-cased mid-sentence (acronyms kept), with amounts.
    natural = "oltre contributo integrativo Inarcassa 4% (322,40 €) e IVA 22% (1.844,13 €),"
    assert natural in re.sub(r"\s+", " ", text)
    assert "oltre Contributo" not in text


def test_italian_example_has_local_dates_and_labels_and_no_english(
    built: Callable[[str], tuple[Path, str]],
) -> None:
    _, text = built("renovation-it.yaml")
    for date in ["8 febbraio 2027", "28 febbraio 2027", "l’8 marzo 2027", "29 ottobre 2027"]:
        assert date in text, date
    assert "LETTERA D’INCARICO PROFESSIONALE" in text or "Lettera d’incarico professionale" in text
    assert re.search(r"Pagina 1 di \d+", text)
    assert "all’art.\xa03" in text  # clause references in Italian, kept on one line
    assert "(di seguito «il Professionista»)" in re.sub(r"\s+", " ", text)
    _assert_no_english_labels(text, "it")


def test_italian_example_ends_with_the_specific_approval_block(
    built: Callable[[str], tuple[Path, str]],
) -> None:
    _, text = built("renovation-it.yaml")
    prepared = prepare(EXAMPLES / "renovation-it.yaml")
    block = _squash(text[text.rindex("Approvazione specifica delle clausole") :])
    flat = " ".join(block.split())
    assert block.startswith(
        "Approvazione specifica delle clausole\nAi sensi e per gli effetti degli artt. 1341 e "
        "1342 del codice civile"
    )
    assert "di approvare specificamente per iscritto le clausole seguenti" in flat
    onerous = [clause for clause in prepared.clauses if clause.onerous]
    # A consumer: no liability cap, no set-off ban, no recap binding by silence (not onerous).
    # Nor the governing law: a consumer's court is the consumer's own, whatever is approved.
    assert [clause.number for clause in onerous] == [3, 7, 8, 13, 15]
    for clause in onerous:
        assert clause.summary
        assert f"Art. {clause.number} {clause.title}: " in flat
    assert "Art. 8 Sospensione per mancato pagamento: facoltà del Professionista" in flat
    assert "Art. 19 Legge applicabile" not in flat
    assert "\nGiulia Conti\nNome e qualifica" in block  # a separate signature by the client
    assert "art. 20, comma 1-bis, D.Lgs. 82/2005" in flat


# ---- The Romanian example ------------------------------------------------------------------


def test_romanian_example_holds_exact_ron_amounts_that_add_up(
    built: Callable[[str], tuple[Path, str]],
) -> None:
    pdf, text = built("translation-ro.yaml")
    prepared = prepare(EXAMPLES / "translation-ro.yaml")
    figures, money = prepared.figures, Formats("ro", "RON").money
    assert sum(line.amount for line in figures.lines) == figures.total == Decimal("6667.10")
    assert sum(step.amount for step in figures.instalments) == figures.total
    for amount in [figures.total, *(line.amount for line in figures.lines)]:
        assert money(amount) in text
    for step in figures.instalments:
        assert money(step.amount) in text
    for literal in [
        "Total de plată\n6.667,10\xa0RON",
        "173 33,70\xa0RON pe pag. 5.830,10\xa0RON",
        "30\xa0% 2.000,13\xa0RON",
        "50\xa0% 3.333,55\xa0RON",
        "20\xa0% 1.333,42\xa0RON",
        "Totalul de plată este de 6.667,10\xa0RON.",
        "67,40\xa0RON",
        "regimul special de scutire",
    ]:
        assert literal in text, literal
    for date in ["15 februarie 2027", "1 martie 2027", "8 martie 2027", "30 aprilie 2027"]:
        assert date in text, date
    pages = len(pypdf.PdfReader(pdf).pages)
    assert pages <= 11  # 12 before the wording was tightened (issue 13)
    assert f"Pagina 1 din {pages}" in text and f"Pagina {pages} din {pages}" in text
    _assert_no_english_labels(text, "ro")


def test_romanian_example_has_comma_below_letters_and_no_cedilla(
    built: Callable[[str], tuple[Path, str]],
) -> None:
    _, text = built("translation-ro.yaml")
    for word in [
        "Ștefan cel Mare",  # spec text
        "Mihai Țurcanu",
        "Obligațiile Beneficiarului",  # clause heading
        "Legea aplicabilă și soluționarea litigiilor",
        "Condițiile principale pe scurt".upper(),  # label, upper-cased by the style sheet
        "Eșalonarea plăților",  # label
    ]:
        assert word in text or word.upper() in text, word
    assert not set(text) & set(CEDILLA)
    assert text.count("ș") > 50 and text.count("ț") > 50


def test_romanian_example_speaks_as_a_romanian_services_contract(
    built: Callable[[str], tuple[Path, str]],
) -> None:
    """Issue 13: the words a Romanian practitioner uses, for any profession."""
    _, text = built("translation-ro.yaml")
    flat = " ".join(text.split())
    for words in [
        "sunt obligații contractuale ale Beneficiarului",
        "un ciclu de revizie pentru fiecare lucrare",
        "Oferta prealabilă.",
        "Minuta fiecărei discuții.",
        "proces-verbal de predare-primire",
        "echivalentul în lei al 40 de euro pentru cheltuielile de recuperare "
        "(art. 13 din Legea nr. 72/2013)",
    ]:
        assert words in flat, words
    old_words = ["livrabil", "rundă", "runde", "găzduire", "software", "fonturi", "curtoazie"]
    for word in old_words:
        assert word not in flat.lower(), word


def test_romanian_example_ends_with_the_specific_approval_block(
    built: Callable[[str], tuple[Path, str]],
) -> None:
    _, text = built("translation-ro.yaml")
    prepared = prepare(EXAMPLES / "translation-ro.yaml")
    block = _squash(text[text.rindex("Acceptarea expresă a clauzelor neuzuale") :])
    flat = " ".join(block.split())
    assert "Potrivit art. 1203 din Codul civil" in block
    assert "acceptă în mod expres următoarele clauze, al căror conținut este indicat" in flat
    onerous = [clause for clause in prepared.clauses if clause.onerous]
    assert [clause.number for clause in onerous] == [3, 4, 7, 8, 10, 12, 14, 17, 18]
    for clause in onerous:
        assert f"Art. {clause.number} {clause.title}: " in flat
    assert "Art. 7 Plata: lucrările încep numai după primirea avansului; plata integrală" in flat
    assert "Art. 14 Încetarea contractului" in block
    assert "Pentru Tehnoterm Industrial SRL\n" in block
    assert "art. 25 alin. (2) din Regulamentul (UE) nr. 910/2014" in flat


def _assert_no_english_labels(text: str, language: str) -> None:
    """No English label engage prints is left in a document in ``language``."""
    english, local = _labels("en"), _labels(language)
    for key, word in english.items():
        if len(word) < 4 or word == local[key] or "{" in word:
            continue
        for form in (word, word.upper()):
            assert not re.search(rf"(?<!\w){re.escape(form)}(?!\w)", text), (key, word)


# ---- English documents ---------------------------------------------------------------------


@pytest.mark.parametrize("asked", [True, False])
def test_english_prints_the_approval_block_only_when_the_spec_asks(
    tmp_path: Path, asked: bool
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(MINIMAL_SPEC + ("specific_approval: true\n" if asked else ""), "utf-8")
    text = _squash(pdf_text(_build(spec, tmp_path / "spec.pdf")))
    suspension = next(c for c in prepare(spec).clauses if c.id == "suspension")
    assert suspension.onerous
    if asked:
        block = text[text.rindex("Specific approval of clauses") :]
        assert "The Client specifically approves, in writing, the following clauses:" in block
        assert f"\nClause {suspension.number} Suspension of work for non-payment: the " in block
        assert "For Client Co\n" in block
    else:
        assert "Specific approval of clauses" not in text
        assert "specifically approves" not in text
