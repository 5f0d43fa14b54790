"""Stage 1: read a YAML file into plain data, remembering where every value was written.

The YAML is read with no YAML 1.1 guessing: every scalar reaches the model as the text the
user wrote (``tax_id: NO`` stays ``"NO"``, ``1.10`` stays ``"1.10"``), so money is never a
float and nothing is converted behind the user's back. Anchors, aliases and explicit tags are
refused before anything is built, which also defuses "billion laughs" documents.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from engage.errors import InputError, SpecError
from engage.files import read_regular

MAX_SPEC_BYTES = 1_000_000
MAX_DEPTH = 40
# Far more values than any spec holds; a 1 MB list of 250,000 items took 25 s to validate.
MAX_VALUES = 20_000

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


# A path into the loaded data: mapping keys and list indexes, from the root.
DataPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Mark:
    """A 1-based line and column in a source file (``file``: when not the document's own)."""

    line: int
    col: int
    file: Path | None = None


@dataclass
class Document:
    """What a YAML file holds, with the place of every value and key in it."""

    file: Path
    data: Any
    values: dict[DataPath, Mark] = field(default_factory=dict)
    keys: dict[DataPath, Mark] = field(default_factory=dict)

    def mark_for(self, path: DataPath, *, key: bool = False) -> Mark:
        """The place of ``path``, or of its nearest written ancestor."""
        places = self.keys if key else self.values
        while path:
            if path in places:
                return places[path]
            if not key and path in self.keys:
                return self.keys[path]
            path = path[:-1]
        return self.values.get((), Mark(1, 1))

    def file_of(self, mark: Mark) -> Path:
        """The file a mark of this document points into."""
        return mark.file or self.file


def merge(base: Document, over: Document) -> Document:
    """``over`` laid on ``base``: mappings merge key by key, anything else is replaced.

    Every value keeps the place it was written, so errors in a merged spec still point at the
    right file and line.
    """
    merged = Document(file=over.file, data=None)

    def place(source: Document, path: DataPath) -> None:
        for marks, target in ((source.values, merged.values), (source.keys, merged.keys)):
            for at, mark in marks.items():
                if at[: len(path)] == path:
                    target[at] = Mark(mark.line, mark.col, source.file_of(mark))

    def walk(low: Any, high: Any, path: DataPath) -> Any:
        if isinstance(low, dict) and isinstance(high, dict):
            merged.values[path] = over.values.get(path) or base.values.get(path, Mark(1, 1))
            result = {}
            for key in (*low, *(key for key in high if key not in low)):
                if key in high and key in low:
                    merged.keys[(*path, key)] = _with_file(over, over.keys[(*path, key)])
                    result[key] = walk(low[key], high[key], (*path, key))
                elif key in high:
                    place(over, (*path, key))
                    result[key] = high[key]
                else:
                    place(base, (*path, key))
                    result[key] = low[key]
            return result
        place(over, path)
        return high

    merged.data = walk(base.data, over.data, ())
    merged.values[()] = _with_file(over, over.values.get((), Mark(1, 1)))
    return merged


def _with_file(document: Document, mark: Mark) -> Mark:
    return Mark(mark.line, mark.col, document.file_of(mark))


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
    _refuse_hidden(text, file, error)
    return text


def _refuse_hidden(text: str, file: Path, error: type[InputError]) -> None:
    found = hidden_character(text)
    if found:
        raise error.at(file, hidden_message(found[0]), *line_col(text, found.start()))


def load_yaml(file: Path, text: str | None = None, error: type[InputError] = SpecError) -> Document:
    """Parse one YAML document into plain dicts, lists and strings.

    ``text`` may be given when the YAML is part of a larger file (a clause's front matter);
    ``error`` is the error class raised for problems.
    """
    if text is None:
        text = read_text(file, error=error)
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        raise error.at(file, "the file is empty", 1, 1)
    _refuse_hidden(text, file, error)
    try:
        loader = _StrictLoader(text, file, error)
    except yaml.YAMLError as exc:  # the reader refuses characters YAML does not allow
        raise error.at(file, f"invalid YAML: {' '.join(str(exc).split())}") from None
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        raise error.at(
            file,
            f"invalid YAML: {message}",
            mark.line + 1 if mark else None,
            mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise error.at(file, f"invalid YAML: {' '.join(str(exc).split())}") from None
    finally:
        loader.dispose()
    if root is None:
        raise error.at(file, "the file is empty", 1, 1)
    document = Document(file=file, data=None)
    if not isinstance(root, MappingNode):
        raise error.at(
            file,
            "the top level must be a mapping of `key: value` lines",
            root.start_mark.line + 1,
            root.start_mark.column + 1,
        )
    document.data = _build(root, (), document, error)
    return document


class _StrictLoader(yaml.SafeLoader):
    """A composer that refuses anchors, aliases, explicit tags, deep nesting and too many
    values."""

    def __init__(self, text: str, file: Path, error: type[InputError]) -> None:
        super().__init__(text)
        self._file = file
        self._error = error
        self._depth = 0
        self._values = 0

    def _refuse(self, message: str, mark: Any) -> None:
        raise self._error.at(self._file, message, mark.line + 1, mark.column + 1)

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent):
            self._refuse(
                f"aliases (*{event.anchor}) are not allowed; write the value out",
                event.start_mark,
            )
        if isinstance(event, ScalarEvent | CollectionStartEvent):
            if event.anchor is not None:
                self._refuse(
                    f"anchors (&{event.anchor}) are not allowed; write each value out",
                    event.start_mark,
                )
            if event.tag is not None and event.tag != "!":
                self._refuse(f"tags ({event.tag}) are not allowed", event.start_mark)
        self._depth += 1
        self._values += 1
        try:
            if self._values > MAX_VALUES:
                self._refuse(f"more than {MAX_VALUES:,} values; no spec is that large",
                             event.start_mark)
            if self._depth > MAX_DEPTH:
                self._refuse(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _mark(node: Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def _build(node: Node, path: DataPath, document: Document, error: type[InputError]) -> Any:
    document.values[path] = _mark(node)
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise error.at(
                    document.file,
                    "keys must be plain words, not lists or mappings",
                    *_line_col(key_node),
                )
            key = _scalar(key_node, document, error)
            if key in result:
                first = document.keys[(*path, key)]
                raise error.at(
                    document.file,
                    f"duplicate key {key!r} (first written at line {first.line})",
                    *_line_col(key_node),
                )
            document.keys[(*path, key)] = _mark(key_node)
            result[key] = _build(value_node, (*path, key), document, error)
        return result
    if isinstance(node, SequenceNode):
        return [
            _build(item, (*path, index), document, error) for index, item in enumerate(node.value)
        ]
    assert isinstance(node, ScalarNode)
    if node.style is None and node.value in ("", "~", "null", "Null", "NULL"):
        return None
    return _scalar(node, document, error)


def _scalar(node: ScalarNode, document: Document, error: type[InputError]) -> str:
    """The text of a scalar, refusing control characters written as escapes (``"\\u202e"``)."""
    text = str(node.value)
    found = hidden_character(text)
    if found:
        raise error.at(document.file, hidden_message(found[0]), *_line_col(node))
    return text


def _line_col(node: Node) -> tuple[int, int]:
    mark = _mark(node)
    return mark.line, mark.col
