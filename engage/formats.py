"""Money, dates, numbers and percentages written the local way, through Babel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

# The locale each document language is written in.
LOCALES = {"en": "en_GB", "it": "it_IT", "ro": "ro_RO"}


@dataclass(frozen=True)
class Formats:
    """Formatting for one document: its language, currency and locale (``en-US``; default:
    the language's usual locale)."""

    language: str
    currency: str
    tag: str | None = None

    @property
    def locale(self) -> str:
        if self.tag:
            return self.tag.replace("-", "_")
        return LOCALES.get(self.language, self.language)

    def money(self, amount: Decimal) -> str:
        return str(format_currency(amount, self.currency, locale=self.locale))

    def date(self, day: date) -> str:
        return str(format_date(day, format="long", locale=self.locale))

    def number(self, value: Decimal | int) -> str:
        return str(format_decimal(value, locale=self.locale, decimal_quantization=False))

    def percent(self, value: Decimal) -> str:
        return str(format_percent(value / 100, locale=self.locale, decimal_quantization=False))
