"""Execution order of the root graph, as litegraph computes it before lowering.

The frontend visits the root graph's nodes in litegraph's topological order, which is Kahn's
algorithm: nodes with no linked input first, in file order, then each node once all its linked
inputs are visited. Nodes left over, as in a cycle, come last in ascending id order. Each
subgraph instance's inner nodes follow it, in their definition's order. The order decides only the order of the
prompt's keys that are not integers, such as ``12:5``.
"""

from __future__ import annotations

from collections import deque

from wfc.convert.document import InputSlot, UIGraph, UINode


def execution_order(graph: UIGraph, inputs_of: dict[str, list[InputSlot]]) -> list[UINode]:
    """Return the graph's nodes in litegraph's execution order; ``inputs_of`` gives each node's sockets."""
    remaining: dict[str, int] = {}
    ready: deque[UINode] = deque()
    for node in graph.nodes.values():
        linked = sum(1 for slot in inputs_of.get(node.id, node.inputs) if slot.link is not None)
        if linked == 0:
            ready.append(node)
        else:
            remaining[node.id] = linked

    ordered: list[UINode] = []
    placed: set[str] = set()
    visited_links: set[int] = set()
    while ready:
        node = ready.popleft()
        ordered.append(node)
        placed.add(node.id)
        for output in node.outputs:
            for link_id in output.links:
                link = graph.links.get(link_id)
                if link is None or link.id in visited_links:
                    continue
                visited_links.add(link.id)
                target = graph.nodes.get(link.target_id)
                if target is None or target.id not in remaining:
                    continue
                remaining[target.id] -= 1
                if remaining[target.id] == 0:
                    ready.append(target)

    leftover = [node for node in graph.nodes.values() if node.id not in placed]
    leftover.sort(key=_javascript_key_order)
    return ordered + leftover


def _javascript_key_order(node: UINode) -> tuple[int, int, int]:
    """Sort as a JavaScript object iterates keys: integer keys ascending, then others as inserted."""
    if node.id.isdigit() and (node.id == "0" or not node.id.startswith("0")):
        return (0, int(node.id), 0)
    return (1, 0, node.index)
