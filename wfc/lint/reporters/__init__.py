"""Reporters: one module per output format of ``wfc lint``.

Each module exposes ``render(report, **options) -> str``. JSON and SARIF are stable interfaces
(JSON ``version`` 1, SARIF 2.1.0); text is for people and may change.
"""

from __future__ import annotations

import importlib

from wfc.diagnostics import Report

FORMATS = ("text", "json", "sarif", "github")


def render(report: Report, output_format: str, *, color: bool = False) -> str:
    """Render a report in one of ``FORMATS``."""
    if output_format not in FORMATS:
        raise ValueError(f"unknown output format {output_format!r}; expected one of {', '.join(FORMATS)}")
    module = importlib.import_module(f"wfc.lint.reporters.{output_format}_format")
    if output_format == "text":
        return module.render(report, color=color)
    return module.render(report)
