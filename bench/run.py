"""engage's benchmark: one command, medians over several runs, figures written to a file.

    .venv/bin/python bench/run.py [--runs N] [--out bench/results.md]

Every figure is a fresh process, as a user would run it: `engage --help`, `engage check`,
a cold `engage build` of each example (with the compiled-code cache as a user has it after
a first build, and once without it), the `weasyprint` command making the same kind of PDF
(PDF/A-3b, tagged) from engage's own HTML of the same document, also with the second core
kept busy, a batch of 12 specs with --jobs 1 and --jobs 2, an up-to-date rebuild, a
preview's rebuild after a save, and the peak memory of one build. Ratios of two commands
are taken pair by pair, the two run in turn (this machine's speed drifts by tens of per
cent within a minute). Then every target of issue 16 with the ratio measured in this run,
and whether fonts were subset by HarfBuzz. Tests never assert these times.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
BIN = Path(sys.executable).parent
ENGAGE = [str(BIN / "engage")]
WEASYPRINT = [str(BIN / "weasyprint")]
# Bytecode as a user's installed engage has it: written once, then read.
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str]) -> tuple[float, int]:
    """Seconds and peak resident memory (KiB) of one run of ``command``."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"failed: {' '.join(command)}\n{error}")
    return seconds, usage.ru_maxrss


def median(runs: int, command: Callable[[], list[str]], before: Callable[[], None] = lambda: None
           ) -> tuple[float, int]:
    times, memory = [], []
    for _ in range(runs):
        before()
        seconds, peak = timed(command())
        times.append(seconds)
        memory.append(peak)
    return statistics.median(times), max(memory)


def paired(runs: int, first: Callable[[], list[str]], second: Callable[[], list[str]]
           ) -> tuple[float, float, float]:
    """Medians of ``first`` and ``second`` run in turn (A B A B ...), and the median of the
    ratio A/B taken pair by pair: a machine whose speed drifts moves both sides of a pair."""
    times_a, times_b, ratios = [], [], []
    for _ in range(runs):
        seconds_a, _ = timed(first())
        seconds_b, _ = timed(second())
        times_a.append(seconds_a)
        times_b.append(seconds_b)
        ratios.append(seconds_a / seconds_b)
    return statistics.median(times_a), statistics.median(times_b), statistics.median(ratios)


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kib = int(meminfo.read_text().split()[1])
        memory = f", {total_kib / 1024 / 1024:.0f} GiB"
    subset = "HarfBuzz" if _has_hb_subset() else "fontTools"
    import weasyprint

    return (f"{os.cpu_count()} cores ({model}){memory}, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}, "
            f"WeasyPrint {weasyprint.__version__}, font subsetting by {subset}")


def _has_hb_subset() -> bool:
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    # WeasyPrint's own condition for subsetting with HarfBuzz rather than fontTools.
    return harfbuzz_subset is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))


class BusyCore:
    """A process spinning on one core while a figure is measured (the machine's other work)."""

    def __enter__(self) -> BusyCore:
        self.process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.kill()
        self.process.wait()


