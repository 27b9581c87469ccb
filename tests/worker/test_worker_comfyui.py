"""The worker and its ComfyUI stand-in against a real ComfyUI 0.3.64.

Runs only when ``WFC_COMFYUI_URL`` points at a running ComfyUI and ``WFC_COMFYUI_INPUT_DIR`` /
``WFC_COMFYUI_OUTPUT_DIR`` name its input and output folders on this machine (the worker writes
staged images there). ComfyUI runs on the CPU for these tests:
``python main.py --cpu --listen 127.0.0.1 --port N --input-directory DIR --output-directory DIR``.

- the test's own plate artifact and the shipped ``workflows/plate_composite`` artifact run end
  to end through the handler, and their output pixels are checked;
- the stand-in answers the probe prompts of ``protocol_probe`` exactly as the real server does;
- the live ``/object_info`` matches ``worker/catalog.json`` for the classes the shipped
  artifacts use, apart from the lists of model and input files;
- the stand-in's ``/object_info`` matches the live one for every class both have, apart from
  what the catalog does not store.
"""

from __future__ import annotations

import base64
import io
import json
import os
import secrets
import shutil
from pathlib import Path

import pytest
import requests
from PIL import Image

from conftest import ROOT
from protocol_probe import normalize, probe
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


def test_shipped_plate_composite_real_comfyui(real_comfy_env, tmp_path, make_settings):
    folder = tmp_path / "workflows"
    folder.mkdir()
    for name in ("plate_composite.json", "plate_composite.manifest.json"):
        shutil.copy(ROOT / "workflows" / name, folder / name)
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

    result = process_job(state, {"id": "real-shipped-plate", "input": {
        "workflow": "plate_composite",
        "image_name": png_base64((200, 30, 30), (64, 64)),
        "background_load_image": png_base64((30, 30, 200), (48, 32)),
    }})

    assert "error" not in result, result.get("error")
    [output] = result["outputs"]
    assert output["output"] == "image"
    image = Image.open(io.BytesIO(base64.b64decode(output["base64"]))).convert("RGB")
    assert image.size == (48, 32)  # GetImageSize of the background sets the output size
    # ImageBlend "normal" at 0.5: half background, half the scaled character plate.
    assert all(abs(got - want) <= 1 for got, want in zip(image.getpixel((10, 10)), (115, 30, 115)))
    assert set(os.listdir(input_dir)) == before


def test_standin_answers_like_real_comfyui(real_comfy_env, standin):
    tag = secrets.token_hex(4)

    real = probe(real_comfy_env["WFC_COMFYUI_URL"].rstrip("/"), Path(real_comfy_env["WFC_COMFYUI_INPUT_DIR"]), tag)
    stand_in = probe(standin.url, standin.root / "input", tag)

    differing = [label for label in real if normalize(real[label], tag) != normalize(stand_in[label], tag)]
    details = {label: {"real": normalize(real[label], tag), "standin": normalize(stand_in[label], tag)}
               for label in differing[:2]}
    assert differing == [], json.dumps(details, indent=1)[:6000]


def test_live_object_info_matches_catalog(real_comfy_env):
    from wfc.catalog import from_object_info, load_catalog

    live = from_object_info(requests.get(real_comfy_env["WFC_COMFYUI_URL"].rstrip("/") + "/object_info", timeout=120).json())
    catalog = load_catalog(ROOT / "worker" / "catalog.json")
    model_inputs = json.loads((ROOT / "wfc" / "data" / "model-inputs.json").read_text())
    used = {node["class_type"] for name in ("plate_composite", "qwen_image_edit_2509")
            for node in json.loads((ROOT / "workflows" / f"{name}.json").read_text()).values()}
    core = sorted(name for name in used if catalog.get(name) is not None and catalog.get(name).pack == "core")
    assert "LoadImage" in core

    def comparable(node_class):
        inputs = []
        for spec in node_class.inputs.values():
            entry = spec.to_json()
            if spec.is_upload or spec.name in model_inputs.get(node_class.name, {}):
                entry.pop("options", None)  # lists the files of this install
            inputs.append(entry)
        return {"inputs": inputs, "outputs": [output.to_json() for output in node_class.outputs],
                "output_node": node_class.output_node, "category": node_class.category,
                "python_module": node_class.python_module}

    missing = [name for name in core if live.get(name) is None]
    assert missing == []
    differing = [name for name in core if comparable(live.get(name)) != comparable(catalog.get(name))]
    assert differing == []


def test_standin_object_info_like_real(real_comfy_env, standin):
    real = requests.get(real_comfy_env["WFC_COMFYUI_URL"].rstrip("/") + "/object_info", timeout=120).json()
    stand_in = requests.get(f"{standin.url}/object_info", timeout=120).json()
    model_inputs = json.loads((ROOT / "wfc" / "data" / "model-inputs.json").read_text())

    def comparable(name, info):
        # Left out: what the catalog does not store (docs, V3-only keys and false flags, empty
        # sections, the V3 list spelling of hidden inputs) and the lists of files of each install.
        info = {key: value for key, value in info.items()
                if key not in ("description", "api_node", "output_tooltips") and value is not False}
        info["input_order"] = {section: names for section, names in info["input_order"].items() if names}
        info["input"] = {section: inputs for section, inputs in info["input"].items() if inputs or section == "required"}
        for section_name, section in info["input"].items():
            for input_name, spec in section.items():
                if section_name == "hidden":
                    section[input_name] = spec[0] if isinstance(spec, list) else spec
                    continue
                config = spec[1] if len(spec) > 1 else {}
                config.pop("tooltip", None)
                if config.get("image_upload") or input_name in model_inputs.get(name, {}):
                    if spec[0] == "COMBO":
                        config["options"] = "<files>"
                    else:
                        spec[0] = "<files>"
                if len(spec) > 1 and not config:
                    del spec[1]
        return info

    shared = sorted(set(real) & set(stand_in))
    assert len(shared) > 400
    differing = [name for name in shared if comparable(name, real[name]) != comparable(name, stand_in[name])]
    assert differing == [], {name: (real[name], stand_in[name]) for name in differing[:2]}
