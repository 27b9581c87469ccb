"""Injected faults: ComfyUI crashes or stalls, S3 fails then recovers or stays down, start-up fails."""

from __future__ import annotations

import http.server
import json
import threading
import time

import pytest
import requests

from conftest import free_port, set_fault, standin_stats
from worker_builders import plate_graph, png_base64, write_artifact, write_plate

from worker.handler import process_job


def plate_job(job_id="fault", **extra):
    return {"id": job_id, "input": {"workflow": "plate_composite", "load_image": png_base64((200, 30, 30)),
                                    "background_load_image": png_base64((30, 30, 200)), **extra}}


def test_crash_mid_job_then_restart(workflows, s3, start_worker):
    state = start_worker(workflows, s3)
    first_pid = state.supervisor.process.pid
    set_fault(state, "crash")
    qwen = {"id": "crash", "input": {"workflow": "qwen_image_edit_2509", "load_image": png_base64((1, 2, 3)),
                                     "background_load_image": png_base64((3, 2, 1))}}

    started = time.monotonic()
    crashed = process_job(state, qwen)
    assert crashed["error_class"] == "comfyui_crashed"
    assert "exited with code 3" in crashed["error"]
    assert time.monotonic() - started < 10

    recovered = process_job(state, plate_job("after-crash"))
    assert "error" not in recovered, recovered.get("error")
    assert state.supervisor.restarts == 1
    assert state.supervisor.process.pid != first_pid


def test_stall_past_deadline_interrupts(workflows, s3, start_worker):
    state = start_worker(workflows, s3)
    set_fault(state, "stall")
    qwen = {"id": "stall", "input": {"workflow": "qwen_image_edit_2509", "load_image": png_base64((1, 2, 3)),
                                     "background_load_image": png_base64((3, 2, 1)), "timeout": 2}}

    started = time.monotonic()
    stalled = process_job(state, qwen)
    elapsed = time.monotonic() - started

    assert stalled["error_class"] == "timeout"
    assert "within 2 s" in stalled["error"]
    assert elapsed < 2 + 3 + 2  # deadline + interrupt grace + slack
    queue = requests.get(f"{state.client.base_url}/queue", timeout=5).json()
    assert queue == {"queue_running": [], "queue_pending": []}
    assert "error" not in process_job(state, plate_job("after-stall"))


def test_websocket_down_polls_history(workflows, s3, start_worker):
    state = start_worker(workflows, s3)
    set_fault(state, "nows")

    result = process_job(state, plate_job("no-ws"))

    assert "error" not in result, result.get("error")
    assert result["outputs"][0]["object_key"].startswith("outputs/no-ws/")


