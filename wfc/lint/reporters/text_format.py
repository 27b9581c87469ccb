"""Text reporter: ``path:line:col: CODE severity: message`` per finding, a hint line, a summary."""

from __future__ import annotations

from wfc.diagnostics import Diagnostic, Report, Severity

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if color else text


def _location(diagnostic: Diagnostic, file_path: str) -> str:
    path = diagnostic.path or file_path
    if diagnostic.line is None:
        return path
    if diagnostic.column is None:
        return f"{path}:{diagnostic.line}"
    return f"{path}:{diagnostic.line}:{diagnostic.column}"


def format_diagnostic(diagnostic: Diagnostic, file_path: str = "", color: bool = False) -> str:
    """Render one finding and its hint."""
    severity = _paint(str(diagnostic.severity), _COLORS[diagnostic.severity], color)
    line = f"{_location(diagnostic, file_path)}: {_paint(diagnostic.code, '1', color)} {severity}: {diagnostic.message}"
    if diagnostic.extra.get("feeds_output") is False:
        line += " [feeds no output]"
    line += f" [{diagnostic.rule}]"
    if diagnostic.hint:
        line += f"\n    hint: {diagnostic.hint}"
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
