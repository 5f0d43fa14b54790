"""Amounts, percentages, numbers and dates as clauses see them: printed the local way, but
still values.

A clause prints ``{{ pricing.total }}`` and gets ``€1,200.00`` (written by ``Formats``), yet
the value behind it is kept: zero is false, so ``{% if exit.kill_fee_percent %}`` is false for
a kill fee of 0, and values compare and sort by what they are worth, with each other and with
plain numbers (``{% if pricing.total > 5000 %}``). They are text too, so every clause written
when they were plain text (``value.split()``, ``value ~ "…"``, ``| trim``) works as before; but
there is no arithmetic on their value, so a clause cannot make up an amount, and the number
inside is private (a leading ``_``, which the sandbox never lets a clause read).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from engage.formats import Formats


class Printed(str):
    """Text that is also a value. Subclasses say how they are written (``_writer``)."""

    kind = "value"
    """What the clause-author reference calls the type."""
    _value: Any
    _formats: Formats

    @staticmethod
    def _writer(formats: Formats) -> Callable[[Any], str]:
        raise NotImplementedError

    def __new__(cls, value: Any, formats: Formats) -> Printed:
        printed = super().__new__(cls, cls._writer(formats)(value))
        printed._value = value
        printed._formats = formats
        return printed

    def __reduce__(self) -> tuple[type[Printed], tuple[Any, Formats]]:
        return type(self), (self._value, self._formats)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._value!r})"

    def __bool__(self) -> bool:
        return bool(self._value)

    def _other(self, other: object) -> Any:
        if type(other) is type(self):
            return other._value
        plain = isinstance(other, int | float | Decimal) and not isinstance(other, bool)
        return other if plain and not isinstance(self._value, date) else NotImplemented

    def __eq__(self, other: object) -> bool:
        value = self._other(other)
        return NotImplemented if value is NotImplemented else bool(self._value == value)

    def __ne__(self, other: object) -> bool:
        value = self._other(other)
        return NotImplemented if value is NotImplemented else bool(self._value != value)

    def __lt__(self, other: object) -> bool:
        value = self._other(other)
        return NotImplemented if value is NotImplemented else bool(self._value < value)

    def __le__(self, other: object) -> bool:
        value = self._other(other)
        return NotImplemented if value is NotImplemented else bool(self._value <= value)

    def __gt__(self, other: object) -> bool:
        value = self._other(other)
        return NotImplemented if value is NotImplemented else bool(self._value > value)

    def __ge__(self, other: object) -> bool:
        value = self._other(other)
        return NotImplemented if value is NotImplemented else bool(self._value >= value)

    def __hash__(self) -> int:
        return hash(self._value)

    def unknown_name(self, name: str) -> str | None:
        """For the sandbox: a value shows the methods of text, and nothing else."""
        if hasattr(str, name) and not name.startswith("_"):
            return None
        return f"a {self.kind} has no name {name!r}: print it as it is"


class Money(Printed):
    """An amount in the document's currency: ``€1,200.00``, ``1.200,00 €``."""

    kind = "money"

    @staticmethod
    def _writer(formats: Formats) -> Callable[[Decimal], str]:
        return formats.money


class Percent(Printed):
    """A percentage, given as the number of hundredths: ``Percent(30)`` prints ``30%``."""

    kind = "percent"

    @staticmethod
    def _writer(formats: Formats) -> Callable[[Decimal], str]:
        return formats.percent


class Number(Printed):
    """A quantity: ``1,5`` in Italian, ``1.5`` in English."""

    kind = "number"

    @staticmethod
    def _writer(formats: Formats) -> Callable[[Decimal], str]:
        return formats.number


class Day(Printed):
    """A date, written in full: ``1 February 2027``. Never false."""

    kind = "date"

    @staticmethod
    def _writer(formats: Formats) -> Callable[[date], str]:
        return formats.date

    def __bool__(self) -> bool:
        return True
