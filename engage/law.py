"""Which law governs a spec, and what that law makes the document say.

Everything here is a pure function of the spec: the governing law named the way a lawyer of
that country writes it ("Italian law", "the law of England and Wales", "the law of the State
of Washington"), the court, whether the client's specific approval of onerous clauses is
needed (Italian and Romanian law), the consumer rules that apply and the statutes they cite,
and the locale money and dates are written in. ``context.legal_context`` hands the result to
the clauses and templates.
"""

from __future__ import annotations

from babel import Locale as BabelLocale
from babel.core import UnknownLocaleError

from engage.models import Spec

EU = frozenset(
    [
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    ]
)
"""EU member states (EEA states follow the same consumer and data-protection rules)."""
EEA = EU | {"IS", "LI", "NO"}

APPROVAL_LAWS = frozenset({"IT", "RO"})
"""Laws under which onerous standard terms bind only if specifically approved in writing:
Italy (artt. 1341-1342 c.c.), Romania (art. 1203 Cod civil)."""

# The locale each document language is written in when nothing says otherwise.
DEFAULT_LOCALES = {"en": "en-GB", "it": "it-IT", "ro": "ro-RO"}

# "<adjective> law", in each document language, for the laws engage names idiomatically.
_LAW_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "IT": "Italian law", "RO": "Romanian law", "DE": "German law", "FR": "French law",
        "ES": "Spanish law", "AT": "Austrian law", "NL": "Dutch law", "IE": "Irish law",
        "PT": "Portuguese law", "BE": "Belgian law", "CH": "Swiss law",
    },
    "it": {
        "IT": "legge italiana", "RO": "legge romena", "DE": "legge tedesca",
        "FR": "legge francese", "ES": "legge spagnola", "AT": "legge austriaca",
        "NL": "legge olandese", "IE": "legge irlandese", "PT": "legge portoghese",
        "BE": "legge belga", "CH": "legge svizzera",
    },
    "ro": {
        "IT": "legea italiană", "RO": "legea română", "DE": "legea germană",
        "FR": "legea franceză", "ES": "legea spaniolă", "AT": "legea austriacă",
        "NL": "legea olandeză", "IE": "legea irlandeză", "PT": "legea portugheză",
        "BE": "legea belgiană", "CH": "legea elvețiană",
    },
}

# Consumer law each document cites, by the law's country ("EU" for other member states).
_CONSUMER_LAW: dict[str, dict[str, str]] = {
    "IT": {
        "withdrawal": "artt. 52-59 del Codice del Consumo, D.Lgs. 6 settembre 2005, n. 206",
        "unfair": "artt. 33-36 del Codice del Consumo",
        "authority": "Garante per la protezione dei dati personali, www.garanteprivacy.it",
        "gdpr": "Regolamento (UE) 2016/679 (GDPR) e del D.Lgs. 196/2003",
    },
    "RO": {
        "withdrawal": "art. 9-16 din Ordonanța de urgență a Guvernului nr. 34/2014",
        "unfair": "Legea nr. 193/2000 privind clauzele abuzive",
        "authority": "Autoritatea Națională de Supraveghere a Prelucrării Datelor cu Caracter "
        "Personal (www.dataprotection.ro)",
        "gdpr": "Regulamentul (UE) 2016/679 (GDPR)",
    },
    "GB": {
        "withdrawal": "the Consumer Contracts (Information, Cancellation and Additional "
        "Charges) Regulations 2013",
        "unfair": "Part 2 of the Consumer Rights Act 2015",
        "authority": "the Information Commissioner's Office (ico.org.uk)",
        "gdpr": "the UK GDPR and the Data Protection Act 2018",
    },
    "EU": {
        "withdrawal": "Directive 2011/83/EU on consumer rights, as implemented in the law "
        "governing these terms",
        "unfair": "Directive 93/13/EEC on unfair terms in consumer contracts",
        "authority": "the data protection supervisory authority of the Client's country",
        "gdpr": "Regulation (EU) 2016/679 (GDPR)",
    },
}

# The same citations in the document's language where the law's own words differ.
_CONSUMER_LAW_IN: dict[tuple[str, str], dict[str, str]] = {
    ("en", "IT"): {
        "withdrawal": "Articles 52 to 59 of the Italian Consumer Code (Legislative Decree "
        "206/2005)",
        "unfair": "Articles 33 to 36 of the Italian Consumer Code",
        "authority": "the Garante per la protezione dei dati personali (www.garanteprivacy.it)",
        "gdpr": "Regulation (EU) 2016/679 (GDPR) and Legislative Decree 196/2003",
    },
    ("en", "RO"): {
        "withdrawal": "Articles 9 to 16 of Romanian Government Emergency Ordinance 34/2014",
        "unfair": "Romanian Law 193/2000 on unfair terms",
        "authority": "the Romanian data protection authority, ANSPDCP (www.dataprotection.ro)",
        "gdpr": "Regulation (EU) 2016/679 (GDPR)",
    },
    ("it", "EU"): {
        "withdrawal": "la Direttiva 2011/83/UE sui diritti dei consumatori, come attuata dalla "
        "legge che regola le presenti condizioni",
        "unfair": "la Direttiva 93/13/CEE",
        "authority": "quella del Paese in cui il Committente risiede abitualmente o lavora",
        "gdpr": "Regolamento (UE) 2016/679 (GDPR)",
    },
    ("ro", "EU"): {
        "withdrawal": "Directiva 2011/83/UE privind drepturile consumatorilor, astfel cum a "
        "fost transpusă în legea aplicabilă prezentului contract",
        "unfair": "Directiva 93/13/CEE",
        "authority": "autoritatea de supraveghere a protecției datelor din țara Beneficiarului",
        "gdpr": "Regulamentul (UE) 2016/679 (GDPR)",
    },
}


