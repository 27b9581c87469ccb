"""The job input schema of the manifests: the deployment's payload passes, mistakes name the parameter."""

from __future__ import annotations

import copy
import json
import re

import pytest

from wfc.artifact import input_errors

BACKGROUND = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNk+A8AAn0B9lqQ+wAAAABJRU5ErkJggg=="


@pytest.fixture(scope="module")
def qwen_schema(root):
    manifest = json.loads((root / "workflows" / "qwen_image_edit_2509.manifest.json").read_text(encoding="utf-8"))
    return manifest["input_schema"]


@pytest.fixture(scope="module")
def plate_schema(root):
    manifest = json.loads((root / "workflows" / "plate_composite.manifest.json").read_text(encoding="utf-8"))
    return manifest["input_schema"]


@pytest.fixture(scope="module")
def playbook_payload(shared):
    """The sample job payload of the deployment playbook, read from its JSON block."""
    text = (shared / "reference" / "deployment-playbook.md").read_text(encoding="utf-8")
    section = text[text.index("## 5."):]
    block = re.search(r"```json\n(.*?)```", section, re.DOTALL)
    assert block is not None
    return json.loads(block.group(1))["input"]


def test_schemas_are_valid_2020_12(qwen_schema, plate_schema):
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(qwen_schema)
    jsonschema.Draft202012Validator.check_schema(plate_schema)


def test_playbook_payload_accepted(qwen_schema, playbook_payload):
    payload = dict(playbook_payload, background_load_image=BACKGROUND)

    assert input_errors(qwen_schema, payload) == []


def test_playbook_payload_covers_every_field(qwen_schema, playbook_payload):
    assert set(playbook_payload) <= set(qwen_schema["properties"])


def test_background_required(qwen_schema, playbook_payload):
    errors = input_errors(qwen_schema, playbook_payload)

    assert errors == ["'background_load_image' is a required property"]


def test_character_plate_required(qwen_schema):
    errors = input_errors(qwen_schema, {"background_load_image": BACKGROUND})

    assert errors == ["'load_image' is a required property"]


def test_unknown_field_named(qwen_schema, playbook_payload):
    payload = dict(playbook_payload, background_load_image=BACKGROUND, negative_promt="blurry")

    errors = input_errors(qwen_schema, payload)

    assert len(errors) == 1
    assert "'negative_promt' was unexpected" in errors[0]


OUT_OF_RANGE = [
    ("steps", 0, "0 is less than the minimum of 1"),
    ("steps", 10001, "10001 is greater than the maximum of 10000"),
    ("num_blocks_on_gpu", 61, "61 is greater than the maximum of 60"),
    ("cfg", 100.5, "100.5 is greater than the maximum of 100.0"),
    ("seed", -1, "-1 is less than the minimum of 0"),
    ("denoise", 1.5, "1.5 is greater than the maximum of 1.0"),
    ("width", 8, "8 is less than the minimum of 16"),
    ("sampler_name", "eulr", "'eulr' is not one of"),
    ("cpu_offload", "on", "'on' is not one of"),
    ("steps", "4", "'4' is not of type 'integer'"),
    ("timeout", 4000, "4000 is greater than the maximum of 3600"),
    ("workflow", "plate_composite", "'qwen_image_edit_2509' was expected"),
]


@pytest.mark.parametrize("name,value,text", OUT_OF_RANGE)
def test_bad_value_names_parameter(qwen_schema, playbook_payload, name, value, text):
    payload = dict(playbook_payload, background_load_image=BACKGROUND)
    payload[name] = value

    errors = input_errors(qwen_schema, payload)

    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{name}: ")
    assert text in errors[0]


def test_every_error_reported_at_once(qwen_schema, playbook_payload):
    payload = dict(playbook_payload, steps=0, cfg=-1, extra=1)

    errors = input_errors(qwen_schema, payload)

    assert len(errors) == 4
    assert any(error.startswith("steps: ") for error in errors)
    assert any(error.startswith("cfg: ") for error in errors)
    assert any("'extra' was unexpected" in error for error in errors)
    assert "'background_load_image' is a required property" in errors


def test_alias_and_name_exclusive(qwen_schema, playbook_payload):
    payload = dict(playbook_payload, background_load_image=BACKGROUND, load_image=BACKGROUND)

    errors = input_errors(qwen_schema, payload)

    assert len(errors) == 1
    assert errors[0].startswith("load_image: ")


def test_model_names_not_restricted(qwen_schema, playbook_payload):
    payload = dict(playbook_payload, background_load_image=BACKGROUND, lora_name="another/lora.safetensors",
                   clip_name="qwen_2.5_vl_7b_fp8_scaled.1.safetensors")

    assert input_errors(qwen_schema, payload) == []


IMAGE_VALUES = [
    ({"base64": BACKGROUND}, True),
    ({"url": "https://example.invalid/plate.png"}, True),
    ({"s3_key": "inputs/plate.png"}, True),
    ("data:image/png;base64," + BACKGROUND, True),
    ("https://example.invalid/plate.png", True),
    ({"url": "http://example.invalid/plate.png"}, False),
    ({"base64": BACKGROUND, "url": "https://example.invalid/plate.png"}, False),
    ({"path": "/etc/passwd"}, False),
    ({}, False),
    ("", False),
    (42, False),
]


@pytest.mark.parametrize("value,accepted", IMAGE_VALUES)
def test_image_value_forms(plate_schema, value, accepted):
    payload = {"load_image": copy.deepcopy(value), "background_load_image": BACKGROUND}

    errors = input_errors(plate_schema, payload)

    if accepted:
        assert errors == []
    else:
        assert errors
        assert all(error.startswith("load_image") for error in errors)


def test_plate_minimal_payload(plate_schema):
    payload = {"image_name": BACKGROUND, "background_load_image": BACKGROUND, "workflow": "plate_composite",
               "timeout": 30}

    assert input_errors(plate_schema, payload) == []
