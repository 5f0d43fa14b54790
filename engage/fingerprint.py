"""A fingerprint of everything a document is built from.

SHA-256 over the merged spec (normalised: canonical JSON of the values as written), every
clause used, and every template, label, stylesheet and font file. Each part is hashed on
its own too, so ``engage verify`` can name what changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

SHORT = 12


@dataclass(frozen=True)
class Fingerprint:
    parts: dict[str, str]
    """``spec``, ``clause:<id>`` and ``template:<name>`` -> SHA-256 of that part."""

    @property
    def value(self) -> str:
        lines = "".join(f"{name}={digest}\n" for name, digest in sorted(self.parts.items()))
        return hashlib.sha256(lines.encode("utf-8")).hexdigest()

    @property
    def short(self) -> str:
        return self.value[:SHORT]

    def changes(self, other: Fingerprint) -> list[str]:
        """What differs from ``other``, one phrase per part."""
        found = []
        for name in sorted(set(self.parts) | set(other.parts)):
            if name not in other.parts:
                found.append(f"{name} is no longer used")
            elif name not in self.parts:
                found.append(f"{name} is new")
            elif self.parts[name] != other.parts[name]:
                found.append(f"{name} changed")
        return found


def digest(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def canonical(data: Any) -> str:
    """The spec's values as canonical JSON: key order and YAML layout do not matter."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def fingerprint(
    spec_data: Any, clauses: dict[str, str], templates: dict[str, bytes]
) -> Fingerprint:
    parts = {"spec": digest(canonical(spec_data))}
    parts.update({f"clause:{name}": digest(text) for name, text in clauses.items()})
    parts.update({f"template:{name}": digest(data) for name, data in templates.items()})
    return Fingerprint(parts)
