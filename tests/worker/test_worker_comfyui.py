"""The plate_composite graph end to end through the worker on a real ComfyUI.

Runs only when ``WFC_COMFYUI_URL`` points at a running ComfyUI and ``WFC_COMFYUI_INPUT_DIR`` /
``WFC_COMFYUI_OUTPUT_DIR`` name its input and output folders on this machine (the worker writes
staged images there). It uses the test's own plate artifact, whose output pixels are known.
"""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path

import pytest
from PIL import Image

from worker_builders import png_base64, write_plate

from worker.handler import process_job
from worker.startup import boot

pytestmark = pytest.mark.comfyui


@pytest.fixture
def real_comfy_env():
    names = ("WFC_COMFYUI_URL", "WFC_COMFYUI_INPUT_DIR", "WFC_COMFYUI_OUTPUT_DIR")
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        pytest.skip(f"needs a real ComfyUI: set {', '.join(missing)}")
    return {name: os.environ[name] for name in names}


def test_plate_composite_real_comfyui(real_comfy_env, tmp_path, make_settings):
    folder = tmp_path / "workflows"
    write_plate(folder)
    settings = make_settings({
        **real_comfy_env,
        "WFC_WORKFLOWS_DIR": str(folder),
        "WFC_SKIP_CUDA_WAIT": "1",
        "WFC_COMFYUI_START_TIMEOUT": "10",
        "WFC_JOB_TIMEOUT": "120",
        "RUNPOD_INCLUDE_OUTPUT_BASE64": "1",
    })
    state = boot(settings)
    assert state.problems == []
    input_dir = Path(real_comfy_env["WFC_COMFYUI_INPUT_DIR"])
    before = set(os.listdir(input_dir))

    result = process_job(state, {"id": "real-plate", "input": {
        "workflow": "plate_composite",
        "load_image": png_base64((200, 30, 30), (64, 64)),
        "background_load_image": png_base64((30, 30, 200), (64, 64)),
    }})

    assert "error" not in result, result.get("error")
    [output] = result["outputs"]
    image = Image.open(io.BytesIO(base64.b64decode(output["base64"]))).convert("RGB")
    assert image.size == (64, 64)
    assert image.getpixel((0, 0)) == (200, 30, 30)
    assert set(os.listdir(input_dir)) == before
