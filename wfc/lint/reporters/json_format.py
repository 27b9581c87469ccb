"""JSON reporter: the versioned interface of ``wfc lint --format json`` (see ``Report.to_json``)."""

from __future__ import annotations

import json

from wfc.diagnostics import Report


def render(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False)
