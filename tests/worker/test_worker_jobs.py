"""Jobs through the worker's handler against the ComfyUI stand-in and moto's S3 server."""

from __future__ import annotations

import base64
import io
import threading
from pathlib import Path

import pytest
import requests
from PIL import Image

from worker_builders import png_base64, png_bytes

from worker.handler import process_job

RED = (200, 30, 30)
BLUE = (30, 30, 200)


@pytest.fixture
def worker(workflows, s3, start_worker):
    return start_worker(workflows, s3)


def decode_png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_qwen_job_uploads_output(worker, s3):
    assert worker.problems == []
    job = {"id": "job-qwen-1", "input": {
        "workflow": "qwen_image_edit_2509",
        "image_name": png_base64(RED),
        "background_load_image": {"base64": png_base64(BLUE)},
        "prompt": "put the character on the beach",
        "seed": 7,
    }}
    result = process_job(worker, job)

    assert "error" not in result, result.get("error")
    assert result["workflow"] == "qwen_image_edit_2509"
    [output] = result["outputs"]
    assert output["output"] == "image"
    assert output["node"] == "60"
    assert output["object_key"].startswith("outputs/job-qwen-1/")
    assert "base64" not in output

    body = s3.client().get_object(Bucket=s3.bucket, Key=output["object_key"])["Body"].read()
    assert decode_png(body).size == (64, 64)
    fetched = requests.get(output["url"], timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == body


def test_job_files_are_deleted(worker, tmp_path):
    job = {"id": "job-clean", "input": {
        "workflow": "plate_composite", "load_image": png_base64(RED), "background_load_image": png_base64(BLUE)}}
    result = process_job(worker, job)

    assert "error" not in result, result.get("error")
    comfy_root = tmp_path / "comfy"
    assert sorted(p.name for p in (comfy_root / "input").iterdir()) == []
    assert [p for p in (comfy_root / "output").rglob("*") if p.is_file()] == []


def test_plate_composite_pixels(worker, s3):
    job = {"id": "job-plate", "input": {
        "workflow": "plate_composite", "load_image": png_base64(RED), "background_load_image": png_base64(BLUE),
        "x": 4, "y": 10}}
    result = process_job(worker, job)

    assert "error" not in result, result.get("error")
    body = s3.client().get_object(Bucket=s3.bucket, Key=result["outputs"][0]["object_key"])["Body"].read()
    image = decode_png(body).convert("RGB")
    assert image.size == (64, 64)
    assert image.getpixel((0, 0)) == RED
    assert image.getpixel((4, 10)) == BLUE
    assert image.getpixel((35, 41)) == BLUE
    assert image.getpixel((36, 42)) == RED


def test_warm_worker_jobs_use_own_images(worker):
    """Two jobs at once on one worker: each output is made from that job's own images."""
    results = {}

    def run(job_id, colour):
        results[job_id] = process_job(worker, {"id": job_id, "input": {
            "workflow": "plate_composite", "load_image": png_base64(colour), "background_load_image": png_base64(colour)}})

    threads = [threading.Thread(target=run, args=("job-red", RED)), threading.Thread(target=run, args=("job-blue", BLUE))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    for job_id, colour in (("job-red", RED), ("job-blue", BLUE)):
        assert "error" not in results[job_id], results[job_id].get("error")
        url = results[job_id]["outputs"][0]["url"]
        image = decode_png(requests.get(url, timeout=10).content).convert("RGB")
        assert image.getpixel((0, 0)) == colour
        assert image.getpixel((20, 20)) == colour


def test_worker_bug_fails_one_job(worker, monkeypatch, caplog):
    import worker.handler as handler_module

    def broken_run_job(state, job_id, job):
        raise RuntimeError("boom in bind")

    monkeypatch.setattr(handler_module, "run_job", broken_run_job)
    result = process_job(worker, {"id": "job-bug", "input": {}})

    assert result["error_class"] == "internal_error"
    assert result["error"] == "internal_error: the worker failed while running the job: RuntimeError: boom in bind"
    assert "job job-bug failed inside the worker" in caplog.text
