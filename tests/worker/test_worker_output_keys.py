"""Output object keys and result paths are safe and unique within a job, so no output is overwritten.

A SaveImage whose ``filename_prefix`` comes from a link (here a PrimitiveString node) is not moved
into the job's own subfolder, so two such nodes can write the same file name into different
subfolders. Both files must reach storage and the result.
"""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image

from worker_builders import plate_graph, png_base64, write_artifact

from worker.handler import process_job
from worker.output_keys import object_key, output_path, safe_segment, unique_paths

SAFE_KEY = re.compile(r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*")


def two_saves_graph(left_prefix: str, right_prefix: str) -> dict:
    """The plate graph with a second SaveImage of the scaled background; both prefixes are linked."""
    graph = plate_graph()
    graph["5"]["inputs"]["filename_prefix"] = ["6", 0]
    graph["6"] = {"class_type": "PrimitiveString", "inputs": {"value": left_prefix}}
    graph["7"] = {"class_type": "PrimitiveString", "inputs": {"value": right_prefix}}
    graph["8"] = {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": ["7", 0]}}
    return graph


def write_two_saves(folder, left_prefix, right_prefix):
    parameters = {
        "load_image": {"kind": "image", "type": "IMAGE_FILE", "required": True, "bindings": [{"node": "1", "input": "image"}]},
        "background_load_image": {"kind": "image", "type": "IMAGE_FILE", "required": True,
                                  "bindings": [{"node": "2", "input": "image"}]},
    }
    outputs = {"plate": {"node": "5", "class_type": "SaveImage"}, "background": {"node": "8", "class_type": "SaveImage"}}
    write_artifact(folder, "two_saves", two_saves_graph(left_prefix, right_prefix), parameters, outputs)
    return folder


def two_saves_job(job_id):
    return {"id": job_id, "input": {"load_image": png_base64((200, 30, 30), (64, 64)),
                                    "background_load_image": png_base64((30, 30, 200), (16, 16))}}


def stored_size(s3, key):
    body = s3.client().get_object(Bucket=s3.bucket, Key=key)["Body"].read()
    return Image.open(io.BytesIO(body)).size


def stored_keys(s3):
    """Every key in the bucket; moto keeps one bucket for every server of a test process."""
    pages = s3.client().get_paginator("list_objects_v2").paginate(Bucket=s3.bucket)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def test_same_name_different_subfolders(tmp_path, s3, start_worker):
    state = start_worker(write_two_saves(tmp_path / "two", "left/shot", "right/shot"), s3,
                         RUNPOD_INCLUDE_OUTPUT_BASE64="1")

    result = process_job(state, two_saves_job("two-folders"))

    assert "error" not in result, result.get("error")
    by_output = {entry["output"]: entry for entry in result["outputs"]}
    assert by_output["plate"]["filename"] == by_output["background"]["filename"] == "shot_00001_.png"
    assert by_output["plate"]["object_key"] == "outputs/two-folders/left/shot_00001_.png"
    assert by_output["background"]["object_key"] == "outputs/two-folders/right/shot_00001_.png"
    assert stored_size(s3, by_output["plate"]["object_key"]) == (64, 64)
    assert stored_size(s3, by_output["background"]["object_key"]) == (32, 32)
    assert by_output["plate"]["path"] == "left/shot_00001_.png"
    assert by_output["background"]["path"] == "right/shot_00001_.png"
    plate_image = Image.open(io.BytesIO(base64.b64decode(by_output["plate"]["base64"])))
    background_image = Image.open(io.BytesIO(base64.b64decode(by_output["background"]["base64"])))
    assert plate_image.size == (64, 64)
    assert background_image.size == (32, 32)


def test_colliding_safe_paths_suffixed(tmp_path, s3, start_worker):
    state = start_worker(write_two_saves(tmp_path / "collide", "a b/shot", "a_b/shot"), s3)

    result = process_job(state, two_saves_job("collide"))

    assert "error" not in result, result.get("error")
    keys = sorted(entry["object_key"] for entry in result["outputs"])
    assert keys == ["outputs/collide/a_b/shot_00001_-2.png", "outputs/collide/a_b/shot_00001_.png"]
    assert sorted(key for key in stored_keys(s3) if key.startswith("outputs/collide/")) == keys
    sizes = sorted(stored_size(s3, key) for key in keys)
    assert sizes == [(32, 32), (64, 64)]


@pytest.mark.parametrize("job_id", ["../../escape", "/abs/../../x", "..", "a/../../b", "\\..\\win"])
def test_job_id_stays_under_prefix(workflows, s3, start_worker, job_id):
    state = start_worker(workflows, s3)
    before = stored_keys(s3)

    result = process_job(state, {"id": job_id, "input": {
        "workflow": "plate_composite", "load_image": png_base64((200, 30, 30)),
        "background_load_image": png_base64((30, 30, 200))}})

    assert "error" not in result, result.get("error")
    [entry] = result["outputs"]
    key = entry["object_key"]
    assert SAFE_KEY.fullmatch(key), key
    segments = key.split("/")
    assert segments[0] == "outputs"
    assert len(segments) == 3
    assert all(segment not in ("", ".", "..") and ".." not in segment for segment in segments)
    assert stored_keys(s3) - before == {key}


@pytest.mark.parametrize("text, expected", [
    ("..", "_"),
    (".", "_"),
    ("", "_"),
    ("../../etc", "____etc"),
    (".hidden", "_hidden"),
    ("a b", "a_b"),
    ("결과", "_"),
    ("sync-5f2b-e1", "sync-5f2b-e1"),
    ("a..b", "a_b"),
])
def test_safe_segment(text, expected):
    assert safe_segment(text) == expected


@pytest.mark.parametrize("subfolder, filename, expected", [
    ("wfc-job-1", "plate_00001_.png", "plate_00001_.png"),
    ("wfc-job-1/left", "x_00001_.png", "left/x_00001_.png"),
    ("left", "x.png", "left/x.png"),
    ("", "x.png", "x.png"),
    ("../up/./two//", "x.png", "_/up/two/x.png"),
    ("a\\b", "x.png", "a/b/x.png"),
    ("wfc-job-10", "x.png", "wfc-job-10/x.png"),
    ("left", "../x.png", "left/__x.png"),
])
def test_output_path(subfolder, filename, expected):
    assert output_path(subfolder, filename, "wfc-job-1") == expected


def test_long_filename_keeps_extension():
    path = output_path("", "x" * 500 + ".png", None)

    assert len(path) == 200
    assert path.endswith("x.png")


def test_unique_paths_never_repeat():
    paths = unique_paths(["a/x.png", "a/x.png", "a/x-2.png", "a/x.png", "noext", "noext"])

    assert paths == ["a/x.png", "a/x-2.png", "a/x-2-2.png", "a/x-3.png", "noext", "noext-2"]
    assert len(set(paths)) == len(paths)


def test_object_key_prefix_cleaned():
    assert object_key("/outputs//", "../../escape", "a/b.png") == "outputs/____escape/a/b.png"
    assert object_key("team/outputs", "job-1", "b.png") == "team/outputs/job-1/b.png"
    assert object_key("", "", "b.png") == "_/b.png"
