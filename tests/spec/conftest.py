"""Helpers of the spec and compiler tests: the project settings and a spec writer."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Callable

import pytest


@pytest.fixture(scope="session")
def project_config(root):
    from wfc.config import load_config

    return load_config(root / "pyproject.toml")


@pytest.fixture
def write_spec(tmp_path) -> Callable[[str, str], Path]:
    """Write a spec module into tmp_path and return its path; the text is dedented."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write
