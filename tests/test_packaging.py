"""The distribution installs under its own name and gives the ``engage`` command."""

from __future__ import annotations

from importlib.metadata import distribution

import engage


def test_the_distribution_is_engage_terms_not_the_unrelated_engage() -> None:
    dist = distribution("engage-terms")
    assert dist.metadata["Name"] == "engage-terms"
    assert dist.version == engage.__version__
    scripts = {ep.name: ep.value for ep in dist.entry_points if ep.group == "console_scripts"}
    assert scripts == {"engage": "engage.cli:main"}
