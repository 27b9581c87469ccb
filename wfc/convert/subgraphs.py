"""Subgraph instances: their input sockets and the widgets they promote from inside.

A subgraph instance shows one input socket per input of its definition. When an input of the
definition feeds a widget input of an inner node, the instance also shows a widget for it, and
its saved ``widgets_values`` contains those promoted widgets' values in the order of the
definition's inputs. An inner input fed from such a subgraph input takes the instance's widget
value, unless the instance's socket is linked.
"""

from __future__ import annotations

from typing import Any, Callable

from wfc.convert.document import SUBGRAPH_INPUT_ID, InputSlot, UIGraph, UINode


def instance_inputs(node: UINode, definition: UIGraph) -> list[InputSlot]:
    """Rebuild an instance's input sockets from its definition, taking each link from the saved socket of the same name.

    The editor saves only the sockets that are linked or show no widget, so the saved list can be
    shorter than the definition's and in another order. The frontend matches them by name.
    """
    saved: dict[str, InputSlot] = {}
    for slot in node.inputs:
        saved.setdefault(slot.name, slot)

    inputs = []
    for boundary in definition.inputs:
        saved_slot = saved.get(boundary.name)
        link = saved_slot.link if saved_slot is not None else None
        inputs.append(InputSlot(name=boundary.name, type=boundary.type, link=link, widget=boundary.name))
    return inputs


def promoted_targets(definition: UIGraph, index: int) -> list[tuple[UINode, InputSlot]]:
    """List the inner (node, input socket) pairs that subgraph input ``index`` feeds."""
    targets = []
    for link in definition.links.values():
        if link.origin_id != SUBGRAPH_INPUT_ID or link.origin_slot != index:
            continue
        node = definition.nodes.get(link.target_id)
        if node is None or link.target_slot >= len(node.inputs):
            continue
        targets.append((node, node.inputs[link.target_slot]))
    return targets


def promoted_widget_values(
    node: UINode,
    definition: UIGraph,
    inner_value: Callable[[UINode, str], tuple[bool, Any]],
) -> dict[int, Any]:
    """Return the instance's widget value per definition input index, for inputs that promote a widget.

    ``inner_value(node, widget name)`` returns (found, value) for an inner node's widget; the first
    inner widget found decides whether the input promotes one and gives its default value.
    """
    promoted: dict[int, Any] = {}
    for index in range(len(definition.inputs)):
        for target, slot in promoted_targets(definition, index):
            found, value = inner_value(target, slot.widget or slot.name)
            if found:
                promoted[index] = value
                break

    saved = node.widgets_values
    if isinstance(saved, list):
        for position, index in enumerate(sorted(promoted)):
            if position < len(saved):
                promoted[index] = saved[position]
    elif isinstance(saved, dict):
        for index in promoted:
            name = definition.inputs[index].name
            if name in saved:
                promoted[index] = saved[name]
    return promoted
