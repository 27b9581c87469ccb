"""Field cases of kind ui-to-api (and the UI workflow inside a worker job) with their expected prompts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wfc.catalog import Catalog
from wfc.convert import convert_ui
from wfc.diagnostics import Severity


def load_case(shared: Path, prefix: str) -> dict:
    (path,) = (shared / "cases").glob(f"{prefix}-*.json")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.shared
def test_seed_control_value_is_skipped(shared: Path, blackwell_catalog: Catalog) -> None:
    case = load_case(shared, "011")
    expected = case["expected"]["node_3_api"]

    conversion = convert_ui(case["input"], blackwell_catalog)

    sampler = conversion.prompt["3"]
    assert sampler["class_type"] == expected["class_type"]
    assert sampler["inputs"] == expected["inputs"]
    assert "control_after_generate" not in sampler["inputs"]
    assert sampler["inputs"]["seed"] == 421337
    assert sampler["inputs"]["steps"] == 20


@pytest.mark.shared
def test_seed_case_other_nodes(shared: Path, blackwell_catalog: Catalog) -> None:
    case = load_case(shared, "011")

    prompt = convert_ui(case["input"], blackwell_catalog).prompt

    assert prompt["4"]["inputs"] == {"ckpt_name": "v1-5-pruned-emaonly-fp16.safetensors"}
    assert prompt["5"]["inputs"] == {"width": 512, "height": 512, "batch_size": 1}
    assert prompt["6"]["inputs"] == {"text": "a watercolor fox in a birch forest", "clip": ["4", 1]}
    assert prompt["7"]["inputs"] == {"text": "blurry, low quality", "clip": ["4", 1]}
    assert prompt["8"]["inputs"] == {"samples": ["3", 0], "vae": ["4", 2]}
    assert prompt["9"]["inputs"] == {"filename_prefix": "case011", "images": ["8", 0]}


@pytest.mark.shared
def test_primitive_node_inlined(shared: Path, blackwell_catalog: Catalog) -> None:
    case = load_case(shared, "013")

    conversion = convert_ui(case["input"], blackwell_catalog)

    assert "5" not in conversion.prompt
    for node_id, expected in case["expected"]["api"].items():
        assert conversion.prompt[node_id]["class_type"] == expected["class_type"]
        assert conversion.prompt[node_id]["inputs"] == expected["inputs"]
    assert conversion.prompt["2"]["inputs"]["filename_prefix"] == "wfc_job_output"
    assert [d for d in conversion.diagnostics if d.severity == Severity.ERROR] == []


@pytest.mark.shared
def test_ui_workflow_in_job_converts(shared: Path, blackwell_catalog: Catalog) -> None:
    case = load_case(shared, "015")

    conversion = convert_ui(case["input"]["input"]["workflow"], blackwell_catalog)

    expected = case["expected"]["if_converted"]
    assert set(conversion.prompt) == set(expected)
    for node_id, node in expected.items():
        assert conversion.prompt[node_id]["class_type"] == node["class_type"]
        assert conversion.prompt[node_id]["inputs"] == node["inputs"]
