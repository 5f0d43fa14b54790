"""What the reader sees: the text of rendered HTML, as a reader tells it apart, and the
amounts of money in it.

Checks on clauses run on this text rather than on what the clause wrote, because Markdown,
character references (``&#8203;``, ``&nbsp;``) and look-alike characters (fullwidth digits,
thin spaces) change what reaches the page after the source was read.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

from engage.text import without_hidden

# Every currency sign (Unicode category Sc; fullwidth ones become these under NFKC).
_SIGNS = (
    "$\xa2-\xa5\u058f\u060b\u07fe\u07ff\u09f2\u09f3\u09fb\u0af1\u0bf9\u0e3f\u17db\u20a0-\u20c0"
    "\ua838\ufdfc\ufe69\uff04\uffe0\uffe1\uffe5\uffe6\U00011fdd-\U00011fe0\U0001e2ff\U0001ecb0"
)
# Currency codes that are also common words or names in a contract ("TOP 10", "PHP 8").
_NOT_CODES = "ALL AMD BAD BAN BEL BOB CUP GEL MAD MOP NIC PEN PES PHP SOS TOP TRY XXX"
# Currency words in English, Italian and Romanian (compared in lower case).
_WORDS = """
    eur euro euros eurocent eurocents cent cents centesimo centesimi usd gbp chf dollar
    dollars dollaro dollari dolar dolari buck bucks pound pounds sterling quid sterlina
    sterline lira lire liră leu lei bani franc francs franchi franci yen yeni
    yuan renminbi rupee rupees rupia rupie ruble rubles rouble roubles rublo rubli zloty
    złoty zloți forint forinți krona kronor krone kroner koruna peso
    pesos bitcoin bitcoins btc
"""
# A number as a reader groups it: "1,000.50", "1.000,50", "1'000", "1 000 000.50", ".50".
NUMBER = re.compile(r"[.,]?(?:\d{1,3}(?: \d{3})+(?!\d)(?:[.,]\d+)?|\d+(?:[.,'’]\d+)*)")
# What a reader may take for the currency of the number that follows or precedes it.
_BEFORE = re.compile(
    rf"(?:(?<![^\W\d_])[A-Z]{{0,3}}[{_SIGNS}]|[{_SIGNS}]|(?<![^\W\d_])(?P<word>[^\W\d_]+))"
    r" ?[:=*_~]{0,2} ?[-+\u2212]? ?\Z"
)
_PERCENT = re.compile(" ?[%\u2030]")
_AFTER = re.compile(rf" ?(?P<marker>[{_SIGNS}]|(?P<word>[^\W\d_]+))")
# What changes the value of an amount written before it: letters or combining marks right after
# the last digit ("€1,000.00k", a stroke through a digit), or a word that multiplies it.
_MULTIPLIER = re.compile(
    r"(?:[^\W\d_]|[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])+"
    r"| (?:thousands?|millions?|billions?|mila|milion[ei]|miliard[oi]|mii|milioane?|miliarde?|"
    r"k|m|bn|mn|mln|mld)(?![^\W\d_])",
    re.IGNORECASE,
)


@functools.cache
def _codes() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies()) - frozenset(_NOT_CODES.split())


@functools.cache
def _words() -> frozenset[str]:
    return frozenset(_WORDS.split())


def _is_currency(match: re.Match[str]) -> bool:
    word = match["word"]
    return word is None or word in _codes() or word.lower() in _words()


@dataclass(frozen=True)
class Reading:
    """One way a reader may take a number for an amount of money."""

    key: str
    """The amount's text without spaces, to compare it by."""
    start: int
    end: int
    marker: int
    """Where its currency sign, code or word starts."""


def amounts_in(text: str) -> Iterator[list[Reading]]:
    """For each number in normalised ``text`` next to a currency, how it may be read: with
    the currency before it, after it, or both ("500 € 999" may be read either way)."""
    for number in NUMBER.finditer(text):
        start, end = number.span()
        if _PERCENT.match(text, end):
            continue
        readings = []
        before = _BEFORE.search(text, max(0, start - 24), start)
        if before is not None and _is_currency(before):
            multiplier = _MULTIPLIER.match(text, end)
            last = end if multiplier is None else multiplier.end()
            readings.append(_reading(text, before.start(), last, before.start()))
        after = _AFTER.match(text, end)
        if after is not None and _is_currency(after):
            readings.append(_reading(text, start, after.end(), after.start("marker")))
        if readings:
            yield readings


def _reading(text: str, start: int, end: int, marker: int) -> Reading:
    return Reading("".join(text[start:end].split()), start, end, marker)


def reader_text(html: str) -> str:
    """The text a reader sees in an HTML fragment, normalised (see ``normalised``)."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return normalised("".join(parser.parts))


def normalised(text: str) -> str:
    """``text`` as a reader tells it apart: compatibility forms folded (NFKC: fullwidth and
    circled digits, no-break and other spaces), what no font draws removed (format and other
    default-ignorable characters, soft hyphens), every decimal digit written 0-9, and every
    run of whitespace one space."""
    text = without_hidden(unicodedata.normalize("NFKC", text))
    text = _OTHER_DIGITS.sub(lambda digit: str(unicodedata.decimal(digit[0])), text)
    return " ".join(text.split())


_OTHER_DIGITS = re.compile(r"(?![0-9])\d")


class _TextParser(HTMLParser):
    """The text of an HTML fragment, character references decoded once (as a browser does),
    with the numbers of ordered lists written out: ``<ol start="5000">`` shows "5000."."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.lists: list[int | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "ol":
            start = dict(attrs).get("start") or "1"
            self.lists.append(int(start) if start.isdigit() else 1)
        elif tag == "ul":
            self.lists.append(None)
        elif tag == "li" and self.lists and self.lists[-1] is not None:
            self.parts.append(f"{self.lists[-1]}. ")
            self.lists[-1] += 1
        elif tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ol", "ul") and self.lists:
            self.lists.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
