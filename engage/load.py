"""Stage 1: read a YAML file into plain data, remembering where every value was written.

The YAML is read with no YAML 1.1 guessing: every scalar reaches the model as the text the
user wrote (``tax_id: NO`` stays ``"NO"``, ``1.10`` stays ``"1.10"``), so money is never a
float and nothing is converted behind the user's back. Anchors, aliases and explicit tags are
refused before anything is built, which also defuses "billion laughs" documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from engage.errors import InputError, SpecError
from engage.text import hidden_character, hidden_message, read_text, refuse_hidden

MAX_DEPTH = 40
# Far more values than any spec holds; a 1 MB list of 250,000 items took 25 s to validate.
MAX_VALUES = 20_000

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
    refuse_hidden(text, file, error)
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
