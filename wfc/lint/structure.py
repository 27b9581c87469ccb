"""Structure rules (WFC1xx): is this a readable API-format graph whose links point somewhere?

These rules need no catalog except for the output index check and the output node check. A
document that fails them is still checked as far as possible: malformed nodes are left out of
the graph and every other node goes on to the catalog rules.
"""

from __future__ import annotations

from typing import Any

from wfc.diagnostics import Severity
from wfc.graph import ParseProblem, as_link, graph_from_json, is_ui_format, pointer, ui_keys_present
from wfc.lint.context import LintContext
from wfc.lint.registry import rule


@rule("WFC101", "invalid-json")
def _invalid_json() -> None:
    """The file is not valid JSON (syntax error, truncated file, not UTF-8 text).

    Why:
        ComfyUI rejects the request before it looks at any node, and a truncated file usually
        means an interrupted export or download.

    Bad:
        {"3": {"class_type": "KSampler", "inputs": {"seed": 1

    Good:
        {"3": {"class_type": "KSampler", "inputs": {"seed": 1}}}
    """


@rule("WFC102", "file-too-large")
def _file_too_large() -> None:
    """The file is larger than any workflow wfc reads (64 MiB).

    Why:
        Workflows are a few kilobytes to a few megabytes. A file this large is almost always the
        wrong file (an image or a model) and reading it would only waste memory.

    Bad:
        wfc lint model.safetensors

    Good:
        wfc lint workflow_api.json
    """


@rule("WFC103", "nested-too-deep")
def _nested_too_deep() -> None:
    """The JSON nests deeper than 64 levels.

    Why:
        An API-format workflow nests about four levels. Deeper nesting is not a workflow and can
        exhaust the recursion limit of JSON readers, ComfyUI's included.

    Bad:
        {"1": {"class_type": "X", "inputs": {"a": [[[[[[...]]]]]]}}}

    Good:
        {"1": {"class_type": "X", "inputs": {"a": 1}}}
    """


@rule("WFC104", "invalid-number")
def _invalid_number() -> None:
    """A number is NaN, Infinity, overflows to infinity, or has too many digits to read.

    Why:
        These are not valid JSON numbers. Python's reader accepts NaN and turns 1e400 into
        infinity, so a ComfyUI server may take them and fail later inside a node.

    Bad:
        "cfg": NaN

    Good:
        "cfg": 7.0
    """


@rule("WFC105", "not-an-object")
def _not_an_object() -> None:
    """The top level is not a JSON object of node id to node.

    Why:
        ComfyUI's API format is an object keyed by node id; a list, string or number is not a
        workflow, and a wrapper such as {"prompt": {...}} is the request body, not the graph.

    Bad:
        [{"class_type": "KSampler", "inputs": {}}]

    Good:
        {"3": {"class_type": "KSampler", "inputs": {}}}
    """


@rule("WFC106", "ui-format")
def _ui_format() -> None:
    """The file is the editor's saved format (top-level "nodes" and "links"), not the API format.

    Why:
        ComfyUI's /prompt endpoint and the worker take the API format. An editor file posted as
        is gets rejected, and a checker that skips its wrapper keys would report it as clean
        while checking nothing. wfc lints the converted graph when a converter is available and
        always reports that the file is in the editor's format.

    Bad:
        {"last_node_id": 9, "nodes": [...], "links": [...]}

    Good:
        {"3": {"class_type": "KSampler", "inputs": {...}}}
        (in the editor: Workflow > Export (API), or `wfc convert FILE -o FILE_api.json`)
    """


@rule("WFC107", "node-not-object")
def _node_not_object() -> None:
    """A node entry is not a JSON object.

    Why:
        Every value of the top-level object must be a node {"class_type", "inputs"}; ComfyUI
        fails with an exception on anything else.

    Bad:
        {"3": "KSampler"}

    Good:
        {"3": {"class_type": "KSampler", "inputs": {...}}}
    """


@rule("WFC108", "class-type-missing", comfy_type="invalid_prompt")
def _class_type_missing() -> None:
    """A node has no "class_type", or it is not a string.

    Why:
        ComfyUI rejects the whole prompt ("a node is missing the class_type property") before
        it validates any input.

    Bad:
        {"3": {"inputs": {"seed": 1}}}

    Good:
        {"3": {"class_type": "KSampler", "inputs": {"seed": 1}}}
    """


@rule("WFC109", "inputs-invalid")
def _inputs_invalid() -> None:
    """A node has no "inputs" object, or "inputs" is not an object.

    Why:
        ComfyUI reads node["inputs"] without a default, so a missing or malformed inputs entry
        crashes its validator instead of producing a clear error.

    Bad:
        {"9": {"class_type": "SaveImage"}}

    Good:
        {"9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "out"}}}
    """


