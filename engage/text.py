"""Reading a text file the way every input is read: bounded, a regular file, UTF-8 without
a byte-order mark, and free of invisible characters that could hide or reorder text.

Kept apart from the YAML loader so that the up-to-date check can read a spec's bytes
without importing a YAML parser.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from engage.errors import InputError, SpecError
from engage.files import read_regular

MAX_SPEC_BYTES = 1_000_000

# Characters no input file, value or printed text may hold: control characters (but tab and
# line breaks); every format character (Unicode category Cf: the bidirectional marks,
# embeddings, overrides and isolates that make text display in another order than it is
# written ("Trojan Source": U+202E shows €1,000.00 as 00.000,1€), zero-width spaces and
# joiners, the word joiner, soft hyphens, invisible operators, a byte-order mark inside the
# text, tags); the other default-ignorable characters, which no font draws (Hangul fillers,
# variation selectors, the combining grapheme joiner); private-use characters, which look like
# whatever a font makes them; and non-characters. Two exceptions a script genuinely needs: a
# zero-width (non-)joiner between two letters of a script that joins its letters (Arabic,
# Devanagari...; not Latin), and an emoji or text variation selector after a symbol (``✔️``).
_HIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xad\u034f\u0600-\u0605\u061c\u06dd\u070f"
    "\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ue000-\uf8ff\ufdd0-\ufdef\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb"
    "\ufffe\uffff\ud800-\udfff\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff\U000f0000-\U0010ffff"
    + "".join(f"\\U{plane:04x}fffe\\U{plane:04x}ffff" for plane in range(1, 16))
    + "]"
)
_JOINERS = "\u200c\u200d"
_VARIATION_SELECTORS = "\ufe0e\ufe0f"
# Scripts whose letters join or form conjuncts, where U+200C/U+200D choose a letter's shape.
_JOINING_SCRIPTS = (
    "ARABIC SYRIAC NKO MANDAIC DEVANAGARI BENGALI GURMUKHI GUJARATI ORIYA TAMIL TELUGU KANNADA "
    "MALAYALAM SINHALA MYANMAR KHMER MONGOLIAN TIBETAN LAO THAI"
)


def hidden_character(text: str) -> re.Match[str] | None:
    """The first character of ``text`` that no spec, clause or template may hold."""
    for found in _HIDDEN.finditer(text):
        if not _needed(text, found.start()):
            return found
    return None


def without_hidden(text: str) -> str:
    """``text`` without any of the characters ``hidden_character`` looks for (joiners too)."""
    return _HIDDEN.sub("", text)


def _needed(text: str, index: int) -> bool:
    char = text[index]
    before = text[index - 1] if index > 0 else ""
    if char in _VARIATION_SELECTORS:
        return bool(before) and unicodedata.category(before) in ("So", "Sm")
    if char not in _JOINERS or index + 1 >= len(text):
        return False
    scripts = {_joining_script(before), _joining_script(text[index + 1])}
    return len(scripts) == 1 and None not in scripts


def _joining_script(char: str) -> str | None:
    """The script of a letter or mark that may need a joiner (from its Unicode name)."""
    if not char or unicodedata.category(char)[0] not in "LM":
        return None
    script = unicodedata.name(char, "").split(" ")[0]
    return script if script in _JOINING_SCRIPTS.split() else None


def hidden_message(char: str) -> str:
    """Why ``char`` (found by ``hidden_character``) is refused."""
    kind = {"Co": "a private-use character", "Cs": "a lone surrogate", "Cn": "a non-character"}
    name = unicodedata.name(char, kind.get(unicodedata.category(char), "a control character"))
    return (
        f"U+{ord(char):04X} ({name}) is not allowed: an invisible control character can hide "
        "text or change the order in which it is displayed"
    )


def line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``text[index]``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def read_text(
    file: Path,
    what: str = "spec",
    max_bytes: int = MAX_SPEC_BYTES,
    error: type[InputError] = SpecError,
) -> str:
    """Read a UTF-8 text file, refusing what is too large, not UTF-8, starts with a BOM, or
    holds invisible control characters.

    Only regular files are read (a FIFO or ``/dev/zero`` never ends), and never more than
    ``max_bytes``, even when the file grows while it is read.
    """
    raw = read_regular(file, what, max_bytes, error)
    if raw.startswith(b"\xef\xbb\xbf"):
        raise error.at(
            file, "the file starts with a byte-order mark; save it as UTF-8 without BOM", 1, 1
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error.at(
            file,
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; save the file as UTF-8",
            line,
            col,
        ) from None
    refuse_hidden(text, file, error)
    return text


def refuse_hidden(text: str, file: Path, error: type[InputError]) -> None:
    found = hidden_character(text)
    if found:
        raise error.at(file, hidden_message(found[0]), *line_col(text, found.start()))