class FlakyS3Proxy(http.server.BaseHTTPRequestHandler):
    """Forward to moto, but reject the first ``failures`` PUT requests with HTTP 503."""

    target = ""
    failures = 0
    put_attempts = 0

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.command == "PUT":
            type(self).put_attempts += 1
            if type(self).failures > 0:
                type(self).failures -= 1
                payload = b"<Error><Code>SlowDown</Code><Message>injected</Message></Error>"
                self.send_response(503)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
        session = requests.Session()
        session.trust_env = False
        answer = session.request(self.command, self.target + self.path, data=body,
                                 headers=dict(self.headers), timeout=10, allow_redirects=False)
        self.send_response(answer.status_code)
        for key, value in answer.headers.items():
            if key.lower() not in ("transfer-encoding", "content-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.content)

    do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _forward

    def log_message(self, *args):
        pass


@pytest.fixture
def flaky_s3(s3):
    FlakyS3Proxy.target = s3.endpoint
    FlakyS3Proxy.put_attempts = 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FlakyS3Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_s3_fails_then_recovers(workflows, s3, flaky_s3, start_worker):
    FlakyS3Proxy.failures = 2
    state = start_worker(workflows, s3, RUNPOD_STORAGE_ENDPOINT=flaky_s3)

    result = process_job(state, plate_job("flaky"))

    assert "error" not in result, result.get("error")
    assert "upload_failures" not in result
    assert FlakyS3Proxy.put_attempts == 3
    key = result["outputs"][0]["object_key"]
    assert s3.client().get_object(Bucket=s3.bucket, Key=key)["ContentLength"] == result["outputs"][0]["bytes"]


def test_s3_down_returns_base64(workflows, s3, flaky_s3, start_worker):
    FlakyS3Proxy.failures = 100
    state = start_worker(workflows, s3, RUNPOD_STORAGE_ENDPOINT=flaky_s3, WFC_STORAGE_RETRIES="3")

    result = process_job(state, plate_job("s3-down"))

    assert "error" not in result, result.get("error")
    [output] = result["outputs"]
    assert "object_key" not in output
    assert len(output["base64"]) > 100
    assert result["upload_failures"]
    assert FlakyS3Proxy.put_attempts == 3


def test_comfy_validation_names_parameter(tmp_path, s3, start_worker):
    folder = tmp_path / "loose"
    parameters = {
        "load_image": {"kind": "image", "type": "IMAGE_FILE", "bindings": [{"node": "1", "input": "image"}]},
        "background_load_image": {"kind": "image", "type": "IMAGE_FILE", "bindings": [{"node": "2", "input": "image"}]},
        "x": {"kind": "value", "type": "INT", "default": 8, "bindings": [{"node": "4", "input": "x"}]},
    }
    write_artifact(folder, "plate_composite", plate_graph(), parameters, {"plate": {"node": "5", "class_type": "SaveImage"}})
    state = start_worker(folder, s3)

    result = process_job(state, plate_job("too-far", x=20000))

    assert result["error_class"] == "prompt_rejected"
    [detail] = result["details"]
    assert detail["class"] == "value_bigger_than_max"
    assert detail["message"].startswith("parameter 'x' (node 4 input 'x'): Value 20000 bigger than max of 16384")
    assert standin_stats(state)["input_files"] == []


def test_bad_artifact_fails_every_job(tmp_path, s3, start_worker):
    folder = tmp_path / "broken"
    write_plate(folder)
    graph_path = folder / "plate_composite.json"
    graph_path.write_text(graph_path.read_text().replace("plate", "tampered"))

    state = start_worker(folder, s3)
    first = process_job(state, plate_job("one"))
    second = process_job(state, plate_job("two"))

    assert state.problems
    for result in (first, second):
        assert result["error_class"] == "worker_not_ready"
        assert "does not match the manifest's graph_digest" in result["error"]


def test_unknown_class_found_at_start(tmp_path, s3, start_worker):
    folder = tmp_path / "unknown"
    graph = plate_graph()
    graph["3"]["class_type"] = "ImageScaleFancy"
    parameters = {"load_image": {"kind": "image", "bindings": [{"node": "1", "input": "image"}]}}
    write_artifact(folder, "plate_composite", graph, parameters, {"plate": {"node": "5", "class_type": "SaveImage"}})

    state = start_worker(folder, s3)
    result = process_job(state, plate_job("unknown"))

    assert result["error_class"] == "worker_not_ready"
    assert "node 3: class 'ImageScaleFancy' is not installed in ComfyUI" in result["error"]


def test_comfy_start_failure_no_loop(workflows, make_settings, tmp_path):
    from conftest import worker_env
    from worker.startup import boot

    settings = make_settings(worker_env(workflows, tmp_path / "comfy", WFC_COMFYUI_COMMAND="false",
                                        WFC_COMFYUI_PORT=str(free_port())))
    state = boot(settings)

    result = process_job(state, plate_job("no-comfy"))

    assert result["error_class"] == "worker_not_ready"
    assert "ComfyUI exited with code 1 while starting" in result["error"]


class ClosedPortClient:
    """A ComfyClient stand-in whose submit fails the way a connection to a dying process does."""

    base_url = "http://127.0.0.1:9"
    ws_url = "ws://127.0.0.1:9"

    def submit(self, prompt, client_id):
        from worker.comfy import ComfyUnavailable

        raise ComfyUnavailable("POST /prompt: ConnectionError: Remote end closed connection without response")


@pytest.mark.parametrize("supervised, error_class", [(True, "comfyui_crashed"), (False, "comfyui_unavailable")])
def test_dropped_connection_before_exit_status(supervised, error_class):
    from worker.errors import JobError
    from worker.run import RunContext, run_prompt

    exit_visible_at = time.monotonic() + 0.3  # the exit status shows up after the connection drops

    def crashed():
        return 3 if supervised and time.monotonic() >= exit_visible_at else None

    context = RunContext(client=ClosedPortClient(), client_id="c", deadline=time.monotonic() + 30, timeout_s=30,
                         crashed=crashed, on_progress=lambda update: None, supervised=supervised, use_websocket=False)

    with pytest.raises(JobError) as raised:
        run_prompt({}, context)

    assert raised.value.error_class == error_class
