"""Run every benchmark module of this package and print one line per measurement.

Modules are found by name (``bench/<area>.py`` with a ``run()`` function returning
``(name, value, unit)`` tuples) so each area adds its benchmarks without touching this file.
"""

from __future__ import annotations

import importlib
import pkgutil
import platform
import sys
import time

import bench


def main() -> int:
    print(f"# wfc benchmarks on {platform.node()} ({platform.machine()}, Python {platform.python_version()})")
    failed = 0
    for module_info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda info: info.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{module_info.name}")
        started = time.perf_counter()
        try:
            results = module.run()
        except Exception as exc:  # a broken benchmark is reported, the others still run
            print(f"{module_info.name}: FAILED: {exc!r}")
            failed += 1
            continue
        for name, value, unit in results:
            print(f"{module_info.name:10} {name:60} {value:12.3f} {unit}")
        print(f"{module_info.name:10} {'(benchmark wall time)':60} {time.perf_counter() - started:12.3f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
