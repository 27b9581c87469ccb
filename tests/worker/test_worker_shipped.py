"""The artifacts shipped in workflows/ load in the worker and run against the stand-in."""

from __future__ import annotations

import pytest

from conftest import ROOT
from worker_builders import png_base64

from worker.handler import process_job

SHIPPED = ROOT / "workflows"


@pytest.fixture
def shipped_worker(s3, start_worker):
    if not (SHIPPED / "qwen_image_edit_2509.manifest.json").is_file():
        pytest.skip("workflows/qwen_image_edit_2509 is not compiled yet; run 'wfc compile'")
    # NOTE: worker/catalog.json lists this text encoder without the "clip/" folder part, but on the
    # serverless volume (text_encoders -> checkpoints) ComfyUI also lists it as "clip/<file>",
    # which is the name the shipped artifact uses. The stand-in is given that listing.
    text_encoder = "CLIPLoader:clip_name:clip/qwen_2.5_vl_7b_fp8_scaled.1.safetensors"
    state = start_worker(SHIPPED, s3, standin_args=("--extra-option", text_encoder))
    assert state.problems == []
    return state


@pytest.mark.parametrize("workflow", ["qwen_image_edit_2509", "plate_composite"])
def test_shipped_artifact_runs(shipped_worker, workflow):
    job_input = {"workflow": workflow, "image_name": png_base64((200, 30, 30)),
                 "background_load_image": png_base64((30, 30, 200))}

    result = process_job(shipped_worker, {"id": f"shipped-{workflow}", "input": job_input})

    assert "error" not in result, result.get("error")
    assert result["workflow"] == workflow
    assert result["outputs"]
    assert all(output["object_key"].startswith(f"outputs/shipped-{workflow}/") for output in result["outputs"])
