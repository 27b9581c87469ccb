"""Check a manifest parameter's type, bounds and options against the catalog inputs it is bound to.

The compiler takes a value parameter's ``minimum``, ``maximum`` and ``enum`` from the catalog.
When the catalog changes afterwards (a lower ``max``, a COMBO option removed), the job schema
still accepts values that ComfyUI now rejects with ``prompt_rejected``. These checks compare each
binding with the current catalog so that ``wfc lint`` finds such an artifact before a job does.

Model-file inputs are not compared with their COMBO options, because the deployment's volume
decides which files exist, and image parameters are bound to upload inputs, whose options are
the files ComfyUI's input folder held when the catalog was pulled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wfc.catalog import Catalog, InputSpec

# JSON types of a manifest parameter that fit an input of each ComfyUI widget type.
FITTING_TYPES = {
    "INT": ("integer",),
    "FLOAT": ("number", "integer"),
    "STRING": ("string",),
    "BOOLEAN": ("boolean",),
}

ModelFolders = Callable[[str, str], "list[str] | None"]


@dataclass
class Mismatch:
    """One way a parameter no longer fits a bound input of the catalog."""

    message: str
    node: str
    input: str


def _fits(value: Any, json_type: Any) -> bool:
    if json_type == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if json_type == "integer":
        return isinstance(value, int)
    if json_type == "number":
        return isinstance(value, (int, float))
    return json_type == "string" and isinstance(value, str)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _BindingCheck:
    def __init__(self, name: str, entry: dict[str, Any], node_id: str, class_type: str, spec: InputSpec) -> None:
        self.name = name
        self.entry = entry
        self.node_id = node_id
        self.class_type = class_type
        self.spec = spec
        self.where = f"{class_type} input {spec.name!r} (node {node_id})"
        self.found: list[Mismatch] = []

    def report(self, message: str) -> None:
        self.found.append(Mismatch(f"{message}; recompile", self.node_id, self.spec.name))

    def combo(self) -> None:
        options = list(self.spec.options or ())
        json_type = self.entry.get("type")
        if not all(_fits(option, json_type) for option in options):
            self.report(f"parameter {self.name!r} has JSON type {json_type}, but {self.where} is a COMBO of "
                        f"{_option_types(options)} in this catalog")
            return
        enum = self.entry.get("enum")
        if not isinstance(enum, list):
            self.report(f"parameter {self.name!r} allows any {json_type}, but {self.where} accepts only "
                        f"{_preview(options)} in this catalog")
            return
        outside = [value for value in enum if value not in options]
        if outside:
            self.report(f"parameter {self.name!r} allows {_preview(outside)}, but {self.where} does not accept "
                        f"{'it' if len(outside) == 1 else 'them'} in this catalog, which lists {_preview(options)}")

    def widget(self) -> None:
        json_type = self.entry.get("type")
        fitting = FITTING_TYPES.get(self.spec.type)
        if fitting is None or self.spec.config.get("forceInput"):
            self.report(f"parameter {self.name!r} is bound to {self.where}, which takes a {self.spec.type} link "
                        "in this catalog, not a value")
            return
        if json_type not in fitting:
            self.report(f"parameter {self.name!r} has JSON type {json_type}, but {self.where} is {self.spec.type} "
                        "in this catalog")
            return
        self.bounds()

    def bounds(self) -> None:
        minimum, maximum = self.entry.get("minimum"), self.entry.get("maximum")
        low, high = self.spec.min, self.spec.max
        if _number(low):
            if not _number(minimum):
                self.report(f"parameter {self.name!r} has no minimum, but {self.where} accepts at least {low!r} "
                            "in this catalog")
            elif minimum < low:
                self.report(f"parameter {self.name!r} allows down to {minimum!r}, but {self.where} accepts at "
                            f"least {low!r} in this catalog")
        if _number(high):
            if not _number(maximum):
                self.report(f"parameter {self.name!r} has no maximum, but {self.where} accepts at most {high!r} "
                            "in this catalog")
            elif maximum > high:
                self.report(f"parameter {self.name!r} allows up to {maximum!r}, but {self.where} accepts at "
                            f"most {high!r} in this catalog")


def _preview(values: list[Any], limit: int = 8) -> str:
    listed = ", ".join(repr(value) for value in values[:limit])
    more = len(values) - limit
    return listed + (f" and {more} more" if more > 0 else "")


def _option_types(options: list[Any]) -> str:
    names = sorted({type(option).__name__ for option in options})
    return " and ".join(names) or "no options"


def binding_mismatches(name: str, entry: dict[str, Any], node_id: str, class_type: str, input_name: str,
                       catalog: Catalog, model_folders: ModelFolders) -> list[Mismatch]:
    """Return how a value parameter no longer fits one bound input of ``catalog``.

    Image and model parameters, bindings to classes or inputs the catalog lacks (lint reports
    those on the graph) and COMBO inputs that list model files or uploads return nothing.
    """
    if entry.get("kind") != "value":
        return []
    node_class = catalog.get(class_type)
    spec = node_class.input(input_name) if node_class is not None else None
    if spec is None:
        return []

    check = _BindingCheck(name, entry, node_id, class_type, spec)
    if spec.is_combo:
        if spec.is_upload or model_folders(class_type, input_name) is not None:
            return []
        check.combo()
    else:
        check.widget()
    return check.found
