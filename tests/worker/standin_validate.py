"""Prompt validation for the ComfyUI stand-in, with ComfyUI 0.3.64's error shapes.

Checks what ComfyUI's ``validate_prompt`` checks, against a wfc catalog instead of loaded node
classes: class_type present and known, at least one output node, then for every node an output
depends on: required inputs, link shape and type, value conversion, min and max, COMBO options.
``LoadImage.image`` is checked against the files in the input folder, as ComfyUI's own
``VALIDATE_INPUTS`` of that node does.

Behaviour of ComfyUI 0.3.64 that this module reproduces on purpose (each was compared with a
real server):

- converted literal values (``int("8")``, ``int(8.7)``, ``bool("false")``, which is True) are
  written back into the prompt, so execution and the history entry see them;
- a link to a missing node or output raises inside the linking node. The node that links to
  *that* node reports it as ``exception_during_inner_validation`` on its own input, and an
  output node that raises gets ``exception_during_validation``;
- a cycle makes every node on it invalid without reasons. ComfyUI recurses until RecursionError
  and overwrites the reasons on the way back, so it responds 400 with empty ``node_errors``;
- ``node_errors`` lists nodes in the order their validation finished (upstream first);
- a prompt that is not an object, or a node that is a number, raises, and ComfyUI responds with HTTP 500.

NOTE: ComfyUI iterates a node's inputs in set order, which changes from process to process; the
stand-in uses declaration order. Tooltips are absent from ``input_config`` because the catalog
does not keep them.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any

from wfc.catalog import Catalog, InputSpec, types_match


def _error(kind: str, message: str, details: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": kind, "message": message, "details": details, "extra_info": extra or {}}


def full_type_name(klass: type) -> str:
    """Name an exception class as ComfyUI does: ``KeyError``, ``PIL.UnidentifiedImageError``."""
    if klass.__module__ == "builtins":
        return klass.__qualname__
    return f"{klass.__module__}.{klass.__qualname__}"


def _exception_extra() -> dict[str, Any]:
    kind, exc, tb = sys.exc_info()
    return {"exception_message": str(exc), "exception_type": full_type_name(kind), "traceback": traceback.format_tb(tb)}


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


def _input_type(spec: InputSpec) -> Any:
    """The input type as ComfyUI's validation reads it: a list of options for a classic COMBO."""
    if spec.is_combo and not spec.declared_as_combo:
        return list(spec.options)
    return spec.type


def _input_config(spec: InputSpec) -> list[Any]:
    config = dict(spec.config)
    if spec.declared_as_combo:
        config["options"] = list(spec.options)
    return [_input_type(spec), config]


