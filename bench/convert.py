"""Benchmark: conversion of the official template set from the editor's format to API prompts.

Times ``convert_ui`` over every template of the installed comfyui-workflow-templates package
with the worker image's catalog (parsing the JSON is not timed), best of three runs.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from wfc.catalog import load_catalog
from wfc.convert import convert_ui
from wfc.convert.templates import template_files, templates_folder

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3


def run() -> list[tuple[str, float, str]]:
    folder = templates_folder()
    if folder is None:
        raise RuntimeError("comfyui-workflow-templates is not installed; install the dev extras")
    catalog = load_catalog(ROOT / "worker" / "catalog.json")
    documents = [json.loads(path.read_text(encoding="utf-8")) for path in template_files(folder)]
    nodes = sum(len(document.get("nodes", [])) for document in documents)

    best = float("inf")
    for _ in range(RUNS):
        started = time.perf_counter()
        for document in documents:
            convert_ui(document, catalog)
        best = min(best, time.perf_counter() - started)

    return [
        (f"convert {len(documents)} templates ({nodes} nodes), total", best * 1000, "ms"),
        ("convert one template, mean", best * 1000 / len(documents), "ms"),
        ("convert per UI node, mean", best * 1e6 / nodes, "us"),
    ]
