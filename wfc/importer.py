"""Write a readable spec from an API-format (or editor-format) workflow.

The spec keeps every node's id and title. It passes literal values as keyword arguments and
links as the variables of their source nodes, and it names every output node of the catalog as
an output. ``wfc compile`` then gives back the same nodes, inputs and links. Nodes are written in
dependency order. A link that cannot be a variable (to a node that is missing, or that closes a
cycle) stays a raw ``["id", index]`` value in ``extra_inputs`` for lint to report.

Classes of the project's generated node module are called by name (``KSampler(...)``); other
classes go through ``node("ClassType", ...)``, whose outputs are read by index.

When the project's ``[tool.wfc.contract]`` declares image inputs, lint's contract rule
(``resolve_images``) finds the nodes that serve them, as it does in a raw workflow. It matches
by explicit node id, then by title, then takes the remaining nodes of the class in id order.
Each match becomes a ``wf.image(name, placeholder=<the file name in the source>)`` parameter
bound to that input, so the compiled artifact satisfies the contract and its graph still
carries the source's value.

An input the catalog does not declare is kept in ``extra_inputs`` as written. The compiler
passes it through and lint warns about it (WFC208), because ComfyUI ignores it. Keeping it, not
dropping it, is what lets import then compile give back the same inputs.
"""

from __future__ import annotations

import json
import keyword
import re
from dataclasses import dataclass, field
from typing import Any

from wfc.catalog import Catalog, NodeClass
from wfc.config import Config
from wfc.graph import Graph, Node, as_link
from wfc.spec.lower import id_sort_key
from wfc.stubs import MODULE_NAMES, RESERVED_ATTRIBUTES, RESERVED_KEYWORDS, python_name

# Keyword arguments of ``node(...)`` besides the inputs.
GENERIC_RESERVED = frozenset({"id", "title", "extra_inputs"})

INDENT = "    "


class WorkflowImportError(Exception):
    """The workflow cannot be turned into a spec."""


@dataclass
class ImportResult:
    """The text of the spec and what the import could not carry over as typed code."""

    text: str
    notes: list[str] = field(default_factory=list)


def snake_case(text: str) -> str:
    """Return an ASCII snake_case name: ``KSampler`` -> ``k_sampler``, ``Load Image`` -> ``load_image``."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    text = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower()
    text = re.sub(r"_+", "_", text)
    return text or "node"


def stub_names(catalog: Catalog) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Return the generated class name of each class type and its output attribute names.

    Computed exactly as ``wfc.stubs.generate`` names them.
    """
    taken: set[str] = set()
    classes = {}
    outputs = {}
    for class_type in sorted(catalog.classes):
        classes[class_type] = python_name(class_type, taken, MODULE_NAMES)
        attribute_names: set[str] = set()
        outputs[class_type] = [
            python_name(out.name, attribute_names, RESERVED_ATTRIBUTES) for out in catalog.classes[class_type].outputs
        ]
    return classes, outputs


def dependency_order(nodes: dict[str, dict[str, Any]]) -> list[str]:
    """Order node ids so that sources come before the nodes that read them (ties by id).

    Nodes on a cycle come last, in id order.
    """
    ids = sorted(nodes, key=id_sort_key)
    waiting: dict[str, set[str]] = {node_id: set() for node_id in ids}
    readers: dict[str, list[str]] = {node_id: [] for node_id in ids}
    for node_id in ids:
        for value in nodes[node_id]["inputs"].values():
            link = as_link(value)
            if link is not None and link.source in nodes and link.source != node_id:
                if link.source not in waiting[node_id]:
                    waiting[node_id].add(link.source)
                    readers[link.source].append(node_id)

    import heapq

    ready = [id_sort_key(node_id) for node_id in ids if not waiting[node_id]]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        node_id = heapq.heappop(ready)[2]
        order.append(node_id)
        for reader in readers[node_id]:
            waiting[reader].discard(node_id)
            if not waiting[reader]:
                heapq.heappush(ready, id_sort_key(reader))
    placed = set(order)
    return order + [node_id for node_id in ids if node_id not in placed]


