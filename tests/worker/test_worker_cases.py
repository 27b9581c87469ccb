"""Field cases of kind worker-input and worker-runtime, run with their expected values."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import requests
from PIL import Image

from conftest import set_fault, standin_stats
from worker_builders import write_artifact

from worker.artifacts import select_artifact
from worker.errors import JobError
from worker.handler import process_job
from worker.run import execution_failure


def load_case(shared: Path, number: str) -> dict:
    [path] = sorted((shared / "cases").glob(f"{number}-*.json"))
    return json.loads(path.read_text(encoding="utf-8"))


def output_pixel(result: dict) -> tuple[int, int, int]:
    data = requests.get(result["outputs"][0]["url"], timeout=10).content
    return Image.open(io.BytesIO(data)).convert("RGB").getpixel((0, 0))


def test_case_015_ui_workflow_rejected(shared, workflows, s3, start_worker):
    case = load_case(shared, "015")
    [expected] = case["expected"]["errors"]
    state = start_worker(workflows, s3)

    result = process_job(state, {"id": "case-015", "input": case["input"]["input"]})

    assert result["error_class"] == expected["class"]
    [detail] = result["details"]
    assert detail["path"] == expected["path"]
    assert detail["detail"] == expected["detail"]
    assert detail["suggestion"] == expected["suggestion"]
    assert standin_stats(state)["prompts_received"] == 0


def test_case_015_api_graph_inline_rejected(shared):
    case = load_case(shared, "015")
    api_graph = case["expected"]["if_converted"]

    with pytest.raises(JobError) as raised:
        select_artifact({}, {"workflow": api_graph}, None)

    assert raised.value.error_class == "inline_workflow_rejected"


def case_017_artifact(case: dict, folder: Path) -> Path:
    graph = case["input"]["compiled_graph"]
    parameters = {"image": {"kind": "image", "type": "IMAGE_FILE", "aliases": [],
                            "bindings": [{"node": "1", "input": "image"}]}}
    return write_artifact(folder, "case017", graph, parameters, {"image": {"node": "2", "class_type": "SaveImage"}})


def test_case_017_warm_jobs_own_inputs(shared, tmp_path, s3, start_worker):
    case = load_case(shared, "017")
    folder = tmp_path / "case017"
    case_017_artifact(case, folder)
    state = start_worker(folder, s3)
    assert state.problems == []

    results = {}
    for job in case["input"]["jobs"]:
        job_input = {"image": job["input"]["images"][0]["base64"]} if job["input"].get("images") else {}
        results[job["id"]] = process_job(state, {"id": job["id"], "input": job_input})

    assert "error" not in results["job-A"], results["job-A"].get("error")
    assert output_pixel(results["job-A"]) == (200, 30, 30)
    assert "error" not in results["job-B"], results["job-B"].get("error")
    assert output_pixel(results["job-B"]) == (30, 30, 200)
    expected_c = case["expected"]["job-C"]
    assert results["job-C"]["error_class"] == expected_c["class"]
    assert "'input.png'" in results["job-C"]["error"]
    assert "must not be used" in results["job-C"]["error"]
    assert standin_stats(state)["input_files"] == []


def case_019_worker(case: dict, folder: Path, s3, start_worker, **env: str):
    graph = case["input"]["compiled_graph"]
    parameters = {
        "prompt": {"kind": "value", "type": "STRING", "default": "", "bindings": [{"node": "6", "input": "text"}]},
        "seed": {"kind": "value", "type": "INT", "default": 0, "minimum": 0,
                 "bindings": [{"node": "3", "input": "seed"}]},
    }
    write_artifact(folder, "case019", graph, parameters, {"image": {"node": "9", "class_type": "SaveImage"}})
    checkpoint = graph["4"]["inputs"]["ckpt_name"]
    return start_worker(folder, s3, standin_args=("--extra-option", f"CheckpointLoaderSimple:ckpt_name:{checkpoint}"), **env)


@pytest.mark.parametrize("websocket", ["1", "0"])
def test_case_019_execution_error_fails(shared, tmp_path, s3, start_worker, websocket):
    case = load_case(shared, "019")
    expected = case["expected"]["error"]
    state = case_019_worker(case, tmp_path / "case019", s3, start_worker, WFC_USE_WEBSOCKET=websocket)
    assert state.problems == []
    set_fault(state, "error")

    result = process_job(state, {"id": "case-019", "input": case["input"]["job"]["input"]})

    assert result["error_class"] == expected["class"]
    [detail] = result["details"]
    assert detail["node"] == expected["node"]
    assert detail["node_type"] == expected["node_type"]
    assert detail["exception_type"] == expected["exception_type"]
    assert detail["message"] == expected["message"]
    assert "outputs" not in result


def test_case_019_history_verdict(shared):
    case = load_case(shared, "019")
    expected = case["expected"]["error"]
    [entry] = case["input"]["comfyui_history"].values()

    failure = execution_failure(entry, lambda node: f"node {node}")

    assert failure is not None
    assert failure.error_class == expected["class"]
    assert failure.details[0]["node"] == expected["node"]
    assert failure.details[0]["node_type"] == expected["node_type"]
    assert failure.details[0]["exception_type"] == expected["exception_type"]
    assert failure.details[0]["message"] == expected["message"]
