"""Node types that exist only in the editor: the core frontend's own and those of common node packs.

ComfyUI never receives these classes. The core frontend's are handled exactly (notes are dropped,
Reroute passes its input through, PrimitiveNode writes its value into its targets). Of other
packs' frontend-only nodes, those that only change the editor are dropped, plain reroutes pass
their input through, and those that rewire links by name are reported, because their effect
depends on code wfc does not run.
"""

from __future__ import annotations

# Virtual node types registered by the core frontend.
CORE_VIRTUAL = frozenset({"Note", "MarkdownNote", "PrimitiveNode", "Reroute"})

# Other packs' reroutes: one input passed to one output, like the core Reroute.
PASS_THROUGH_NODES = frozenset({"Reroute (rgthree)"})

# Other packs' nodes that only act in the editor (labels, bookmarks, group mode switches).
DATALESS_NODES = frozenset({
    "Bookmark (rgthree)",
    "Label (rgthree)",
    "Fast Groups Bypasser (rgthree)",
    "Fast Groups Muter (rgthree)",
    "Fast Bypasser (rgthree)",
    "Fast Muter (rgthree)",
    "Fast Actions Button (rgthree)",
    "Note Plus (mtb)",
})

# Other packs' nodes that rewire links in the frontend, with what they do.
LINK_REWIRING_NODES = {
    "SetNode": "KJNodes' Set node stores a link under a name for Get nodes",
    "GetNode": "KJNodes' Get node takes the link a Set node stored under its name",
    "Anything Everywhere": "cg-use-everywhere broadcasts a link to matching inputs",
    "Anything Everywhere3": "cg-use-everywhere broadcasts links to matching inputs",
    "Anything Everywhere?": "cg-use-everywhere broadcasts a link to inputs matching a pattern",
    "Prompts Everywhere": "cg-use-everywhere broadcasts prompts to matching inputs",
    "Seed Everywhere": "cg-use-everywhere broadcasts a seed to matching inputs",
}


def describe_frontend_only(node_type: str) -> str | None:
    """Explain why a frontend-only node of another pack cannot be lowered, or return None."""
    what = LINK_REWIRING_NODES.get(node_type)
    if what is None:
        return None
    return f"{what}; this exists only in that pack's frontend code, so the converter cannot follow its links"
