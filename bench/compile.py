"""Compile-time benchmarks: the shipped specs, the generated node module, and a cold CLI run.

Warm numbers are medians of in-process runs. Cold numbers are medians of fresh interpreters, so
they include Python start-up and imports, with bytecode caching as the environment sets it.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPECS = ["qwen_image_edit_2509", "plate_composite"]
WARM_RUNS = 20
COLD_RUNS = 5


def median_seconds(action, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def run() -> list[tuple[str, float, str]]:
    from wfc import stubs
    from wfc.catalog import load_catalog
    from wfc.compiler import compile_spec
    from wfc.config import load_config

    config = load_config(ROOT / "pyproject.toml")
    catalog = load_catalog(ROOT / "worker" / "catalog.json")
    results = []

    for name in SPECS:
        spec = ROOT / "specs" / f"{name}.py"
        compile_spec(spec, catalog, config)  # first run imports the node module and the lint rules
        warm = median_seconds(lambda: compile_spec(spec, catalog, config), WARM_RUNS)
        results.append((f"compile {name} (warm, with lint, median of {WARM_RUNS})", warm * 1000, "ms"))
        unlinted = median_seconds(lambda: compile_spec(spec, catalog, config, lint=False), WARM_RUNS)
        results.append((f"compile {name} (warm, no lint, median of {WARM_RUNS})", unlinted * 1000, "ms"))

    generate = median_seconds(lambda: stubs.generate(catalog, source="worker/catalog.json"), 3)
    results.append((f"generate specs/nodes.py, {len(catalog)} classes (median of 3)", generate * 1000, "ms"))

    def cold(*arguments: str) -> None:
        subprocess.run([sys.executable, *arguments], cwd=ROOT, capture_output=True, check=True, timeout=120)

    results.append((f"import specs.nodes (fresh interpreter, median of {COLD_RUNS})",
                    median_seconds(lambda: cold("-c", "import specs.nodes"), COLD_RUNS) * 1000, "ms"))
    results.append((f"python start-up alone (median of {COLD_RUNS})",
                    median_seconds(lambda: cold("-c", "pass"), COLD_RUNS) * 1000, "ms"))
    results.append((f"wfc compile --check, both specs (cold, median of {COLD_RUNS})",
                    median_seconds(lambda: cold("-m", "wfc", "compile", "--check"), COLD_RUNS), "s"))
    return results


if __name__ == "__main__":
    for label, value, unit in run():
        print(f"{label:70} {value:10.3f} {unit}")