def law_country(spec: Spec) -> str | None:
    """The country whose law governs ``spec``: ``law.country``, else the provider's."""
    return spec.law.country or spec.provider.country


def needs_specific_approval(spec: Spec) -> bool:
    """Whether the document carries the specific-approval block: decided by the law."""
    if spec.specific_approval is not None:
        return spec.specific_approval
    return law_country(spec) in APPROVAL_LAWS


def consumer_regime(spec: Spec) -> str | None:
    """The consumer rules that apply (IT, RO, GB, or EU for other EEA laws), if any."""
    country = law_country(spec)
    if not spec.client.consumer or country is None:
        return None
    if country in ("IT", "RO", "GB"):
        return country
    return "EU" if country in EEA else None


def privacy_notice(spec: Spec) -> bool:
    """Whether a short privacy notice is due: an EU/UK provider or law, and a client who is
    a person (a consumer or a sole trader). Always when the spec adds the clause."""
    european = EEA | {"GB"}
    person = spec.client.consumer or spec.client.sole_trader
    places = {spec.provider.country, law_country(spec)}
    return "privacy" in spec.clauses.add or (person and bool(places & european))


def law_name(language: str, country: str | None, region: str | None) -> str | None:
    """The governing law as a lawyer writing in ``language`` names it (Italian without the
    article: "sono regolate dalla legge italiana")."""
    if country is None:
        return None
    territory = BabelLocale(language).territories.get(country, country)
    if country == "GB":
        # England and Wales share one legal system: "England" or "Wales" alone names none.
        if region in ("England", "Wales"):
            region = None
        place = region or {"en": "England and Wales", "it": "Inghilterra e Galles",
                           "ro": "Anglia și Țara Galilor"}.get(language, "England and Wales")
        return {"it": f"legge di {place}", "ro": f"legea din {place}"}.get(
            language, f"the law of {place}"
        )
    if country == "US":
        if region:
            return {"it": f"legge dello Stato di {region} (Stati Uniti d’America)",
                    "ro": f"legea statului {region} (Statele Unite ale Americii)"}.get(
                language, f"the law of the State of {region}, United States of America"
            )
        return {"it": "legge degli Stati Uniti d’America",
                "ro": "legea Statelor Unite ale Americii"}.get(
            language, "the law of the United States of America"
        )
    name = _LAW_NAMES.get(language, {}).get(country)
    if name is None:
        name = {"it": f"legge dello Stato: {territory}", "ro": f"legea statului {territory}"}\
            .get(language, f"the law of {territory}")
    if region:
        name += {"it": f" (in particolare: {region})", "ro": f" (în special: {region})"}.get(
            language, f" (as it applies in {region})"
        )
    return name


def default_court(language: str, country: str | None, region: str | None) -> str | None:
    """The court named when ``law.court`` is not set, where one court system is obvious."""
    if country != "GB":
        return None
    place = region or {"it": "Inghilterra e Galles", "ro": "Anglia și Țara Galilor"}.get(
        language, "England and Wales"
    )
    return {"it": f"i tribunali di {place}", "ro": f"instanțele din {place}"}.get(
        language, f"the courts of {place}"
    )


def consumer_law(language: str, regime: str | None) -> dict[str, str] | None:
    """The consumer statutes cited under ``regime``, written for a ``language`` document."""
    if regime is None:
        return None
    return _CONSUMER_LAW_IN.get((language, regime), _CONSUMER_LAW[regime])


def locale_of(spec: Spec) -> str:
    """``locale``, or the document language written the way the provider's country writes
    it (en + US: en-US) when that country speaks the language, or the language's default."""
    if spec.locale is not None:
        return spec.locale
    country = spec.provider.country
    if country is not None:
        try:
            likely = BabelLocale.parse(f"und_{country}")
            if likely.language == spec.language:
                BabelLocale.parse(f"{spec.language}_{country}")
                return f"{spec.language}-{country}"
        except (UnknownLocaleError, ValueError):
            pass
    return DEFAULT_LOCALES.get(spec.language, spec.language)
