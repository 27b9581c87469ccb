"""Resolve a workflow's parameters against the catalog into manifest entries.

A value parameter takes its JSON type from its Python type. Its bounds and options come from the
spec, or where the spec leaves them out, from the catalog: the tightest ``min``/``max`` of the
bound INT and FLOAT inputs and the options shared by the bound COMBO inputs. Bounds the spec sets
must lie inside the catalog's, options must be among the catalog's, and the default must satisfy
them all. An image parameter must be bound to upload inputs (``LoadImage.image``); a model
parameter to model-file inputs, and its options are not restricted to the catalog's list because
the deployment's volume decides which files exist.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from wfc.catalog import Catalog, InputSpec
from wfc.config import Config
from wfc.diagnostics import Diagnostic
from wfc.spec.codes import make_diagnostic
from wfc.spec.values import IMAGE, MODEL, Param
from wfc.spec.workflow import Workflow

JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}

# Which Python parameter types fit an input of each ComfyUI widget type.
FITS = {
    "INT": (int,),
    "FLOAT": (float, int),
    "STRING": (str,),
    "BOOLEAN": (bool,),
}

ModelFolders = Callable[[str, str], "list[str] | None"]


def model_folder_lookup(config: Config | None) -> ModelFolders:
    """Return ``(class type, input) -> model folders or None``, from wfc.models when present."""
    try:
        from wfc.models.inputs import model_folders
    except ImportError:
        from wfc.stubs import load_model_inputs

        table = load_model_inputs()
        return lambda class_type, name: (table.get(class_type) or {}).get(name)
    return lambda class_type, name: model_folders(class_type, name, config)


def value_fits(value: Any, json_type: str) -> bool:
    if json_type == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if json_type == "integer":
        return isinstance(value, int)
    if json_type == "number":
        return isinstance(value, (int, float)) and math.isfinite(value)
    return isinstance(value, str)


class _Resolver:
    def __init__(self, workflow: Workflow, graph: dict[str, dict[str, Any]], bindings: dict[str, list[tuple[str, str]]],
                 catalog: Catalog | None, config: Config | None, path: str) -> None:
        self.workflow = workflow
        self.graph = graph
        self.bindings = bindings
        self.catalog = catalog
        self.path = path
        self.folders = model_folder_lookup(config)
        self.diagnostics: list[Diagnostic] = []

    def report(self, param: Param[Any], message: str, code: str = "WFC708", **fields: Any) -> None:
        self.diagnostics.append(make_diagnostic(
            code, message, path=self.path, line=param.origin[1] if param.origin else None, **fields))

    def input_spec(self, node_id: str, name: str) -> InputSpec | None:
        if self.catalog is None:
            return None
        node_class = self.catalog.get(self.graph[node_id]["class_type"])
        return node_class.input(name) if node_class is not None else None

    def resolve(self) -> dict[str, dict[str, Any]]:
        entries = {}
        for name, param in self.workflow.params.items():
            bound = self.bindings.get(name, [])
            if not bound:
                self.report(param, f"parameter {name!r} is bound to no input; pass it to a node input or remove it",
                            code="WFC707")
            if param.kind == IMAGE:
                entry = self.image_entry(param, bound)
            elif param.kind == MODEL:
                entry = self.model_entry(param, bound)
            else:
                entry = self.value_entry(param, bound)
            entry["bindings"] = [{"node": node_id, "input": input_name} for node_id, input_name in bound]
            entries[name] = entry
        return entries

    def base_entry(self, param: Param[Any], json_type: str) -> dict[str, Any]:
        return {
            "kind": param.kind,
            "type": json_type,
            "default": param.default,
            "minimum": None,
            "maximum": None,
            "enum": None,
            "description": param.description,
            "required": param.required,
            "aliases": list(param.aliases),
        }

    def image_entry(self, param: Param[Any], bound: list[tuple[str, str]]) -> dict[str, Any]:
        for node_id, input_name in bound:
            spec = self.input_spec(node_id, input_name)
            if spec is not None and not spec.is_upload:
                class_type = self.graph[node_id]["class_type"]
                self.report(param, f"image parameter {param.name!r} is bound to {class_type}.{input_name} on node "
                            f"{node_id}, which is not an upload input; bind it to LoadImage.image",
                            node=node_id, input=input_name)
        return self.base_entry(param, "string")

    def model_entry(self, param: Param[Any], bound: list[tuple[str, str]]) -> dict[str, Any]:
        folders: list[str] | None = None
        for node_id, input_name in bound:
            class_type = self.graph[node_id]["class_type"]
            found = self.folders(class_type, input_name)
            if found is None:
                self.report(param, f"model parameter {param.name!r} is bound to {class_type}.{input_name} on node "
                            f"{node_id}, which does not name a model file; use Workflow.param for it, or declare "
                            "the input in [tool.wfc.model_inputs]", node=node_id, input=input_name)
                continue
            folders = found if folders is None else [folder for folder in folders if folder in found]
        folder = param.folder
        if folder is None and folders:
            folder = folders[0]
        if folder is None and bound and folders is not None:
            self.report(param, f"model parameter {param.name!r} is bound to inputs that list different model "
                        "folders; set folder= explicitly")
        if param.default is not None and not isinstance(param.default, str):
            self.report(param, f"model parameter {param.name!r} has default {param.default!r}; a model file name is a string")
        entry = self.base_entry(param, "string")
        entry["folder"] = folder
        return entry

    def value_entry(self, param: Param[Any], bound: list[tuple[str, str]]) -> dict[str, Any]:
        assert param.value_type is not None
        json_type = JSON_TYPES[param.value_type]
        entry = self.base_entry(param, json_type)
        minimum, maximum, options = self.catalog_limits(param, bound)

        if param.minimum is not None:
            if minimum is not None and param.minimum < minimum:
                self.report(param, f"parameter {param.name!r} has minimum {param.minimum!r}, below the catalog "
                            f"minimum {minimum!r} of an input it is bound to")
            minimum = param.minimum
        if param.maximum is not None:
            if maximum is not None and param.maximum > maximum:
                self.report(param, f"parameter {param.name!r} has maximum {param.maximum!r}, above the catalog "
                            f"maximum {maximum!r} of an input it is bound to")
            maximum = param.maximum
        if param.enum is not None:
            if options is not None:
                outside = [value for value in param.enum if value not in options]
                if outside:
                    self.report(param, f"parameter {param.name!r} lists options {outside!r} that the bound COMBO "
                                "input does not accept")
            options = list(param.enum)
        if minimum is not None and maximum is not None and minimum > maximum:
            self.report(param, f"parameter {param.name!r} has minimum {minimum!r} above maximum {maximum!r}")

        if json_type in ("integer", "number"):
            entry["minimum"] = minimum
            entry["maximum"] = maximum
        entry["enum"] = options
        self.check_default(param, json_type, minimum, maximum, options)
        return entry

    def catalog_limits(self, param: Param[Any], bound: list[tuple[str, str]]) -> tuple[Any, Any, list[Any] | None]:
        value_type = param.value_type
        assert value_type is not None
        minimum = maximum = None
        options: list[Any] | None = None
        for node_id, input_name in bound:
            spec = self.input_spec(node_id, input_name)
            if spec is None:
                continue
            class_type = self.graph[node_id]["class_type"]
            where = f"{class_type}.{input_name} on node {node_id}"
            if spec.is_combo:
                if value_type is not str and not all(type(option) is value_type for option in spec.options or ()):
                    self.report(param, f"parameter {param.name!r} is a {value_type.__name__}, but {where} is a "
                                "COMBO of strings", node=node_id, input=input_name)
                    continue
                if spec.is_upload or self.folders(class_type, input_name) is not None:
                    continue
                listed = list(spec.options or ())
                options = listed if options is None else [value for value in options if value in listed]
                continue
            fits = FITS.get(spec.type)
            if fits is None or spec.config.get("forceInput"):
                self.report(param, f"parameter {param.name!r} is bound to {where}, which takes a {spec.type} link, "
                            "not a value", node=node_id, input=input_name)
                continue
            if value_type not in fits:
                self.report(param, f"parameter {param.name!r} is a {value_type.__name__}, but {where} is "
                            f"{spec.type}", node=node_id, input=input_name)
                continue
            if spec.min is not None:
                minimum = spec.min if minimum is None else max(minimum, spec.min)
            if spec.max is not None:
                maximum = spec.max if maximum is None else min(maximum, spec.max)
        return minimum, maximum, options

    def check_default(self, param: Param[Any], json_type: str, minimum: Any, maximum: Any, options: list[Any] | None) -> None:
        default = param.default
        if default is None:
            return
        if not value_fits(default, json_type):
            self.report(param, f"parameter {param.name!r} has default {default!r}, which is not a {json_type}")
            return
        if minimum is not None and default < minimum:
            self.report(param, f"parameter {param.name!r} has default {default!r}, below its minimum {minimum!r}")
        if maximum is not None and default > maximum:
            self.report(param, f"parameter {param.name!r} has default {default!r}, above its maximum {maximum!r}")
        if options is not None and default not in options:
            self.report(param, f"parameter {param.name!r} has default {default!r}, which is not one of its options")


def resolve_parameters(
    workflow: Workflow,
    graph: dict[str, dict[str, Any]],
    bindings: dict[str, list[tuple[str, str]]],
    catalog: Catalog | None,
    config: Config | None,
    path: str = "",
) -> tuple[dict[str, dict[str, Any]], list[Diagnostic]]:
    """Return the manifest's ``parameters`` entries and the findings about them."""
    resolver = _Resolver(workflow, graph, bindings, catalog, config, path)
    entries = resolver.resolve()
    return entries, resolver.diagnostics
