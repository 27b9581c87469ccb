"""Prompt validation for the ComfyUI stand-in, with ComfyUI 0.3.64's error shapes.

Checks what ComfyUI's ``validate_prompt`` checks, against a wfc catalog instead of loaded node
classes: class_type present and known, at least one output node, then for every node an output
depends on: required inputs, link shape and type, value conversion, min and max, COMBO options.
``LoadImage.image`` is checked against the files in the input folder, as ComfyUI's own
``VALIDATE_INPUTS`` of that node does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wfc.catalog import Catalog, InputSpec, types_match


def _error(kind: str, message: str, details: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": kind, "message": message, "details": details, "extra_info": extra or {}}


def _convert(spec: InputSpec, value: Any) -> Any:
    if spec.type == "INT":
        return int(value)
    if spec.type == "FLOAT":
        return float(value)
    if spec.type == "STRING":
        return str(value)
    if spec.type == "BOOLEAN":
        return bool(value)
    return value


def _check_node(prompt: dict[str, Any], node_id: str, catalog: Catalog, input_dir: Path,
                validated: dict[str, tuple[bool, list]]) -> tuple[bool, list]:
    if node_id in validated:
        return validated[node_id]
    validated[node_id] = (True, [])  # a cycle ends here, as in ComfyUI
    node = prompt[node_id]
    node_class = catalog.get(node["class_type"])
    inputs = node.get("inputs") or {}
    errors: list[dict[str, Any]] = []
    valid = True

    for spec in node_class.visible_inputs:
        name = spec.name
        if name not in inputs:
            if spec.section == "required":
                errors.append(_error("required_input_missing", "Required input is missing", name, {"input_name": name}))
            continue
        value = inputs[name]
        info = [list(spec.options) if spec.is_combo else spec.type, spec.config]

        if isinstance(value, list):
            if len(value) != 2:
                errors.append(_error("bad_linked_input", "Bad linked input, must be a length-2 list of [node_id, slot_index]",
                                     name, {"input_name": name, "input_config": info, "received_value": value}))
                continue
            source_id, slot = str(value[0]), value[1]
            source = prompt.get(source_id)
            source_class = catalog.get(source["class_type"]) if source else None
            if source_class is None or not isinstance(slot, int) or not 0 <= slot < len(source_class.outputs):
                errors.append(_error("exception_during_inner_validation", "Exception when validating inner node",
                                     f"{name}: link to missing node or output {value}", {"input_name": name}))
                continue
            received = source_class.outputs[slot].type
            expected = "COMBO" if spec.is_combo else spec.type
            if not types_match(received, expected):
                errors.append(_error("return_type_mismatch", "Return type mismatch between linked nodes",
                                     f"{name}, received_type({received}) mismatch input_type({expected})",
                                     {"input_name": name, "input_config": info, "received_type": received,
                                      "linked_node": value}))
                continue
            upstream_ok, upstream_errors = _check_node(prompt, source_id, catalog, input_dir, validated)
            if not upstream_ok:
                valid = False
            continue

        try:
            value = _convert(spec, value)
        except (TypeError, ValueError) as exc:
            errors.append(_error("invalid_input_type", f"Failed to convert an input value to a {spec.type} value",
                                 f"{name}, {value}, {exc}",
                                 {"input_name": name, "input_config": info, "received_value": value,
                                  "exception_message": str(exc)}))
            continue

        if node["class_type"] == "LoadImage" and name == "image":
            if not (isinstance(value, str) and "/" not in value and ".." not in value and (input_dir / value).is_file()):
                errors.append(_error("custom_validation_failed", "Custom validation failed for node",
                                     f"image - Invalid image file: {value}", {"input_name": name}))
            continue
        if spec.min is not None and not spec.is_combo and value < spec.min:
            errors.append(_error("value_smaller_than_min", f"Value {value} smaller than min of {spec.min}", name,
                                 {"input_name": name, "input_config": info, "received_value": value}))
            continue
        if spec.max is not None and not spec.is_combo and value > spec.max:
            errors.append(_error("value_bigger_than_max", f"Value {value} bigger than max of {spec.max}", name,
                                 {"input_name": name, "input_config": info, "received_value": value}))
            continue
        if spec.is_combo and value not in spec.options:
            listing = f"(list of length {len(spec.options)})" if len(spec.options) > 20 else str(list(spec.options))
            errors.append(_error("value_not_in_list", "Value not in list", f"{name}: '{value}' not in {listing}",
                                 {"input_name": name, "input_config": info if len(spec.options) <= 20 else None,
                                  "received_value": value}))

    result = (valid and not errors, errors)
    validated[node_id] = result
    return result


def validate_prompt(prompt: Any, catalog: Catalog, input_dir: Path) -> tuple[bool, dict | None, list[str], dict]:
    """Return (valid, error, outputs to execute, node_errors) as ComfyUI's validate_prompt does."""
    if not isinstance(prompt, dict):
        return False, _error("invalid_prompt", "Prompt is not an object", ""), [], {}
    outputs = []
    for node_id, node in prompt.items():
        if not isinstance(node, dict) or "class_type" not in node:
            return False, _error("invalid_prompt", "Cannot execute because a node is missing the class_type property.",
                                 f"Node ID '#{node_id}'"), [], {}
        node_class = catalog.get(node["class_type"])
        if node_class is None:
            return False, _error("invalid_prompt", f"Cannot execute because node {node['class_type']} does not exist.",
                                 f"Node ID '#{node_id}'"), [], {}
        if node_class.output_node:
            outputs.append(node_id)
    if not outputs:
        return False, _error("prompt_no_outputs", "Prompt has no outputs", ""), [], {}

    validated: dict[str, tuple[bool, list]] = {}
    good, failures, node_errors = [], [], {}
    for output_id in outputs:
        ok, reasons = _check_node(prompt, output_id, catalog, input_dir, validated)
        if ok:
            good.append(output_id)
            continue
        failures.extend(reasons)
        for node_id, (node_ok, node_reasons) in validated.items():
            if not node_ok and node_reasons:
                entry = node_errors.setdefault(node_id, {"errors": node_reasons, "dependent_outputs": [],
                                                         "class_type": prompt[node_id]["class_type"]})
                entry["dependent_outputs"].append(output_id)

    if not good:
        lines = "\n".join(f"{reason['message']}: {reason['details']}" for reason in failures)
        return False, _error("prompt_outputs_failed_validation", "Prompt outputs failed validation", lines), [], node_errors
    return True, None, good, node_errors
