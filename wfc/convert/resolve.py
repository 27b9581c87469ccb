"""Flattening and link resolution: which real output feeds each input once the editor's extras go.

The frontend (ComfyUI_frontend 1.27.10) wraps every node in an execution node whose id is the
path of subgraph instance ids down to it, joined by ``:``. For example, ``12:5`` is node 5 of the
subgraph that instance 12 shows. Resolving an input then walks backwards:

- a link from a subgraph's input node leaves the subgraph: the instance's own input is resolved
  instead, or, when nothing is linked there, the instance's widget value is used;
- a link from a subgraph instance enters it and continues at the inner node that feeds the
  subgraph's output;
- a bypassed node (mode 4) passes through the first of its inputs whose type matches (the input
  at the same index as the output preferred), and feeds nothing when none matches;
- a virtual node (Reroute and the like) passes through its input at the same index as the output;
  one with no such input (PrimitiveNode) feeds nothing, because its value was already written into
  its targets' widgets;
- anything else is the real source.

A cycle of such pass-through nodes raises ``ResolveError``, as it does in the frontend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wfc.convert.document import (
    MODE_BYPASS,
    SUBGRAPH_INPUT_ID,
    SUBGRAPH_OUTPUT_ID,
    InputSlot,
    UIGraph,
    UINode,
)


class ResolveError(Exception):
    """An input cannot be resolved because the file is inconsistent (a missing link or node, a cycle)."""

    def __init__(self, message: str, node: "ExecNode", input_name: str | None = None) -> None:
        super().__init__(message)
        self.node = node
        self.input_name = input_name  # the input of ``node`` where the fault is, when it is an input


@dataclass
class ExecNode:
    """One node of the flattened graph, addressed by its execution id."""

    id: str
    node: UINode
    graph: UIGraph
    path: tuple[str, ...]  # ids of the subgraph instances that contain it, outermost first
    parent: "ExecNode | None" = None  # the subgraph instance that contains it
    inputs: list[InputSlot] = field(default_factory=list)
    virtual: bool = False
    subgraph: UIGraph | None = None  # the definition, when this node is a subgraph instance
    # Promoted widget values of a subgraph instance, by index of the subgraph input.
    promoted: dict[int, Any] = field(default_factory=dict)

    @property
    def mode(self) -> int:
        return self.node.mode


@dataclass(frozen=True)
class Resolved:
    """The end of a resolved input: a real output, or a literal value from a widget."""

    origin_id: str
    origin_slot: int
    has_value: bool = False
    value: Any = None


def types_connect(first: str, second: str) -> bool:
    """Return whether litegraph allows a link between these slot types (case-insensitive, ``*`` and unions)."""
    if first in ("", "*", "0") or second in ("", "*", "0") or first == second:
        return True
    first, second = first.lower(), second.lower()
    if "," not in first and "," not in second:
        return first == second
    return any(types_connect(a, b) for a in first.split(",") for b in second.split(","))


class Resolver:
    """Resolves inputs of execution nodes, as the frontend's graphToPrompt does."""

    def __init__(self, nodes: dict[str, ExecNode]) -> None:
        self.nodes = nodes

    def resolve_input(
        self, exec_node: ExecNode, slot: int, visited: set[str] | None = None, slot_type: str | None = None
    ) -> Resolved | None:
        """Return the real output (or widget value) feeding input ``slot`` of ``exec_node``."""
        visited = set() if visited is None else visited
        key = f"{exec_node.graph.id}:{exec_node.node.id}[I]{slot}"
        if key in visited:
            name = exec_node.inputs[slot].name if slot < len(exec_node.inputs) else ""
            raise ResolveError(f"links form a cycle through input {slot} of node {exec_node.id}; inputs fed "
                               "through it are left out", exec_node, name or None)
        visited.add(key)

        if slot >= len(exec_node.inputs):
            raise ResolveError(f"node {exec_node.id} has no input slot {slot}", exec_node)
        slot_info = exec_node.inputs[slot]
        if slot_info.link is None:
            return None
        link = exec_node.graph.links.get(slot_info.link)
        if link is None and slot_info.link in exec_node.graph.skipped_links:
            return None  # the malformed link entry is already reported
        if link is None:
            raise ResolveError(
                f"input {slot_info.name!r} of node {exec_node.id} refers to link {slot_info.link}, "
                "which the file does not define", exec_node, slot_info.name or None)

        parent = exec_node.parent
        if parent is not None and link.origin_id == SUBGRAPH_INPUT_ID:
            return self._resolve_subgraph_input(exec_node, parent, link.origin_slot, visited)

        origin = exec_node.graph.nodes.get(link.origin_id)
        if origin is None and link.origin_id in exec_node.graph.skipped_nodes:
            return None  # the unreadable node entry is already reported, with the links it loses
        if origin is None:
            raise ResolveError(
                f"link {link.id} into input {slot_info.name!r} of node {exec_node.id} comes from node "
                f"{link.origin_id}, which does not exist", exec_node, slot_info.name or None)
        origin_exec = self.nodes[":".join((*exec_node.path, origin.id))]
        return self.resolve_output(origin_exec, link.origin_slot, slot_type or slot_info.type, visited)

    def _resolve_subgraph_input(
        self, exec_node: ExecNode, instance: ExecNode, index: int, visited: set[str]
    ) -> Resolved | None:
        if index >= len(instance.inputs):
            raise ResolveError(f"subgraph instance {instance.id} has no input slot {index}", exec_node)
        outer = instance.inputs[index]
        if outer.link is None:
            if index in instance.promoted:
                return Resolved(exec_node.id, -1, has_value=True, value=instance.promoted[index])
            return None

        # The frontend continues at the outer link's target slot, which it resets on load to the
        # index of the socket that contains the link, so the socket itself is the next step.
        return self.resolve_input(instance, index, visited)

    def resolve_output(self, exec_node: ExecNode, slot: int, slot_type: str, visited: set[str]) -> Resolved | None:
        """Return the real output behind output ``slot`` of ``exec_node`` for an input of ``slot_type``."""
        key = f"{exec_node.graph.id}:{exec_node.node.id}[O]{slot}"
        if key in visited:
            raise ResolveError(f"links form a cycle through output {slot} of node {exec_node.id}; inputs fed "
                               "through it are left out", exec_node)
        visited.add(key)

        if exec_node.mode == MODE_BYPASS:
            index = self.bypass_input_index(exec_node, slot, slot_type)
            if index == -1:
                return None
            return self.resolve_input(exec_node, index, visited)

        if exec_node.subgraph is not None:
            return self._resolve_subgraph_output(exec_node, slot, slot_type, visited)

        if exec_node.virtual:
            if slot < len(exec_node.inputs):
                return self.resolve_input(exec_node, slot, visited, slot_type)
            return None

        return Resolved(exec_node.id, slot)

    def _resolve_subgraph_output(
        self, instance: ExecNode, slot: int, slot_type: str, visited: set[str]
    ) -> Resolved | None:
        definition = instance.subgraph
        assert definition is not None
        if slot >= len(definition.outputs):
            raise ResolveError(f"subgraph instance {instance.id} has no output slot {slot}", instance)

        inner_link = None
        for link_id in definition.outputs[slot].link_ids:
            candidate = definition.links.get(link_id)
            if candidate is not None and candidate.target_id == SUBGRAPH_OUTPUT_ID:
                inner_link = candidate
                break
        if inner_link is None:
            for candidate in definition.links.values():
                if candidate.target_id == SUBGRAPH_OUTPUT_ID and candidate.target_slot == slot:
                    inner_link = candidate
                    break
        if inner_link is None:
            return None

        inner = definition.nodes.get(inner_link.origin_id)
        if inner is None and inner_link.origin_id in definition.skipped_nodes:
            return None  # the unreadable node entry is already reported
        if inner is None:
            raise ResolveError(
                f"output {slot} of subgraph {definition.name!r} comes from node {inner_link.origin_id}, "
                "which the subgraph does not contain", instance)
        inner_exec = self.nodes[":".join((*instance.path, instance.node.id, inner.id))]
        return self.resolve_output(inner_exec, inner_link.origin_slot, slot_type, visited)

    @staticmethod
    def bypass_input_index(exec_node: ExecNode, slot: int, slot_type: str) -> int:
        """Pick the input a bypassed node passes on to output ``slot``; -1 when none fits."""
        inputs = exec_node.inputs
        outputs = exec_node.node.outputs
        output_type = outputs[slot].type if slot < len(outputs) else "*"

        if slot_type in ("*", ""):
            if not inputs:
                return -1
            return slot if len(inputs) > slot else 0

        if slot < len(inputs):
            same = inputs[slot]
            if types_connect(same.type, output_type) and types_connect(same.type, slot_type):
                return slot

        for index, candidate in enumerate(inputs):
            if candidate.type == slot_type:
                return index

        for index, candidate in enumerate(inputs):
            if types_connect(candidate.type, output_type) and types_connect(candidate.type, slot_type):
                return index
        return -1
