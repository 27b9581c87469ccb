"""Benchmarks of ``wfc lint``: cold command time, warm validation per workflow, large graphs.

- Cold: wall time of ``wfc lint`` on the reference workflow in a fresh process, median of 10
  runs, once with Python's bytecode cache in place (as for an installed wfc) and once
  without it (every module compiled on import).
- Warm: ``lint_graph`` per workflow of the conformance set, catalog already loaded.
- Synthetic: chains of 1,000 and 10,000 nodes, to show that the time grows linearly.

The reference workflow and the conformance set come from ../shared; measurements that need
them are left out when it is absent.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("WFC_SHARED_DIR", ROOT.parent / "shared"))
REFERENCE = SHARED / "reference" / "nunchaku-qwen-image-edit-2509-workflow.json"
RUNS = 10


def _cold_runs(environment: dict[str, str]) -> float:
    command = [sys.executable, "-m", "wfc", "lint", str(REFERENCE)]
    subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, timeout=120)  # warm the file cache
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, timeout=120)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def cold() -> list[tuple[str, float, str]]:
    cached = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    results = [("cold wfc lint, reference workflow, bytecode cached (median of 10)", _cold_runs(cached), "s")]
    with tempfile.TemporaryDirectory() as empty_cache:
        uncached = dict(cached, PYTHONDONTWRITEBYTECODE="1", PYTHONPYCACHEPREFIX=empty_cache)
        results.append(("cold wfc lint, reference workflow, no bytecode cache (median of 10)", _cold_runs(uncached), "s"))
    return results


def _time_graph(data: Any, catalog: Any, repeat: int) -> float:
    from wfc.config import Config
    from wfc.lint.runner import lint_graph

    config = Config(root=ROOT)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        lint_graph(data, catalog, config)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def warm() -> list[tuple[str, float, str]]:
    from wfc.catalog import load_catalog

    results = []
    worker = load_catalog(ROOT / "worker" / "catalog.json")
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    results.append(("warm lint_graph, reference workflow (median of 200)", _time_graph(reference, worker, 200) * 1000, "ms"))

    conformance = SHARED / "conformance"
    catalog = load_catalog(conformance / "object_info.json")
    files = sorted((conformance / "api").glob("*.json")) + sorted((conformance / "mutants").glob("*.json"))
    graphs = [json.loads(path.read_text(encoding="utf-8")) for path in files]
    per_file = [_time_graph(graph, catalog, 5) for graph in graphs]
    results.append((f"warm lint_graph per conformance workflow, median of {len(files)}", statistics.median(per_file) * 1000, "ms"))
    results.append((f"warm lint_graph per conformance workflow, max of {len(files)}", max(per_file) * 1000, "ms"))
    return results


def synthetic_graph(size: int) -> dict[str, Any]:
    """Build a chain LoadImage -> ImageInvert x (size - 2) -> SaveImage."""
    graph: dict[str, Any] = {"1": {"class_type": "LoadImage", "inputs": {"image": "example.png"}}}
    for index in range(2, size):
        graph[str(index)] = {"class_type": "ImageInvert", "inputs": {"image": [str(index - 1), 0]}}
    graph[str(size)] = {"class_type": "SaveImage", "inputs": {"images": [str(size - 1), 0], "filename_prefix": "out"}}
    return graph


def synthetic() -> list[tuple[str, float, str]]:
    from wfc.catalog import load_catalog

    catalog = load_catalog(ROOT / "worker" / "catalog.json")
    results = []
    for size in (1_000, 10_000):
        seconds = _time_graph(synthetic_graph(size), catalog, 5)
        results.append((f"warm lint_graph, synthetic chain of {size:,} nodes", seconds * 1000, "ms"))
        results.append((f"  per node ({size:,} nodes)", seconds / size * 1e6, "us"))
    return results


def run() -> list[tuple[str, float, str]]:
    results = synthetic()
    if REFERENCE.is_file():
        results = cold() + warm() + results
    return results


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name:70} {value:10.3f} {unit}")
