"""Execution order and output cache keys for the ComfyUI stand-in, as ComfyUI 0.3.64 computes them.

Order: ComfyUI's ``ExecutionList`` adds each output node and every uncached node it links from,
depth first through a stack. It then runs one ready node at a time. It prefers an output node,
then a node that feeds an output node directly, then one two links away. Otherwise it takes the
first ready node in the order the nodes were added.

Cache: ComfyUI's default (classic) cache keeps the outputs of the previous prompt's nodes under an
input signature: the class type, the ``IS_CHANGED`` value, the node id for classes with a hidden
``UNIQUE_ID`` input, the literal inputs and the signatures of linked nodes. Before a prompt runs,
entries it does not use are dropped. A cached node does not run and gets no ``executing``
message. A cached output node still sends ``executed`` with its earlier UI output.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable

from wfc.catalog import Catalog


def is_link(value: Any) -> bool:
    """Whether an input value is a link, by ComfyUI's rule: [node id string, int or float output]."""
    return (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)
            and isinstance(value[1], (int, float)))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_changed_values(prompt: dict[str, Any], input_dir: Path) -> dict[str, Any]:
    """IS_CHANGED per node: LoadImage returns the sha256 of its file, other stand-in classes have none."""
    values: dict[str, Any] = {}
    for node_id, node in prompt.items():
        image = node.get("inputs", {}).get("image")
        if node["class_type"] == "LoadImage" and isinstance(image, str) and (input_dir / image).is_file():
            values[node_id] = file_sha256(input_dir / image)
    return values


def signatures(prompt: dict[str, Any], catalog: Catalog, is_changed: dict[str, Any]) -> dict[str, str]:
    """Compute the cache key of every node in a validated prompt."""
    keys: dict[str, str] = {}

    def key_of(node_id: str, active: frozenset[str]) -> str:
        if node_id in keys:
            return keys[node_id]
        node = prompt[node_id]
        node_class = catalog.get(node["class_type"])
        parts: list[Any] = [node["class_type"], is_changed.get(node_id, False)]
        if node_class is not None and any(spec.type == "UNIQUE_ID" for spec in node_class.section("hidden")):
            parts.append(node_id)
        for name in sorted(node.get("inputs", {})):
            value = node["inputs"][name]
            if is_link(value) and value[0] in prompt and value[0] not in active:
                parts.append([name, "link", key_of(value[0], active | {node_id}), value[1]])
            else:
                parts.append([name, value])
        keys[node_id] = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
        return keys[node_id]

    for node_id in prompt:
        key_of(node_id, frozenset())
    return keys


def execution_order(prompt: dict[str, Any], outputs: list[str], cached: set[str],
                    is_output: Callable[[str], bool]) -> list[str]:
    """List the nodes to run (or, for cached output nodes, to report) in ComfyUI's order."""
    pending: dict[str, bool] = {}
    blocking: dict[str, dict[str, bool]] = {}
    block_count: dict[str, int] = {}

    for output_id in outputs:
        stack = [output_id]
        links: list[tuple[str, str]] = []
        while stack:
            node_id = stack.pop()
            if node_id in pending:
                continue
            pending[node_id] = True
            block_count[node_id] = 0
            blocking[node_id] = {}
            for value in prompt[node_id]["inputs"].values():
                if is_link(value) and value[0] not in cached:
                    stack.append(value[0])
                    links.append((value[0], node_id))
        for source, target in links:
            if target not in blocking[source]:
                blocking[source][target] = True
                block_count[target] += 1

    order = []
    while pending:
        ready = [node_id for node_id in pending if block_count[node_id] == 0]
        if not ready:
            break  # a cycle; validation already rejected it
        chosen = _pick(ready, blocking, is_output)
        order.append(chosen)
        del pending[chosen]
        for target in blocking.pop(chosen):
            block_count[target] -= 1
    return order


def _pick(ready: list[str], blocking: dict[str, dict[str, bool]], is_output: Callable[[str], bool]) -> str:
    for node_id in ready:
        if is_output(node_id):
            return node_id
    for node_id in ready:
        if any(is_output(target) for target in blocking[node_id]):
            return node_id
    for node_id in ready:
        if any(is_output(second) for target in blocking[node_id] for second in blocking.get(target, {})):
            return node_id
    return ready[0]
