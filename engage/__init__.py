"""engage: terms of engagement, from a YAML spec to a signable PDF.

The public API is ``build()`` and ``check()``; every failure is an ``EngageError``.
Imports are lazy so that ``engage --help`` and ``engage check`` stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["EngageError", "__version__", "build", "check"]

if TYPE_CHECKING:
    from engage.build import build, check
    from engage.errors import EngageError


def __getattr__(name: str) -> Any:
    if name in ("build", "check"):
        from engage import build as _build_module

        return getattr(_build_module, name)
    if name == "EngageError":
        from engage.errors import EngageError

        return EngageError
    raise AttributeError(name)
