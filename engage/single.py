"""Building one spec the fastest way: ``engage.build()`` and ``engage build spec.yaml``.

Two things make a single build quick, and both happen before engage's heavy modules (Pydantic,
Jinja, WeasyPrint) are imported: an up-to-date PDF is recognised from its inputs' digest
(``engage.fresh``) and left as it is, and otherwise the renderer process is forked first, so
that WeasyPrint loads on the second core while this process loads, validates and assembles
the spec (``engage.build.build``).
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from engage.errors import EngageError
from engage.fresh import Built, inputs_digest, is_fresh

if TYPE_CHECKING:
    from engage.build import Prepared


def build(
    spec_file: Path, output: Path | None = None, *, html: bool = False, force: bool = False
) -> Built[Prepared]:
    """Build ``spec_file`` into a PDF (or HTML) at ``output`` (default: next to the spec),
    unless the PDF there is up to date (or ``force``)."""
    digest = None
    if not (html or force):
        target = output or spec_file.with_suffix(".pdf")
        try:
            digest = inputs_digest(spec_file)
            if target.resolve() != spec_file.resolve() and is_fresh(target, digest):
                return Built(target, None)
        except (OSError, EngageError):  # not readable: the build itself reports why
            digest = None
    from engage.renderer import Renderer

    with Renderer() if not html else nullcontext() as renderer:
        from engage.build import build as build_spec  # here, once the renderer is on its way

        return build_spec(
            spec_file, output, html=html, force=force, renderer=renderer, digest=digest
        )


def describe(built: Built[Prepared]) -> str:
    """The line the CLI prints for a finished build."""
    if built.prepared is None:
        return f"{built.output}: up to date"
    return f"wrote {built.output} (fingerprint {built.prepared.fingerprint.value})"
