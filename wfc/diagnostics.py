"""Diagnostics: what every check in wfc reports, and the report that owns counts and exit codes.

A diagnostic carries a code (``WFC201``), the rule name (``required-input-missing``), a severity,
a message, where it sits (file, JSON pointer, node id, input, line and column) and, when ComfyUI
has an error type for the same fault, that type (``required_input_missing``). The field names of
``Diagnostic.to_json`` are the public JSON interface of ``wfc lint --format json``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.IntEnum):
    INFO = 0
    WARNING = 1
    ERROR = 2

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}; expected error, warning or info") from None


# Exit codes of every wfc command (documented in --help and the README).
EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


@dataclass
class Diagnostic:
    """One finding."""

    code: str
    rule: str
    severity: Severity
    message: str
    path: str = ""
    pointer: str = ""
    node: str | None = None
    class_type: str | None = None
    input: str | None = None
    line: int | None = None
    column: int | None = None
    comfy_type: str | None = None
    hint: str | None = None
    title: str | None = None  # the node's title, kept as written (non-ASCII included)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "rule": self.rule,
            "severity": str(self.severity),
            "comfy_type": self.comfy_type,
            "node": self.node,
            "class_type": self.class_type,
            "input": self.input,
            "pointer": self.pointer,
            "line": self.line,
            "column": self.column,
            "title": self.title,
            "message": self.message,
            "hint": self.hint,
        }
        if self.extra:
            data["extra"] = self.extra
        return data

    def sort_key(self) -> tuple[Any, ...]:
        return (self.path, self.line or 0, self.column or 0, self.code, self.node or "", self.input or "")


@dataclass
class FileResult:
    """The diagnostics of one checked file."""

    path: str
    format: str  # "api", "ui", "spec", "artifact", "unknown"
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass
class Report:
    """The outcome of one run over several files; owns the counts and the exit code."""

    files: list[FileResult] = field(default_factory=list)
    fail_on: Severity = Severity.ERROR

    def count(self, severity: Severity) -> int:
        return sum(1 for result in self.files for diag in result.diagnostics if diag.severity == severity)

    @property
    def errors(self) -> int:
        return self.count(Severity.ERROR)

    @property
    def warnings(self) -> int:
        return self.count(Severity.WARNING)

    @property
    def exit_code(self) -> int:
        failing = any(
            diag.severity >= self.fail_on for result in self.files for diag in result.diagnostics
        )
        return EXIT_FINDINGS if failing else EXIT_CLEAN

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "files": [
                {
                    "path": result.path,
                    "format": result.format,
                    "diagnostics": [diag.to_json() for diag in result.diagnostics],
                }
                for result in self.files
            ],
            "summary": {"files": len(self.files), "errors": self.errors, "warnings": self.warnings},
        }
