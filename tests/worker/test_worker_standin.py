"""The ComfyUI stand-in reproduces ComfyUI 0.3.64 where a real server was seen to differ from it.

Each case here was compared with a real ComfyUI 0.3.64 on the CPU; test_worker_comfyui.py repeats
the comparison whenever a real server is configured.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import struct

import requests
from PIL import Image

from protocol_probe import plate_prompt, submit
from worker_builders import png_bytes


def stage_plates(standin) -> dict:
    input_dir = standin.root / "input"
    (input_dir / "red.png").write_bytes(png_bytes((200, 30, 30)))
    (input_dir / "blue.png").write_bytes(png_bytes((30, 30, 200), (48, 32)))
    return plate_prompt("red.png", "blue.png", "probe/plate")


def messages_of(answer: dict, kind: str) -> list[dict]:
    return [message["data"] for message in answer["ws"] if message.get("type") == kind]


def test_standin_converts_literal_values(standin):
    prompt = stage_plates(standin)
    prompt["4"]["inputs"].update(x=8.7, resize_source="false")

    answer = submit(standin.url, {"prompt": prompt})

    assert answer["status"] == 200
    assert answer["history"]["status"]["status_str"] == "success"
    inputs = answer["history"]["prompt"][2]["4"]["inputs"]
    assert inputs["x"] == 8
    assert inputs["resize_source"] is True  # bool("false"), as ComfyUI converts it


def test_standin_caches_repeated_prompt(standin):
    prompt = stage_plates(standin)

    first = submit(standin.url, {"prompt": prompt})
    second = submit(standin.url, {"prompt": copy.deepcopy(prompt)})

    assert messages_of(first, "execution_cached")[0]["nodes"] == []
    assert messages_of(second, "execution_cached")[0]["nodes"] == ["1", "2", "3", "4", "5"]
    assert [data["node"] for data in messages_of(second, "executing")] == [None]
    assert messages_of(second, "executed")[0]["output"] == first["history"]["outputs"]["5"]
    assert second["history"]["outputs"] == first["history"]["outputs"]


def test_standin_runs_nodes_in_comfyui_order(standin):
    prompt = stage_plates(standin)

    answer = submit(standin.url, {"prompt": prompt})

    # Node 1 goes first although node 2 was added first: it is two links from the output node.
    assert [data["node"] for data in messages_of(answer, "executing")] == ["1", "2", "3", "4", "5", None]


def test_standin_message_order_at_end(standin):
    answer = submit(standin.url, {"prompt": stage_plates(standin)})

    kinds = [message.get("type") for message in answer["ws"]]
    assert kinds[-4:] == ["progress_state", "execution_success", "status", "executing"]
    assert answer["history"] is not None


def test_standin_progress_state(standin):
    answer = submit(standin.url, {"prompt": stage_plates(standin)})

    states = messages_of(answer, "progress_state")
    assert states[0]["nodes"]["1"]["state"] == "running"
    assert states[0]["nodes"]["1"]["value"] == 0.0
    assert states[1]["nodes"]["1"]["state"] == "finished"
    assert states[-1]["nodes"].keys() == {"1", "2", "3", "4", "5"}
    assert {entry["state"] for entry in states[-1]["nodes"].values()} == {"finished"}


def test_standin_numbers_prompts_from_zero(standin):
    prompt = stage_plates(standin)

    numbers = [requests.post(f"{standin.url}/prompt", json={"prompt": prompt}, timeout=10).json()["number"]
               for _ in range(2)]
    front = requests.post(f"{standin.url}/prompt", json={"prompt": prompt, "front": True}, timeout=10).json()

    assert numbers == [0, 1]
    assert front["number"] == -2


def test_standin_rejects_cycle_without_reasons(standin):
    prompt = stage_plates(standin)
    prompt["3"]["inputs"]["image"] = ["4", 0]
    prompt["4"]["inputs"]["source"] = ["3", 0]

    answer = submit(standin.url, {"prompt": prompt})

    assert answer["status"] == 400
    assert answer["body"]["error"]["type"] == "prompt_outputs_failed_validation"
    assert answer["body"]["node_errors"] == {}


def test_standin_bad_link_blames_linking_node(standin):
    prompt = stage_plates(standin)
    prompt["4"]["inputs"]["source"] = ["99", 0]

    answer = submit(standin.url, {"prompt": prompt})

    [error] = answer["body"]["node_errors"]["4"]["errors"]
    assert error["type"] == "exception_during_inner_validation"
    assert error["details"] == "'99'"
    assert error["extra_info"]["input_name"] == "images"  # SaveImage's input that links to node 4
    assert error["extra_info"]["exception_type"] == "KeyError"
    assert error["extra_info"]["linked_node"] == ["4", 0]


def test_standin_bad_output_slot(standin):
    prompt = stage_plates(standin)
    prompt["5"]["inputs"]["images"] = ["4", 5]

    answer = submit(standin.url, {"prompt": prompt})

    [error] = answer["body"]["node_errors"]["5"]["errors"]
    assert error["type"] == "exception_during_validation"
    assert error["details"] == "tuple index out of range"
    assert answer["body"]["error"]["details"] == "Exception when validating node: tuple index out of range"


def test_standin_non_object_prompt_is_server_error(standin):
    response = requests.post(f"{standin.url}/prompt", json={"prompt": [1, 2]}, timeout=10)

    assert response.status_code == 500


def test_standin_execution_error_shape(standin):
    prompt = stage_plates(standin)
    (standin.root / "input" / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really a png")
    prompt["1"]["inputs"]["image"] = "corrupt.png"

    answer = submit(standin.url, {"prompt": prompt})

    [error] = messages_of(answer, "execution_error")
    assert error["node_id"] == "1"
    assert error["exception_type"] == "OSError"
    assert error["exception_message"] == "Truncated File Read\n"
    assert error["current_inputs"] == {"image": ["corrupt.png"]}
    assert error["traceback"]
    assert answer["history"]["status"] == {"status_str": "error", "completed": False,
                                           "messages": answer["history"]["status"]["messages"]}


def test_standin_embeds_prompt_in_png(standin):
    prompt = stage_plates(standin)

    answer = submit(standin.url, {"prompt": prompt})
    [image] = answer["history"]["outputs"]["5"]["images"]
    data = requests.get(f"{standin.url}/view", params=image, timeout=10).content

    embedded = json.loads(Image.open(io.BytesIO(data)).text["prompt"])
    red_digest = hashlib.sha256((standin.root / "input" / "red.png").read_bytes()).hexdigest()
    assert embedded["1"]["is_changed"] == [red_digest]
    assert embedded["4"]["inputs"]["x"] == 8
    assert "is_changed" not in embedded["4"]


def test_standin_sends_size_text_frame(standin):
    input_dir = standin.root / "input"
    (input_dir / "blue.png").write_bytes(png_bytes((30, 30, 200), (48, 32)))
    prompt = {
        "1": {"class_type": "LoadImage", "inputs": {"image": "blue.png"}},
        "2": {"class_type": "GetImageSize", "inputs": {"image": ["1", 0]}},
        "3": {"class_type": "ImageScale", "inputs": {
            "image": ["1", 0], "upscale_method": "nearest-exact", "width": ["2", 0], "height": ["2", 1], "crop": "disabled"}},
        "4": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "size"}},
    }

    answer = submit(standin.url, {"prompt": prompt})

    [frame] = [message for message in answer["ws"] if "binary" in message]
    assert frame["binary"] == list(struct.pack(">I", 3))
    assert answer["history"]["status"]["status_str"] == "success"


def test_standin_object_info_of_one_class(standin):
    image_scale = requests.get(f"{standin.url}/object_info/ImageScale", timeout=10).json()
    unknown = requests.get(f"{standin.url}/object_info/NoSuchNode", timeout=10).json()

    assert list(image_scale) == ["ImageScale"]
    assert image_scale["ImageScale"]["input_order"]["required"] == ["image", "upscale_method", "width", "height", "crop"]
    assert unknown == {}


def test_standin_object_info_spellings(standin):
    info = requests.get(f"{standin.url}/object_info", timeout=60).json()

    # A V3 COMBO keeps its ["COMBO", {"options": [...]}] spelling, which ComfyUI validates differently.
    assert info["AlignYourStepsScheduler"]["input"]["required"]["model_type"] == [
        "COMBO", {"multiselect": False, "options": ["SD1", "SDXL", "SVD"]}]
    assert info["ImageScale"]["input"]["required"]["crop"] == [["disabled", "center"]]
    assert info["LatentAdd"]["display_name"] is None
    assert info["ControlNetApply"]["deprecated"] is True
    assert "deprecated" not in info["ImageScale"]
