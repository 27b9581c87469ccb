"""PrimitiveNode: a frontend-only node whose value is written into the widgets it feeds.

Before lowering, the frontend lets every PrimitiveNode copy its value (its first widget, saved as
``widgets_values[0]``) into the widget of each input its output is linked to. The PrimitiveNode
itself is virtual and never reaches the prompt, and its targets then carry the value as a literal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wfc.convert.lower import Lowering

PRIMITIVE_NODE = "PrimitiveNode"


def apply_primitive_nodes(lowering: "Lowering") -> None:
    """Copy each PrimitiveNode's value into the widgets of the inputs it feeds."""
    applied: set[tuple[str, str]] = set()
    for exec_node in lowering.exec_nodes.values():
        node = exec_node.node
        key = (exec_node.graph.id, node.id)
        if node.type != PRIMITIVE_NODE or key in applied:
            continue
        applied.add(key)

        saved = node.widgets_values
        if not isinstance(saved, list) or not saved or not node.outputs:
            continue
        value = saved[0]

        for link_id in node.outputs[0].links:
            link = exec_node.graph.links.get(link_id)
            if link is None:
                continue
            target = exec_node.graph.nodes.get(link.target_id)
            if target is None or link.target_slot >= len(target.inputs):
                continue
            slot = target.inputs[link.target_slot]
            target_exec = lowering.exec_nodes.get(":".join((*exec_node.path, target.id)))
            if target_exec is None:
                continue
            values = lowering.values_of(target_exec)
            if values is not None:
                values.set(slot.widget or slot.name, value)
