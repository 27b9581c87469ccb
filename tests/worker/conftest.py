"""Fixtures for the worker tests: the ComfyUI stand-in, moto's S3 server and a booted worker.

Every server binds 127.0.0.1 on a free port and is stopped by the process id this file started.
A worker process runs in its own session, so the ComfyUI stand-in it starts is stopped with it
even when the worker has to be killed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from worker_builders import write_plate, write_qwen

ROOT = Path(__file__).resolve().parents[2]
STANDIN = Path(__file__).resolve().parent / "standin.py"
BUCKET = "wfc-test-bucket"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout_s} s")


def wait_unreaped(process: subprocess.Popen, timeout_s: float) -> os.waitid_result | None:
    """Wait up to timeout_s for a child to exit without reaping it; return its status, or None while it runs."""
    deadline = time.monotonic() + timeout_s
    while True:
        status = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if status is not None or time.monotonic() >= deadline:
            return status
        time.sleep(0.05)


def stop_session(process: subprocess.Popen, timeout_s: float = 15.0) -> None:
    """Stop a process started with start_new_session=True and kill every process left in its group.

    The process gets SIGTERM first, so a worker can stop its ComfyUI itself. The group is killed
    before the process is reaped, so the group id cannot belong to anyone else yet.
    """
    if process.returncode is not None:
        return  # already reaped: its id may have been reused, so the group is not signalled
    if wait_unreaped(process, 0) is None:
        os.kill(process.pid, signal.SIGTERM)
        wait_unreaped(process, timeout_s)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


@pytest.fixture
def spawn() -> Iterator[Any]:
    """Start processes in their own session; at teardown stop each and whatever it left running."""
    started: list[subprocess.Popen] = []

    def start(args: list[str], **kwargs: Any) -> subprocess.Popen:
        process = subprocess.Popen(args, start_new_session=True, **kwargs)
        started.append(process)
        return process

    yield start
    for process in reversed(started):
        stop_session(process)


def standin_command(root: Path, *extra_args: str) -> str:
    return " ".join([sys.executable, str(STANDIN), "--port", "{port}", "--root", str(root), *extra_args])


@dataclass
class StandInServer:
    url: str
    root: Path
    process: subprocess.Popen | None = None

    def set_fault(self, mode: str | None) -> None:
        requests.post(f"{self.url}/standin/fault", json={"mode": mode}, timeout=5).raise_for_status()


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[StandInServer]:
    port = free_port()
    root = tmp_path / "comfy"
    process = subprocess.Popen(
        [sys.executable, str(STANDIN), "--port", str(port), "--root", str(root)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/system_stats")
        yield StandInServer(url, root, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class S3Server:
    endpoint: str
    bucket: str

    def client(self, endpoint: str | None = None) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=endpoint or self.endpoint, aws_access_key_id="testing",
                            aws_secret_access_key="testing", region_name="us-east-1")


@pytest.fixture
def s3() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        s3_server = S3Server(endpoint, BUCKET)
        s3_server.client().create_bucket(Bucket=BUCKET)
        yield s3_server
    finally:
        server.stop()


@pytest.fixture
def workflows(tmp_path: Path) -> Path:
    folder = tmp_path / "workflows"
    write_qwen(folder)
    write_plate(folder)
    return folder


def worker_env(workflows: Path, comfy_root: Path, s3: S3Server | None = None, **extra: str) -> dict[str, str]:
    """Environment variables that configure the worker for a test (strings, as RunPod passes them)."""
    env = {
        "WFC_WORKFLOWS_DIR": str(workflows),
        "WFC_SKIP_CUDA_WAIT": "1",
        "WFC_COMFYUI_INPUT_DIR": str(comfy_root / "input"),
        "WFC_COMFYUI_OUTPUT_DIR": str(comfy_root / "output"),
        "WFC_COMFYUI_START_TIMEOUT": "30",
        "WFC_JOB_TIMEOUT": "30",
        "WFC_INTERRUPT_GRACE": "3",
        "WFC_STORAGE_RETRY_BACKOFF": "0.05",
        "RUNPOD_STORAGE_UPLOAD_OUTPUTS": "1",
        "RUNPOD_INCLUDE_OUTPUT_BASE64": "0",
    }
    if s3 is not None:
        env.update({
            "RUNPOD_STORAGE_ENDPOINT": s3.endpoint,
            "RUNPOD_STORAGE_BUCKET": s3.bucket,
            "RUNPOD_STORAGE_ACCESS_KEY": "testing",
            "RUNPOD_STORAGE_SECRET_KEY": "testing",
        })
    env.update(extra)
    return env


@pytest.fixture
def make_settings(monkeypatch: pytest.MonkeyPatch):
    """Build Settings from a worker_env() dict, with nothing leaking from the outer environment."""
    from worker.settings import Settings

    def build(env: dict[str, str]) -> Settings:
        for key in list(os.environ):
            if key.startswith(("WFC_", "RUNPOD_STORAGE_", "RUNPOD_INCLUDE_", "COMFYUI_")):
                monkeypatch.delenv(key, raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        return Settings()

    return build


@pytest.fixture
def start_worker(tmp_path: Path, make_settings):
    """Boot workers whose supervisor runs the stand-in as ComfyUI; stop them after the test."""
    from worker.startup import boot

    states = []

    def start(workflows: Path, s3: S3Server | None = None, standin_args: tuple[str, ...] = (), **env: str):
        comfy_root = tmp_path / "comfy"
        settings = make_settings(worker_env(
            workflows, comfy_root, s3,
            WFC_COMFYUI_COMMAND=standin_command(comfy_root, *standin_args),
            WFC_COMFYUI_PORT=str(free_port()),
            **env,
        ))
        state = boot(settings)
        states.append(state)
        return state

    yield start
    for state in states:
        if state.supervisor is not None:
            state.supervisor.stop()


def set_fault(state: Any, mode: str | None) -> None:
    requests.post(f"{state.client.base_url}/standin/fault", json={"mode": mode}, timeout=5).raise_for_status()


def standin_stats(state: Any) -> dict[str, Any]:
    return requests.get(f"{state.client.base_url}/standin/stats", timeout=5).json()
