"""Is a PDF up to date? Answered from the input files' bytes, without parsing anything.

The digest covers the engage version, the spec and workspace profile as written, every
clause file of every library that applies (in any language), every template, label,
stylesheet, font and asset file, and the inputs' git state (the commit holding them, dirty or
not): the files are those ``engage.inputs.Inputs`` resolves. It is a superset of the
fingerprint's inputs and metadata, so a PDF whose digest matches needs no rendering; it is
stored as the PDF's file identifier, which ``engage.embed.read_identifier`` reads from the
file's last bytes. This module stays light (no Pydantic, Jinja or WeasyPrint) so that an
up-to-date build returns at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from engage.embed import read_identifier
from engage.inputs import Inputs
from engage.workspace import git_state

PreparedT = TypeVar("PreparedT")


@dataclass(frozen=True)
class Built(Generic[PreparedT]):
    """What a build made: the file, and the spec as prepared (``engage.build.Prepared``)."""

    output: Path
    prepared: PreparedT | None
    """None when the existing PDF was up to date and nothing was rendered."""

    @property
    def up_to_date(self) -> bool:
        return self.prepared is None


def inputs_digest(spec_file: Path, inputs: Inputs | None = None) -> str:
    """SHA-256 over every file a build of ``spec_file`` may read (``inputs``, resolved here
    if not given) and the inputs' git state."""
    digest = hashlib.sha256((inputs or Inputs.of(spec_file)).digest().encode())
    # The git state goes into the PDF's metadata: a commit of the inputs makes it out of date.
    state = git_state(spec_file)
    digest.update(f"git {state.commit} {state.dirty}\n".encode() if state else b"no git\n")
    return digest.hexdigest()


def is_fresh(output: Path, digest: str) -> bool:
    """Whether ``output`` is a PDF engage built from inputs with this digest."""
    return read_identifier(output) == digest
