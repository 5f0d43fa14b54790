"""What PDF/A-3b and tagging cost: CPU time of rendering the same HTML with and without them.

    .venv/bin/python bench/archival.py [examples/website-en.yaml] [runs]

CPU time (not wall time) of this process, so a busy machine disturbs the figures less;
the two variants are rendered in turn, and the medians are compared.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from unittest import mock

from engage import pdf
from engage._resources import data_dir
from engage.build import prepare


def main() -> None:
    spec = Path(sys.argv[1] if len(sys.argv) > 1 else "examples/website-en.yaml")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    prepared = prepare(spec)
    templates = data_dir("templates")
    timings: dict[str, list[float]] = {"PDF/A-3b + tags": [], "plain PDF": []}
    sizes: dict[str, int] = {}
    original = pdf.HTML.write_pdf

    def plain(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.pop("pdf_variant", None)
        kwargs.pop("pdf_tags", None)
        return original(self, *args, **kwargs)

    for _ in range(runs):
        for name in timings:
            patch = mock.patch.object(pdf.HTML, "write_pdf", plain) if name == "plain PDF" \
                else mock.patch.object(pdf.HTML, "write_pdf", original)
            with patch:
                start = time.process_time()
                data = pdf.write_pdf(prepared.html, templates, prepared.allowed, spec)
                timings[name].append(time.process_time() - start)
            sizes[name] = len(data)
    base = statistics.median(timings["plain PDF"])
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"{name:16} median CPU {median * 1000:7.0f} ms  ({median / base:.2f}x)  "
              f"{sizes[name] / 1024:6.0f} KB")


if __name__ == "__main__":
    main()
