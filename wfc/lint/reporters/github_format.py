"""GitHub Actions reporter: one workflow command (``::error file=...``) per finding.

Values are escaped as the runner's workflow command syntax requires: ``%``, CR and LF in the
message, and additionally ``:`` and ``,`` in properties.
"""

from __future__ import annotations

from wfc.diagnostics import Report, Severity

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    lines = []
    for result in report.files:
        for diagnostic in result.diagnostics:
            properties = [f"file={_escape_property(diagnostic.path or result.path)}"]
            if diagnostic.line is not None:
                properties.append(f"line={diagnostic.line}")
                if diagnostic.column is not None:
                    properties.append(f"col={diagnostic.column}")
            properties.append(f"title={_escape_property(f'{diagnostic.code} {diagnostic.rule}')}")
            message = diagnostic.message + (f"\nhint: {diagnostic.hint}" if diagnostic.hint else "")
            lines.append(f"::{_COMMANDS[diagnostic.severity]} {','.join(properties)}::{_escape_data(message)}")
    from wfc.lint.reporters.text_format import summary

    lines.append(f"wfc lint: {summary(report)}")
    return "\n".join(lines)
