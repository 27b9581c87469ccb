"""Malformed or foreign history answers from ComfyUI fail the job cleanly and touch no other files.

The stand-in's ``history`` fault changes each ``/history/{id}`` answer: it replaces fields of the
entry, or appends file entries that point at other jobs' files in ComfyUI's output folder.
"""

from __future__ import annotations

import pytest
import requests

from test_worker_output_keys import two_saves_job, write_two_saves
from worker_builders import png_base64, png_bytes

from worker.errors import JobError
from worker.handler import process_job
from worker.history import check_history_entry
from worker.output_scope import OutputScope


def change_history(state, **change):
    response = requests.post(f"{state.client.base_url}/standin/fault",
                             json={"mode": "history", "history": change}, timeout=5)
    response.raise_for_status()


def plate_job(job_id):
    return {"id": job_id, "input": {"workflow": "plate_composite", "load_image": png_base64((200, 30, 30)),
                                    "background_load_image": png_base64((30, 30, 200))}}


MALFORMED = {
    "message of three elements": (
        {"status": {"status_str": "error", "completed": False,
                    "messages": [["execution_error", {"node_id": "5"}, "extra"]]}},
        "status.messages[0] is ['execution_error', {'node_id': '5'}, 'extra'], not an [event, data] pair",
    ),
    "message data a string": (
        {"status": {"status_str": "error", "completed": False, "messages": [["execution_error", "boom"]]}},
        "status.messages[0] is ['execution_error', 'boom'], not a [string, object] pair",
    ),
    "outputs a list": ({"outputs": []}, "outputs is a JSON list, not an object"),
    "status a string": ({"status": "success"}, "status is a JSON str, not an object"),
    "node output a list": ({"outputs": {"5": ["plate_00001_.png"]}}, "outputs['5'] is ['plate_00001_.png'], not an object"),
    "file name a number": (
        {"outputs": {"5": {"images": [{"filename": 7, "subfolder": "", "type": "output"}]}}},
        "outputs['5']['images'][0].filename is 7, not a string",
    ),
}


def test_malformed_history_fails_job(workflows, s3, start_worker, tmp_path):
    state = start_worker(workflows, s3)

    for case, (replace, problem) in MALFORMED.items():
        change_history(state, replace=replace)
        result = process_job(state, plate_job(f"malformed-{len(case)}"))

        assert result.get("error_class") == "comfyui_protocol_error", (case, result)
        assert problem in result["error"], (case, result["error"])
        assert list((tmp_path / "comfy" / "input").iterdir()) == [], case
        assert list((tmp_path / "comfy" / "output").iterdir()) == [], case


@pytest.mark.parametrize("entry, problem", [
    ([], "the entry is a JSON list, not an object"),
    ({"status": {"status_str": 3}}, "status.status_str is 3, not a string"),
    ({"status": {"messages": {"a": 1}}}, "status.messages is a JSON dict, not a list"),
    ({"status": {}, "outputs": {"5": {"images": [{"filename": "a.png", "subfolder": ["x"]}]}}},
     "outputs['5']['images'][0].subfolder is ['x'], not a string"),
])
def test_history_shape_checked(entry, problem):
    with pytest.raises(JobError) as raised:
        check_history_entry(entry, "p1")

    assert raised.value.error_class == "comfyui_protocol_error"
    assert problem in raised.value.message


def test_history_shape_accepts_comfyui_entry():
    entry = {
        "prompt": [1, "p1", {}, {}, ["5"]],
        "outputs": {"5": {"images": [{"filename": "a.png", "subfolder": "wfc-x", "type": "output"}]},
                    "9": {"text": ["hello"], "animated": [False]}},
        "status": {"status_str": "success", "completed": True,
                   "messages": [["execution_start", {"prompt_id": "p1", "timestamp": 1}]]},
        "meta": {"5": {"node_id": "5"}},
    }

    assert check_history_entry(entry, "p1") is entry


def write_foreign_files(output_dir):
    (output_dir / "wfc-otherjob").mkdir(parents=True)
    (output_dir / "wfc-otherjob" / "result.png").write_bytes(png_bytes((1, 1, 1)))
    (output_dir / "keep.png").write_bytes(png_bytes((2, 2, 2)))