def literal_text(value: Any) -> str:
    """Python source for a JSON value: strings in double quotes, non-ASCII text kept as written."""
    if isinstance(value, str) and all(char.isprintable() or char in "\n\t" for char in value):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def contract_images(graph: dict[str, dict[str, Any]], catalog: Catalog, config: Config | None,
                    source: str = "a workflow") -> tuple[dict[tuple[str, str], str], list[str]]:
    """Return ``{(node id, input): image parameter name}`` for the contract's image inputs, and notes.

    ``graph`` is the output of ``normalise_graph``. The nodes are matched by lint's contract rule
    (``wfc.lint.contract.resolve_images``), so an imported spec binds the nodes lint would.
    Raises ConfigError when ``[tool.wfc.contract]`` is invalid.
    """
    try:
        from wfc.lint.context import LintContext
        from wfc.lint.contract import load_contract, resolve_images
    except ImportError:
        return {}, []
    contract = load_contract(config)
    if contract is None or not contract.images:
        return {}, []

    from wfc.spec.workflow import NAME_PATTERN, RESERVED_NAMES

    nodes = {node_id: Node(node_id, entry["class_type"], entry["inputs"], entry["title"])
             for node_id, entry in graph.items()}
    context = LintContext(path=source, catalog=catalog, config=config, data=graph, graph=Graph(nodes))
    found = resolve_images(context, contract)
    notes = [f"contract: {diagnostic.message}" for diagnostic in context.diagnostics]

    bound: dict[tuple[str, str], str] = {}
    for image in contract.images:
        node_id = found.get(image.name)
        if node_id is None:
            notes.append(f"contract image {image.name!r}: no {image.class_type} node matches it, so the spec "
                         f"declares no such parameter and compiling it reports WFC401")
            continue
        inputs = graph[node_id]["inputs"]
        value = inputs.get(image.input)
        if not NAME_PATTERN.match(image.name) or image.name in RESERVED_NAMES:
            notes.append(f"contract image {image.name!r} is not a valid parameter name; node {node_id} keeps "
                         f"its {image.input!r} value as written")
        elif image.input not in inputs:
            notes.append(f"contract image {image.name!r}: node {node_id} has no input {image.input!r}, so the spec "
                         "declares no such parameter and leaves the node as it is")
        elif not isinstance(value, str):
            notes.append(f"contract image {image.name!r}: node {node_id} input {image.input!r} is {value!r}, not a "
                         f"file name, so it is kept as written and not made a parameter")
        else:
            bound[(node_id, image.input)] = image.name
    return bound, notes


