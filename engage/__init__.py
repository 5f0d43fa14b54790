"""engage: terms of engagement, from a YAML spec to a signable PDF.

The public API is ``build()`` and ``check()``; every failure is an ``EngageError``.
Imports are lazy so that ``engage --help`` and ``engage check`` stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["EngageError", "__version__", "build", "check"]

if TYPE_CHECKING:
    from engage.build import check
    from engage.errors import EngageError
    from engage.single import build


def __getattr__(name: str) -> Any:
    if name == "build":  # the up-to-date check and the renderer first, then the rest
        from engage.single import build

        return build
    if name == "check":
        from engage.build import check

        return check
    if name == "EngageError":
        from engage.errors import EngageError

        return EngageError
    raise AttributeError(name)
