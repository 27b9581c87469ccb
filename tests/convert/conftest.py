"""Fixtures of the conversion tests: the catalog the uiconv pairs were made with."""

from __future__ import annotations

from pathlib import Path

import pytest

from wfc.catalog import Catalog, load_catalog


@pytest.fixture(scope="session")
def blackwell_catalog(shared: Path) -> Catalog:
    """The object_info of ComfyUI 0.3.64 with the worker's node packs, as the frontend saw it."""
    return load_catalog(shared / "catalog" / "comfyui-0.3.64-blackwell.object_info.json")
