"""The worker's per-job fast paths check exactly what the slower code they replaced checked.

Schema validation gets long strings as ElidedString, base64 is decoded by pybase64, image
parameters are staged in parallel, and the runner reads /history once, after ComfyUI signals that
the entry is written.
"""

from __future__ import annotations

import base64
import binascii

import pytest
from jsonschema import Draft202012Validator

from conftest import standin_stats
from worker_builders import png_base64, png_bytes, write_plate

from worker.artifacts import ElidedString, elide_long_strings, load_artifacts, validate_input
from worker.errors import JobError
from worker.handler import process_job
from worker.staging import decode_base64

LONG = "QUFB" * 100_000  # 400,000 characters of valid base64


@pytest.fixture
def plate(tmp_path):
    write_plate(tmp_path / "workflows")
    artifacts, problems = load_artifacts(tmp_path / "workflows")
    assert problems == []
    return artifacts["plate_composite"]


def test_schema_accepts_long_image_string(plate):
    validate_input(plate, {"workflow": "plate_composite", "load_image": LONG, "background_load_image": {"base64": LONG}})


def test_schema_messages_elide_long_values(plate):
    job_input = {"workflow": "plate_composite", "load_image": {"base64": LONG, "url": "https://example.test/a.png"},
                 "background_load_image": LONG, "x": LONG}

    with pytest.raises(JobError) as raised:
        validate_input(plate, job_input)

    paths = sorted(detail["path"] for detail in raised.value.details)
    assert paths == ["input.load_image", "input.x"]
    for detail in raised.value.details:
        assert len(detail["message"]) < 400
        assert "(400000 characters)" in detail["message"]


@pytest.mark.parametrize("schema", [
    {"type": "string", "maxLength": 300},
    {"type": "string", "minLength": 500_000},
    {"type": "string", "pattern": "^(QUFB)*$"},
    {"type": "string", "pattern": "^B"},
    {"enum": [LONG]},
    {"const": LONG + "A"},
    {"oneOf": [{"type": "string"}, {"type": "object"}]},
    {"anyOf": [{"type": "object"}, {"type": "integer"}]},
    {"type": "object", "properties": {"base64": {"type": "string", "maxLength": 10}}},
])
def test_elided_strings_fail_same_checks(schema):
    validator = Draft202012Validator(schema)
    for value in (LONG, {"base64": LONG}, [LONG, 1]):
        raw = sorted((error.validator, list(error.absolute_path)) for error in validator.iter_errors(value))
        elided = sorted((error.validator, list(error.absolute_path)) for error in validator.iter_errors(elide_long_strings(value)))
        assert elided == raw


def test_elide_keeps_short_and_nested_values():
    value = {"short": "abc", "nested": [[{"long": LONG}]], "number": 3}

    elided = elide_long_strings(value)

    assert elided == value
    assert type(elided["short"]) is str
    assert isinstance(elided["nested"][0][0]["long"], ElidedString)
    assert repr(elided["nested"][0][0]["long"]) == f"{LONG[:40]!r}... (400000 characters)"
    assert value["nested"][0][0]["long"].__class__ is str  # the job input itself is not changed


def test_elide_survives_deep_nesting():
    deep: list = []
    current = deep
    for _ in range(50_000):
        current.append([])
        current = current[0]

    elided = elide_long_strings(deep)

    original, depth = deep, 0
    while original:
        assert elided is not original
        assert len(elided) == 1
        original, elided, depth = original[0], elided[0], depth + 1
    assert depth == 50_000
    assert elided == []


def test_base64_with_line_breaks_decodes():
    data = png_bytes((1, 2, 3))
    wrapped = base64.encodebytes(data).decode("ascii")  # MIME style: a line break every 76 characters

    assert decode_base64(wrapped, "load_image", 1 << 20) == data


@pytest.mark.parametrize("text", [
    "QUFB\u00e9QUFB",  # non-ASCII
    "QUFBQQ=",  # incomplete padding
    "QUFB=",  # padding after a complete group
    "QU=FB",  # padding inside
    "QUFB-_",  # URL-safe alphabet
    "QUFB\x1cQUFB",  # a separator that str.split() treats as whitespace
])
def test_invalid_base64_rejected(text):
    with pytest.raises(JobError) as raised:
        decode_base64(text, "load_image", 1 << 20)

    assert raised.value.error_class == "invalid_image"
    assert "input.load_image: invalid base64" in raised.value.message


def test_base64_rejects_what_strict_mode_rejects():
    cases = ["", "A", "AA", "AA=", "AA==", "AAA=", "AAAA", "A===", "=AAA", "AA==AA==", "AB\nCD", "A B C D"]
    for text in cases:
        try:
            expected = binascii.a2b_base64("".join(text.split()).encode(), strict_mode=True)
        except binascii.Error:
            expected = None
        try:
            got = decode_base64(text, "load_image", 1 << 20)
        except JobError:
            got = None
        if expected is None:
            assert got is None, text
        else:
            assert got in (expected, None), text


def test_base64_size_checked_before_decoding():
    with pytest.raises(JobError) as raised:
        decode_base64("@" * 4000, "load_image", 1000)

    assert raised.value.error_class == "image_too_large"


@pytest.fixture
def worker(workflows, s3, start_worker):
    state = start_worker(workflows, s3)
    assert state.problems == []
    return state


@pytest.mark.parametrize("bad, error_path", [
    (("background_load_image",), "input.background_load_image"),
    (("load_image", "background_load_image"), "input.load_image"),
])
def test_parallel_staging_reports_first_error(worker, tmp_path, bad, error_path):
    job_input = {"workflow": "plate_composite", "load_image": png_base64((200, 30, 30)),
                 "background_load_image": png_base64((30, 30, 200))}
    for key in bad:
        job_input[key] = base64.b64encode(png_bytes((1, 1, 1))[:-20]).decode()

    result = process_job(worker, {"id": "parallel-bad", "input": job_input})

    assert result["error_class"] == "invalid_image"
    assert result["error"].startswith(f"invalid_image: {error_path}:")
    assert list((tmp_path / "comfy" / "input").iterdir()) == []
    assert standin_stats(worker)["prompts_received"] == 0


def test_one_history_request_per_job(worker):
    job_input = {"workflow": "plate_composite", "load_image": png_base64((200, 30, 30)),
                 "background_load_image": png_base64((30, 30, 200))}

    result = process_job(worker, {"id": "one-history", "input": job_input})

    assert "error" not in result, result.get("error")
    assert standin_stats(worker)["history_requests"] == {result["prompt_id"]: 1}
