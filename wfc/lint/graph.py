"""Graph rules (WFC3xx): nodes that do no work, and node classes on their way out.

ComfyUI runs only what an output node depends on and reports nothing about the rest, so a node
whose result nothing uses is either dead weight or a link someone forgot to draw.
"""

from __future__ import annotations

from wfc.lint.context import LintContext
from wfc.lint.registry import rule


@rule("WFC301", "output-unused", severity="warning")
def _output_unused() -> None:
    """No node uses any output of this node, and it is not an output node.

    Why:
        ComfyUI never runs it. Often a link was meant to start here (an encoded latent that
        should feed the sampler), or the node is left over from an edit.

    Bad:
        "88": {"class_type": "VAEEncode", ...}   (no input links to ["88", 0])

    Good:
        "3": {"class_type": "KSampler", "inputs": {"latent_image": ["88", 0], ...}}
    """


@rule("WFC302", "feeds-no-output", severity="warning")
def _feeds_no_output() -> None:
    """The node's outputs are used, but no output node depends on it.

    Why:
        Its whole branch ends in nodes whose results nothing uses, so ComfyUI never runs it and
        never validates it; its faults stay hidden until someone connects the branch.

    Bad:
        LoadImage -> ImageScale -> (nothing)

    Good:
        LoadImage -> ImageScale -> SaveImage
    """


@rule("WFC303", "deprecated-node", severity="warning")
def _deprecated_node() -> None:
    """The node's class is marked deprecated in the catalog.

    Why:
        Deprecated classes are removed in later releases; a workflow that uses one breaks on
        the next upgrade of ComfyUI or the node pack.

    Bad:
        a class whose object_info entry has "deprecated": true

    Good:
        the class that replaces it
    """


@rule("WFC304", "experimental-node", severity="info")
def _experimental_node() -> None:
    """The node's class is marked experimental in the catalog.

    Why:
        Experimental classes may change inputs or behaviour between releases without notice.

    Bad:
        a class whose object_info entry has "experimental": true

    Good:
        a stable class, or pin the ComfyUI release
    """


def output_ancestors(ctx: LintContext) -> set[str]:
    """Return the ids of output nodes and every node they depend on through links."""
    catalog = ctx.catalog
    if catalog is None:
        return set()
    sources: dict[str, list[str]] = {}
    for consumer, _, link in ctx.edges():
        sources.setdefault(consumer, []).append(link.source)
    stack = [node.id for node in ctx.graph if (found := catalog.get(node.class_type)) is not None and found.output_node]
    seen = set(stack)
    while stack:
        for source in sources.get(stack.pop(), ()):
            if source in ctx.graph.nodes and source not in seen:
                seen.add(source)
                stack.append(source)
    return seen


def check_usage(ctx: LintContext, feeding: set[str]) -> None:
    """Report nodes whose outputs nothing uses and nodes that feed no output node."""
    catalog = ctx.catalog
    if catalog is None:
        return
    used = {link.source for _, _, link in ctx.edges()}
    has_output_node = bool(feeding)
    for node in ctx.graph:
        node_class = catalog.get(node.class_type)
        if node_class is None or node_class.output_node:
            continue
        subject = ctx.subject(node.id)
        if node.id not in used:
            if node_class.outputs:
                ctx.report("WFC301", f"{subject}: no node uses its output{'s' if len(node_class.outputs) > 1 else ''} "
                           f"({', '.join(out.type for out in node_class.outputs)}), so ComfyUI never runs it",
                           node=node.id, hint="link its output into the node that should use it, or delete the node")
        elif has_output_node and node.id not in feeding:
            ctx.report("WFC302", f"{subject}: no output node depends on it, so ComfyUI never runs or checks it",
                       node=node.id, hint="connect its branch to an output node, or delete the branch")


def check_lifecycle(ctx: LintContext) -> None:
    """Report deprecated and experimental classes."""
    catalog = ctx.catalog
    if catalog is None:
        return
    for node in ctx.graph:
        node_class = catalog.get(node.class_type)
        if node_class is None:
            continue
        if node_class.deprecated:
            ctx.report("WFC303", f"{ctx.node_subject(node.id)}: class {node_class.name} is deprecated",
                       node=node.id, hint="replace it with the class its node pack recommends")
        if node_class.experimental:
            ctx.report("WFC304", f"{ctx.node_subject(node.id)}: class {node_class.name} is experimental",
                       node=node.id, hint="expect changes to its inputs between releases")