def preview_rebuild(spec: Path, runs: int) -> float:
    """Median seconds of a preview's rebuild after the spec is saved (the warm builder)."""
    sys.path.insert(0, str(ROOT))
    from engage.preview import Preview

    preview = Preview(spec)
    try:
        preview.rebuild()  # the first build: the builder process starts
        times = []
        for index in range(runs):
            spec.write_text(spec.read_text() + f"\n# save {index}\n", encoding="utf-8")
            started = time.perf_counter()
            preview.rebuild()
            times.append(time.perf_counter() - started)
        return statistics.median(times)
    finally:
        preview.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.md")
    args = parser.parse_args()
    runs = args.runs
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "engage")], check=True,
                   env=ENV, stdout=subprocess.DEVNULL)
    jobs = 2  # the targets are for --jobs 2 (a 2-core machine)
    rows: list[tuple[str, str]] = []

    def report(name: str, value: str) -> None:
        rows.append((name, value))
        print(f"{name:<58} {value}", flush=True)

    with tempfile.TemporaryDirectory(prefix="engage-bench-") as temporary:
        work = Path(temporary)
        website = ROOT / "examples" / "website-en.yaml"
        help_time, _ = median(runs * 2, lambda: [*ENGAGE, "--help"])
        report("engage --help", f"{help_time * 1000:.0f} ms")
        check_time, _ = median(runs, lambda: [*ENGAGE, "check", str(website)])
        report("engage check website-en.yaml", f"{check_time * 1000:.0f} ms")

        cold: dict[str, float] = {}
        peak_memory = 0
        for example in EXAMPLES:
            out = work / f"{example.stem}.pdf"
            command = [*ENGAGE, "build", str(example), "-o", str(out), "--force"]
            seconds, peak = median(runs, functools.partial(list, command))
            cold[example.name] = seconds
            peak_memory = max(peak_memory, peak) if example == website else peak_memory
            report(f"cold engage build {example.name}", f"{seconds:.2f} s")

        no_cache, _ = median(runs, lambda: ["env", "ENGAGE_CACHE=off", *ENGAGE, "build",
                                            str(website), "-o", str(work / "nc.pdf"), "--force"])
        report("cold engage build website-en.yaml, no compiled-code cache", f"{no_cache:.2f} s")
        html = work / "website.html"
        subprocess.run([*ENGAGE, "build", str(website), "--html", "-o", str(html)], check=True,
                       env=ENV, stdout=subprocess.DEVNULL)
        # The yardstick: WeasyPrint's own command making the same kind of PDF (PDF/A-3b,
        # tagged) from engage's HTML of the same document.
        bare = [*WEASYPRINT, "--pdf-variant", "pdf/a-3b", "--pdf-tags", str(html),
                str(work / "bare.pdf")]
        plain = [*WEASYPRINT, str(html), str(work / "plain.pdf")]
        build_website = [*ENGAGE, "build", str(website), "-o", str(work / "cold.pdf"), "--force"]
        cold_time, bare_time, ratio = paired(runs, lambda: build_website, lambda: bare)
        report("cold engage build website-en.yaml, paired", f"{cold_time:.2f} s")
        report("bare weasyprint --pdf-variant pdf/a-3b --pdf-tags, same HTML",
               f"{bare_time:.2f} s")
        report("ratio engage build / bare weasyprint (pairs)", f"{ratio:.2f}")
        _, plain_time, plain_ratio = paired(runs, lambda: build_website, lambda: plain)
        report("bare weasyprint, plain PDF (no PDF/A, no tags)", f"{plain_time:.2f} s")
        report("ratio engage build / plain bare weasyprint (pairs)", f"{plain_ratio:.2f}")
        with BusyCore():
            busy_cold, busy_bare, busy_ratio = paired(runs, lambda: build_website, lambda: bare)
        report("cold build, second core busy", f"{busy_cold:.2f} s")
        report("bare weasyprint (same PDF), second core busy", f"{busy_bare:.2f} s")
        report("ratio, second core busy (pairs)", f"{busy_ratio:.2f}")

        batch = work / "batch"
        batch.mkdir()
        specs = []
        for index in range(12):
            source = EXAMPLES[index % len(EXAMPLES)]
            target = batch / f"{index:02d}-{source.name}"
            shutil.copy(source, target)
            specs.append(str(target))
        one_job, _ = median(max(1, runs // 2), lambda: [*ENGAGE, "build", *specs, "--jobs", "1",
                                                        "--force"])
        report("batch of 12 specs, --jobs 1, per spec", f"{one_job / 12:.2f} s")
        # The batch against cold builds of the very same 12 specs, one process each, the two
        # run in turn: per spec, and as a ratio taken pair by pair.
        one_by_one = ["sh", "-c", "; ".join(
            f"{shlex.join(ENGAGE)} build {shlex.quote(spec)} -o {shlex.quote(spec)}.cold.pdf "
            "--force || exit 1" for spec in specs
        )]
        all_jobs, batch_cold, batch_ratio = paired(
            max(2, runs // 2),
            lambda: [*ENGAGE, "build", *specs, "--jobs", str(jobs), "--force"],
            lambda: one_by_one,
        )
        report(f"batch of 12 specs, --jobs {jobs}, per spec", f"{all_jobs / 12:.2f} s")
        report("the same 12 specs built cold one by one, per spec", f"{batch_cold / 12:.2f} s")

        up_out = work / "website-en.pdf"
        subprocess.run([*ENGAGE, "build", str(website), "-o", str(up_out)], check=True, env=ENV,
                       stdout=subprocess.DEVNULL)
        fresh, help_paired, fresh_ratio = paired(
            runs * 2, lambda: [*ENGAGE, "build", str(website), "-o", str(up_out)],
            lambda: [*ENGAGE, "--help"],
        )
        report("up-to-date rebuild of website-en.yaml (target <= 300 ms)", f"{fresh * 1000:.0f} ms")
        report("engage --help, paired with it", f"{help_paired * 1000:.0f} ms")
        report("peak memory of one build of website-en.yaml (target <= 150 MB)",
               f"{peak_memory / 1024:.0f} MB")
        watched = work / "preview" / "website-en.yaml"
        watched.parent.mkdir()
        shutil.copy(website, watched)
        rebuild = preview_rebuild(watched, runs)
        report("preview rebuild after a save of website-en.yaml", f"{rebuild * 1000:.0f} ms")

        subset = "HarfBuzz" if _has_hb_subset() else "fontTools (install libharfbuzz-subset0)"
        report("font subsetting by", subset)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        report("load average (1 min) at the end of the run", f"{load:.1f}")
        targets = [
            ("up-to-date rebuild / engage --help", fresh_ratio, 2.0),
            (f"batch per spec (--jobs {jobs}) / cold build (pairs)", batch_ratio, 0.35),
            ("preview rebuild / cold build", rebuild / cold["website-en.yaml"], 0.5),
            ("cold build / bare weasyprint, quiet", ratio, 0.85),
            ("cold build / bare weasyprint, second core busy", busy_ratio, 0.85),
        ]
        for name, measured, limit in targets:
            verdict = "met" if measured <= limit else "NOT met"
            report(f"target: {name} <= {limit}", f"{measured:.2f} ({verdict})")

    lines = [
        "# engage benchmark",
        "",
        f"Measured {date.today().isoformat()} with `python bench/run.py --runs {runs}` "
        f"(medians of {runs} runs, each a fresh process) on: {machine()}.",
        "",
        "| figure | value |",
        "| --- | --- |",
        *(f"| {name.strip()} | {value} |" for name, value in rows),
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
