"""Check a compiled artifact: manifest fields, graph digest, catalog digest, bindings, schema.

``wfc lint`` runs these checks on every ``workflows/X.json`` that has a ``X.manifest.json``
next to it. They find an artifact whose graph was edited by hand after compiling, one compiled
against another catalog or from an older spec, and a manifest whose bindings, schema, outputs or
model list no longer match its graph. Findings point at the line of the manifest field.
"""

from __future__ import annotations

import hashlib
import shlex
from pathlib import Path
from typing import Any

from wfc.artifact_bounds import ModelFolders, binding_mismatches
from wfc.artifact import ARTIFACT_FORMAT, MANIFEST_FIELDS, RESERVED_INPUTS, sha256_digest
from wfc.catalog import Catalog
from wfc.config import Config
from wfc.diagnostics import Diagnostic
from wfc.graph import Document, parse_document, pointer
from wfc.spec.codes import display_path, make_diagnostic

PARAMETER_KINDS = ("value", "image", "model")
JSON_TYPES = ("string", "integer", "number", "boolean")


class _Checker:
    def __init__(self, manifest_path: Path, catalog: Catalog | None, config: Config | None) -> None:
        self.manifest_path = manifest_path
        self.catalog = catalog
        self.config = config
        self.root = config.root if config is not None else None
        self.label = display_path(manifest_path, self.root)
        self.document: Document | None = None
        self.diagnostics: list[Diagnostic] = []
        self.model_folders: ModelFolders | None = None
        self.recompile_hint = (f"run `{self.compile_command()}`; it takes the bounds and options from the catalog, "
                               "or reports the spec's own bounds that do not fit")

    def compile_command(self) -> str:
        """Return the ``wfc compile`` command that recompiles against the catalog being checked."""
        if self.catalog is None or self.catalog.path is None:
            return "wfc compile"
        configured = self.config.path("catalog") if self.config is not None else None
        if configured is not None and configured.resolve() == self.catalog.path.resolve():
            return "wfc compile"
        return f"wfc compile --catalog {shlex.quote(display_path(self.catalog.path, self.root))}"

    def report(self, code: str, message: str, where: str = "", **fields: Any) -> None:
        position = self.document.position(where) if self.document is not None and where else None
        self.diagnostics.append(make_diagnostic(
            code, message, path=self.label, pointer=where,
            line=position.line if position else None, column=position.column if position else None, **fields))

    def run(self) -> list[Diagnostic]:
        manifest = self.read_manifest()
        if manifest is None:
            return self.diagnostics
        graph = self.read_graph(manifest)
        self.check_catalog(manifest)
        self.check_source(manifest)
        parameters = manifest.get("parameters")
        if not isinstance(parameters, dict):
            self.report("WFC800", "field 'parameters' must be an object of parameter name to parameter", "/parameters")
            return self.diagnostics
        if graph is not None:
            self.check_bindings(parameters, graph)
            self.check_outputs(manifest, graph)
            self.check_models(manifest, graph)
        self.check_schema(manifest, parameters)
        return self.diagnostics

    def read_manifest(self) -> dict[str, Any] | None:
        try:
            raw = self.manifest_path.read_bytes()
        except OSError as exc:
            self.report("WFC800", f"cannot read the manifest: {exc}")
            return None
        self.document = parse_document(raw)
        if self.document.problems:
            problem = self.document.problems[0]
            self.report("WFC800", f"the manifest is not readable JSON: {problem.message}")
            return None
        manifest = self.document.data
        if not isinstance(manifest, dict) or manifest.get("format") != ARTIFACT_FORMAT:
            found = manifest.get("format") if isinstance(manifest, dict) else type(manifest).__name__
            self.report("WFC800", f"not a wfc artifact manifest: format is {found!r}, expected {ARTIFACT_FORMAT!r}",
                        "/format", hint="recompile with `wfc compile`")
            return None
        missing = [name for name in MANIFEST_FIELDS if name not in manifest]
        if missing:
            self.report("WFC800", f"the manifest lacks the fields {', '.join(missing)}", hint="recompile with `wfc compile`")
            return None
        return manifest

    def read_graph(self, manifest: dict[str, Any]) -> dict[str, Any] | None:
        graph_name = manifest["graph"]
        if not isinstance(graph_name, str) or not graph_name or "/" in graph_name or "\\" in graph_name:
            self.report("WFC800", f"field 'graph' must be a file name next to the manifest, not {graph_name!r}", "/graph")
            return None
        graph_path = self.manifest_path.parent / graph_name
        try:
            raw = graph_path.read_bytes()
        except OSError as exc:
            self.report("WFC800", f"cannot read the graph {graph_name}: {exc}", "/graph")
            return None
        digest = sha256_digest(raw)
        if digest != manifest["graph_digest"]:
            self.report("WFC801", f"{graph_name} has digest {digest}, but the manifest records "
                        f"{manifest['graph_digest']}: the graph changed after it was compiled", "/graph_digest",
                        hint="edit the spec instead of the graph, then run `wfc compile`")
        graph = parse_document(raw).data
        if not isinstance(graph, dict):
            self.report("WFC800", f"the graph {graph_name} is not a JSON object of nodes", "/graph")
            return None
        return graph

    def check_catalog(self, manifest: dict[str, Any]) -> None:
        if self.catalog is None or manifest["catalog_digest"] == self.catalog.digest:
            return
        self.report("WFC802", f"compiled against the catalog {manifest['catalog_digest']}, but the current catalog is "
                    f"{self.catalog.digest}", "/catalog_digest", hint=f"run `{self.compile_command()}` to recompile against it")

    def check_source(self, manifest: dict[str, Any]) -> None:
        source = manifest["source"]
        if not isinstance(source, dict) or not isinstance(source.get("path"), str) or self.root is None:
            return
        spec = self.root / source["path"]
        try:
            digest = "sha256:" + hashlib.sha256(spec.read_bytes()).hexdigest()
        except OSError:
            return
        if digest != source.get("digest"):
            self.report("WFC805", f"the spec {source['path']} changed after this artifact was compiled",
                        "/source/digest", hint="run `wfc compile`")

    def check_bindings(self, parameters: dict[str, Any], graph: dict[str, Any]) -> None:
        for name, entry in parameters.items():
            where = pointer("parameters", name)
            if not isinstance(entry, dict) or entry.get("kind") not in PARAMETER_KINDS:
                self.report("WFC800", f"parameter {name!r} has no valid kind (value, image or model)", where)
                continue
            bindings = entry.get("bindings")
            if not isinstance(bindings, list) or not bindings:
                self.report("WFC803", f"parameter {name!r} has no bindings", where)
                continue
            for binding in bindings:
                node_id = binding.get("node") if isinstance(binding, dict) else None
                input_name = binding.get("input") if isinstance(binding, dict) else None
                node = graph.get(node_id) if isinstance(node_id, str) else None
                if not isinstance(node, dict):
                    self.report("WFC803", f"parameter {name!r} is bound to node {node_id!r}, which is not in the graph",
                                where, node=str(node_id))
                    continue
                inputs = node.get("inputs")
                if not isinstance(inputs, dict) or input_name not in inputs:
                    self.report("WFC803", f"parameter {name!r} is bound to input {input_name!r} of node {node_id}, "
                                "which the node does not have", where, node=node_id, input=str(input_name))
                    continue
                if isinstance(inputs[input_name], list):
                    self.report("WFC803", f"parameter {name!r} is bound to input {input_name!r} of node {node_id}, "
                                "which is a link, not a value", where, node=node_id, input=input_name)
                    continue
                self.check_catalog_fit(name, entry, str(node_id), str(node.get("class_type")), str(input_name))
                if entry["kind"] == "image" and node.get("class_type") != "LoadImage" and self.catalog is not None:
                    node_class = self.catalog.get(str(node.get("class_type")))
                    spec = node_class.input(str(input_name)) if node_class is not None else None
                    if spec is None or not spec.is_upload:
                        self.report("WFC803", f"image parameter {name!r} is bound to {node.get('class_type')}."
                                    f"{input_name} on node {node_id}, which is not an upload input", where,
                                    node=node_id, input=str(input_name))

    def check_catalog_fit(self, name: str, entry: dict[str, Any], node_id: str, class_type: str, input_name: str) -> None:
        """Report where a value parameter's type, bounds or options no longer fit the bound catalog input."""
        if self.catalog is None:
            return
        if self.model_folders is None:
            from wfc.spec.params import model_folder_lookup

            self.model_folders = model_folder_lookup(self.config)
        for mismatch in binding_mismatches(name, entry, node_id, class_type, input_name, self.catalog, self.model_folders):
            self.report("WFC807", mismatch.message, pointer("parameters", name), node=mismatch.node,
                        input=mismatch.input, hint=self.recompile_hint)

    def check_outputs(self, manifest: dict[str, Any], graph: dict[str, Any]) -> None:
        outputs = manifest["outputs"]
        if not isinstance(outputs, dict):
            self.report("WFC800", "field 'outputs' must be an object of output name to node", "/outputs")
            return
        for name, entry in outputs.items():
            node_id = entry.get("node") if isinstance(entry, dict) else None
            node = graph.get(node_id) if isinstance(node_id, str) else None
            if not isinstance(node, dict):
                self.report("WFC806", f"output {name!r} names node {node_id!r}, which is not in the graph",
                            pointer("outputs", name))
            elif node.get("class_type") != entry.get("class_type"):
                self.report("WFC806", f"output {name!r} records class type {entry.get('class_type')!r}, but node "
                            f"{node_id} is a {node.get('class_type')}", pointer("outputs", name), node=node_id)

    def check_models(self, manifest: dict[str, Any], graph: dict[str, Any]) -> None:
        models = manifest["models"]
        if not isinstance(models, list):
            self.report("WFC800", "field 'models' must be a list", "/models")
            return
        for index, entry in enumerate(models):
            if not isinstance(entry, dict):
                self.report("WFC800", f"models entry {index} is not an object", "/models")
                continue
            node_id = entry.get("node")
            node = graph.get(node_id) if isinstance(node_id, str) else None
            value = node.get("inputs", {}).get(entry.get("input")) if isinstance(node, dict) else None
            if value != entry.get("name"):
                self.report("WFC806", f"models entry {index} says node {entry.get('node')!r} input "
                            f"{entry.get('input')!r} loads {entry.get('name')!r}, but the graph has {value!r}",
                            "/models", node=str(entry.get("node")))

    def check_schema(self, manifest: dict[str, Any], parameters: dict[str, Any]) -> None:
        schema = manifest["input_schema"]
        if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
            self.report("WFC804", "field 'input_schema' must be a JSON Schema object with properties", "/input_schema")
            return
        if schema.get("additionalProperties") is not False:
            self.report("WFC804", "the input schema accepts unknown fields; it must set additionalProperties to false",
                        "/input_schema")
        properties = schema["properties"]
        expected = set(RESERVED_INPUTS)
        for name, entry in parameters.items():
            expected.add(name)
            aliases = entry.get("aliases") if isinstance(entry, dict) else None
            expected.update(alias for alias in aliases or [] if isinstance(alias, str))
            if not isinstance(entry, dict) or name not in properties:
                continue
            declared = properties[name].get("type") if isinstance(properties[name], dict) else None
            if entry.get("kind") != "image" and declared != entry.get("type"):
                self.report("WFC804", f"parameter {name!r} is a {entry.get('type')}, but the schema says {declared}",
                            pointer("input_schema", "properties"))
        for name in sorted(expected - set(properties)):
            self.report("WFC804", f"the input schema has no property {name!r}", pointer("input_schema", "properties"))
        for name in sorted(set(properties) - expected):
            self.report("WFC804", f"the input schema has property {name!r}, which is no parameter", pointer("input_schema", "properties"))


def check_manifest(manifest_path: Path, catalog: Catalog | None, config: Config | None) -> list[Diagnostic]:
    """Return the findings about one artifact manifest."""
    return _Checker(manifest_path, catalog, config).run()
