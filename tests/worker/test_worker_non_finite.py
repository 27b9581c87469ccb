"""NaN and infinities in a job never pass validation, and no run gets a deadline that cannot pass.

Python's json module reads the literals NaN, Infinity and -Infinity, and JSON Schema's minimum and
maximum pass NaN, so ``"timeout": NaN`` once gave a job no deadline at all.
"""

from __future__ import annotations

import math
import os
import time

import pytest
from pydantic import ValidationError

from conftest import standin_stats, worker_env
from worker_builders import png_base64

from worker.artifacts import find_non_finite_numbers
from worker.errors import JobError
from worker.handler import job_timeout_s, process_job
from worker.run import RunContext


@pytest.fixture
def worker(workflows, s3, start_worker):
    state = start_worker(workflows, s3)
    assert state.problems == []
    return state


def plate_job(**inputs):
    return {"id": "non-finite", "input": {"workflow": "plate_composite", "load_image": png_base64((1, 1, 1)),
                                          "background_load_image": png_base64((9, 9, 9)), **inputs}}


@pytest.mark.parametrize("extra, path, literal", [
    ({"timeout": math.nan}, "input.timeout", "NaN"),
    ({"timeout": math.inf}, "input.timeout", "Infinity"),
    ({"x": -math.inf}, "input.x", "-Infinity"),
    ({"load_image": {"url": math.nan}}, "input.load_image.url", "NaN"),
    ({"bogus": [1, 2.5, {"deep": math.nan}]}, "input.bogus[2].deep", "NaN"),
])
def test_non_finite_number_rejected(worker, tmp_path, extra, path, literal):
    result = process_job(worker, plate_job(**extra))

    assert result.get("error_class") == "invalid_input", result
    assert [detail["path"] for detail in result["details"]] == [path]
    assert f"{path}: {literal} is not a finite number" in result["error"]
    assert standin_stats(worker)["prompts_received"] == 0
    assert list((tmp_path / "comfy" / "input").iterdir()) == []


def test_every_non_finite_number_named(worker):
    result = process_job(worker, plate_job(timeout=math.nan, x=math.inf, y=-math.inf))

    assert result["error_class"] == "invalid_input"
    assert [detail["path"] for detail in result["details"]] == ["input.timeout", "input.x", "input.y"]


def test_many_non_finite_numbers_capped(worker):
    result = process_job(worker, plate_job(bogus=[math.nan] * 500))

    assert result["error_class"] == "invalid_input"
    assert len(result["details"]) == 21
    assert result["details"][0]["path"] == "input.bogus[0]"
    assert result["details"][-1]["message"] == "and 480 more non-finite numbers"


def test_finite_values_still_run(worker):
    result = process_job(worker, plate_job(timeout=30.5, x=4, y=4))

    assert "error" not in result, result.get("error")


def test_walk_cheap_with_long_strings():
    job_input = {"load_image": "A" * (50 * 1024 * 1024), "background_load_image": {"base64": "B" * (50 * 1024 * 1024)},
                 "timeout": math.nan}

    started = time.perf_counter()
    found = find_non_finite_numbers(job_input)
    elapsed = time.perf_counter() - started

    assert [path for path, _number in found] == [("timeout",)]
    assert elapsed < 0.05


def test_walk_survives_deep_nesting():
    deep: list = []
    current = deep
    for _ in range(50_000):
        current.append([])
        current = current[0]
    current.append(math.inf)

    started = time.perf_counter()
    [(path, number)] = find_non_finite_numbers({"bogus": deep})
    elapsed = time.perf_counter() - started

    assert path == ("bogus",) + (0,) * 50_001
    assert number == math.inf
    assert elapsed < 2


def test_walk_ignores_finite_and_non_float():
    assert find_non_finite_numbers({"a": 1, "b": 2.5, "c": "NaN", "d": None, "e": True, "f": [10**400]}) == []


@pytest.mark.parametrize("timeout", [0, -1, -0.5, True, "30", [30], math.nan, math.inf, -math.inf])
def test_timeout_rejected_whatever_schema(make_settings, tmp_path, timeout):
    settings = make_settings(worker_env(tmp_path / "workflows", tmp_path / "comfy"))

    with pytest.raises(JobError) as raised:
        job_timeout_s({"timeout": timeout}, settings)

    assert raised.value.error_class == "invalid_input"
    assert raised.value.details[0]["path"] == "input.timeout"


def test_timeout_capped_and_defaulted(make_settings, tmp_path):
    settings = make_settings(worker_env(tmp_path / "workflows", tmp_path / "comfy", WFC_JOB_TIMEOUT="30",
                                        WFC_MAX_JOB_TIMEOUT="100"))

    assert job_timeout_s({}, settings) == 30.0
    assert job_timeout_s({"timeout": 12}, settings) == 12.0
    assert job_timeout_s({"timeout": 10**400}, settings) == 100.0
    assert job_timeout_s({"timeout": 1e300}, settings) == 100.0


@pytest.mark.parametrize("name, value", [
    ("WFC_JOB_TIMEOUT", "nan"),
    ("WFC_JOB_TIMEOUT", "inf"),
    ("WFC_JOB_TIMEOUT", "0"),
    ("WFC_MAX_JOB_TIMEOUT", "NaN"),
    ("WFC_MAX_JOB_TIMEOUT", "-5"),
    ("WFC_INTERRUPT_GRACE", "infinity"),
    ("WFC_HISTORY_POLL", "0"),
])
def test_non_finite_setting_rejected(make_settings, tmp_path, name, value):
    with pytest.raises(ValidationError) as raised:
        make_settings(worker_env(tmp_path / "workflows", tmp_path / "comfy", **{name: value}))

    assert name in str(raised.value)


@pytest.mark.parametrize("deadline, timeout", [(math.nan, 30.0), (math.inf, 30.0), (0.0, math.nan), (0.0, 0.0)])
def test_run_context_needs_finite_deadline(deadline, timeout):
    with pytest.raises(ValueError, match="finite deadline"):
        RunContext(client=None, client_id="c", deadline=deadline, timeout_s=timeout,  # type: ignore[arg-type]
                   crashed=lambda: None, on_progress=lambda update: None)


def test_invalid_setting_fails_every_job(monkeypatch, tmp_path):
    from worker.startup import boot_from_environment

    for key in list(os.environ):
        if key.startswith(("WFC_", "RUNPOD_STORAGE_", "RUNPOD_INCLUDE_", "COMFYUI_")):
            monkeypatch.delenv(key, raising=False)
    for key, value in worker_env(tmp_path / "workflows", tmp_path / "comfy", WFC_JOB_TIMEOUT="nan").items():
        monkeypatch.setenv(key, value)

    state = boot_from_environment()
    first = process_job(state, plate_job())
    second = process_job(state, plate_job())

    assert state.supervisor is None
    for result in (first, second):
        assert result["error_class"] == "worker_not_ready"
        assert "setting WFC_JOB_TIMEOUT: Input should be a finite number (value 'nan')" in result["error"]
