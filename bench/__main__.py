"""`python -m bench [NAME ...]`: run the benchmarks and write bench/RESULTS.md."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.common import REPO, Result, bench_settings, empty_tables
from tests.media import make_mp4

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if names:
        modules = [m for m in modules if any(n in m for n in names)]
    results: list[tuple[str, Result]] = []
    with tempfile.TemporaryDirectory() as tmp:
        loops = Path(tmp)
        make_mp4(loops / "default.mp4")
        with bench_settings(loops) as settings:
            for name in modules:
                print(f"== {name}", flush=True)
                empty_tables(settings)
                outcome = importlib.import_module(f"bench.{name}").run(settings)
                if inspect.isawaitable(outcome):
                    outcome = asyncio.run(outcome)
                for result in outcome:
                    mark = "ok" if result.ok else "MISSED"
                    print(f"   {result.name}: {result.figure} (target {result.target}) {mark}")
                    results.append((name, result))
    write_results(results, partial=bool(names))
    return 0 if all(r.ok for _, r in results) else 1


def write_results(results: list[tuple[str, Result]], *, partial: bool) -> None:
    """Write the table at the top of bench/RESULTS.md; the hand-written sections below it (the
    `## …` before/after comparisons) are kept. A partial run replaces only its own rows."""
    path = REPO / "bench" / "RESULTS.md"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    sections = old[old.index("\n## ") :] if "\n## " in old else ""
    ran = {module for module, _ in results}
    kept = [
        line
        for line in old[: len(old) - len(sections)].splitlines()
        if partial and line.startswith("| bench_") and line.split(" ")[1] not in ran
    ]
    rows = kept + [
        f"| {module} | {r.name} | {r.figure} | {r.target} | {'yes' if r.ok else 'NO'} |"
        for module, r in results
    ]
    rows.sort(key=lambda row: row.split(" ")[1])  # by module; a sort keeps each module's order
    scope = (
        f" Partial run: {', '.join(sorted(ran))}; other rows from earlier runs." if partial else ""
    )
    lines = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `make bench` on"
        f" {platform.machine()} ({platform.python_implementation()} {platform.python_version()}),"
        " 2 cores, local PostgreSQL and Redis." + scope,
        "",
        "| benchmark | measure | figure | target | met |",
        "| --- | --- | --- | --- | --- |",
        *rows,
    ]
    path.write_text("\n".join(lines) + "\n" + sections, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