@rule("WFC110", "malformed-link", comfy_type="bad_linked_input")
def _malformed_link() -> None:
    """A list value is not a link [source node id (string), output index (integer)].

    Why:
        ComfyUI treats every list as a link. A list of another length is bad_linked_input. A
        numeric node id or a string index makes ComfyUI's validator raise an exception that
        does not name the fault.

    Bad:
        "model": [4, 0]
        "model": ["4", "0"]
        "model": ["4", 0, 1]

    Good:
        "model": ["4", 0]
    """


@rule("WFC111", "dangling-link")
def _dangling_link() -> None:
    """A link points at a node id that is not in the workflow.

    Why:
        Usually a node was deleted from an exported prompt. ComfyUI 0.3.64 raises a KeyError
        inside its validator (exception_during_inner_validation) instead of naming the missing
        node. wfc names the consumer, the input and the missing id, for every reference.

    Bad:
        "3": {"class_type": "KSampler", "inputs": {"model": ["4", 0], ...}}   (no node "4")

    Good:
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "model.safetensors"}}
    """


@rule("WFC112", "output-index-out-of-range")
def _output_index_out_of_range() -> None:
    """A link reads an output slot the source node's class does not have.

    Why:
        ComfyUI indexes the source class's outputs with the slot number and raises an
        IndexError inside its validator. A negative index silently counts from the end (a
        warning).

    Bad:
        "vae": ["4", 5]    (CheckpointLoaderSimple has outputs 0 MODEL, 1 CLIP, 2 VAE)

    Good:
        "vae": ["4", 2]
    """


@rule("WFC113", "cycle")
def _cycle() -> None:
    """Links form a cycle, so no node of the cycle can ever run.

    Why:
        ComfyUI's validation does not detect cycles; the prompt is accepted and execution then
        fails with "Dependency cycle detected".

    Bad:
        "1": {"inputs": {"x": ["2", 0]}}, "2": {"inputs": {"y": ["1", 0]}}

    Good:
        links that only point from earlier steps to later ones
    """


@rule("WFC114", "no-output-node", comfy_type="prompt_no_outputs")
def _no_output_node() -> None:
    """No node of the workflow is an output node (SaveImage, PreviewImage, ...).

    Why:
        ComfyUI executes only what output nodes depend on and rejects a prompt without any
        ("Prompt has no outputs").

    Bad:
        a graph that ends in VAEDecode

    Good:
        VAEDecode feeding a SaveImage node
    """


@rule("WFC115", "duplicate-node-id")
def _duplicate_node_id() -> None:
    """The same node id appears twice at the top level.

    Why:
        JSON readers keep only the last value, so one of the two nodes silently disappears.

    Bad:
        {"3": {...KSampler...}, "3": {...VAEDecode...}}

    Good:
        {"3": {...KSampler...}, "8": {...VAEDecode...}}
    """


@rule("WFC116", "duplicate-key", severity="warning")
def _duplicate_key() -> None:
    """A key appears twice in the same object (for example one input set twice).

    Why:
        JSON readers keep only the last value, so the first one is silently ignored.

    Bad:
        "inputs": {"seed": 1, "seed": 2}

    Good:
        "inputs": {"seed": 2}
    """


@rule("WFC117", "unreadable-file")
def _unreadable_file() -> None:
    """The file cannot be read (permissions, a folder, an I/O error).

    Why:
        Nothing in it can be checked, so the run must not count it as clean.

    Bad:
        a file without read permission

    Good:
        a readable file
    """


PARSE_CODES = {
    "invalid_json": "WFC101",
    "not_utf8": "WFC101",
    "too_large": "WFC102",
    "too_deep": "WFC103",
    "invalid_number": "WFC104",
}


def report_parse_problems(ctx: LintContext, problems: list[ParseProblem]) -> None:
    """Turn the parser's problems into diagnostics."""
    for problem in problems:
        line = problem.position.line if problem.position else None
        column = problem.position.column if problem.position else None
        if problem.kind == "duplicate_key":
            depth = problem.pointer.count("/")
            code = "WFC115" if depth == 1 else "WFC116"
            node = problem.pointer.split("/")[1] if depth >= 1 else None
            message = problem.message
            if code == "WFC115":
                message = f"node id {node!r} appears more than once; only the last node with that id is kept"
            ctx.report(code, message, at=problem.pointer, line=line, column=column,
                       node=node if depth >= 1 else None,
                       hint="give each node its own id" if code == "WFC115" else "remove the repeated key")
            continue
        code = PARSE_CODES.get(problem.kind, "WFC101")
        ctx.report(code, problem.message, line=line, column=column, hint=_parse_hint(problem.kind))


