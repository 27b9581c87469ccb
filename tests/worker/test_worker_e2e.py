"""End to end over loopback: the RunPod SDK's local API server, the handler, the stand-in, moto.

The handler runs as ``python -m worker.handler --rp_serve_api`` in its own process, as
``make worker-dev`` starts it. Progress updates go to a capture server through the SDK's
``RUNPOD_WEBHOOK_POST_OUTPUT`` setting.
"""

from __future__ import annotations

import http.server
import io
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from PIL import Image

from conftest import ROOT, free_port, standin_command, stop_session, wait_unreaped, wait_until_up, worker_env
from worker_builders import png_base64


class ProgressCapture(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        query = parse_qs(urlsplit(self.path).query)
        type(self).received.append({"job": query.get("job", [""])[0], "body": json.loads(body)})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def api_server(tmp_path, workflows, s3, spawn):
    ProgressCapture.received = []
    capture = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ProgressCapture)
    threading.Thread(target=capture.serve_forever, daemon=True).start()

    comfy_root = tmp_path / "comfy"
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("WFC_", "RUNPOD_"))}
    env.update(worker_env(workflows, comfy_root, s3,
                          WFC_COMFYUI_COMMAND=standin_command(comfy_root), WFC_COMFYUI_PORT=str(free_port())))
    env["RUNPOD_WEBHOOK_POST_OUTPUT"] = f"http://127.0.0.1:{capture.server_address[1]}/progress?job=$ID"
    env["UVICORN_LOG_LEVEL"] = "warning"
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log_file:
        process = spawn(
            [sys.executable, "-m", "worker.handler", "--rp_serve_api", "--rp_api_host", "127.0.0.1",
             "--rp_api_port", str(port)],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/docs", timeout_s=60)
        yield f"http://127.0.0.1:{port}", log_path
    finally:
        stop_session(process)
        capture.shutdown()
        capture.server_close()


def test_qwen_job_through_sdk_api(api_server, s3):
    base, log_path = api_server
    job_input = {
        "workflow": "qwen_image_edit_2509",
        "load_image": png_base64((200, 30, 30)),
        "background_load_image": f"data:image/png;base64,{png_base64((30, 30, 200))}",
        "prompt": "composite the character onto the street",
        "seed": 42,
        "steps": 6,
    }

    answer = requests.post(f"{base}/runsync", json={"input": job_input}, timeout=120).json()

    assert answer["status"] == "COMPLETED", (answer, log_path.read_text()[-3000:])
    [output] = answer["output"]["outputs"]
    assert output["object_key"].startswith(f"outputs/{answer['id']}/qwen_edit_")
    body = s3.client().get_object(Bucket=s3.bucket, Key=output["object_key"])["Body"].read()
    assert Image.open(io.BytesIO(body)).size == (64, 64)

    updates = [item for item in ProgressCapture.received if item["job"] == answer["id"]]
    assert updates, "no progress update reached the capture server"
    assert all(item["body"]["status"] == "IN_PROGRESS" for item in updates)
    assert any(item["body"]["output"].get("node") == "3" for item in updates)


def test_bad_job_through_sdk_api(api_server):
    base, _log_path = api_server

    answer = requests.post(f"{base}/runsync", json={"input": {"workflow": "plate_composite", "x": "left"}}, timeout=60).json()

    assert answer["status"] == "FAILED"
    assert answer["error"].startswith("invalid_input: the job input does not match the schema of 'plate_composite'")
    assert "input.x: 'left' is not of type 'integer'" in answer["error"]


def test_nan_in_raw_body_rejected(api_server):
    base, log_path = api_server
    body = ('{"input": {"workflow": "plate_composite", "timeout": NaN, "x": -Infinity, '
            f'"load_image": "{png_base64((1, 1, 1))}", "background_load_image": "{png_base64((9, 9, 9))}"}}}}')

    answer = requests.post(f"{base}/runsync", data=body, headers={"Content-Type": "application/json"}, timeout=60).json()

    assert answer["status"] == "FAILED", (answer, log_path.read_text()[-3000:])
    assert answer["error"].startswith("invalid_input: the job input contains NaN or Infinity")
    assert "input.timeout: NaN is not a finite number" in answer["error"]
    assert "input.x: -Infinity is not a finite number" in answer["error"]


def test_sigterm_stops_comfyui(tmp_path, workflows, spawn):
    comfy_root = tmp_path / "comfy"
    comfy_port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("WFC_", "RUNPOD_"))}
    env.update(worker_env(workflows, comfy_root, None, WFC_COMFYUI_COMMAND=standin_command(comfy_root),
                          WFC_COMFYUI_PORT=str(comfy_port), RUNPOD_STORAGE_UPLOAD_OUTPUTS="0"))
    api_port = free_port()
    with open(tmp_path / "worker.log", "wb") as log_file:
        process = spawn(
            [sys.executable, "-m", "worker.handler", "--rp_serve_api", "--rp_api_host", "127.0.0.1",
             "--rp_api_port", str(api_port)],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )
    wait_until_up(f"http://127.0.0.1:{api_port}/docs", timeout_s=60)
    wait_until_up(f"http://127.0.0.1:{comfy_port}/system_stats", timeout_s=10)

    os.kill(process.pid, signal.SIGTERM)
    status = wait_unreaped(process, 15)  # unreaped, so the spawn fixture can still clear its group

    assert status is not None, "the worker did not exit within 15 s of SIGTERM"
    assert (status.si_code, status.si_status) == (os.CLD_KILLED, signal.SIGTERM)  # it exits as SIGTERM would
    assert "stopping ComfyUI" in (tmp_path / "worker.log").read_text()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{comfy_port}/system_stats", timeout=2)


def test_killed_worker_comfyui_cleared(tmp_path, workflows, spawn):
    comfy_root = tmp_path / "comfy"
    comfy_port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("WFC_", "RUNPOD_"))}
    env.update(worker_env(workflows, comfy_root, None, WFC_COMFYUI_COMMAND=standin_command(comfy_root),
                          WFC_COMFYUI_PORT=str(comfy_port), RUNPOD_STORAGE_UPLOAD_OUTPUTS="0"))
    api_port = free_port()
    process = spawn([sys.executable, "-m", "worker.handler", "--rp_serve_api", "--rp_api_host", "127.0.0.1",
                     "--rp_api_port", str(api_port)], cwd=ROOT, env=env,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(f"http://127.0.0.1:{api_port}/docs", timeout_s=60)
    wait_until_up(f"http://127.0.0.1:{comfy_port}/system_stats", timeout_s=10)

    os.kill(process.pid, signal.SIGKILL)  # no handler runs, so the worker cannot stop its ComfyUI
    assert wait_unreaped(process, 10) is not None
    assert requests.get(f"http://127.0.0.1:{comfy_port}/system_stats", timeout=2).status_code == 200

    stop_session(process)

    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{comfy_port}/system_stats", timeout=2)