class _Validation:
    """One run of validate_prompt: the prompt, the catalog and the results per node."""

    def __init__(self, prompt: dict[str, Any], catalog: Catalog, input_dir: Path):
        self.prompt = prompt
        self.catalog = catalog
        self.input_dir = input_dir
        self.validated: dict[str, tuple[bool, list[dict[str, Any]]]] = {}
        self.active: set[str] = set()

    def check(self, node_id: str) -> tuple[bool, list[dict[str, Any]]]:
        if node_id in self.validated:
            return self.validated[node_id]
        if node_id in self.active:
            return False, []  # a cycle: see the module docstring
        self.active.add(node_id)
        try:
            result = self._check_inputs(node_id)
        finally:
            self.active.discard(node_id)
        self.validated[node_id] = result
        return result

    def _check_inputs(self, node_id: str) -> tuple[bool, list[dict[str, Any]]]:
        node = self.prompt[node_id]
        inputs = node["inputs"]
        node_class = self.catalog.get(node["class_type"])
        errors: list[dict[str, Any]] = []
        valid = True

        for spec in node_class.visible_inputs:
            name = spec.name
            if name not in inputs:
                if spec.section == "required":
                    errors.append(_error("required_input_missing", "Required input is missing", name, {"input_name": name}))
                continue

            value = inputs[name]
            if isinstance(value, list):
                error, linked_ok = self._check_link(spec, value)
                if error is not None:
                    errors.append(error)
                if not linked_ok:
                    valid = False
                continue

            error = self._check_value(node, spec, inputs)
            if error is not None:
                errors.append(error)

        return valid and not errors, errors

    def _check_link(self, spec: InputSpec, value: list[Any]) -> tuple[dict[str, Any] | None, bool]:
        """Check one linked input; return (its own error, whether the linked node is valid).

        The lookups of the linked node and output raise KeyError, IndexError or TypeError on a bad
        link, and the exception leaves this node's validation, as in ComfyUI.
        """
        name = spec.name
        info = _input_config(spec)
        if len(value) != 2:
            return _error("bad_linked_input", "Bad linked input, must be a length-2 list of [node_id, slot_index]", name,
                          {"input_name": name, "input_config": info, "received_value": value}), True

        source_id = value[0]
        source_class = self.catalog.get(self.prompt[source_id]["class_type"])
        received = tuple(output.type for output in source_class.outputs)[value[1]]
        expected = _input_type(spec)
        matches = types_match(received, expected) if isinstance(expected, str) else received == expected
        if not matches:
            return _error("return_type_mismatch", "Return type mismatch between linked nodes",
                          f"{name}, received_type({received}) mismatch input_type({expected})",
                          {"input_name": name, "input_config": info, "received_type": received,
                           "linked_node": value}), True

        try:
            linked_ok, _reasons = self.check(source_id)
        except Exception:  # any fault inside the linked node's own lookups, as ComfyUI catches it
            extra = {"input_name": name, "input_config": info, **_exception_extra(), "linked_node": value}
            self.validated[source_id] = (False, [_error("exception_during_inner_validation",
                                                        "Exception when validating inner node",
                                                        extra["exception_message"], extra)])
            return None, False
        return None, linked_ok

    def _check_value(self, node: dict[str, Any], spec: InputSpec, inputs: dict[str, Any]) -> dict[str, Any] | None:
        """Convert one literal input in place and check it; return its error or None."""
        name = spec.name
        info = _input_config(spec)
        value = inputs[name]
        try:
            if isinstance(value, dict) and "__value__" in value:
                value = value["__value__"]
                inputs[name] = value
            value = _convert(spec, value)
            inputs[name] = value
        except Exception as exc:
            return _error("invalid_input_type", f"Failed to convert an input value to a {spec.type} value",
                          f"{name}, {value}, {exc}",
                          {"input_name": name, "input_config": info, "received_value": value,
                           "exception_message": str(exc)})

        if node["class_type"] == "LoadImage" and name == "image":
            if not (isinstance(value, str) and "/" not in value and ".." not in value and (self.input_dir / value).is_file()):
                return _error("custom_validation_failed", "Custom validation failed for node",
                              f"image - Invalid image file: {value}", {"input_name": name})
            return None
        if spec.min is not None and value < spec.min:
            return _error("value_smaller_than_min", f"Value {value} smaller than min of {spec.min}", name,
                          {"input_name": name, "input_config": info, "received_value": value})
        if spec.max is not None and value > spec.max:
            return _error("value_bigger_than_max", f"Value {value} bigger than max of {spec.max}", name,
                          {"input_name": name, "input_config": info, "received_value": value})
        options = _input_type(spec)
        if isinstance(options, list) and value not in options:
            listing = f"(list of length {len(options)})" if len(options) > 20 else str(options)
            return _error("value_not_in_list", "Value not in list", f"{name}: '{value}' not in {listing}",
                          {"input_name": name, "input_config": info if len(options) <= 20 else None,
                           "received_value": value})
        return None


def validate_prompt(prompt: Any, catalog: Catalog, input_dir: Path) -> tuple[bool, dict | None, list[str], dict]:
    """Return (valid, error, outputs to execute, node_errors) as ComfyUI's validate_prompt does.

    Raises TypeError or KeyError where ComfyUI raises, and the server then responds with HTTP 500.
    """
    outputs = []
    for node_id in prompt:
        node = prompt[node_id]
        if "class_type" not in node:
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

    run = _Validation(prompt, catalog, input_dir)
    good, failures, node_errors = [], [], {}
    for output_id in outputs:
        try:
            ok, reasons = run.check(output_id)
        except Exception:  # a bad link of the output node itself, as ComfyUI catches it
            extra = _exception_extra()
            reasons = [_error("exception_during_validation", "Exception when validating node", extra["exception_message"],
                              {"exception_type": extra["exception_type"], "traceback": extra["traceback"]})]
            ok = False
            run.validated[output_id] = (False, reasons)
        if ok:
            good.append(output_id)
            continue

        failures.extend(reasons)
        for node_id, (node_ok, node_reasons) in run.validated.items():
            if not node_ok and node_reasons:
                entry = node_errors.setdefault(node_id, {"errors": node_reasons, "dependent_outputs": [],
                                                         "class_type": prompt[node_id]["class_type"]})
                entry["dependent_outputs"].append(output_id)

    if not good:
        lines = "\n".join(f"{reason['message']}: {reason['details']}" for reason in failures)
        return False, _error("prompt_outputs_failed_validation", "Prompt outputs failed validation", lines), [], node_errors
    return True, None, good, node_errors
