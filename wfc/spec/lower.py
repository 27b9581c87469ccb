"""Lower a built workflow to an API-format graph, with the spec line of every node.

Each node becomes ``{"inputs", "class_type", "_meta": {"title"}}`` under its id (see
``wfc.spec.ids``). Inputs follow the catalog's declaration order. An output becomes a link
``[source id, output index]``. A parameter becomes a binding plus its default value, or for an
image parameter its placeholder file name. A required input the spec leaves out gets its catalog
default, so the graph is complete on its own. Nodes are written in id order.
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass, field
from typing import Any

from wfc.catalog import Catalog, NodeClass
from wfc.diagnostics import Diagnostic
from wfc.spec.codes import make_diagnostic
from wfc.spec.ids import assign_ids
from wfc.spec.node import Node
from wfc.spec.values import IMAGE, Output, Param
from wfc.spec.workflow import Workflow


@dataclass
class Lowered:
    """A workflow lowered to a graph, and what the manifest needs to know about it."""

    graph: dict[str, dict[str, Any]]
    origins: dict[str, tuple[str, int]]
    # parameter name -> [(node id, input name)] in graph order
    bindings: dict[str, list[tuple[str, str]]]
    node_ids: dict[int, str]  # id(Node) -> node id
    diagnostics: list[Diagnostic] = field(default_factory=list)


def id_sort_key(node_id: str) -> tuple[int, int, str]:
    """Order node ids numerically when they are numbers, then the others by text."""
    if node_id.isdigit():
        return (0, int(node_id), node_id)
    return (1, 0, node_id)


def suggestion(name: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def _line_of(node: Node) -> str:
    return f"line {node._origin[1]}" if node._origin else "an unknown line"


class _Lowering:
    def __init__(self, workflow: Workflow, catalog: Catalog | None, path: str) -> None:
        self.workflow = workflow
        self.catalog = catalog
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self.bindings: dict[str, list[tuple[str, str]]] = {name: [] for name in workflow.params}
        self.node_ids: dict[int, str] = {}
        # id(Node) of the nodes left out of the graph because an earlier node has their id
        self.dropped: set[int] = set()

    def report(self, code: str, message: str, node: Node | None = None, origin: tuple[str, int] | None = None,
               **fields: Any) -> None:
        where = origin or (node._origin if node is not None else None)
        self.diagnostics.append(make_diagnostic(
            code,
            message,
            path=self.path,
            line=where[1] if where else None,
            node=node._id if node is not None else None,
            class_type=node._class_type if node is not None else None,
            title=node._title if node is not None else None,
            **fields,
        ))

    def run(self) -> Lowered:
        nodes = self.assign_ids()
        graph: dict[str, dict[str, Any]] = {}
        origins: dict[str, tuple[str, int]] = {}
        for node in nodes:
            assert node._id is not None
            graph[node._id] = self.lower_node(node)
            if node._origin is not None:
                origins[node._id] = node._origin
        ordered = {node_id: graph[node_id] for node_id in sorted(graph, key=id_sort_key)}
        for name in self.bindings:
            self.bindings[name].sort(key=lambda binding: id_sort_key(binding[0]))
        return Lowered(ordered, origins, self.bindings, self.node_ids, self.diagnostics)

    def assign_ids(self) -> list[Node]:
        nodes = self.workflow.nodes
        ids = assign_ids([(node._explicit_id, node._title, node._class_type) for node in nodes])
        kept: list[Node] = []
        owners: dict[str, Node] = {}
        for node, node_id in zip(nodes, ids):
            node._id = node_id
            if node_id in owners:
                first = owners[node_id]
                self.dropped.add(id(node))
                self.report("WFC705", f"node id {node_id!r} is given to two nodes: the {first._class_type} node "
                            f"on {_line_of(first)} and the {node._class_type} node on {_line_of(node)}",
                            node, hint="give one of them another id; node ids must be unique within a workflow")
                continue
            owners[node_id] = node
            self.node_ids[id(node)] = node_id
            kept.append(node)
        return kept

    def lower_node(self, node: Node) -> dict[str, Any]:
        node_class = self.catalog.get(node._class_type) if self.catalog is not None else None
        if self.catalog is not None and node_class is None:
            self.report("WFC702", f"class type {node._class_type!r} is not in the catalog", node,
                        hint=suggestion(node._class_type, list(self.catalog.classes)))

        values: dict[str, Any] = {}
        for name, value in node._inputs.items():
            # Names from extra_inputs go into the graph as written and are not checked here:
            # lint reports an unknown one as a warning (WFC208), since ComfyUI ignores it, and
            # an imported graph keeps it so that it compiles back unchanged.
            if node_class is not None and name not in node_class.inputs and name not in node._raw_names:
                known = [spec.name for spec in node_class.visible_inputs]
                self.report("WFC703", f"{node._class_type} has no input {name!r}", node, input=name,
                            hint=suggestion(name, known) or f"its inputs are {', '.join(known) or 'none'}")
            lowered = self.lower_value(node, node_class, name, value)
            if lowered is not None or (value is None and name in node._raw_names):
                values[name] = lowered

        inputs: dict[str, Any] = {}
        if node_class is not None:
            for spec in node_class.visible_inputs:
                if spec.name in values:
                    inputs[spec.name] = values.pop(spec.name)
                elif self.workflow.fill_defaults and spec.section == "required" and "default" in spec.config:
                    inputs[spec.name] = spec.config["default"]
        inputs.update(values)

        title = node._title
        if title is None:
            title = (node_class.display_name if node_class is not None else None) or node._class_type
        return {"inputs": inputs, "class_type": node._class_type, "_meta": {"title": title}}

    def lower_value(self, node: Node, node_class: NodeClass | None, name: str, value: Any) -> Any:
        if name in node._raw_names and (value is None or isinstance(value, (list, dict))):
            return self.raw_json(node, name, value)
        if isinstance(value, Param):
            return self.bind(node, node_class, name, value)
        if isinstance(value, Output):
            return self.link(node, name, value)
        if isinstance(value, Node):
            outputs = ", ".join(f".{attribute}" for attribute in value._output_names) or "none"
            self.report("WFC706", f"input {name!r} is given the {value._class_type} node itself, which has "
                        f"{len(value._output_names)} outputs; pass one of them ({outputs})", node, input=name)
            return None
        if isinstance(value, bool) or isinstance(value, (int, str)):
            return value
        if isinstance(value, float):
            if not math.isfinite(value):
                self.report("WFC704", f"input {name!r} is {value!r}, which JSON cannot carry; use a finite number",
                            node, input=name)
                return None
            return value
        self.report("WFC704", f"input {name!r} is a {type(value).__name__} ({value!r:.60}); an input takes a "
                    "string, number, boolean, a node output or a parameter", node, input=name)
        return None

    def raw_json(self, node: Node, name: str, value: Any) -> Any:
        """Pass a JSON value from extra_inputs through unchanged, if JSON can carry it."""
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            self.report("WFC704", f"input {name!r} in extra_inputs is not a JSON value: {exc}", node, input=name)
            return None
        return value

    def link(self, node: Node, name: str, output: Output[Any]) -> list[Any] | None:
        source = output.source
        source_id = self.node_ids.get(id(source))
        if source_id is None and id(source) in self.dropped:
            return None  # WFC705 already reports the duplicate id that left the source out
        if source_id is None:
            self.report("WFC706", f"input {name!r} reads the {source._class_type} node, which is not part of "
                        f"workflow {self.workflow.name!r} (it was created in another workflow or dropped)",
                        node, input=name)
            return None
        return [source_id, output.index]

    def bind(self, node: Node, node_class: NodeClass | None, name: str, param: Param[Any]) -> Any:
        if self.workflow.params.get(param.name) is not param:
            self.report("WFC708", f"input {name!r} is given parameter {param.name!r}, which belongs to another "
                        "workflow", node, input=name)
            return None
        assert node._id is not None
        self.bindings[param.name].append((node._id, name))
        if param.default is not None:
            return param.default
        if param.kind == IMAGE and param.placeholder is not None:
            return param.placeholder
        spec = node_class.input(name) if node_class is not None else None
        if spec is not None and "default" in spec.config:
            return spec.config["default"]
        if param.placeholder is not None:
            return param.placeholder
        self.report("WFC708", f"parameter {param.name!r} has no default and input {name!r} has no catalog default, "
                    "so the compiled graph would lack a value", node, input=name,
                    hint=f"give parameter {param.name!r} a default")
        return None


def lower_workflow(workflow: Workflow, catalog: Catalog | None, path: str = "") -> Lowered:
    """Lower ``workflow`` to an API-format graph; findings go to ``Lowered.diagnostics``."""
    return _Lowering(workflow, catalog, path).run()
