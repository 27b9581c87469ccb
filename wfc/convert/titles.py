"""Node titles as the editor shows them, for ``_meta.title`` in the prompt.

A node saved with a non-empty title keeps it. Otherwise the frontend uses its English display
name for the class when it has one, then the catalog's ``display_name``, then the class name.
The frontend's names (ComfyUI_frontend 1.27.10) are in ``wfc/data/frontend-titles.json``; they
differ from the catalog for classes whose ``display_name`` ComfyUI leaves empty.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from wfc.catalog import Catalog
from wfc.convert.document import UINode

# Titles the core frontend gives its own virtual nodes.
VIRTUAL_TITLES = {"PrimitiveNode": "Primitive", "Reroute": "Reroute", "Note": "Note", "MarkdownNote": "Markdown Note"}


@lru_cache(maxsize=1)
def frontend_titles() -> dict[str, str]:
    """Load the frontend's English display names by class name."""
    text = resources.files("wfc.data").joinpath("frontend-titles.json").read_text(encoding="utf-8")
    return dict(json.loads(text)["titles"])


def class_title(class_type: str, catalog: Catalog) -> str:
    """Return the title a new node of ``class_type`` gets in the editor."""
    title = frontend_titles().get(class_type) or VIRTUAL_TITLES.get(class_type)
    if title:
        return title
    node_class = catalog.get(class_type)
    if node_class is not None and node_class.display_name:
        return node_class.display_name
    return class_type


def node_title(node: UINode, catalog: Catalog) -> str:
    """Return the title the editor shows for a node: the saved one unless empty, else the class title."""
    if node.title:
        return node.title
    return class_title(node.type, catalog)