class _Writer:
    def __init__(self, graph: dict[str, dict[str, Any]], catalog: Catalog, name: str, use_stubs: bool,
                 source: str, images: dict[tuple[str, str], str]) -> None:
        self.graph = graph
        self.catalog = catalog
        self.name = name
        self.use_stubs = use_stubs
        self.source = source
        self.images = images
        self.class_names, self.output_names = stub_names(catalog) if use_stubs else ({}, {})
        self.variables: dict[str, str] = {}
        self.used_names = set(keyword.kwlist) | {"wf", "Workflow", "node"} | set(self.class_names.values())
        # image parameter name -> its variable in the spec
        self.image_variables: dict[str, str] = {}
        self.notes: list[str] = []

    def variable(self, node_id: str, class_type: str) -> str:
        return self.unique_name(f"{snake_case(class_type)}_{snake_case(node_id)}")

    def unique_name(self, base: str) -> str:
        """Return ``base`` as a fresh Python variable name, with a suffix when it is taken."""
        if not base.isidentifier() or base[0].isdigit():
            base = "n_" + base
        candidate = base
        counter = 2
        while candidate in self.used_names:
            candidate = f"{base}_{counter}"
            counter += 1
        self.used_names.add(candidate)
        return candidate

    def typed(self, class_type: str) -> bool:
        return self.use_stubs and class_type in self.class_names

    def link_text(self, source_id: str, index: int) -> str | None:
        """Python source for a link to output ``index`` of ``source_id``, or None to keep it raw."""
        variable = self.variables.get(source_id)
        if variable is None:
            return None
        class_type = self.graph[source_id]["class_type"]
        if not self.typed(class_type):
            return f"{variable}[{index}]"
        names = self.output_names[class_type]
        if not 0 <= index < len(names):
            return None
        if len(names) == 1:
            return variable
        return f"{variable}.{names[index]}"

    def image_parameters(self) -> list[str]:
        """Declare the contract's image parameters; return their lines, in the graph's node order."""
        lines = []
        for (node_id, input_name), name in sorted(self.images.items(), key=lambda item: id_sort_key(item[0][0])):
            variable = self.unique_name(name)
            self.image_variables[name] = variable
            placeholder = literal_text(self.graph[node_id]["inputs"][input_name])
            lines.append(f"{INDENT}{variable} = wf.image({literal_text(name)}, placeholder={placeholder})")
        return lines

    def write(self) -> str:
        order = dependency_order(self.graph)
        missing_defaults = self.lacks_required_defaults()
        parameters = self.image_parameters()
        body: list[str] = []
        outputs: list[tuple[str, str]] = []
        for node_id in order:
            entry = self.graph[node_id]
            variable = self.variable(node_id, entry["class_type"])
            body.append(self.node_call(node_id, entry, variable))
            self.variables[node_id] = variable
            node_class = self.catalog.get(entry["class_type"])
            if node_class is not None and node_class.output_node:
                outputs.append((variable, variable))

        imports = sorted({self.class_names[self.graph[node_id]["class_type"]] for node_id in order
                          if self.typed(self.graph[node_id]["class_type"])})
        uses_generic = any(not self.typed(self.graph[node_id]["class_type"]) for node_id in order)

        source = self.source.replace("\\", "/").replace('"', "'")
        lines = [f'"""Imported by `wfc import` from {source}."""', ""]
        if imports:
            lines.append("from specs.nodes import (")
            lines += [f"{INDENT}{name}," for name in imports]
            lines.append(")")
        lines.append("from wfc.spec import Workflow" + (", node" if uses_generic else ""))
        lines.append("")
        arguments = [literal_text(self.name)]
        if missing_defaults:
            # The source leaves out required inputs; keep them out so lint reports them.
            arguments.append("fill_defaults=False")
        lines.append(f"with Workflow({', '.join(arguments)}) as wf:")
        if parameters:
            lines += parameters
            lines.append("")
        if not body and not parameters:
            lines.append(f"{INDENT}pass")
        for block in body:
            lines.append(block)
        if outputs:
            lines.append("")
            for output_name, variable in outputs:
                lines.append(f"{INDENT}wf.output({literal_text(output_name)}, {variable})")
        return "\n".join(lines) + "\n"

    def lacks_required_defaults(self) -> bool:
        for entry in self.graph.values():
            node_class = self.catalog.get(entry["class_type"])
            if node_class is None:
                continue
            for spec in node_class.required:
                if "default" in spec.config and spec.name not in entry["inputs"]:
                    return True
        return False

    def node_call(self, node_id: str, entry: dict[str, Any], variable: str) -> str:
        class_type = entry["class_type"]
        typed = self.typed(class_type)
        reserved = RESERVED_KEYWORDS if typed else GENERIC_RESERVED
        node_class = self.catalog.get(class_type)

        arguments: list[str] = []
        if not typed:
            arguments.append(literal_text(class_type))
        arguments.append(f"id={int(node_id) if self.plain_number(node_id) else literal_text(node_id)}")
        title = entry.get("title")
        if title is not None:
            arguments.append(f"title={literal_text(title)}")

        extra: list[str] = []
        for input_name, value in self.ordered_inputs(entry["inputs"], node_class):
            parameter = self.images.get((node_id, input_name))
            text = self.image_variables[parameter] if parameter is not None else self.value_text(value)
            keyword_ok = input_name.isidentifier() and not keyword.iskeyword(input_name) and input_name not in reserved
            if node_class is not None and input_name not in node_class.inputs:
                # An input the class does not declare goes into extra_inputs as written: the
                # generated signature has no such keyword, and the compiler passes extra_inputs
                # through so that lint warns about it (ComfyUI ignores it).
                keyword_ok = False
                self.notes.append(f"node {node_id} ({class_type}): input {input_name!r} is not in the catalog; "
                                  "kept in extra_inputs, and lint warns about it")
            if text is not None and keyword_ok:
                arguments.append(f"{input_name}={text}")
            else:
                extra.append(f"{literal_text(input_name)}: {text if text is not None else literal_text(value)}")
                if text is None:
                    self.notes.append(f"node {node_id} input {input_name!r}: kept the value {value!r} as written")
        if extra:
            arguments.append("extra_inputs={" + ", ".join(extra) + "}")

        callee = self.class_names[class_type] if typed else "node"
        lines = [f"{INDENT}{variable} = {callee}("]
        lines += [f"{INDENT * 2}{argument}," for argument in arguments]
        lines.append(f"{INDENT})")
        return "\n".join(lines)

    @staticmethod
    def plain_number(node_id: str) -> bool:
        return node_id.isdigit() and node_id.isascii() and (node_id == "0" or not node_id.startswith("0"))

    @staticmethod
    def ordered_inputs(inputs: dict[str, Any], node_class: NodeClass | None) -> list[tuple[str, Any]]:
        if node_class is None:
            return list(inputs.items())
        known = [(spec.name, inputs[spec.name]) for spec in node_class.inputs.values() if spec.name in inputs]
        names = {name for name, _ in known}
        return known + [(name, value) for name, value in inputs.items() if name not in names]

    def value_text(self, value: Any) -> str | None:
        """Python source for an input value, or None when it must go into extra_inputs as written."""
        if isinstance(value, list):
            link = as_link(value)
            if link is None:
                return None
            return self.link_text(link.source, link.output)
        if value is None or isinstance(value, dict):
            return None
        return literal_text(value)


