"""Send the same prompts to two ComfyUI servers and record what each answers, for comparison.

Used to check that the stand-in speaks ComfyUI 0.3.64's protocol as a real server does: the
``/prompt`` answer, every websocket message the submitting client receives until the prompt ends,
and the ``/history`` entry. ``normalize`` replaces what always differs between two servers
(ids, timestamps, queue numbers, traceback text) before the responses are compared.
"""

from __future__ import annotations

import copy
import json
import re
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import requests

from worker_builders import png_bytes

TERMINAL = ("execution_success", "execution_error", "execution_interrupted")
ID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")


def plate_prompt(red: str, blue: str, prefix: str) -> dict[str, Any]:
    return {
        "1": {"class_type": "LoadImage", "inputs": {"image": red}},
        "2": {"class_type": "LoadImage", "inputs": {"image": blue}},
        "3": {"class_type": "ImageScale", "inputs": {
            "image": ["2", 0], "upscale_method": "nearest-exact", "width": 32, "height": 32, "crop": "disabled"}},
        "4": {"class_type": "ImageCompositeMasked", "inputs": {
            "destination": ["1", 0], "source": ["3", 0], "x": 8, "y": 8, "resize_source": False}},
        "5": {"class_type": "SaveImage", "inputs": {"images": ["4", 0], "filename_prefix": prefix}},
    }


def submit(base: str, body: Any, timeout_s: float = 60.0) -> dict[str, Any]:
    """POST one /prompt body; follow the client's websocket until the prompt ends; read its history."""
    from websockets.sync.client import connect

    client_id = uuid.uuid4().hex
    answer: dict[str, Any] = {"ws": []}
    with connect(base.replace("http://", "ws://") + f"/ws?clientId={client_id}", proxy=None,
                 max_size=64 * 1024 * 1024) as socket:
        if isinstance(body, dict) and "prompt" in body:
            body = {**body, "client_id": client_id}
        response = requests.post(base + "/prompt", json=body, timeout=30)
        answer["status"] = response.status_code
        answer["body"] = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else response.text
        if response.status_code != 200:
            return answer

        prompt_id = answer["body"]["prompt_id"]
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                message = socket.recv(timeout=1.0)
            except TimeoutError:
                continue
            if isinstance(message, bytes):
                answer["ws"].append({"binary": list(message[:4]), "bytes": len(message)})
                continue
            parsed = json.loads(message)
            answer["ws"].append(parsed)
            data = parsed.get("data") or {}
            if parsed.get("type") == "executing" and data.get("node") is None and data.get("prompt_id") == prompt_id:
                break  # sent after the history entry is written

    answer["history"] = requests.get(f"{base}/history/{prompt_id}", timeout=10).json().get(prompt_id)
    return answer


def probe(base: str, input_dir: Path, tag: str) -> dict[str, Any]:
    """Run the probe prompts on one server; ``tag`` keeps file names unique so nothing is cached from earlier runs."""
    red, blue, corrupt = f"probe-{tag}-red.png", f"probe-{tag}-blue.png", f"probe-{tag}-corrupt.png"
    (input_dir / red).write_bytes(png_bytes((200, 30, 30)))
    (input_dir / blue).write_bytes(png_bytes((30, 30, 200), (48, 32)))
    (input_dir / corrupt).write_bytes(b"\x89PNG\r\n\x1a\nnot really a png")
    plate = plate_prompt(red, blue, f"probe-{tag}/plate")
    answers: dict[str, Any] = {}

    def variant(label: str, change: Callable[[dict[str, Any]], Any]) -> None:
        prompt = copy.deepcopy(plate)
        change(prompt)
        answers[label] = submit(base, {"prompt": prompt})

    answers["plate"] = submit(base, {"prompt": plate})
    answers["plate_cached"] = submit(base, {"prompt": plate})
    shipped = json.loads((Path(__file__).resolve().parents[2] / "workflows" / "plate_composite.json").read_text())
    shipped["1"]["inputs"]["image"], shipped["2"]["inputs"]["image"] = red, blue
    shipped["6"]["inputs"]["filename_prefix"] = f"probe-{tag}/shipped"
    answers["shipped_plate_composite"] = submit(base, {"prompt": shipped})

    variant("value_bigger_than_max", lambda p: p["3"]["inputs"].update(width=20000))
    variant("two_nodes_invalid", lambda p: (p["3"]["inputs"].update(width=20000), p["4"]["inputs"].update(x=-1)))
    variant("value_not_in_list", lambda p: p["3"]["inputs"].update(upscale_method="magic"))
    variant("required_input_missing", lambda p: p["3"]["inputs"].pop("crop"))
    variant("image_file_missing", lambda p: p["1"]["inputs"].update(image=f"probe-{tag}-absent.png"))
    variant("invalid_int", lambda p: p["4"]["inputs"].update(x="abc"))
    variant("return_type_mismatch", lambda p: p["4"]["inputs"].update(source=["1", 1]))
    variant("bad_linked_input", lambda p: p["4"]["inputs"].update(source=["3"]))
    variant("link_to_missing_node", lambda p: p["4"]["inputs"].update(source=["99", 0]))
    variant("link_to_missing_output", lambda p: p["5"]["inputs"].update(images=["4", 5]))
    variant("cycle", lambda p: (p["3"]["inputs"].update(image=["4", 0]), p["4"]["inputs"].update(source=["3", 0])))
    variant("unknown_class", lambda p: p["3"].update(class_type="NoSuchNode"))
    variant("no_outputs", lambda p: p.pop("5"))
    variant("float_for_int", lambda p: p["4"]["inputs"].update(x=8.7))
    variant("string_for_boolean", lambda p: p["4"]["inputs"].update(resize_source="false"))
    variant("corrupt_image", lambda p: p["1"]["inputs"].update(image=corrupt))
    answers["no_prompt"] = submit(base, {"client_id": "probe"})
    answers["prompt_not_object"] = submit(base, {"prompt": [1, 2]})
    return answers


def normalize(value: Any, tag: str) -> Any:
    """Blank out what differs between any two servers; keep every structural fact."""
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if key in ("timestamp", "sid", "number"):
                item = f"<{key}>"
            elif key == "traceback":
                item = bool(item)
            elif key == "current_outputs":
                item = sorted(item)  # ComfyUI lists a set here, in no fixed order
            elif key == "tooltip":
                continue  # the catalog stores no tooltips, so the stand-in cannot send them
            result[key] = normalize(item, tag)
        if result.keys() == {"prompt", "outputs", "status", "meta"} and isinstance(value.get("prompt"), list):
            result["prompt"] = ["<number>", *result["prompt"][1:]]
        return result
    if isinstance(value, list):
        return [normalize(item, tag) for item in value]
    if isinstance(value, str):
        value = ID_PATTERN.sub("<id>", value)
        return value.replace(tag, "<tag>")
    return value
