"""Text reporter: ``path:line:col: CODE severity: message`` per finding, a hint line, a summary.

Paths, messages and hints carry strings from the linted file (node titles, input names,
values), so control characters in them are escaped before printing. A title with a line break
would otherwise split a finding over several lines, and a line starting with ``::error`` would
be read by GitHub Actions as a workflow command.
"""

from __future__ import annotations

import re

from wfc.diagnostics import Diagnostic, Report, Severity

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}

# C0 and C1 control characters, DEL, the Unicode line and paragraph separators, and the
# bidirectional formatting characters that can reorder how a terminal shows a line.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape_one(match: re.Match[str]) -> str:
    return repr(match.group())[1:-1]


def escape_controls(text: str) -> str:
    """Escape control characters as Python's repr does (``\\n``, ``\\x1b``); keep other text, Korean included."""
    return _CONTROL.sub(_escape_one, text)


def _paint(text: str, code: str, color: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if color else text


def _location(diagnostic: Diagnostic, file_path: str) -> str:
    path = escape_controls(diagnostic.path or file_path)
    if diagnostic.line is None:
        return path
    if diagnostic.column is None:
        return f"{path}:{diagnostic.line}"
    return f"{path}:{diagnostic.line}:{diagnostic.column}"


def format_diagnostic(diagnostic: Diagnostic, file_path: str = "", color: bool = False) -> str:
    """Render one finding and its hint."""
    severity = _paint(str(diagnostic.severity), _COLORS[diagnostic.severity], color)
    message = escape_controls(diagnostic.message)
    line = f"{_location(diagnostic, file_path)}: {_paint(diagnostic.code, '1', color)} {severity}: {message}"
    if diagnostic.extra.get("feeds_output") is False:
        line += " [feeds no output]"
    line += f" [{diagnostic.rule}]"
    if diagnostic.hint:
        line += f"\n    hint: {escape_controls(diagnostic.hint)}"
    return line


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(report: Report) -> str:
    """Return the closing line: files checked and counts by severity."""
    infos = report.count(Severity.INFO)
    counts = [_plural(report.errors, "error"), _plural(report.warnings, "warning")]
    if infos:
        counts.append(_plural(infos, "note"))
    return f"{_plural(len(report.files), 'file')} checked: {', '.join(counts)}"


def render(report: Report, color: bool = False) -> str:
    lines = []
    for result in report.files:
        for diagnostic in result.diagnostics:
            lines.append(format_diagnostic(diagnostic, result.path, color))
    lines.append(summary(report))
    return "\n".join(lines)
