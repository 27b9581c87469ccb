"""PrimitiveNode: a frontend-only node whose value is written into the widgets it feeds.

Before lowering, the frontend lets every PrimitiveNode copy its value (its first widget, saved as
``widgets_values[0]``) into the widget of each input its output is linked to, after applying the
``%Name.widget%`` replacements when its "Run widget replace on values" property is set. The
PrimitiveNode itself is virtual and never reaches the prompt, so its targets carry the value as a
literal. A target socket without a widget (a Reroute, say) is skipped, as in the frontend.
A PrimitiveNode whose output has no link that the file defines feeds nothing. The frontend ignores
it silently, so the conversion reports it (WFC611) to tell the user that its value goes nowhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wfc.convert import codes

if TYPE_CHECKING:
    from wfc.convert.lower import Lowering
    from wfc.convert.resolve import ExecNode

PRIMITIVE_NODE = "PrimitiveNode"

REPLACE_PROPERTY = "Run widget replace on values"


def apply_primitive_nodes(lowering: "Lowering") -> None:
    """Copy each PrimitiveNode's value into the widgets of the inputs it feeds."""
    applied: set[tuple[str, str]] = set()
    for exec_node in lowering.exec_nodes.values():
        node = exec_node.node
        key = (exec_node.graph.id, node.id)
        if node.type != PRIMITIVE_NODE or key in applied:
            continue
        applied.add(key)

        link_ids = node.outputs[0].links if node.outputs else []
        if not any(link_id in exec_node.graph.links for link_id in link_ids):
            if "outputs" not in node.unreadable:  # malformed outputs are already reported as WFC601
                report_unused(lowering, exec_node)
            continue

        saved = node.widgets_values
        if not isinstance(saved, list) or not saved:
            continue
        value = saved[0]
        if value and isinstance(value, str) and node.properties.get(REPLACE_PROPERTY):
            value = lowering.replace_text(exec_node, "value", value)

        for link_id in link_ids:
            link = exec_node.graph.links.get(link_id)
            if link is None:
                continue
            target = lowering.exec_nodes.get(":".join((*exec_node.path, link.target_id)))
            if target is None:
                continue
            slot = next((slot for slot in target.inputs if slot.link == link_id), None)
            if slot is None or slot.widget is None:
                continue
            values = lowering.values_of(target)
            if values is not None:
                values.set(slot.widget, value)


def report_unused(lowering: "Lowering", exec_node: "ExecNode") -> None:
    """Report a PrimitiveNode whose output reaches no input."""
    saved = exec_node.node.widgets_values
    value = f" (value {saved[0]!r})" if isinstance(saved, list) and saved else ""
    lowering.report(codes.PRIMITIVE_UNUSED, exec_node,
                    f"{lowering.describe(exec_node)}{value} is linked to no input, so its value is not "
                    "sent; the frontend ignores it too",
                    hint="link its output to the widget input it should set, or delete the node")