def normalise_graph(data: Any) -> dict[str, dict[str, Any]]:
    """Return ``{id: {"class_type", "inputs", "title"}}`` from an API document; raise on malformed nodes."""
    if not isinstance(data, dict):
        raise WorkflowImportError(f"the workflow is a JSON {type(data).__name__}, not an object of node id to node")
    graph = {}
    for node_id, entry in data.items():
        if not isinstance(entry, dict):
            raise WorkflowImportError(f"node {node_id!r} is a JSON {type(entry).__name__}, not an object")
        class_type = entry.get("class_type")
        if not isinstance(class_type, str) or not class_type:
            raise WorkflowImportError(f"node {node_id!r} has no class_type string; fix the workflow, then import it again")
        inputs = entry.get("inputs", {})
        if not isinstance(inputs, dict):
            raise WorkflowImportError(f"node {node_id!r} has inputs that are not an object")
        meta = entry.get("_meta")
        title = meta.get("title") if isinstance(meta, dict) and isinstance(meta.get("title"), str) else None
        graph[str(node_id)] = {"class_type": class_type, "inputs": inputs, "title": title}
    return graph


def import_workflow(data: Any, catalog: Catalog, *, name: str, use_stubs: bool = True, source: str = "a workflow",
                    config: Config | None = None) -> ImportResult:
    """Return the spec text for an API-format workflow ``data``.

    ``use_stubs`` calls the generated classes of ``specs.nodes`` for classes of ``catalog``.
    Turn it off when ``catalog`` is not the one the node module was generated from. With
    ``config``, the image inputs of its ``[tool.wfc.contract]`` become image parameters; this
    raises ConfigError when that section is invalid.
    """
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
        raise WorkflowImportError(f"invalid workflow name {name!r}; use letters, digits and underscores")
    graph = normalise_graph(data)
    images, notes = contract_images(graph, catalog, config, source) if config is not None else ({}, [])
    writer = _Writer(graph, catalog, name, use_stubs, source, images)
    text = writer.write()
    return ImportResult(text, notes + writer.notes)
