"""Benchmarks of the models area: model-path parsing, resolution and the cold models check.

Numbers are wall time on whatever machine runs ``make bench``; each is the median of several
runs. The cold figure runs a fresh interpreter, so it includes imports.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / "workflows" / "qwen_image_edit_2509.json"
YAML = ROOT / "worker" / "extra_model_paths.yaml"

COLD_CHECK = """
import time
started = time.perf_counter()
from wfc.config import load_config
from wfc.graph import graph_from_json, parse_document
from wfc.models.rules import check_models
config = load_config()
document = parse_document(open({workflow!r}, "rb").read())
diagnostics = check_models(graph_from_json(document.data), None, config, path="w", document=document, profile=None)
assert diagnostics == [], diagnostics
print(time.perf_counter() - started)
"""


def median_seconds(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run() -> list[tuple[str, float, str]]:
    from wfc.config import load_config
    from wfc.graph import graph_from_json, parse_document
    from wfc.models.deployment import load_deployment
    from wfc.models.files import VirtualFiles
    from wfc.models.paths import parse_model_paths, search_paths
    from wfc.models.resolve import Resolver
    from wfc.models.rules import resolve_graph
    from wfc.models.sections import SectionReader, known_folders
    from wfc.models.yaml_nodes import compose_yaml

    results: list[tuple[str, float, str]] = []
    text = YAML.read_text(encoding="utf-8")

    fast = median_seconds(lambda: parse_model_paths(text, location="/opt/ComfyUI"), 50)
    results.append(("parse extra_model_paths.yaml (fast path)", fast * 1000, "ms"))

    import wfc.models.sections as sections

    def parse_with_pyyaml() -> None:
        reader = SectionReader("x", "/opt/ComfyUI", {}, known_folders())
        original = sections.compose
        sections.compose = compose_yaml
        try:
            reader.read(text)
        finally:
            sections.compose = original

    results.append(("parse extra_model_paths.yaml (PyYAML)", median_seconds(parse_with_pyyaml, 50) * 1000, "ms"))

    if WORKFLOW.is_file():
        config = load_config(ROOT / "pyproject.toml")
        document = parse_document(WORKFLOW.read_bytes())
        graph = graph_from_json(document.data)
        deployment = load_deployment(config, "runpod_workspace")
        warm = median_seconds(lambda: resolve_graph(graph, deployment, config, document=document), 200)
        results.append(("resolve the Qwen workflow's model inputs (warm)", warm * 1000, "ms"))

        cold = []
        for _ in range(5):
            completed = subprocess.run(
                [sys.executable, "-c", COLD_CHECK.format(workflow=str(WORKFLOW))],
                cwd=ROOT, capture_output=True, text=True, check=True, timeout=60)
            cold.append(float(completed.stdout.strip()))
        results.append(("cold check_models of the Qwen workflow, imports included", statistics.median(cold) * 1000, "ms"))

    files = [f"/vol/loras/pack{index // 100}/lora_{index}.safetensors" for index in range(10_000)]
    model_paths = parse_model_paths("v:\n  base_path: /vol\n  loras: loras\n")
    folders = search_paths(model_paths, "/opt/ComfyUI")

    def list_volume() -> None:
        Resolver(folders, VirtualFiles(files, "bench")).listing("loras")

    results.append(("list a 10,000-file loras folder from a listing", median_seconds(list_volume, 5) * 1000, "ms"))

    with tempfile.TemporaryDirectory() as folder:
        from wfc.models.files import DirectoryFiles

        root = Path(folder)
        for index in range(2_000):
            path = root / "loras" / f"pack{index // 100}" / f"lora_{index}.safetensors"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        walk = median_seconds(
            lambda: Resolver(folders, DirectoryFiles(root, "/vol")).listing("loras"), 5)
        results.append(("list a 2,000-file loras folder from a real directory", walk * 1000, "ms"))
    return results