FOREIGN_FILES = [
    {"filename": "result.png", "subfolder": "wfc-otherjob", "type": "output"},
    {"filename": "keep.png", "subfolder": "", "type": "output"},
    {"filename": "result.png", "subfolder": "x/../wfc-otherjob", "type": "output"},
    {"filename": "../keep.png", "subfolder": "wfc-otherjob", "type": "output"},
]


def test_foreign_outputs_not_collected_or_deleted(workflows, s3, start_worker, tmp_path):
    output_dir = tmp_path / "comfy" / "output"
    write_foreign_files(output_dir)
    state = start_worker(workflows, s3)
    change_history(state, extra_files={"5": FOREIGN_FILES})

    result = process_job(state, plate_job("foreign"))

    assert "error" not in result, result.get("error")
    assert [entry["path"] for entry in result["outputs"]] == ["plate_00001_.png"]
    assert (output_dir / "wfc-otherjob" / "result.png").read_bytes() == png_bytes((1, 1, 1))
    assert (output_dir / "keep.png").read_bytes() == png_bytes((2, 2, 2))
    assert sorted(path.name for path in output_dir.iterdir()) == ["keep.png", "wfc-otherjob"]


def test_only_foreign_outputs_fails_job(workflows, s3, start_worker, tmp_path):
    output_dir = tmp_path / "comfy" / "output"
    write_foreign_files(output_dir)
    state = start_worker(workflows, s3)
    change_history(state, replace={"outputs": {"5": {"images": FOREIGN_FILES}}})

    result = process_job(state, plate_job("only-foreign"))

    assert result["error_class"] == "no_outputs"
    assert "subfolder 'wfc-otherjob' is outside the job's subfolder" in result["error"]
    assert "file name '../keep.png' is not a plain file name" in result["error"]
    assert (output_dir / "wfc-otherjob" / "result.png").exists()
    assert (output_dir / "keep.png").exists()


def test_linked_prefix_outputs_kept_on_disk(tmp_path, s3, start_worker):
    output_dir = tmp_path / "comfy" / "output"
    write_foreign_files(output_dir)
    state = start_worker(write_two_saves(tmp_path / "two", "left/shot", "right/shot"), s3)
    change_history(state, extra_files={"8": FOREIGN_FILES})

    result = process_job(state, two_saves_job("linked"))

    assert "error" not in result, result.get("error")
    paths = sorted(entry["path"] for entry in result["outputs"])
    assert paths == ["keep.png", "left/shot_00001_.png", "right/shot_00001_.png"]
    assert (output_dir / "wfc-otherjob" / "result.png").exists()
    assert (output_dir / "keep.png").exists()
    assert (output_dir / "left" / "shot_00001_.png").exists()


SCOPE = OutputScope("wfc-job-1", frozenset({"5"}), frozenset({"5", "8"}))


@pytest.mark.parametrize("node, subfolder, filename, expected", [
    ("5", "wfc-job-1", "a.png", ("wfc-job-1", "")),
    ("5", "./wfc-job-1//x", "a.png", ("wfc-job-1/x", "")),
    ("5", "", "a.png", (None, "subfolder '' is outside the job's subfolder wfc-job-1")),
    ("5", "wfc-job-1/../wfc-job-2", "a.png", (None, "subfolder 'wfc-job-1/../wfc-job-2' contains '..'")),
    ("5", "/etc", "passwd", (None, "subfolder '/etc' is absolute")),
    ("5", "wfc-job-1", "..", (None, "file name '..' is not a plain file name")),
    ("5", "wfc-job-1", "a\\b.png", (None, "file name 'a\\\\b.png' is not a plain file name")),
    ("8", "left", "a.png", ("left", "")),
    ("8", "", "a.png", ("", "")),
    ("8", "wfc-job-2", "a.png", (None, "subfolder 'wfc-job-2' belongs to another job")),
    ("9", "wfc-job-1", "a.png", (None, "node 9 is not in the prompt")),
])
def test_output_scope_place(node, subfolder, filename, expected):
    assert SCOPE.place(node, subfolder, filename) == expected
