"""Shared fixtures: the project root, the committed catalog, and ../shared when it is present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("WFC_SHARED_DIR", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shared() -> Path:
    """The ../shared folder (conformance set, field cases, reference); skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: the shared conformance data and field cases are not available")
    return SHARED


@pytest.fixture(scope="session")
def worker_catalog():
    from wfc.catalog import load_catalog

    return load_catalog(ROOT / "worker" / "catalog.json")
