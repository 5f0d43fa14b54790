"""engage: terms of engagement, from a YAML spec to a signable PDF.

The public API is ``build()`` and ``check()``; every failure is an ``EngageError``.
Imports are lazy so that ``engage --help`` and ``engage check`` stay fast.
"""

from __future__ import annotations

import sys
import types
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


class _BuildModule(types.ModuleType):
    """``engage.build`` once the stages module of that name is imported: calling it is
    ``engage.build()``, the public function, and its attributes are the module's."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from engage.single import build

        return build(*args, **kwargs)


class _Package(types.ModuleType):
    """Importing ``engage.build`` (the stages) makes it an attribute of this package, where
    it would hide the public ``build()``: it stays callable instead."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "build" and type(value) is types.ModuleType:
            value.__class__ = _BuildModule
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
