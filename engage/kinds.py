"""Which kind of document a YAML file describes: the terms, or one written after signing.

Answered from the file's top-level keys without parsing it, so that ``engage build`` and
``engage check`` pick the right pipeline before any heavy import. A change order, a call recap
and an acceptance record each sit under their own top-level key; anything else is the terms.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Literal

AfterKind = Literal["change_order", "recap", "acceptance"]
_TOP_KEY = re.compile(r"^(change_order|recap|acceptance)\s*:", re.MULTILINE)
_PEEK_BYTES = 1_000_000


def after_kind(spec_file: Path) -> AfterKind | None:
    """``change_order``, ``recap`` or ``acceptance`` when the file is one; None otherwise."""
    try:
        # Opened without blocking and checked once open: a FIFO or a device never ends, and
        # the terms pipeline reports it.
        descriptor = os.open(spec_file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                return None
            head = stream.read(_PEEK_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return None  # the terms pipeline reports why the file cannot be read
    found = _TOP_KEY.search(head)
    if found is None:
        return None
    kind = found[1]
    assert kind in ("change_order", "recap", "acceptance")
    return kind  # type: ignore[return-value]
