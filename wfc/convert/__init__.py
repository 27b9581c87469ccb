"""Conversion of editor (UI-format) workflows to ComfyUI's API format.

``convert_ui(data, catalog)`` lowers a parsed editor file exactly as ComfyUI's frontend
(ComfyUI_frontend 1.27) does when it queues a workflow, and reports what the API format cannot
express as diagnostics on the UI node ids and titles.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wfc.catalog import Catalog
from wfc.convert.lower import Conversion, convert_document

__all__ = ["Conversion", "convert_ui"]


def convert_ui(data: dict[str, Any], catalog: Catalog, *, now: datetime | None = None) -> Conversion:
    """Lower an editor workflow to an API-format prompt; faults become diagnostics, never exceptions.

    ``now`` is the time ``%date:...%`` patterns in file name prefixes are filled with (default:
    the current local time, as the frontend uses when it queues).
    """
    return convert_document(data, catalog, now)