def _parse_hint(kind: str) -> str:
    return {
        "invalid_json": "export the workflow again from the editor (Workflow > Export (API))",
        "not_utf8": "save the file as UTF-8",
        "too_large": "check that this is a workflow file and not an image or a model",
        "too_deep": "check that this is an API-format workflow",
        "invalid_number": "write finite numbers with at most a few thousand digits",
    }.get(kind, "fix the JSON")


def check_top_level(ctx: LintContext) -> bool:
    """Report a top level that is not an API-format object; return whether nodes can be read."""
    data = ctx.data
    if isinstance(data, dict) and not is_ui_format(data):
        if "prompt" in data and isinstance(data["prompt"], dict) and "class_type" not in data["prompt"]:
            ctx.report("WFC105", "the top level is a /prompt request body, not a workflow",
                       hint='lint the object under "prompt", or save only the graph')
            return False
        return True
    if is_ui_format(data):
        keys = ", ".join(ui_keys_present(data))
        ctx.report(
            "WFC106",
            f"this is the editor's saved format (keys: {keys}), not the API format; nothing in it was checked",
            hint="export the API format in the editor (Workflow > Export (API)) or run `wfc convert FILE -o OUT`",
        )
        return False
    kind = "null" if data is None else type(data).__name__
    kind = {"list": "array", "str": "string", "int": "number", "float": "number", "bool": "boolean"}.get(kind, kind)
    ctx.report("WFC105", f"the top level is a JSON {kind}, not an object of node id to node",
               hint='an API-format workflow looks like {"3": {"class_type": "KSampler", "inputs": {...}}}')
    return False


def check_nodes(ctx: LintContext) -> None:
    """Report malformed node entries and build ``ctx.graph`` from the well-formed ones."""
    for node_id, entry in ctx.data.items():
        if not isinstance(entry, dict):
            ctx.report("WFC107", f"node {node_id!r} is a JSON {type(entry).__name__}, not an object",
                       node=node_id, hint='write the node as {"class_type": ..., "inputs": {...}}')
            continue
        class_type = entry.get("class_type")
        if class_type is None:
            ctx.report("WFC108", f"node {node_id!r} has no class_type", node=node_id,
                       hint="add the node's class, for example \"class_type\": \"KSampler\"")
        elif not isinstance(class_type, str):
            ctx.report("WFC108", f"node {node_id!r} has a class_type that is not a string: {class_type!r}",
                       node=node_id, at=pointer(node_id, "class_type"))
        if "inputs" not in entry:
            ctx.report("WFC109", f"node {node_id!r} has no inputs object", node=node_id,
                       comfy_type="exception_during_validation", hint='add "inputs": {} even when the node takes none')
        elif not isinstance(entry["inputs"], dict):
            ctx.report("WFC109", f"node {node_id!r} has inputs that are a JSON {type(entry['inputs']).__name__}, not an object",
                       node=node_id, at=pointer(node_id, "inputs"), comfy_type="exception_during_validation")
    ctx.graph = graph_from_json(ctx.data)


def check_links(ctx: LintContext) -> None:
    """Report malformed links, links to missing nodes and output slots out of range."""
    data = ctx.data
    catalog = ctx.catalog
    for node in ctx.graph:
        subject = ctx.subject(node.id)
        for name, value in node.inputs.items():
            if not isinstance(value, list):
                continue
            _check_one_link(ctx, node.id, subject, name, value, data, catalog)


