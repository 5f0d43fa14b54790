"""Which kind of document a YAML file describes: the terms, or one written after signing.

Answered from the file's top-level keys without parsing it, so that ``engage build`` and
``engage check`` pick the right pipeline before any heavy import. A change order, a call recap
and an acceptance record each sit under their own top-level key; anything else is the terms.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from engage.errors import EngageError, SpecError
from engage.files import open_regular

AfterKind = Literal["change_order", "recap", "acceptance"]
AFTER_KINDS: tuple[AfterKind, ...] = ("change_order", "recap", "acceptance")
TEMPLATES: dict[AfterKind, str] = {
    "change_order": "change-order.html.j2",
    "recap": "recap.html.j2",
    "acceptance": "acceptance.html.j2",
}
"""The template of each kind (over ``after-base.html.j2`` and ``after.css``)."""
_TOP_KEY = re.compile(rf"^({'|'.join(AFTER_KINDS)})\s*:", re.MULTILINE)
_PEEK_BYTES = 1_000_000


def kind_of_data(data: object) -> AfterKind | None:
    """The kind of an already loaded document: the top-level key it sits under, if one."""
    if isinstance(data, dict):
        for kind in AFTER_KINDS:
            if kind in data:
                return kind
    return None


def after_kind(spec_file: Path) -> AfterKind | None:
    """``change_order``, ``recap`` or ``acceptance`` when the file is one; None otherwise."""
    try:
        # Only a regular file is opened (a FIFO would block, a device never end).
        with os.fdopen(open_regular(spec_file, "spec", SpecError), "rb") as stream:
            head = stream.read(_PEEK_BYTES).decode("utf-8", errors="replace")
    except (OSError, EngageError):
        return None  # the terms pipeline reports why the file cannot be read
    found = _TOP_KEY.search(head)
    if found is None:
        return None
    return next(kind for kind in AFTER_KINDS if kind == found[1])