def _check_one_link(ctx: LintContext, node_id: str, subject: Any, name: str, value: list[Any], data: dict[str, Any], catalog: Any) -> None:
    if len(value) != 2:
        ctx.report("WFC110", f"{subject}: input '{name}' is a list of {len(value)} items; "
                   "ComfyUI reads every list as a link [node id, output index]",
                   node=node_id, input=name,
                   hint='write a link as ["4", 0]; to pass a list as a value, wrap it: {"__value__": [...]}')
        return
    source, index = value
    if not isinstance(source, str):
        ctx.report("WFC110", f"{subject}: input '{name}' links to node id {source!r}, which is not a string",
                   node=node_id, input=name, comfy_type="exception_during_inner_validation",
                   hint=f'node ids are strings: ["{source}", {index!r}]' if isinstance(source, int) else "use the source node's id as a string")
        return
    if not isinstance(index, int) or isinstance(index, bool):
        ctx.report("WFC110", f"{subject}: input '{name}' reads output {index!r} of node '{source}', which is not an integer",
                   node=node_id, input=name, comfy_type="exception_during_inner_validation",
                   hint=f'output indexes are integers: ["{source}", 0]')
        return
    if source not in data:
        ctx.report("WFC111", f"{subject}: input '{name}' links to node '{source}', which is not in the workflow",
                   node=node_id, input=name, hint=f"add node '{source}' back or link '{name}' to an existing node",
                   extra={"source": source})
        return

    source_node = ctx.graph.nodes.get(source)
    source_class = catalog.get(source_node.class_type) if (catalog is not None and source_node) else None
    if source_class is None:
        return
    count = len(source_class.outputs)
    if index >= count or index < -count:
        outputs = ", ".join(f"{out.index} {out.type}" for out in source_class.outputs) or "none"
        ctx.report("WFC112", f"{subject}: input '{name}' reads output {index} of node '{source}' ({source_class.name}), "
                   f"which has {count} output{'s' if count != 1 else ''} ({outputs})",
                   node=node_id, input=name, extra={"source": source, "output": index})
    elif index < 0:
        ctx.report("WFC112", f"{subject}: input '{name}' reads output {index} of node '{source}'; a negative index "
                   f"counts from the end and means output {count + index}",
                   node=node_id, input=name, severity=Severity.WARNING, hint=f'write ["{source}", {count + index}]')


def check_cycles(ctx: LintContext) -> None:
    """Report each set of nodes that depend on each other through links (Tarjan's algorithm)."""
    successors: dict[str, list[str]] = {node.id: [] for node in ctx.graph}
    for consumer, _, link in ctx.edges():
        if link.source in successors:
            successors[link.source].append(consumer)

    remaining = _left_after_topological_sort(successors)
    if not remaining:
        return
    successors = {node: [child for child in children if child in remaining]
                  for node, children in successors.items() if node in remaining}
    for component in _strongly_connected(successors):
        if len(component) == 1:
            _report_self_link(ctx, component[0], successors)
            continue
        members = sorted(component, key=_id_order)
        first = members[0]
        path = " -> ".join(members + [first])
        ctx.report("WFC113", f"nodes {', '.join(members)} form a cycle ({path}); none of them can run",
                   node=first, hint="remove one of the links that closes the cycle", extra={"cycle": members})


def _report_self_link(ctx: LintContext, node_id: str, successors: dict[str, list[str]]) -> None:
    """Report a node that reads one of its own outputs: the smallest cycle, with the input named."""
    if node_id not in successors[node_id]:
        return
    inputs = [name for consumer, name, link in ctx.edges() if consumer == node_id and link.source == node_id]
    named = ", ".join(repr(name) for name in inputs)
    reads = "input {} reads" if len(inputs) == 1 else "inputs {} read"
    ctx.report("WFC113", f"node {node_id} links to itself ({reads.format(named)} the node's own output); it can never run",
               node=node_id, input=inputs[0] if inputs else None,
               hint="link the input to another node's output", extra={"cycle": [node_id]})


def _id_order(node_id: str) -> tuple[int, int | str]:
    return (0, int(node_id)) if node_id.isdigit() else (1, node_id)


def _left_after_topological_sort(successors: dict[str, list[str]]) -> set[str]:
    """Return the nodes Kahn's algorithm cannot order: those on a cycle or downstream of one."""
    indegree = dict.fromkeys(successors, 0)
    for children in successors.values():
        for child in children:
            indegree[child] += 1
    ready = [node for node, count in indegree.items() if count == 0]
    while ready:
        node = ready.pop()
        for child in successors[node]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    return {node for node, count in indegree.items() if count > 0}


def _strongly_connected(successors: dict[str, list[str]]) -> list[list[str]]:
    """Return the strongly connected components, iteratively so deep graphs cannot overflow."""
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0

    for start in successors:
        if start in index_of:
            continue
        work = [(start, 0)]
        while work:
            node, child_index = work.pop()
            if child_index == 0:
                index_of[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = successors[node]
            if child_index < len(children):
                work.append((node, child_index + 1))
                child = children[child_index]
                if child not in index_of:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index_of[child])
                continue
            if low[node] == index_of[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components


def check_output_nodes(ctx: LintContext) -> None:
    """Report a workflow without any output node, when every class is known."""
    catalog = ctx.catalog
    if catalog is None:
        return
    if not ctx.data:
        ctx.report("WFC114", "the workflow has no nodes", hint="export a workflow that contains at least a SaveImage node")
        return
    classes = [catalog.get(node.class_type) for node in ctx.graph]
    if not classes or any(found is None for found in classes):
        return
    if not any(found.output_node for found in classes if found is not None):
        ctx.report("WFC114", "no node of the workflow is an output node, so ComfyUI has nothing to run",
                   hint="add an output node such as SaveImage and link the result into it")
